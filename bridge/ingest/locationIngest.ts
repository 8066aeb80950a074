import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { buildCallEvent, type CallEvent, type CallEventType } from '../../lib/callEvent';
import type { PollerEvent, PollerState, PollerStore } from '../../lib/poller/pollerState';
import type { LaterCall } from '../../lib/followUp/callbackMatch';
import type { CallFacts } from '../../lib/settledCall';
import { recordUrl } from '../http/callRecordView';
import type { BridgeMetrics } from '../metrics';
import type { BridgeStore } from '../store/bridgeStore';
import type { SubscriptionCache } from '../store/outbox';
import type { SqlDialect } from '../store/sql/sqlDatabase';
import type { Location } from '../store/locations';
import type { CallEnricher, EnrichmentDecision } from './callEnricher';
import type { CatchUpWarmUp } from './catchUpWarmUp';

/**
 * Where a batch of events comes from: the poller carries its new state; the journal and the
 * Call Control stream (push sources, each with its own call ids) carry none.
 */
type EventSource =
  { kind: 'poller'; state: PollerState } | { kind: 'journal' } | { kind: 'stream' };

/**
 * One location's side of the transactional outbox: the poller's (or a push source's) events are
 * enriched, stored with their calls and deliveries, and the poller state advanced with the last
 * of them, in SQLite transactions of a bounded number of calls (`storeEvents`). The state never
 * advances past events that did not land.
 *
 * One entry point per source: `commit` is the poller's (its events are correlated with journal
 * and stream calls and its state is saved with them), `commitJournal` the CRM-template
 * journal's and `commitStream` the Call Control stream's (their events are their own calls,
 * with no poller state).
 */
export class LocationIngest implements PollerStore {
  constructor(
    private readonly location: Location,
    private readonly store: BridgeStore,
    private readonly enricher: CallEnricher,
    private readonly options: {
      now: () => number;
      /** Where record URLs point: known only once the bridge listens. */
      publicUrl: () => string;
      metrics?: BridgeMetrics;
      /** Events were stored that the poller's tick does not report (the follow-up's). */
      eventsStored?: () => void;
      onEvent?: (event: Pick<IngestedEvent, 'type' | 'call' | 'suppressed'>) => void;
      /**
       * Runs first inside the poller's transaction: events of a call the CRM-template journal
       * already stored take that call's id, so they dedupe (bridge/journal/journalIngest.ts).
       */
      correlate?: (events: readonly PollerEvent[]) => readonly PollerEvent[];
      /**
       * Runs last inside the transaction, with the events this commit stored: the call-back
       * tracking (bridge/followUp) follows up new misses and matches call backs, so its own
       * events land with the calls or not at all; `before` is how this batch's calls were
       * stored before it. Returns how many events it stored.
       */
      afterStored?: (
        location: Location,
        stored: readonly IngestedEvent[],
        now: number,
        before: ReadonlyMap<string, LaterCall>,
      ) => number;
      /**
       * Aim each transaction at about this many milliseconds: the next batch's size follows
       * how long the last one took (`nextBatchCalls`), at most `INGEST_BATCH_CALLS` calls.
       * Unset: every batch is `INGEST_BATCH_CALLS` calls.
       */
      batchBudgetMs?: number;
      /** Times the batches (for `batchBudgetMs` and `warmUp`); `performance.now` by default. */
      clock?: () => number;
      /**
       * The bridge's start window (bridge/ingest/catchUpWarmUp.ts): a batch stored while it is
       * open (`inWindow`, asked before each batch) is sized to `INGEST_WARM_UP_BATCH_BOUNDS`,
       * and between two batches a commit awaits its `pause`, given how long the last batch
       * held the loop.
       * Unset: no window, and the event loop runs once between batches (`setImmediate`).
       */
      warmUp?: Pick<CatchUpWarmUp, 'inWindow' | 'pause'>;
    },
  ) {}

  async load(): Promise<PollerState | null> {
    return this.store.pollerStates.load(this.location.id);
  }

