import { classifyCall, type ClassifyOptions } from './classifyCall';
import { compareText, legOrder, readLeg, type LegFacts } from './legFacts';
import type { LegRuleOptions } from './legRules';
import type { QueuePoll } from './queuePoll';
import type { SettledCall, SettleResult } from './settledCall';
import { callKeyOf, type CallLeg } from './threecx/callLeg';
import { toMillis } from './utcTime';
import { DEFAULT_VOICEMAIL_LEFT_SECONDS } from './voicemailLeft';

export { DEFAULT_VOICEMAIL_LEFT_SECONDS };

export interface SettleOptions {
  /** The clock: settling is a pure function of (legs, active calls, now). */
  now: Date | number | string;
  /**
   * Calls the PBX still reports (`/ActiveCalls` ids). Matched against the call key and every
   * leg's `CallId`: the active-call id is assumed to be the call-log `CallId` [inf, docs/3cx-facts.md §1.7].
   */
  activeCallIds?: Iterable<string | number>;
  /** Quiet time after the last leg ended before a call counts as settled. */
  graceSeconds?: number;
  /** Default country for national-format numbers (ISO 3166 alpha-2). */
  country?: string;
  /** A voicemail leg at least this long means a message was left (lib/voicemailLeft.ts). */
  voicemailLeftSeconds?: number;
  /** The leg-classification rules (lib/legRules.ts) and this PBX's DN roles. */
  legRules?: LegRuleOptions;
  /** The DID each call came in on, by call key (from `GetInboundCalls` or the journal). */
  dialedNumbers?: ReadonlyMap<string, string>;
  /** Agents each call's queue polled without an answer, by call key (the abandoned-queue report). */
  queuePolls?: ReadonlyMap<string, readonly QueuePoll[]>;
}

/** Queue waves and transfers re-ring within 1–2 s (docs/3cx-facts.md §2.3); legs can land late. */
export const DEFAULT_GRACE_SECONDS = 10;

/**
 * Turn call-log legs into one settled call per real call, or leave it pending.
 *
 * Groups by `CallHistoryId` (`CallId` before V20 Update 6), settles a call only when it is no
 * longer active and no leg ended within the grace period (so nobody is texted while still
 * leaving a voicemail), then classifies it (lib/classifyCall.ts). The input order never
 * matters; duplicate rows (same `CdrId`, as overlapping poll windows produce) count once. Legs
 * without a readable `StartTime` cannot be placed in time and are ignored: validate rows first
 * (lib/threecx/validateCallLegs.ts) to report them.
 */
export function settleCalls(legs: readonly CallLeg[], options: SettleOptions): SettleResult {
  const settlement = new CallSettlement(options);
  settlement.add(groupLegsByCall(legs));
  return settlement.result();
}

/**
 * `settleCalls` in parts: calls (whole groups of legs) are added in any number of slices and the
 * result is the same as settling them all at once, because each call settles on its own legs
 * alone. The bridge settles a large poll in slices with the event loop running between them.
 */
export class CallSettlement {
  private readonly now: number;
  private readonly graceMs: number;
  private readonly active: Set<string>;
  private readonly settled: SettledCall[] = [];
  private readonly startedAt: number[] = [];
  private readonly pending: string[] = [];

