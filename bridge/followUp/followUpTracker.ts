import {
  buildCallFollowUpEvent,
  callEventId,
  type CallEvent,
  type CallEventType,
  type CallFollowUp,
  type FollowUpEventType,
} from '../../lib/callEvent';
import { missedAtOf } from '../../lib/enrichment/missedCall';
import {
  matchCallbacks,
  movesCallbackMatch,
  type LaterCall,
} from '../../lib/followUp/callbackMatch';
import { followUpAfterMatch, followUpChanged } from '../../lib/followUp/followUpState';
import { returnDueAt } from '../../lib/followUp/returnDeadline';
import type { CallFacts } from '../../lib/settledCall';
import { announceCallUpdate } from '../callUpdatedEvents';
import { followUpView, toCallRecord } from '../http/callRecordView';
import { EnrichmentSettingsCache } from '../locationEnrichment';
import type { BridgeStore } from '../store/bridgeStore';
import type { StoredCall } from '../store/calls';
import type { FollowUpStart, MissContext, TrackedMiss } from '../store/followUps';
import { toMillis } from '../../lib/utcTime';
import type { Location } from '../store/locations';

/** Misses older than this are no longer matched with new calls (a month is a cold lead). */
export const FOLLOW_UP_HORIZON_MS = 30 * 86_400_000;
/** A visible call in progress holds `call.unreturned` back this long at most. */
const LIVE_CALL_HOLD_MS = 2 * 3600_000;

/** One call the ingest just stored, as LocationIngest reports it. */
export interface StoredCallEvent {
  type: CallEventType;
  call: CallFacts;
  suppressed: boolean;
  /** The event as the batch stored it (else it is read back). */
  stored?: { event: CallEvent; seq: number };
}

/**
 * Call-back tracking (docs/design.md "Follow-up"): every miss that fired `call.missed` is
 * followed up on its record until a later call with the same number connects
 * (lib/followUp/callbackMatch.ts), which fires `call.returned`; a miss still awaiting a call
 * back when its deadline passes fires `call.unreturned` (`sweep`). Every change of a record's
 * follow-up is also a `call.updated`, like any other change of the record.
 *
 * Everything happens inside the transaction that stored the calls (or, for the deadline, in a
 * transaction of its own), so the follow-up, its events and their deliveries land together or
 * not at all; and a miss a batch can move is matched again from all the stored calls after
 * it, so the order in which calls arrive (poller, journal, a late leg) does not change the
 * answer. Only those are (`missesMoved`): a number's other misses keep what they had, so a
 * number with thousands of misses costs a new call of it no more than one with a few.
 */
export class FollowUpTracker {
  private readonly settings = new EnrichmentSettingsCache();

  constructor(
    private readonly store: BridgeStore,
    private readonly options: {
      publicUrl: () => string;
      /** An event was stored (for `bridge_events_total`). */
      eventStored?: (type: CallEventType) => void;
      /**
       * The outside numbers of the calls on the location's PBX now, as its poller last read
       * `/ActiveCalls`: a call back in progress that the call log does not show yet.
       */
      activeNumbers?: (location: Location) => ReadonlySet<string>;
    },
  ) {}

  /**
   * After an ingest commit stored calls and events (inside its transaction): start following
   * up its new misses, and match again the misses its calls may have moved. `before` is how
   * the batch's calls were stored before it (`FollowUpRepo.storedVersions`). Returns how many
   * events it stored.
   */
  afterCallsStored(
    location: Location,
    stored: readonly StoredCallEvent[],
    now: number,
    before: ReadonlyMap<string, LaterCall>,
  ): number {
    const changes = new Map<string, NumberChange>();
    for (const { type, call, suppressed, stored: event } of stored) {
      // A miss the dialler cooldown folded belongs to the one it was folded into.
      const followed = type === 'call.missed' && !suppressed;
      if (type === 'call.missed')
        this.store.followUps.missStored(location.id, call.call_id, {
          recorded: this.missRecord(location, call, event, now),
          start: followed ? this.followUpStart(location, call) : null,
        });
      // A call in progress decides nothing yet: its end (or a later call) will.
      if (type === 'call.started' || !call.external_number) continue;
      let change = changes.get(call.external_number);
      if (!change) changes.set(call.external_number, (change = noChange()));
      noteChange(change, call, followed, before.get(call.call_id) ?? null);
    }
    // Every number's reads at once (a read per kind, not per number: on Postgres each read is a
    // round trip), then each number's matches and writes: a number's writes touch only its own
    // calls, so the numbers read before them read what they would have read after them.
    const moved = [...this.missesMoved(location.id, changes, now)].filter(
      ([, misses]) => misses.length > 0,
    );
    const calls = this.store.followUps.callsOfEach(
      location.id,
      moved.map(([numberKey, misses]) => ({ numberKey, sinceIso: misses[0].startedAt })),
    );
    let events = 0;
    for (const [numberKey, misses] of moved)
      events += this.matchNumber(location, misses, calls.get(numberKey) ?? [], now);
    return events;
  }

