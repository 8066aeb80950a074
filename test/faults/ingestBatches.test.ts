import { syntheticCall } from '../../bench/syntheticEvents';
import {
  LocationIngest,
  eventsByCall,
  INGEST_BATCH_BUDGET_MS,
  INGEST_BATCH_CALLS,
  INGEST_FIRST_BATCH_CALLS,
  nextBatchCalls,
} from '../../bridge/ingest/locationIngest';
import { StoreEnricher } from '../../bridge/ingest/storeEnricher';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { initialPollerState, type PollerEvent } from '../../lib/poller/pollerState';

/**
 * A big catch-up is stored in bounded transactions with the event loop running between them
 * (bridge/ingest/locationIngest.ts), yet a failure part-way (a crash, a full disk) loses
 * nothing and sends nothing twice: the poller's state is saved with the last batch only, so the
 * next tick stores the rest, and what was stored already dedupes.
 */
describe('a large ingest in bounded transactions', () => {
  const T = Date.UTC(2026, 11, 2, 9);
  let store: BridgeStore;
  let ingest: LocationIngest;
  let locationId: string;
  /** What each transaction appears to take: the batch sizes follow it. */
  let msPerTransaction = 0;

  beforeEach(() => {
    store = BridgeStore.open(':memory:', SecretBox.ephemeral());
    const location = store.locations.create(
      { name: 'Call centre', country: 'AU', timezone: 'Australia/Adelaide' },
      new Date(T),
    );
    locationId = location.id;
    msPerTransaction = 0;
    let elapsed = 0;
    let reads = 0;
    ingest = new LocationIngest(location, store, new StoreEnricher(), {
      now: () => T,
      publicUrl: () => 'http://127.0.0.1:1',
      // Read before and after each transaction: the second read is later by msPerTransaction.
      stopwatch: () => (reads++ % 2 === 0 ? elapsed : (elapsed += msPerTransaction)),
    });
  });
  afterEach(() => store.close());

  /** `calls` missed calls from distinct numbers, each a `call.ended` and a `call.missed`. */
  function missedCalls(calls: number): PollerEvent[] {
    const events: PollerEvent[] = [];
    for (let i = 0; i < calls; i++) {
      const call = syntheticCall(i, T - 3_600_000 + i * 1000);
      events.push({ type: 'call.ended', call }, { type: 'call.missed', call });
    }
    return events;
  }
  const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
  const storedEvents = () => count('SELECT COUNT(*) AS n FROM events');

  /**
   * The calls stored at each pause of the event loop while `work` runs (two events per call),
   * before the last transaction: the first transaction runs at once, and every later one after a
   * pause (more than one pause can fall between two transactions; none falls inside one).
   */
  async function callsAtEachPause(work: () => Promise<void>, calls: number): Promise<number[]> {
    const seen = new Set<number>();
    let done = false;
    const watch = () => {
      if (done) return;
      seen.add(storedEvents() / 2);
      setImmediate(watch);
    };
    setImmediate(watch); // before the work's first pause
    await work();
    done = true;
    return [...seen].filter((n) => n < calls);
  }

  /** The calls per transaction, cumulated, from a fast store: doubling up to the cap. */
  function fastBoundaries(calls: number): number[] {
    const boundaries: number[] = [];
    let size = INGEST_FIRST_BATCH_CALLS;
    for (let stored = 0; stored < calls; size = nextBatchCalls(size, 0)) {
      stored = Math.min(calls, stored + size);
      boundaries.push(stored);
    }
    return boundaries;
  }

  it('lets the event loop run between transactions that grow on a fast store up to INGEST_BATCH_CALLS calls', async () => {
    const calls = INGEST_BATCH_CALLS * 3 + 100;
    const seen = await callsAtEachPause(
      () => ingest.commit(initialPollerState(T), missedCalls(calls)),
      calls,
    );
    const boundaries = fastBoundaries(calls);
    expect(boundaries.slice(0, 4)).toEqual([25, 75, 175, 375]);
    expect(boundaries.slice(-3)).toEqual([775, 775 + INGEST_BATCH_CALLS, calls]); // 2 × 400, capped
    expect(seen).toEqual(boundaries.slice(0, -1));
    expect(storedEvents()).toBe(calls * 2);
    // A call's `call.ended` and `call.missed` landed together: every call is marked missed.
    expect(count('SELECT COUNT(*) AS n FROM calls WHERE missed = 1 AND missed_emitted = 1')).toBe(
      calls,
    );
    expect(store.pollerStates.load(locationId)).toEqual(initialPollerState(T));
  });

  it('shrinks the transactions on a slow store (a million calls stored) to keep each near the budget', async () => {
    // Each transaction appears to take 4× the budget: the next is a quarter the size, down to one call.
    msPerTransaction = INGEST_BATCH_BUDGET_MS * 4;
    const seen = await callsAtEachPause(
      () => ingest.commit(initialPollerState(T), missedCalls(40)),
      40,
    );
    // 25 calls, then 25 / 4 = 6, then one call at a time.
    expect(seen).toEqual([25, 31, ...Array.from({ length: 8 }, (_, i) => 32 + i)]);
    expect(storedEvents()).toBe(80);
  });

  it('sizes the next transaction from the last one’s time: scaled to the budget, at least one call, at most twice as many, at most the cap', () => {
    expect(nextBatchCalls(100, INGEST_BATCH_BUDGET_MS)).toBe(100);
    expect(nextBatchCalls(100, INGEST_BATCH_BUDGET_MS * 2)).toBe(50);
    expect(nextBatchCalls(100, INGEST_BATCH_BUDGET_MS / 4)).toBe(200);
    expect(nextBatchCalls(1, 10_000)).toBe(1);
    expect(nextBatchCalls(400, 0)).toBe(INGEST_BATCH_CALLS);
    expect(nextBatchCalls(0, 0)).toBe(2);
  });

  it('a failure in a later batch keeps the earlier ones, leaves the state behind, and the retry stores the rest once', async () => {
    const calls = INGEST_BATCH_CALLS * 3 + 100;
    const events = missedCalls(calls);
    const before = fastBoundaries(calls)[4]; // the fifth transaction fails
    const failing = events[2 * (before + 10)].call.call_id;
    // The disk fails while that transaction is written.
    store.db.exec(`CREATE TRIGGER disk_fails BEFORE INSERT ON events WHEN NEW.call_id = '${failing}'
      BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    const state = { ...initialPollerState(T), watermark: T - 60_000 };
    await expect(ingest.commit(state, events)).rejects.toThrow('disk I/O error');
    expect(storedEvents()).toBe(before * 2);
    expect(store.pollerStates.load(locationId)).toBeNull();

    store.db.exec('DROP TRIGGER disk_fails');
    await ingest.commit(state, events); // the next tick reads the same window again
    expect(storedEvents()).toBe(calls * 2);
    expect(count('SELECT COUNT(DISTINCT id) AS n FROM events')).toBe(calls * 2);
    expect(store.pollerStates.load(locationId)).toEqual(state);
  });

  it('keeps each call’s events together and in their order', () => {
    const a = syntheticCall(1, T);
    const b = syntheticCall(2, T);
    const c = syntheticCall(3, T);
    const events: PollerEvent[] = [
      { type: 'call.started', call: a },
      { type: 'call.ended', call: b },
      { type: 'call.ended', call: a },
      { type: 'call.missed', call: b },
      { type: 'call.started', call: c },
    ];
    expect(
      eventsByCall(events).map((call) => call.map((e) => `${e.call.call_id}:${e.type}`)),
    ).toEqual([
      [`${a.call_id}:call.started`, `${a.call_id}:call.ended`],
      [`${b.call_id}:call.ended`, `${b.call_id}:call.missed`],
      [`${c.call_id}:call.started`],
    ]);
    expect(eventsByCall([])).toEqual([[]]);
  });
});
