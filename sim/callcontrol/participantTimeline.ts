import type { PbxDirectory } from '../pbxDirectory';
import type { SimCall, SimLeg } from '../simCall';

/**
 * How one scripted call looks through 3CX's Call Control API: the participants it puts on each
 * DN and how they change over time, derived from the call's own timeline (its legs), never from
 * the bridge's rules. The shapes follow docs/3cx-facts.md §2.1–§2.4; what the facts leave open is
 * the simulator's inference, marked [inf] and listed in sim/README.md "Call Control":
 *
 * - every hop of the caller (IVR, queue, ring group, extension, voicemail) is a participant on
 *   the DN it reached, whose party is the caller (`party_dn` the trunk, `Wexternalline`);
 * - an extension rings `Ringing` then `Connected` when answered; an IVR, a queue (it answers
 *   the caller with music) and the voicemail menu are `Connected` at once [inf];
 * - an extension with two devices rings both: two participants on one DN, the sibling removed
 *   when the other answers (§2.4 "other devices of the same DN") [inf];
 * - voicemail is a participant of the voicemail menu DN (`Wspecialmenu`, DN 666 as in the real
 *   exports, §8), on behalf of the box's extension (§2.4 [3p adial]);
 * - the caller's own participant lives on the trunk DN for the whole call; its party follows
 *   the call (IVR → queue → agent → voicemail) [inf];
 * - internal and outbound calls put a `Dialing` participant on the calling extension, whose
 *   `originated_by_dn` is itself (§2.3, §2.1 captured examples).
 */
export type ParticipantStatus = 'Dialing' | 'Ringing' | 'Connected';

/** `Participant` with exact field names (docs/3cx-facts.md §2.1; note the `*_type` spelling). */
export interface CallControlParticipant {
  id: number;
  status: ParticipantStatus;
  dn: string;
  party_caller_name: string;
  party_dn: string;
  party_caller_id: string;
  party_did: string;
  party_dn_type: string;
  device_id: string;
  direct_control: boolean;
  originated_by_dn: string;
  originated_by_type: string;
  referred_by_dn: string;
  referred_by_type: string;
  on_behalf_of_dn: string;
  on_behalf_of_type: string;
  callid: number;
  legid: number;
}

/** One participant over its life: its states in time order, then removal at `to`. */
export interface ParticipantSpan {
  dn: string;
  id: number;
  from: number;
  /** Removal time (the participant GET answers 404 from then on). */
  to: number;
  /** `at` ascending; `states[0].at === from`. */
  states: Array<{ at: number; participant: CallControlParticipant }>;
}

/** The voicemail menu's DN, "Voice Mail Menu (666)" in real exports (docs/3cx-facts.md §8). */
export const VOICEMAIL_MENU_DN = '666';

/** DN `type` / `party_dn_type` values (docs/3cx-facts.md §2.1 "Types"); `Wringgroup` [inf]. */
export const CALL_CONTROL_DN_TYPE = {
  extension: 'Wextension',
  external: 'Wexternalline',
  queue: 'Wqueue',
  ivr: 'Wivr',
  ringGroup: 'Wringgroup',
  voicemail: 'Wspecialmenu',
  routePoint: 'Wroutepoint',
} as const;

const NONE = 'None';

export interface TimelineContext {
  directory: PbxDirectory;
  /** Devices per extension (default 1). */
  devicesOf: (dn: string) => number;
  /** A fresh participant id (ids are unique across the PBX). */
  nextParticipantId: () => number;
}

/** Device ids as 3CX shows them: the SIP contact of each phone [inf]. */
export function deviceId(dn: string, index: number): string {
  return index === 0 ? `sip:${dn}@127.0.0.1:5060` : `sip:${dn}@127.0.0.1:5062;app`;
}

export function callParticipantSpans(call: SimCall, ctx: TimelineContext): ParticipantSpan[] {
  if (call.kind === 'internal' || call.kind === 'outbound') return placedCallSpans(call, ctx);
  return inboundSpans(call, ctx);
}

/**
 * The DN `type` of a leg's destination as Call Control names it; a kind of hop without a known
 * Call Control type (newer simulated hops) reads as an extension's [inf].
 */
const TYPE_OF_KIND: Readonly<Record<string, string>> = {
  ...CALL_CONTROL_DN_TYPE,
  parking: 'Wparkextension',
};

function dnTypeOf(leg: SimLeg): string {
  return TYPE_OF_KIND[leg.destinationKind] ?? CALL_CONTROL_DN_TYPE.extension;
}

