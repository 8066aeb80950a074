import { parseDurationSeconds } from './duration';
import { classifyParty, partyView, type LegRuleOptions, type PartyRole } from './legRules';
import { normalisePhoneNumber, type NormalisedNumber } from './phoneNumber';
import type { CallOutcome, CallDirection, SettledCall, SettleResult } from './settledCall';
import { callKeyOf, type CallLeg } from './threecx/callLeg';
import { parseUtcMillis, toIsoUtc, toMillis } from './utcTime';

export interface SettleOptions {
  /** The clock: settling is a pure function of (legs, active calls, now). */
  now: Date | number | string;
  /**
   * Calls the PBX still reports (`/ActiveCalls` ids). Matched against the call key and every
   * leg's `CallId`: the active-call id is assumed to be the call-log `CallId` [inf, 3cx-facts §1.7].
   */
  activeCallIds?: Iterable<string | number>;
  /** Quiet time after the last leg ended before a call counts as settled. */
  graceSeconds?: number;
  /** Default country for national-format numbers (ISO 3166 alpha-2). */
  country?: string;
  /** A voicemail leg at least this long means a message was left, not only the greeting heard. */
  voicemailLeftSeconds?: number;
  /** The leg-classification rules (lib/legRules.ts) and this PBX's DN roles. */
  legRules?: LegRuleOptions;
  /** The DID each call came in on, by call key (from `GetInboundCalls` or the journal). */
  dialedNumbers?: ReadonlyMap<string, string>;
}

export const DEFAULT_GRACE_SECONDS = 10;
export const DEFAULT_VOICEMAIL_LEFT_SECONDS = 10;

/** One leg with its times and party roles worked out once. */
interface LegFacts {
  leg: CallLeg;
  start: number;
  ring: number;
  talk: number;
  end: number;
  src: PartyRole;
  dst: PartyRole;
}

/**
 * Turn call-log legs into one settled call per real call, or leave it pending.
 *
 * Groups by `CallHistoryId` (`CallId` before V20 Update 6), settles a call only when it is no
 * longer active and no leg ended within the grace period (so nobody is texted while still
 * leaving a voicemail), then classifies it. The input order never matters; duplicate rows
 * (same `CdrId`, as overlapping poll windows produce) count once. Legs without a readable
 * `StartTime` cannot be placed in time and are ignored: validate rows before (see
 * lib/threecx/validateCallLegs.ts) to report them.
 */
export function settleCalls(legs: readonly CallLeg[], options: SettleOptions): SettleResult {
  const now = toMillis(options.now);
  const graceMs = (options.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
  const active = toActiveSet(options.activeCallIds);

  const groups = new Map<string, CallLeg[]>();
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i];
    const key = callKeyOf(leg);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [leg]);
    else group.push(leg);
  }

  const settled: SettledCall[] = [];
  const pending: string[] = [];
  for (const [key, group] of groups) {
    if (active.size > 0 && isActive(key, group, active)) {
      pending.push(key);
      continue;
    }
    const facts = legFacts(group, options.legRules);
    if (facts.length === 0) continue;
    let lastEnd = -Infinity;
    for (let i = 0; i < facts.length; i++) if (facts[i].end > lastEnd) lastEnd = facts[i].end;
    if (now - lastEnd < graceMs) {
      pending.push(key);
      continue;
    }
    settled.push(classifyCall(key, facts, lastEnd, options));
  }
  settled.sort(byStartThenId);
  pending.sort();
  return { settled, pending };
}

function toActiveSet(ids: Iterable<string | number> | undefined): Set<string> {
  const set = new Set<string>();
  if (ids) for (const id of ids) set.add(String(id));
  return set;
}

function isActive(key: string, group: readonly CallLeg[], active: ReadonlySet<string>): boolean {
  if (active.has(key)) return true;
  for (let i = 0; i < group.length; i++) if (active.has(String(group[i].CallId))) return true;
  return false;
}