  /**
   * Save a miss's follow-up and give its call as it now reads: what `save` wrote, the rest as
   * read before, so the call is not read back.
   */
  private saved(location: Location, before: StoredCall, state: CallFollowUp): StoredCall {
    return {
      ...before,
      followUp: this.store.followUps.save(location.id, before.callId, state, before.followUp),
    };
  }

  /** What the reports keep of a miss: its `call.missed` as it was stored (null: none is). */
  private missRecord(
    location: Location,
    call: CallFacts,
    justStored: { event: CallEvent; seq: number } | undefined,
    now: number,
  ): { context: MissContext; event: { seq: number; createdAt: string } } | null {
    const stored = justStored
      ? { event: justStored.event, seq: justStored.seq, createdAt: new Date(now).toISOString() }
      : this.store.events.get(location.id, callEventId(call.call_id, 'call.missed'));
    if (!stored || stored.event.event !== 'call.missed') return null;
    const e = stored.event;
    return {
      context: {
        branch: e.branch,
        repeat: e.is_repeat_miss,
        source_list: e.source_list,
        dialed_number: e.dialed_number,
        voicemail_left: e.voicemail_left,
        known_contact: e.known_contact,
        anonymous: e.caller_anonymous,
      },
      event: { seq: stored.seq, createdAt: stored.createdAt },
    };
  }

  /** A fired miss awaits a call back until its deadline; one with no number cannot get one. */
  private followUpStart(location: Location, call: CallFacts): FollowUpStart {
    const numberKey = call.external_number;
    if (!numberKey) return { status: 'no_number', dueAtMs: null };
    const due = returnDueAt(Date.parse(missedAtOf(call)), this.settings.of(location));
    return { status: 'awaiting', dueAtMs: due === null ? null : Date.parse(due) };
  }

  /**
   * Match again the followed-up misses of one number that `change` may have moved (the rest
   * keep what they had: no call they depend on changed); store what changed. The misses are
   * matched in one pass over the number's calls after the earliest of them.
   */
  private matchNumber(
    location: Location,
    misses: readonly TrackedMiss[],
    calls: readonly LaterCall[],
    now: number,
  ): number {
    const results = matchCallbacks(
      misses.map((m) => ({ call_id: m.callId, started_at: m.startedAt })),
      calls,
    );
    let events = 0;
    misses.forEach((miss, i) => {
      const next = followUpAfterMatch(miss.state, results[i]);
      if (!followUpChanged(miss.state, next)) return;
      const before = this.store.calls.get(location.id, miss.callId);
      if (!before) return;
      const after = this.saved(location, before, next);
      if (next.return_status === 'returned' && miss.state.return_status !== 'returned')
        events += this.announce(location, 'call.returned', after, next.returned_at!, now);
      events += this.announceUpdate(location, before, after, now);
    });
    return events;
  }

  /**
   * For each number, the misses inside the follow-up horizon whose match its `change` may
   * move, oldest first (all numbers' in one read of each kind): a call
   * that decides or counts (now or as it was stored before) moves the open misses that started
   * before it and the returned ones not returned before it; a new miss is matched with the
   * calls after it. A second of slack each way covers start times written with and without
   * milliseconds (they compare as text); a miss matched needlessly keeps what it had.
   */
  private missesMoved(
    locationId: string,
    changes: ReadonlyMap<string, NumberChange>,
    now: number,
  ): Map<string, TrackedMiss[]> {
    const sinceMs = now - FOLLOW_UP_HORIZON_MS;
    const since = isoAt(sinceMs)!;
    const open: Array<{ numberKey: string; fromIso: string; beforeIso: string }> = [];
    const returned: Array<{
      numberKey: string;
      fromIso: string;
      beforeIso: string;
      returnedFromIso: string;
    }> = [];
    for (const [numberKey, change] of changes) {
      if (change.movedBefore > -Infinity) {
        const beforeIso = isoAt(change.movedBefore + SLACK_MS) ?? MAX_ISO;
        open.push({ numberKey, fromIso: since, beforeIso });
        returned.push({
          numberKey,
          fromIso: since,
          beforeIso,
          returnedFromIso: isoAt(change.movedFrom - SLACK_MS) ?? '',
        });
      }
      if (change.newMissesFrom < Infinity) {
        const from = Math.max(sinceMs, change.newMissesFrom - SLACK_MS);
        open.push({ numberKey, fromIso: isoAt(from) ?? since, beforeIso: MAX_ISO });
      }
    }
    const repo = this.store.followUps;
    const found = new Map<string, Map<string, TrackedMiss>>(
      [...changes.keys()].map((numberKey) => [numberKey, new Map()]),
    );
    const add = (questions: ReadonlyArray<{ numberKey: string }>, answers: TrackedMiss[][]) =>
      questions.forEach(({ numberKey }, i) => {
        for (const miss of answers[i]) found.get(numberKey)!.set(miss.callId, miss);
      });
    add(open, repo.openMissesOfEach(locationId, open));
    add(returned, repo.returnedMissesOfEach(locationId, returned));
    return new Map([...found].map(([numberKey, misses]) => [numberKey, oldestFirst(misses)]));
  }