  /** The poller's tick: its events, correlated with journal calls, and its new state. */
  commit(state: PollerState, events: readonly PollerEvent[]): Promise<void> {
    return this.storeEvents(events, { kind: 'poller', state });
  }

  /** Events of a journal entry released on its own (bridge/journal/journalIngest.ts). */
  commitJournal(events: readonly PollerEvent[]): Promise<void> {
    return this.storeEvents(events, { kind: 'journal' });
  }

  /** Events the Call Control stream decided on its own (bridge/callcontrol/locationStream.ts). */
  commitStream(events: readonly PollerEvent[]): Promise<void> {
    return this.storeEvents(events, { kind: 'stream' });
  }

  /**
   * Store the events (and, for the poller, its new state) in transactions of at most
   * `INGEST_BATCH_CALLS` calls, the event loop running between them: a catch-up of 20,000 calls
   * in one transaction blocked the bridge for 8.6 s (issue 16). A call's events stay in one
   * transaction. The poller's state is saved with the last batch only, so after a crash in
   * between, the next tick reads the same window again and the batches already stored dedupe by
   * event id (`events.append` keeps the first): nothing is lost and nothing goes out twice.
   */
  private async storeEvents(events: readonly PollerEvent[], source: EventSource): Promise<void> {
    const calls = eventsByCall(events);
    const clock = this.options.clock ?? (() => performance.now());
    let size = INGEST_BATCH_CALLS;
    // Read once per commit, not per batch (docs/design.md, "Round trips on the hot paths"):
    // the location's settings (they change while the bridge runs: the CLI, the API) and its
    // subscriptions. A subscription added while the batches are stored gets the events of the
    // next commit on; one removed meanwhile gets nothing queued after its removal (the queueing
    // statement checks it is active: bridge/store/outbox.ts).
    const context: CommitContext = {
      location: this.store.locations.get(this.location.id) ?? this.location,
      subscriptions: new Map(),
    };
    const { warmUp, batchBudgetMs } = this.options;
    let at = 0;
    let heldMs = 0;
    do {
      if (at > 0) await (warmUp ? warmUp.pause(heldMs) : yieldToLoop());
      if (batchBudgetMs !== undefined) {
        // Asked again before every batch, not once a commit: a commit begun in the start's
        // window (a first poll's catch-up may run on seconds past it) stores at the usual
        // bounds from the window's end on, as a commit begun after it does (the window's 5 ms
        // batches all the time doubled the first round of 200 new locations: BENCHMARKS.md,
        // `stall9`, `stall11`). The size carries over: the next batch follows the last one's ms
        // against the new budget (at most doubling), not a fresh first size.
        const warm = warmUp?.inWindow() === true;
        const bounds = (warm ? INGEST_WARM_UP_BATCH_BOUNDS : INGEST_BATCH_BOUNDS)[
          this.store.db.dialect
        ];
        const budget = warm ? bounds.budgetMs : batchBudgetMs;
        size = at === 0 ? bounds.first : nextBatchCalls(size, heldMs, budget, bounds.min);
      }
      const batch = calls.slice(at, at + size).flat();
      at += size;
      const started = clock();
      this.storeBatch(batch, source, at >= calls.length, context);
      heldMs = clock() - started;
    } while (at < calls.length);
  }