function legFacts(group: readonly CallLeg[], rules: LegRuleOptions | undefined): LegFacts[] {
  const facts: LegFacts[] = [];
  const seenCdr = new Set<string>();
  for (let i = 0; i < group.length; i++) {
    const leg = group[i];
    if (leg.CdrId) {
      if (seenCdr.has(leg.CdrId)) continue;
      seenCdr.add(leg.CdrId);
    }
    const start = parseUtcMillis(leg.StartTime);
    if (Number.isNaN(start)) continue;
    const ring = parseDurationSeconds(leg.RingingDuration) ?? 0;
    const talk = parseDurationSeconds(leg.TalkingDuration) ?? 0;
    facts.push({
      leg,
      start,
      ring,
      talk,
      end: start + (ring + talk) * 1000,
      src: classifyParty(partyView(leg, 'source'), rules),
      dst: classifyParty(partyView(leg, 'destination'), rules),
    });
  }
  facts.sort(legOrder);
  return facts;
}

/** A total order on legs, so that shuffled input gives identical output. */
function legOrder(a: LegFacts, b: LegFacts): number {
  return (
    a.start - b.start ||
    (a.leg.SegmentId ?? 0) - (b.leg.SegmentId ?? 0) ||
    (a.leg.SubrowDescNumber ?? 0) - (b.leg.SubrowDescNumber ?? 0) ||
    a.end - b.end ||
    compareText(a.leg.CdrId, b.leg.CdrId) ||
    compareText(a.leg.DestinationDn, b.leg.DestinationDn) ||
    compareText(a.leg.SourceDn, b.leg.SourceDn) ||
    compareText(a.leg.DestinationCallerId, b.leg.DestinationCallerId) ||
    compareText(a.leg.SourceCallerId, b.leg.SourceCallerId)
  );
}

