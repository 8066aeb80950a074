import { CallReading, classifyCall, type ClassifyOptions } from './classifyCall';
import {
  answeredRank,
  compareText,
  emptyLegFacts,
  legOrder,
  readLegInto,
  type LegFacts,
} from './legFacts';
import { PartyClassifier, type LegRuleOptions } from './legRules';
import type { QueuePoll } from './queuePoll';
import type { SettledCall, SettleResult } from './settledCall';
import { CallKeyTable } from './callKeyTable';
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
  settlement.addLegs(legs);
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
  private readonly reader: LegReader;
  private readonly classify: CallClassifier;

  constructor(options: SettleOptions) {
    this.now = toMillis(options.now);
    this.graceMs = (options.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
    this.active = toActiveSet(options.activeCallIds);
    this.reader = new LegReader(options.legRules);
    this.classify = new CallClassifier(options);
  }

  /** Settle these calls (each key once across all slices). */
  add(groups: Iterable<readonly [string, readonly CallLeg[]]>): void {
    const { active, reader } = this;
    for (const [key, group] of groups) {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a shortcut: isActive on an empty set is false
      if (active.size > 0 && isActive(key, group, active)) {
        this.pending.push(key);
        continue;
      }
      reader.begin();
      for (let i = 0; i < group.length; i++) if (reader.read(i, group[i])) reader.keep(i);
      this.settleRead(key);
    }
  }

  /**
   * Settle these legs, grouped here: every call among them whole (`settleCalls`). The same as
   * `add(groupLegsByCall(legs))`, without an array per call: the legs of a call are chained
   * by index, then read call by call into the reader's records, a call's worth of them reused
   * call after call. A record per leg of the batch, read in one pass after the grouping (rows
   * fetched ahead for the CPU caches), was faster on the AMD machine of `settle22`, but on the
   * Intel machine the project moved to it was 6–7 % slower in both the bench's windows and as
   * polled: its ~350 B of records a leg fed the young generation's collections more than the
   * early fetches saved (BENCHMARKS.md, "Issue 16 on a new machine", part 3).
   */
  addLegs(legs: readonly CallLeg[]): void {
    const { active, reader } = this;
    const calls = CALL_KEYS;
    calls.reset(legs.length);
    // By call (there are at most as many calls as legs): sized once, no growing arrays.
    const firstLeg = new Int32Array(legs.length);
    const lastLeg = new Int32Array(legs.length);
    const nextLeg = new Int32Array(legs.length).fill(-1);
    // Stryker disable next-line StringLiteral: equivalent, the last-call shortcut only saves a look-up
    let lastKey = '';
    // Stryker disable next-line UnaryOperator: equivalent, never read: no call key is empty
    let lastCall = -1;
    for (let i = 0; i < legs.length; i++) {
      const key = callKeyOf(legs[i]);
      const known = calls.size;
      // Stryker disable next-line ConditionalExpression: equivalent, the last-call shortcut only saves a look-up
      const call = key === lastKey ? lastCall : calls.numberOf(key);
      if (call === known) {
        firstLeg[call] = i;
        lastLeg[call] = i;
      } else {
        nextLeg[lastLeg[call]] = i;
        lastLeg[call] = i;
      }
      lastKey = key;
      lastCall = call;
    }
    const callCount = calls.size;
    for (let c = 0; c < callCount; c++) {
      const key = calls.key(c);
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a shortcut: isActive on an empty set is false
      if (active.size > 0 && isChainActive(key, legs, firstLeg[c], nextLeg, active)) {
        this.pending.push(key);
        continue;
      }
      reader.begin();
      let record = 0;
      for (let i = firstLeg[c]; i !== -1; i = nextLeg[i], record++)
        if (reader.read(record, legs[i])) reader.keep(record);
      this.settleRead(key);
    }
    // Stryker disable next-line CallExpression: equivalent, only lets go of memory sooner
    calls.release();
  }

  /** The call `reader` holds: settled, pending (in its grace period) or, without legs, nothing. */
  private settleRead(key: string): void {
    const facts = this.reader.finish();
    if (facts.length === 0) return;
    let lastEnd = -Infinity;
    // Stryker disable next-line EqualityOperator: equivalent, a maximum: taking an equal value changes nothing
    for (let i = 0; i < facts.length; i++) if (facts[i].end > lastEnd) lastEnd = facts[i].end;
    if (this.now - lastEnd < this.graceMs) {
      this.pending.push(key);
      return;
    }
    this.settled.push(this.classify.call(key, facts));
    this.startedAt.push(facts[0].start);
  }

  /** Settled calls oldest first, pending keys sorted: new arrays, later slices leave them alone. */
  result(): SettleResult {
    return { settled: byStart(this.settled, this.startedAt), pending: this.pending.slice().sort() };
  }
}