  private storeBatch(
    events: readonly PollerEvent[],
    source: EventSource,
    last: boolean,
    { location, subscriptions }: CommitContext,
  ): void {
    const now = this.options.now();
    const emitted: IngestedEvent[] = [];
    let followUpEvents = 0;
    this.store.transaction(() => {
      // Only the poller's events may be a journal or stream call already out under another id.
      const correlated =
        source.kind === 'poller' ? (this.options.correlate?.(events) ?? events) : events;
      // What the follow-up's matches saw of these calls before this batch.
      const before = this.options.afterStored
        ? this.store.followUps.storedVersions(location.id, [
            ...new Set(correlated.map((e) => e.call.call_id)),
          ])
        : new Map<string, LaterCall>();
      // Calls this batch reports missed, looked up once per call (was a scan of the batch per
      // ended call: quadratic, 4.7 s at 20,000 calls).
      const missed = new Set<string>();
      // Each call's settled version, when this batch settles it: its `call.started` (a call
      // first seen settled) carries the same object, so it takes the same enrichment, and the
      // live row it would write is overwritten by the ended one in this same transaction.
      const settled = new Map<string, CallFacts>();
      for (const e of correlated) {
        if (e.type === 'call.missed') missed.add(e.call.call_id);
        if (e.type !== 'call.started') settled.set(e.call.call_id, e.call);
      }
      const decisions = new Map<string, EnrichmentDecision>();
      // What the enrichment reads of the store, for all the batch's calls at once.
      const reads = this.enricher.readAhead?.(
        location,
        correlated.map((e) => e.call),
        now,
        this.store,
      );
      for (const { type, call } of correlated) {
        const settledHere = settled.get(call.call_id);
        const key = `${call.call_id}:${type === 'call.started' && settledHere !== call ? 'live' : 'ended'}`;
        let decision = decisions.get(key);
        if (decision === undefined) {
          decision = this.enricher.enrich(location, call, type, now, this.store, reads);
          decisions.set(key, decision);
        }
        const suppressed = type === 'call.missed' && decision.foldInto !== null;
        if (type === 'call.started' && settledHere === undefined) {
          this.store.calls.upsert(
            location.id,
            {
              facts: call,
              status: 'live',
              enrichment: decision.enrichment,
              missed: false,
              missedEmitted: false,
            },
            now,
          );
        } else if (type === 'call.ended') {
          const willMiss = missed.has(call.call_id);
          this.store.calls.upsert(
            location.id,
            {
              facts: call,
              status: 'ended',
              enrichment: decision.enrichment,
              missed: willMiss,
              missedEmitted: willMiss && decision.foldInto === null,
            },
            now,
          );
        }
        const event = buildCallEvent(type, call, {
          location: { id: location.id, name: location.name },
          enrichment: decision.enrichment,
          recordUrl: recordUrl(this.options.publicUrl(), call.call_id),
        });
        const seq = this.store.events.append(location.id, event, {
          now,
          suppressedReason: suppressed ? `dialler_cooldown:${decision.foldInto}` : null,
          subscriptions,
        });
        if (seq === null) continue; // already stored by an earlier tick or the other source
        if (suppressed) this.store.calls.addAttempt(location.id, decision.foldInto!, now);
        emitted.push({ type, call, suppressed, stored: { event, seq } });
      }
      followUpEvents = this.options.afterStored?.(location, emitted, now, before) ?? 0;
      if (source.kind === 'poller' && last)
        this.store.pollerStates.save(location.id, source.state, now);
    });
    if (followUpEvents > 0) this.options.eventsStored?.();
    for (const e of emitted) {
      this.options.metrics?.eventStored(
        location.id,
        e.type,
        e.suppressed,
        now - Date.parse(e.call.ended_at),
      );
      this.options.onEvent?.(e);
    }
  }
}

/** What every batch of one commit shares: read once per commit (`storeEvents`). */
interface CommitContext {
  location: Location;
  /** The location's subscriptions by event type, read and parsed once per commit. */
  subscriptions: SubscriptionCache;
}

/** An event a batch stored, with its call, as the follow-up and the metrics see it. */
export interface IngestedEvent {
  type: CallEventType;
  call: CallFacts;
  /** Folded by the dialler cooldown: stored, not delivered. */
  suppressed: boolean;
  /** The event as stored and its sequence number. */
  stored: { event: CallEvent; seq: number };
}

/**
 * Calls stored per transaction at most. A catch-up call costs ~0.2 ms per event to store with
 * its call, deliveries and follow-up (issue 16's profile: ~600 µs a call), so 500 calls held the
 * event loop for 300 ms and more on a loaded machine (BENCHMARKS.md §8, fourth round); 40
 * calls keep one transaction near 25 ms, and the event loop runs between batches.
 */
export const INGEST_BATCH_CALLS = 40;

/** What the bridge aims one ingest transaction at (`batchBudgetMs`). */
export const INGEST_BATCH_BUDGET_MS = 10;