function compareText(a: string | null | undefined, b: string | null | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function byStartThenId(a: SettledCall, b: SettledCall): number {
  return compareText(a.started_at, b.started_at) || compareText(a.call_id, b.call_id);
}

/** An agent (or a forward to an outside number) picked up and talked. */
function isAnsweringLeg(f: LegFacts, direction: CallDirection): boolean {
  if (f.leg.Answered === false || f.talk <= 0) return false;
  if (direction === 'outbound') return f.dst === 'external';
  // An agent, or a forward to an outside number (a mobile) that answered.
  return f.dst === 'extension' || (f.dst === 'external' && f.src !== 'external');
}

function classifyCall(
  key: string,
  facts: readonly LegFacts[],
  lastEnd: number,
  options: SettleOptions,
): SettledCall {
  const numberOptions = { country: options.country };
  const voicemailLeftSeconds = options.voicemailLeftSeconds ?? DEFAULT_VOICEMAIL_LEFT_SECONDS;
  const first = facts[0];

  let inboundLeg: LegFacts | undefined;
  let outboundLeg: LegFacts | undefined;
  for (const f of facts) {
    if (inboundLeg === undefined && f.src === 'external') inboundLeg = f;
    if (outboundLeg === undefined && f.dst === 'external' && f.src !== 'external') outboundLeg = f;
  }
  const direction: CallDirection = inboundLeg ? 'inbound' : outboundLeg ? 'outbound' : 'internal';

  let caller: NormalisedNumber;
  let callerName: string;
  let callee: NormalisedNumber;
  let calleeName: string;
  if (direction === 'inbound') {
    const leg = inboundLeg!.leg;
    // The caller id, never the trunk DN: an empty id is a caller we cannot call back.
    caller = normalisePhoneNumber(leg.SourceCallerId, numberOptions);
    callerName = leg.SourceDisplayName ?? '';
    const target = facts.find((f) => f.dst === 'extension') ?? first;
    callee = normalisePhoneNumber(
      target.leg.DestinationDn || target.leg.DestinationCallerId,
      numberOptions,
    );
    calleeName = target.leg.DestinationDisplayName ?? '';
  } else {
    const leg = (outboundLeg ?? first).leg;
    caller = normalisePhoneNumber(first.leg.SourceDn || first.leg.SourceCallerId, numberOptions);
    callerName = first.leg.SourceDisplayName ?? '';
    callee = normalisePhoneNumber(
      direction === 'outbound'
        ? leg.DestinationCallerId || leg.DestinationDn
        : leg.DestinationDn || leg.DestinationCallerId,
      numberOptions,
    );
    calleeName = leg.DestinationDisplayName ?? '';
  }

  const agentsRung: string[] = [];
  let answering: LegFacts | undefined;
  let talkSeconds = 0;
  let voicemailLeg: LegFacts | undefined;
  let voicemailSeconds = 0;
  let queueLeg: LegFacts | undefined;
  for (const f of facts) {
    if (f.dst === 'voicemail') {
      voicemailLeg ??= f;
      voicemailSeconds += f.talk;
      continue;
    }
    if (f.dst === 'queue') queueLeg ??= f;
    if (f.dst === 'extension' && (f.ring > 0 || f.leg.Answered === true)) {
      const dn = f.leg.DestinationDn || f.leg.DestinationCallerId || '';
      if (dn !== '' && !agentsRung.includes(dn)) agentsRung.push(dn);
    }
    if (isAnsweringLeg(f, direction)) {
      answering ??= f;
      talkSeconds += f.talk;
    }
  }
  if (direction === 'outbound') {
    // The extension that placed an outbound call did not "ring".
    const placedBy = first.leg.SourceDn ?? '';
    const i = agentsRung.indexOf(placedBy);
    if (i >= 0) agentsRung.splice(i, 1);
  }

  let outcome: CallOutcome;
  if (answering) outcome = 'answered';
  else if (voicemailLeg) outcome = 'voicemail';
  else if (direction !== 'outbound' && agentsRung.length === 0) outcome = 'abandoned';
  else outcome = 'missed';

  const startedAt = first.start;
  const waitEnd = answering
    ? answering.start + answering.ring * 1000
    : voicemailLeg
      ? voicemailLeg.start
      : lastEnd;

  const external = direction === 'inbound' ? caller : direction === 'outbound' ? callee : undefined;
  return {
    call_id: key,
    direction,
    outcome,
    voicemail: voicemailLeg !== undefined,
    voicemail_left: voicemailLeg !== undefined && voicemailSeconds >= voicemailLeftSeconds,
    voicemail_seconds: round(voicemailSeconds),
    caller_number: caller.number,
    caller_number_raw: caller.raw,
    caller_anonymous: caller.kind === 'anonymous',
    caller_name: nonEmpty(callerName),
    callee_number: callee.number,
    callee_number_raw: callee.raw,
    callee_name: nonEmpty(calleeName),
    external_number: external && external.kind === 'external' ? external.number : null,
    dialed_number: options.dialedNumbers?.get(key) ?? null,
    queue: queueLeg ? nonEmpty(queueLeg.leg.DestinationDn ?? '') : null,
    queue_name: queueLeg ? nonEmpty(queueLeg.leg.DestinationDisplayName ?? '') : null,
    agents_rung: agentsRung,
    answered_by: answering ? answererOf(answering) : null,
    answered_by_name: answering ? nonEmpty(answering.leg.DestinationDisplayName ?? '') : null,
    started_at: toIsoUtc(startedAt),
    ended_at: toIsoUtc(lastEnd),
    ring_seconds: round(Math.max(0, waitEnd - startedAt) / 1000),
    talk_seconds: round(talkSeconds),
    leg_count: facts.length,
  };
}

/** The extension that answered; for an outside answerer (a forward, an outbound callee) its number. */
function answererOf(f: LegFacts): string | null {
  const { DestinationDn, DestinationCallerId } = f.leg;
  return nonEmpty(
    (f.dst === 'external'
      ? DestinationCallerId || DestinationDn
      : DestinationDn || DestinationCallerId) ?? '',
  );
}

function round(seconds: number): number {
  return Math.round(seconds);
}

function nonEmpty(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

/**
 * Classify one call from the legs seen so far, settled or not: what `call.started` reports
 * about a call that is still live. Null when no leg has a readable start time.
 */
export function describeCall(
  key: string,
  legs: readonly CallLeg[],
  options: Omit<SettleOptions, 'now' | 'activeCallIds' | 'graceSeconds'>,
): SettledCall | null {
  const facts = legFacts(legs, options.legRules);
  if (facts.length === 0) return null;
  let lastEnd = -Infinity;
  for (const f of facts) if (f.end > lastEnd) lastEnd = f.end;
  return classifyCall(key, facts, lastEnd, { ...options, now: lastEnd });
}