  /**
   * Fire `call.unreturned` for every miss whose deadline has passed without a call back, each
   * in its own transaction. A miss whose number has a call in progress that started before the
   * deadline (stored live, or on the PBX's `/ActiveCalls`) waits (up to two hours) for that call
   * to settle: it may be the call back. With several instances, `among` is the locations this
   * one holds the lease of: their poller's `/ActiveCalls` is the one in this process, and no
   * two instances look at the same miss. Returns how many events it stored.
   */
  sweep(now: number, limit = 500, among: readonly string[] | null = null): number {
    let events = 0;
    for (const due of this.store.followUps.due(now, limit, among)) {
      events += this.store.transaction(() => {
        const before = this.store.calls.get(due.locationId, due.callId);
        const location = this.store.locations.get(due.locationId);
        if (!before || !location || before.followUp.return_status !== 'awaiting') return 0;
        if (
          this.callBackInProgress(location, before, due.dueAtMs) &&
          now - due.dueAtMs < LIVE_CALL_HOLD_MS
        )
          return 0;
        const state = { ...followUpView(before), return_status: 'not_returned' as const };
        const after = this.saved(location, before, state);
        const at = new Date(due.dueAtMs).toISOString();
        return (
          this.announce(location, 'call.unreturned', after, at, now) +
          this.announceUpdate(location, before, after, now)
        );
      });
    }
    return events;
  }

  private callBackInProgress(location: Location, miss: StoredCall, dueAtMs: number): boolean {
    const numberKey = miss.facts.external_number;
    if (!numberKey) return false;
    // On the PBX now but not in the call log yet (a call straight to an extension, or a queue
    // call whose polls 3CX hides, is logged when it ends).
    if (this.options.activeNumbers?.(location).has(numberKey)) return true;
    const missedAt = Date.parse(miss.facts.started_at);
    return this.store.followUps
      .callsOf(miss.locationId, numberKey, miss.facts.started_at)
      .some((c) => {
        const at = Date.parse(String(c.started_at));
        return c.status === 'live' && at > missedAt && at <= dueAtMs;
      });
  }

  private announce(
    location: Location,
    type: FollowUpEventType,
    call: StoredCall,
    occurredAt: string,
    now: number,
  ): number {
    const record = toCallRecord(call, location, this.options.publicUrl());
    const event = buildCallFollowUpEvent(type, record, occurredAt);
    if (this.store.events.append(location.id, event, { now }) === null) return 0;
    this.options.eventStored?.(type);
    return 1;
  }

  private announceUpdate(
    location: Location,
    before: StoredCall,
    after: StoredCall,
    now: number,
  ): number {
    const context = { now, publicUrl: this.options.publicUrl() };
    if (announceCallUpdate(this.store, location, before, after, context) === null) return 0;
    this.options.eventStored?.('call.updated');
    return 1;
  }
}

/** What one batch changed of a number's calls, as `missesMoved` reads it (epoch ms). */
interface NumberChange {
  /** The earliest start of a new followed-up miss (Infinity: none). */
  newMissesFrom: number;
  /** The span of the starts of calls that decide or count, now or before (empty: none). */
  movedFrom: number;
  movedBefore: number;
}

function noChange(): NumberChange {
  return { newMissesFrom: Infinity, movedFrom: Infinity, movedBefore: -Infinity };
}

/** Add one stored call to its number's change. */
function noteChange(
  change: NumberChange,
  call: CallFacts,
  newMiss: boolean,
  before: LaterCall | null,
): void {
  const startedMs = toMillis(call.started_at);
  if (newMiss)
    change.newMissesFrom = Number.isFinite(startedMs)
      ? Math.min(change.newMissesFrom, startedMs)
      : -Infinity;
  const now = { direction: call.direction, status: 'ended' as const, outcome: call.outcome };
  if (!movesCallbackMatch(now) && !(before && movesCallbackMatch(before))) return;
  const starts = [startedMs];
  if (before) {
    starts.push(toMillis(before.started_at));
    // A call in progress was stored from the legs seen so far: its start only moves earlier
    // as more legs arrive, and none of them started after the call ended.
    if (before.status === 'live') starts.push(toMillis(call.ended_at));
  }
  if (starts.some((ms) => !Number.isFinite(ms))) {
    change.movedFrom = -Infinity;
    change.movedBefore = Infinity;
    if (newMiss) change.newMissesFrom = -Infinity;
    return;
  }
  change.movedFrom = Math.min(change.movedFrom, ...starts);
  change.movedBefore = Math.max(change.movedBefore, ...starts);
}

const SLACK_MS = 1000;
const MAX_ISO = '9999-12-31T23:59:59.999Z';

/** ISO 8601 UTC of an epoch ms, or null when it is not a date (±Infinity). */
function isoAt(ms: number): string | null {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}

/** Misses oldest first (by start, then call id). */
function oldestFirst(found: ReadonlyMap<string, TrackedMiss>): TrackedMiss[] {
  return [...found.values()].sort((a, b) =>
    a.startedAt === b.startedAt
      ? a.callId < b.callId
        ? -1
        : 1
      : a.startedAt < b.startedAt
        ? -1
        : 1,
  );
}