/** One table for every batch: settling is synchronous, one batch at a time. */
const CALL_KEYS = new CallKeyTable();

/**
 * Classifies call after call with one options record (the call's DID and queue polls set per
 * call), so no options object is made per call.
 */
class CallClassifier {
  private readonly perCall: ClassifyOptions;
  private readonly reading = new CallReading();

  constructor(
    private readonly options: Omit<SettleOptions, 'now' | 'activeCallIds' | 'graceSeconds'>,
  ) {
    this.perCall = {
      country: options.country,
      voicemailLeftSeconds: options.voicemailLeftSeconds,
      dialedNumber: undefined,
      queuePolls: undefined,
    };
  }

  call(key: string, facts: readonly LegFacts[]): SettledCall {
    const { perCall, options } = this;
    perCall.dialedNumber = options.dialedNumbers?.get(key);
    perCall.queuePolls = options.queuePolls?.get(key);
    return classifyCall(key, facts, perCall, this.reading);
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
  const reader = new LegReader(options.legRules);
  for (let i = 0; i < legs.length; i++) if (reader.read(i, legs[i])) reader.keep(i);
  const facts = reader.finish();
  if (facts.length === 0) return null;
  return new CallClassifier(options).call(key, facts);
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

/** The PBX still reports the call, by its key or by a leg's `CallId` (docs/3cx-facts.md §1.7). */
function isActive(key: string, group: readonly CallLeg[], active: ReadonlySet<string>): boolean {
  if (active.has(key)) return true;
  for (let i = 0; i < group.length; i++) if (isLegActive(group[i], active)) return true;
  return false;
}

/** `isActive` for the legs of a call chained by index (`addLegs`). */
function isChainActive(
  key: string,
  legs: readonly CallLeg[],
  first: number,
  next: Int32Array,
  active: ReadonlySet<string>,
): boolean {
  if (active.has(key)) return true;
  for (let i = first; i !== -1; i = next[i]) if (isLegActive(legs[i], active)) return true;
  return false;
}

function isLegActive(leg: CallLeg, active: ReadonlySet<string>): boolean {
  return active.has(String(leg.CallId));
}

/**
 * One settlement's legs, a call at a time, each read once (`read`) into a record of its own
 * (the call's legs from record 0), duplicates (same `CdrId`) folded into one (`keep`), in a
 * total order (`finish`). A row read twice can differ (3CX updated it between two reads:
 * ringing, then answered): the later view is kept (longer, answered), decided by content so
 * the input order never matters.
 *
 * The records are reused batch after batch and call after call, so reading a leg allocates
 * nothing (garbage collection was the largest cost of settling, BENCHMARKS.md §4), and they
 * live and die with the settlement: records kept between settlements are old, and writing each
 * poll's new legs into old records made the poll's settle up to ~25 % slower (likely the write
 * barrier's remembered set, BENCHMARKS.md `settle14`, `settle17`).
 */
class LegReader {
  /** The records, made on first use: as many as the settlement's largest call has legs. */
  private readonly records: LegFacts[] = [];
  /** The call's legs so far: the first `count` entries, each one of `records`. */
  private readonly facts: LegFacts[] = [];
  private count = 0;
  private readonly parties: PartyClassifier;

  constructor(rules: LegRuleOptions | undefined) {
    this.parties = new PartyClassifier(rules);
  }

  /** Read a leg into record `i`; false without a readable `StartTime`. */
  read(i: number, leg: CallLeg): boolean {
    const { records } = this;
    // Stryker disable next-line EqualityOperator: equivalent, records are made in order, so record i is missing exactly when i is the length
    while (records.length <= i) records.push(emptyLegFacts());
    return readLegInto(records[i], leg, this.parties);
  }

  /** Start a call. */
  begin(): void {
    this.count = 0;
  }

  /** Record `i` (`read` true) is one of the call's legs, unless a later view of it is kept. */
  keep(i: number): void {
    const { facts, count } = this;
    const f = this.records[i];
    // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, a shortcut: indexOfCdr never matches an empty CdrId (its last character is NaN)
    const same = f.cdrId === '' ? -1 : indexOfCdr(facts, count, f.cdrId);
    if (same === -1) {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, an entry past the call's legs is written over, or written at the length (a push): the same array
      if (count < facts.length) facts[count] = f;
      else facts.push(f);
      this.count = count + 1;
    } else if (laterView(f, facts[same])) facts[same] = f;
  }

  /** The call's legs in order; valid until the next `begin`. */
  finish(): readonly LegFacts[] {
    const { facts, count } = this;
    // Emptied by `pop`: setting an array's length goes through the runtime, a cost per call.
    // Stryker disable next-line all: equivalent, entries past the call's legs are written over before they are read
    while (facts.length > count) facts.pop();
    sortLegs(facts);
    return facts;
  }
}

/** Where among the first `count` legs one with this `CdrId` is, or -1. */
function indexOfCdr(facts: readonly LegFacts[], count: number, cdrId: string): number {
  // `CdrId`s of one call share most of their text (`00000000-01db-…-60ec0000abcd`): the last
  // character tells most apart before the whole text is compared.
  const last = cdrId.charCodeAt(cdrId.length - 1);
  for (let i = 0; i < count; i++) {
    const other = facts[i].cdrId;
    // Stryker disable next-line ConditionalExpression: equivalent, a shortcut: comparing the whole text decides the same
    if (other.charCodeAt(other.length - 1) !== last) continue;
    if (other === cdrId) return i;
  }
  return -1;
}

/** In `legOrder`; insertion for the few legs most calls have (the built-in sort allocates). */
function sortLegs(facts: LegFacts[]): void {
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: equivalent, both sorts are stable on one comparator, so either gives the same order
  if (facts.length > 16) {
    facts.sort(legOrder);
    return;
  }
  for (let i = 1; i < facts.length; i++) {
    const f = facts[i];
    let j = i - 1;
    while (
      j >= 0 &&
      // Stryker disable next-line EqualityOperator: equivalent, legs that tie in legOrder are equal in everything the engine reads after the sort, so their order changes nothing (`<=` is caught)
      legOrder(facts[j], f) > 0
    ) {
      facts[j + 1] = facts[j];
      j--;
    }
    facts[j + 1] = f;
  }
}

/** Of two reads of one leg, is `a` the later (more complete) one? Total on what is read. */
function laterView(a: LegFacts, b: LegFacts): boolean {
  // Stryker disable next-line EqualityOperator: equivalent, the values differ here, so > and >= agree
  if (a.end !== b.end) return a.end > b.end;
  // Stryker disable next-line EqualityOperator: equivalent, the values differ here, so > and >= agree
  if (a.talk !== b.talk) return a.talk > b.talk;
  // Stryker disable next-line EqualityOperator: equivalent, distinct values rank distinctly, so > and >= agree
  if (a.answered !== b.answered) return answeredRank(a.answered) > answeredRank(b.answered);
  const order = legOrder(a, b);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, reads equal in end, talk and Answered are then ordered by their JSON, by content too; which of them is kept is no rule
  if (order !== 0) return order < 0;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, two reads equal in everything the engine reads settle the same whichever is kept
  return JSON.stringify(a.leg) < JSON.stringify(b.leg);
}

/**
 * The calls oldest first, then by id, in a new array: numeric keys, because comparing ISO
 * strings dominates otherwise.
 */
function byStart(calls: readonly SettledCall[], startedAt: readonly number[]): SettledCall[] {
  const n = calls.length;
  // The call log comes oldest first (`$orderby=StartTime asc`, lib/threecx/client.ts), so the
  // calls mostly are in order already: checking that is one pass, sorting them many.
  const inOrder = (a: number, b: number) =>
    startedAt[a] - startedAt[b] || compareText(calls[a].call_id, calls[b].call_id);
  // Stryker disable next-line BooleanLiteral: equivalent, a shortcut: sorting calls in order keeps them in order
  let sortedAlready = true;
  for (let i = 1; i < n; i++) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a shortcut: sorting calls in order keeps them in order (and no two calls tie)
    if (inOrder(i - 1, i) > 0) {
      sortedAlready = false;
      break;
    }
  }
  // Stryker disable next-line ConditionalExpression: equivalent, a shortcut: sorting calls in order keeps them in order
  if (sortedAlready) return calls.slice();
  // Stryker disable next-line ArrayDeclaration: equivalent, an array sized ahead or grown holds the same indexes
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort(inOrder);
  // Stryker disable next-line ArrayDeclaration: equivalent, an array sized ahead or grown holds the same calls
  const sorted = new Array<SettledCall>(n);
  for (let i = 0; i < n; i++) sorted[i] = calls[order[i]];
  return sorted;
}

/**
 * A settlement of one made-up call, kept while the process lives, so that the shapes (V8's
 * hidden classes) of the engine's records outlive the settlements that make them. The engine's
 * optimized code holds those shapes weakly: a full collection that finds no record of a shape
 * alive, as one between two polls does (a settlement's records die with it), frees the shape
 * and throws the code away ("embedded weak objects cleared" in `--trace-deopt`: `role`,
 * `readLegInto`, `classifyCall` and eight more), and the next poll settled in slower code until
 * it was optimized again. With a full collection after every 5,000-leg window, settle took
 * 1.42× parse, and 0.63–0.71× with one settlement kept (BENCHMARKS.md, issue 16 item 4,
 * `settle9`).
 *
 * The call takes the widest representation a field of a record can: fractional durations and
 * a voicemail leg after an answered one (the seconds of each are then fractional numbers), so
 * that real legs written into the records never move them to a shape of their own. Exported
 * for its test only (test/lib/settleCalls.test.ts): nothing else reads it.
 */
export const KEPT_FOR_SHAPES: CallSettlement = keptSettlement();

function keptSettlement(): CallSettlement {
  const from = { CallHistoryId: 'kept', CallId: 1, SourceType: 1, SourceCallerId: '+61412345678' };
  // Stryker disable next-line ObjectLiteral: equivalent, without a clock (NaN) the call settles all the same
  const settlement = new CallSettlement({ now: Date.UTC(2026, 0, 2) });
  settlement.addLegs([
    {
      ...from,
      StartTime: '2026-01-01T00:00:00.000Z',
      RingingDuration: 'PT1.5S',
      TalkingDuration: 'PT2.5S',
      DestinationType: 0,
      DestinationDn: '101',
    },
    {
      ...from,
      StartTime: '2026-01-01T00:00:04.000Z',
      RingingDuration: 'PT0S',
      TalkingDuration: 'PT12.5S',
      DestinationType: 5,
      DestinationDn: '101',
    },
  ]);
  return settlement;
}