/**
 * The size of the next batch, from how long the last one took against the budget: a loaded
 * machine (other processes on the cores, a slow disk) takes longer per call, so the batches
 * shrink, down to `INGEST_MIN_BATCH_CALLS` (below that the commit's own cost would dominate:
 * on a machine at load 15 one-call batches spent 18 % of the bridge's CPU in `COMMIT`); when
 * time allows they grow again, at most doubling each time.
 */
export function nextBatchCalls(
  size: number,
  elapsedMs: number,
  budgetMs: number,
  minCalls = INGEST_MIN_BATCH_CALLS,
): number {
  const fitting = Math.floor((size * budgetMs) / Math.max(elapsedMs, 0.01));
  return Math.max(minCalls, Math.min(INGEST_BATCH_CALLS, size * 2, fitting));
}

export const INGEST_MIN_BATCH_CALLS = 8;

/** A store's batch sizes: the first batch's calls, the fewest, and the ms a batch aims at. */
export interface IngestBatchBounds {
  first: number;
  min: number;
  budgetMs: number;
}

/**
 * Where a budgeted ingest's batches start, the least they shrink to, and the time a batch aims
 * at (`batchBudgetMs`), by store. SQLite: the first batch is the most (`INGEST_BATCH_CALLS`,
 * ~25 ms), the least is `INGEST_MIN_BATCH_CALLS` (in the start's window see
 * `INGEST_WARM_UP_BATCH_BOUNDS`). Postgres: every statement is a round trip of
 * the store's connection (~0.3 ms on loopback, several ms when the database is short of CPU),
 * so 40 calls read one by one held the loop for 100–290 ms (BENCHMARKS.md, "Issue 16 on
 * Postgres"). A batch's reads are now one per kind (about ten round trips a batch, whatever its
 * size), so a call costs little more than its events' inserts and the statements sent without a
 * wait; but with 200 PBXs on two cores even 2 calls and their reads took over 50 ms, so the
 * batches still start at 4, may shrink to one, and aim at 10 ms (8 down to 2 at 20 ms stalled
 * the loop a quarter of the time: BENCHMARKS.md, "pgreads").
 */
export const INGEST_BATCH_BOUNDS: Record<SqlDialect, IngestBatchBounds> = {
  sqlite: {
    first: INGEST_BATCH_CALLS,
    min: INGEST_MIN_BATCH_CALLS,
    budgetMs: INGEST_BATCH_BUDGET_MS,
  },
  postgres: { first: 4, min: 1, budgetMs: INGEST_BATCH_BUDGET_MS },
};

/**
 * The bounds of the batches a commit stores while the bridge's start window is open (`warmUp`,
 * bridge/ingest/catchUpWarmUp.ts). SQLite: 12 calls first, aiming at 5 ms (about 0.4 ms a call
 * in the store benchmark): each of the loop's iterations in a start's first seconds holds one
 * storing batch beside the other sources' pieces, and with 40-call (~25 ms) and then 10 ms
 * batches that second stalled over 50 ms in nearly every run; with 5 ms batches and the start's
 * catch-ups held to a tenth of the wall clock it did so far less (BENCHMARKS.md, `stall7`'s *Q*,
 * `stall8`'s *S*, `stall9`). Only in the window: at 5 ms all the time, the first round of 200
 * new locations took 42–57 s instead of 28 (`stall9`). Postgres as always.
 */
export const INGEST_WARM_UP_BATCH_BOUNDS: Record<SqlDialect, IngestBatchBounds> = {
  sqlite: { first: 12, min: INGEST_MIN_BATCH_CALLS, budgetMs: 5 },
  postgres: INGEST_BATCH_BOUNDS.postgres,
};

/** Each call's events together and in their order, calls in the order they first appear. */
export function eventsByCall(events: readonly PollerEvent[]): PollerEvent[][] {
  const byCall = new Map<string, PollerEvent[]>();
  for (const event of events) {
    const list = byCall.get(event.call.call_id);
    if (list) list.push(event);
    else byCall.set(event.call.call_id, [event]);
  }
  return [...byCall.values()];
}