function inboundSpans(call: SimCall, ctx: TimelineContext): ParticipantSpan[] {
  const spans: ParticipantSpan[] = [];
  const trunkDn = call.legs[0]?.row.SourceDn ?? ctx.directory.trunk.dn;
  const caller = {
    party_caller_name: call.callerName ?? '',
    party_dn: trunkDn,
    party_caller_id: call.caller,
    // Empty for inbound external calls (docs/3cx-facts.md §2.3 DID [3p tcad] [obs qmex]).
    party_did: '',
    party_dn_type: CALL_CONTROL_DN_TYPE.external,
  };
  const base = {
    direct_control: false,
    originated_by_dn: trunkDn,
    originated_by_type: CALL_CONTROL_DN_TYPE.external,
    callid: call.callId,
  };

  for (const leg of call.legs) {
    const relation = relationOf(leg);
    const dn =
      leg.destinationKind === 'voicemail' ? VOICEMAIL_MENU_DN : String(leg.row.DestinationDn);
    const answered = leg.row.Answered === true && leg.endedAt > leg.ringEndedAt;
    const common = {
      ...caller,
      ...base,
      ...relation,
      dn,
      legid: Number(leg.row.SegmentId),
    };
    if (leg.destinationKind === 'extension') {
      const devices = Math.max(1, ctx.devicesOf(dn));
      for (let d = 0; d < devices; d++) {
        const id = ctx.nextParticipantId();
        const participant = { ...common, id, device_id: deviceId(dn, d) };
        const states: ParticipantSpan['states'] = [
          { at: leg.startedAt, participant: { ...participant, status: 'Ringing' } },
        ];
        // The first device takes the call; its sibling stops ringing then (docs/3cx-facts.md §2.4).
        let to = leg.endedAt;
        if (answered) {
          if (d === 0) {
            states.push({
              at: leg.ringEndedAt,
              participant: { ...participant, status: 'Connected' },
            });
          } else to = leg.ringEndedAt;
        }
        if (to > leg.startedAt) spans.push({ dn, id, from: leg.startedAt, to, states });
      }
      continue;
    }
    if (leg.endedAt <= leg.startedAt) continue;
    const id = ctx.nextParticipantId();
    const status = leg.destinationKind === 'ringGroup' ? 'Ringing' : 'Connected';
    spans.push({
      dn,
      id,
      from: leg.startedAt,
      to: leg.endedAt,
      states: [
        {
          at: leg.startedAt,
          participant: { ...common, id, device_id: '', status },
        },
      ],
    });
  }

  const trunk = trunkSpan(call, trunkDn, ctx);
  if (trunk) spans.push(trunk);
  return spans;
}

/**
 * Who the hop is for: a queue or ring group rings its agents on its behalf, an extension's
 * voicemail answers on the extension's behalf, an IVR or a colleague transfers (refers) the
 * caller on (docs/3cx-facts.md §2.1 field names) [inf]. Read from the leg's `Action*` fields.
 */
function relationOf(
  leg: SimLeg,
): Pick<
  CallControlParticipant,
  'referred_by_dn' | 'referred_by_type' | 'on_behalf_of_dn' | 'on_behalf_of_type'
> {
  const none = {
    referred_by_dn: '',
    referred_by_type: NONE,
    on_behalf_of_dn: '',
    on_behalf_of_type: NONE,
  };
  const actionDn = leg.row.actionDnDn;
  if (!actionDn) return none;
  const actionType = actionTypeOf(leg.row.ActionDnType);
  if (leg.destinationKind === 'voicemail') {
    return { ...none, on_behalf_of_dn: actionDn, on_behalf_of_type: actionType };
  }
  if (actionType === CALL_CONTROL_DN_TYPE.queue || actionType === CALL_CONTROL_DN_TYPE.ringGroup) {
    return { ...none, on_behalf_of_dn: actionDn, on_behalf_of_type: actionType };
  }
  return { ...none, referred_by_dn: actionDn, referred_by_type: actionType };
}

/** The call-log DN type code of an action DN (sim/legShapes.ts DN_TYPE) as a Call Control type. */
function actionTypeOf(code: number | null | undefined): string {
  switch (code) {
    case 4:
      return CALL_CONTROL_DN_TYPE.queue;
    case 6:
      return CALL_CONTROL_DN_TYPE.ivr;
    case 16:
      return CALL_CONTROL_DN_TYPE.ringGroup;
    case 5:
      return CALL_CONTROL_DN_TYPE.voicemail;
    default:
      return CALL_CONTROL_DN_TYPE.extension;
  }
}

/**
 * The caller's own participant on the trunk DN, from arrival to hang-up: `Dialing` while what
 * it reached rings, `Connected` while something answers it; its party is the hop the caller is
 * on now [inf]. Removed only when the call is over, so its removal is the end of the call.
 */
