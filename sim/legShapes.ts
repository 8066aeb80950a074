import { formatIsoDuration } from '../lib/duration';
import type { CallLeg } from '../lib/threecx/callLeg';
import { formatODataDateTime } from './odataTime';
import type { LegPartyKind } from './simCall';

/**
 * How one hop of a call becomes a `Pbx.CallLogData` row. Every guess about the row format
 * lives here, so a fact learnt on a real PBX is a one-line change.
 *
 * Observed (docs/3cx-facts.md §1.4, §1.5 [obs bma]): inbound `SourceDn` is the trunk DN and
 * `SourceCallerId` the caller's E.164; outbound swaps source and destination; `Direction`,
 * `CallType`, `Status` vocabularies; ISO durations; one row per leg sharing `CallHistoryId`.
 * Guessed [unv]/[inf]: the DN type codes, the `CallType` of voicemail and ring-group legs,
 * the `Action*` fields, `Reason` texts, `Indent`/`SubrowDescNumber` meaning.
 */

/**
 * DN type codes, from the documented lists only (docs/3cx-facts.md §1.4, §8), never from the
 * bridge's rules: extension 0, external line 1, ring group 2, voicemail 5 (a public V20.0.8
 * schema [3p, unv]); queue 4, IVR 6, parking 8 (the older list, the only one naming them
 * [unv]). No source names a code for an AI voice agent, so its legs carry none (3CX leaves a
 * null field out of the row, docs/xapi-schemas.md §5).
 */
export const DN_TYPE: Readonly<Record<LegPartyKind, number | undefined>> = {
  extension: 0,
  external: 1,
  ringGroup: 2,
  queue: 4,
  voicemail: 5,
  ivr: 6,
  parking: 8,
  voiceAgent: undefined,
};

/**
 * `CallType` describes the destination entity. Only five values have been seen on a live PBX
 * (`Extension`, `Queue`, `System`, `Digital Receptionist`, `External`), so voicemail, ring
 * groups, parking and the voice agent must map to one of them [inf]: a voicemail box belongs
 * to an extension (only `DestinationType` 5 and the box's name tell it apart, the hard case
 * lib/legRules.ts plans for); a ring group, the shared parking and the voice agent are system
 * entities.
 */
export const CALL_TYPE: Readonly<Record<LegPartyKind, string>> = {
  extension: 'Extension',
  external: 'External',
  queue: 'Queue',
  voicemail: 'Extension',
  ivr: 'Digital Receptionist',
  ringGroup: 'System',
  parking: 'System',
  voiceAgent: 'System',
};

export type LegDirection = 'Inbound' | 'Outbound' | 'Internal' | 'Inbound Queue';
export type LegStatus = 'Answered' | 'Unanswered' | 'Waiting';

/** One side of a leg. */
export interface Party {
  kind: LegPartyKind;
  dn: string;
  callerId: string;
  displayName?: string;
}

export interface LegSpec {
  source: Party;
  destination: Party;
  /** The entity on whose behalf the leg exists: the polling queue, the ring group, the transferrer. */
  action?: Party;
  startedAt: number;
  ringMs: number;
  talkMs: number;
  answered: boolean;
  status: LegStatus;
  direction: LegDirection;
  reason: string;
  /** 1 for legs a queue or ring group spawned (sub-rows in the 3CX report), else 0. */
  indent: number;
  /** Position among the sub-rows of the same parent, 0 for top-level legs. */
  subrow: number;
  /** A queue's unanswered poll of an agent (hidden from the call log with `hidePcalls=true`). */
  queuePoll?: boolean;
  recording?: { url: string; id: number; side: 'source' | 'destination' };
}

export interface LegIds {
  callId: number;
  segmentId: number;
  cdrId: string;
  callHistoryId: string;
}

/**
 * The row, keys in the spec's property order (SPEC-B `Pbx.CallLogData`), absent values left
 * out: a live XAPI omits null-valued keys entirely (docs/xapi-schemas.md §5). `withHistoryIds` false
 * drops the six fields that arrived with 20.0.6 (docs/3cx-facts.md §1.4 History).
 */
export function callLegRow(spec: LegSpec, ids: LegIds, withHistoryIds: boolean): CallLeg {
  const { source, destination, action } = spec;
  const recordingOn = (side: 'source' | 'destination') =>
    spec.recording && spec.recording.side === side ? spec.recording.id : undefined;
  const row: Record<string, unknown> = {
    ActionDnCallerId: action?.callerId,
    ActionDnDisplayName: action?.displayName,
    actionDnDn: action?.dn,
    ActionDnType: action ? DN_TYPE[action.kind] : undefined,
    Answered: spec.answered,
    CallCost: 0,
    CallHistoryId: withHistoryIds ? ids.callHistoryId : undefined,
    CallId: ids.callId,
    CallType: withHistoryIds ? CALL_TYPE[destination.kind] : undefined,
    CdrId: withHistoryIds ? ids.cdrId : undefined,
    // A party without a DN (an AI voice agent, docs/3cx-facts.md §8) has its keys left out.
    DestinationCallerId: destination.callerId || undefined,
    DestinationDisplayName: destination.displayName,
    DestinationDn: destination.dn || undefined,
    DestinationType: DN_TYPE[destination.kind],
    Direction: withHistoryIds ? spec.direction : undefined,
    DstRecId: recordingOn('destination'),
    Indent: spec.indent,
    MainCallHistoryId: withHistoryIds ? ids.callHistoryId : undefined,
    QualityReport: false,
    Reason: spec.reason,
    RecordingUrl: spec.recording?.url,
    RingingDuration: formatIsoDuration(spec.ringMs / 1000),
    SegmentId: ids.segmentId,
    SourceCallerId: source.callerId,
    SourceDisplayName: source.displayName,
    SourceDn: source.dn,
    SourceType: DN_TYPE[source.kind],
    SrcRecId: recordingOn('source'),
    StartTime: formatODataDateTime(spec.startedAt),
    Status: withHistoryIds ? spec.status : undefined,
    SubrowDescNumber: spec.subrow,
    TalkingDuration: formatIsoDuration(spec.talkMs / 1000),
  };
  for (const key of Object.keys(row)) if (row[key] === undefined) delete row[key];
  return row as unknown as CallLeg;
}

/** `101/[Alice Nguyen]_101-+61412345678_20260302090012(7).wav`: a path, not a URL [obs bma]. */
export function recordingPath(
  extension: Party,
  other: Party,
  startedAt: number,
  id: number,
): string {
  const stamp = new Date(startedAt).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const name = extension.displayName ?? extension.dn;
  return `${extension.dn}/[${name}]_${extension.dn}-${other.callerId}_${stamp}(${id}).wav`;
}

/** `Alice Nguyen (101)`, `Olivia Smith (+61412345678)`: how `Reason` texts name a party. */
export function describeParty(party: Party): string {
  const number = party.kind === 'external' ? party.callerId : party.dn;
  if (!number) return party.displayName ?? '';
  return party.displayName ? `${party.displayName} (${number})` : number;
}