  constructor(private readonly options: SettleOptions) {
    this.now = toMillis(options.now);
    this.graceMs = (options.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
    this.active = toActiveSet(options.activeCallIds);
  }

  /** Settle these calls (each key once across all slices). */
  add(groups: Iterable<readonly [string, readonly CallLeg[]]>): void {
    const { active, options } = this;
    for (const [key, group] of groups) {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a shortcut: isActive on an empty set is false
      if (active.size > 0 && isActive(key, group, active)) {
        this.pending.push(key);
        continue;
      }
      const facts = readLegs(group, options.legRules);
      if (facts.length === 0) continue;
      let lastEnd = -Infinity;
      // Stryker disable next-line EqualityOperator: equivalent, a maximum: taking an equal value changes nothing
      for (let i = 0; i < facts.length; i++) if (facts[i].end > lastEnd) lastEnd = facts[i].end;
      if (this.now - lastEnd < this.graceMs) {
        this.pending.push(key);
        continue;
      }
      this.settled.push(classifyCall(key, facts, classifyOptions(key, options)));
      this.startedAt.push(facts[0].start);
    }
  }

  /** Settled calls oldest first, pending keys sorted. */
  result(): SettleResult {
    const settled = this.settled.slice();
    sortByStart(settled, this.startedAt);
    return { settled, pending: this.pending.slice().sort() };
  }
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
  const facts = readLegs(legs, options.legRules);
  if (facts.length === 0) return null;
  return classifyCall(key, facts, classifyOptions(key, options));
}

function classifyOptions(
  key: string,
  options: Omit<SettleOptions, 'now' | 'activeCallIds' | 'graceSeconds'>,
): ClassifyOptions {
  return {
    country: options.country,
    voicemailLeftSeconds: options.voicemailLeftSeconds,
    dialedNumber: options.dialedNumbers?.get(key),
    queuePolls: options.queuePolls?.get(key),
  };
}

/** Legs by call key, in first-seen order. */
export function groupLegsByCall(legs: readonly CallLeg[]): Map<string, CallLeg[]> {
  // Legs of one call mostly arrive next to each other (the log is ordered by start time), so
  // the previous leg's group is tried before the map.
  const groups = new Map<string, CallLeg[]>();
  // Stryker disable next-line StringLiteral: equivalent, the last-group shortcut only saves a map look-up
  let lastKey = '';
  let lastGroup: CallLeg[] = [];
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i];
    const key = callKeyOf(leg);
    // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent, the last-group shortcut only saves a map look-up
    if (key === lastKey) {
      lastGroup.push(leg);
      continue;
    }
    let group = groups.get(key);
    if (group === undefined) {
      group = [leg];
      groups.set(key, group);
    } else group.push(leg);
    lastKey = key;
    lastGroup = group;
  }
  return groups;
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

/**
 * The call's legs read once, duplicates (same `CdrId`) folded into one, in a total order. A
 * row read twice can differ (3CX updated it between two reads: ringing, then answered): the
 * later view is kept (longer, answered), decided by content so the input order never matters.
 */
function readLegs(group: readonly CallLeg[], rules: LegRuleOptions | undefined): LegFacts[] {
  const facts: LegFacts[] = [];
  for (let i = 0; i < group.length; i++) {
    const f = readLeg(group[i], rules);
    if (f === null) continue;
    const same = f.cdrId === '' ? -1 : facts.findIndex((g) => g.cdrId === f.cdrId);
    if (same === -1) facts.push(f);
    else if (laterView(f, facts[same])) facts[same] = f;
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, sorting one leg changes nothing
  if (facts.length > 1) facts.sort(legOrder);
  return facts;
}

/** Of two reads of one leg, is `a` the later (more complete) one? Total on what is read. */
function laterView(a: LegFacts, b: LegFacts): boolean {
  // Stryker disable next-line EqualityOperator: equivalent, the values differ here, so > and >= agree
  if (a.end !== b.end) return a.end > b.end;
  // Stryker disable next-line EqualityOperator: equivalent, the values differ here, so > and >= agree
  if (a.talk !== b.talk) return a.talk > b.talk;
  const rank = (x: boolean | null) => (x === true ? 2 : x === false ? 1 : 0);
  // Stryker disable next-line EqualityOperator: equivalent, distinct values rank distinctly, so > and >= agree
  if (a.answered !== b.answered) return rank(a.answered) > rank(b.answered);
  const order = legOrder(a, b);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, reads equal in end, talk and Answered are then ordered by their JSON, by content too; which of them is kept is no rule
  if (order !== 0) return order < 0;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, two reads equal in everything the engine reads settle the same whichever is kept
  return JSON.stringify(a.leg) < JSON.stringify(b.leg);
}

/** Oldest first, then by id: numeric keys, because comparing ISO strings dominates otherwise. */
function sortByStart(calls: SettledCall[], startedAt: readonly number[]): void {
  const order = calls.map((_, i) => i);
  order.sort(
    (a, b) => startedAt[a] - startedAt[b] || compareText(calls[a].call_id, calls[b].call_id),
  );
  const copy = calls.slice();
  for (let i = 0; i < order.length; i++) calls[i] = copy[order[i]];
}