function trunkSpan(call: SimCall, trunkDn: string, ctx: TimelineContext): ParticipantSpan | null {
  if (call.endedAt <= call.startedAt) return null;
  const id = ctx.nextParticipantId();
  const times = new Set<number>([call.startedAt]);
  for (const leg of call.legs) {
    times.add(leg.startedAt);
    times.add(leg.ringEndedAt);
    times.add(leg.endedAt);
  }
  const sorted = [...times].filter((t) => t < call.endedAt).sort((a, b) => a - b);
  const states: ParticipantSpan['states'] = [];
  let previous = '';
  for (const at of sorted) {
    const current = currentHop(call.legs, at);
    if (!current) continue;
    const connected = current.ringEndedAt <= at || current.destinationKind !== 'extension';
    const partyDn =
      current.destinationKind === 'voicemail'
        ? VOICEMAIL_MENU_DN
        : String(current.row.DestinationDn);
    const participant: CallControlParticipant = {
      id,
      status: connected && current.destinationKind !== 'ringGroup' ? 'Connected' : 'Dialing',
      dn: trunkDn,
      party_caller_name:
        current.destinationKind === 'voicemail'
          ? 'Voice Mail Menu'
          : (current.row.DestinationDisplayName ?? ''),
      party_dn: partyDn,
      party_caller_id: partyDn,
      party_did: call.did ?? '',
      party_dn_type: dnTypeOf(current),
      device_id: '',
      direct_control: false,
      originated_by_dn: '',
      originated_by_type: NONE,
      referred_by_dn: '',
      referred_by_type: NONE,
      on_behalf_of_dn: '',
      on_behalf_of_type: NONE,
      callid: call.callId,
      legid: 0,
    };
    const key = JSON.stringify(participant);
    if (key === previous) continue;
    previous = key;
    states.push({ at, participant });
  }
  if (states.length === 0) return null;
  return { dn: trunkDn, id, from: states[0].at, to: call.endedAt, states };
}

/**
 * The hop the caller is on at `at`: an agent talking, else the hop that holds the caller
 * (queue, IVR, voicemail, ring group: `Indent` 0), else anything ringing.
 */
function currentHop(legs: readonly SimLeg[], at: number): SimLeg | null {
  const live = legs.filter((l) => l.startedAt <= at && at < l.endedAt);
  if (live.length === 0) return null;
  const talking = live.find(
    (l) => l.destinationKind === 'extension' && l.row.Answered === true && l.ringEndedAt <= at,
  );
  if (talking) return talking;
  return live.find((l) => l.row.Indent === 0) ?? live[0];
}

/** Internal and outbound calls: the caller's extension dials, the other side rings. */
function placedCallSpans(call: SimCall, ctx: TimelineContext): ParticipantSpan[] {
  const leg = call.legs[0];
  if (!leg || leg.endedAt <= leg.startedAt) return [];
  const from = String(leg.row.SourceDn);
  const outbound = call.kind === 'outbound';
  const to = outbound ? String(leg.row.SourceDn) : String(leg.row.DestinationDn);
  const answered = leg.row.Answered === true && leg.endedAt > leg.ringEndedAt;
  const relation = {
    referred_by_dn: '',
    referred_by_type: NONE,
    on_behalf_of_dn: '',
    on_behalf_of_type: NONE,
    direct_control: false,
    callid: call.callId,
    legid: Number(leg.row.SegmentId),
    party_did: '',
  };
  const spans: ParticipantSpan[] = [];
  const callerId = ctx.nextParticipantId();
  const callerBase: Omit<CallControlParticipant, 'status'> = {
    ...relation,
    id: callerId,
    dn: from,
    party_caller_name: String(leg.row.DestinationDisplayName ?? ''),
    party_dn: String(leg.row.DestinationDn),
    party_caller_id: String(leg.row.DestinationCallerId ?? leg.row.DestinationDn),
    party_dn_type: outbound ? CALL_CONTROL_DN_TYPE.external : CALL_CONTROL_DN_TYPE.extension,
    device_id: deviceId(from, 0),
    // An outbound call read `originated_by_type: None` in a capture (§2.1); an internal one is
    // placed by the extension itself (§2.3) [inf].
    originated_by_dn: outbound ? '' : from,
    originated_by_type: outbound ? NONE : CALL_CONTROL_DN_TYPE.extension,
  };
  const callerStates: ParticipantSpan['states'] = [
    { at: leg.startedAt, participant: { ...callerBase, status: 'Dialing' } },
  ];
  if (answered)
    callerStates.push({ at: leg.ringEndedAt, participant: { ...callerBase, status: 'Connected' } });
  spans.push({
    dn: from,
    id: callerId,
    from: leg.startedAt,
    to: leg.endedAt,
    states: callerStates,
  });
  if (!outbound) {
    const calleeId = ctx.nextParticipantId();
    const calleeBase: Omit<CallControlParticipant, 'status'> = {
      ...relation,
      id: calleeId,
      dn: to,
      party_caller_name: String(leg.row.SourceDisplayName ?? ''),
      party_dn: from,
      party_caller_id: from,
      party_dn_type: CALL_CONTROL_DN_TYPE.extension,
      device_id: deviceId(to, 0),
      originated_by_dn: from,
      originated_by_type: CALL_CONTROL_DN_TYPE.extension,
    };
    const states: ParticipantSpan['states'] = [
      { at: leg.startedAt, participant: { ...calleeBase, status: 'Ringing' } },
    ];
    if (answered)
      states.push({ at: leg.ringEndedAt, participant: { ...calleeBase, status: 'Connected' } });
    spans.push({ dn: to, id: calleeId, from: leg.startedAt, to: leg.endedAt, states });
  }
  return spans;
}
