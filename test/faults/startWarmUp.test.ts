import { CATCH_UP_WARM_UP_FADE_MS, CatchUpWarmUp } from '../../bridge/ingest/catchUpWarmUp';
import {
  INGEST_BATCH_BOUNDS,
  INGEST_WARM_UP_BATCH_BOUNDS,
} from '../../bridge/ingest/locationIngest';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * The bridge's start holds its catch-ups to a share of the wall clock for its first seconds
 * (bridge/ingest/catchUpWarmUp.ts): the window opens at `start()`, a location's catch-up pauses
 * between its batches while it is open, its batches sized to the start's smaller bounds, and a
 * catch-up after it is not slowed.
 */
let t: TestBridge;
afterEach(() => t?.close());

describe('a start’s catch-ups', () => {
  it('pause between batches in the window after start(), and not before it or after it', async () => {
    const clock = { ms: 0 };
    const waits: number[] = [];
    const warmUp = new CatchUpWarmUp({
      clock: () => clock.ms,
      windowMs: 5_000,
      share: 0.1,
      wait: async (ms) => {
        waits.push(ms);
      },
    });
    t = await startTestBridge({ bridge: { catchUpWarmUp: warmUp } });
    // Enough missed calls for a catch-up of several batches at any batch size.
    const missedCalls = (count: number, from: number) => {
      for (let i = 0; i < count; i++)
        t.sim.pbx.placeCall({
          kind: 'direct',
          extension: '103',
          result: 'hangup',
          ringSeconds: 8,
          caller: `+6142${String(from + i).padStart(6, '0')}`,
        });
      t.sim.clock.advance(120);
    };
    const calls = INGEST_BATCH_BOUNDS.sqlite.first * 4;
    // The missed calls each transaction stores: a commit's first batch is its bounds' first size.
    const store = t.bridge.store;
    const countMissed = store.db.prepare(
      "SELECT COUNT(*) AS n FROM events WHERE type = 'call.missed'",
    );
    const missedStored = () => Number((countMissed.get() as { n: number }).n);
    let batches: number[] = [];
    const transaction = store.transaction.bind(store);
    store.transaction = <T>(work: () => T): T => {
      const before = missedStored();
      const result = transaction(work);
      if (missedStored() > before) batches.push(missedStored() - before);
      return result;
    };

    missedCalls(calls, 0);
    await t.bridge.pollNow(t.locationId); // before start(): as every test bridge polls
    expect(waits).toEqual([]);

    t.bridge.start();
    await t.bridge.scheduler.stop(); // this test polls, not the scheduler's timers
    missedCalls(calls, calls);
    batches = [];
    await t.bridge.pollNow(t.locationId); // in the window
    expect(waits.length).toBeGreaterThan(1);
    expect(batches[0]).toBe(INGEST_WARM_UP_BATCH_BOUNDS.sqlite.first);

    const paused = waits.length;
    clock.ms += 5_000 + CATCH_UP_WARM_UP_FADE_MS; // past the window and its fade
    missedCalls(calls, calls * 2);
    batches = [];
    await t.bridge.pollNow(t.locationId); // after the window
    expect(waits.length).toBe(paused);
    expect(batches[0]).toBe(INGEST_BATCH_BOUNDS.sqlite.first);
    // Every call of the three catch-ups is stored, missed.
    const missed = t.bridge.store.db
      .prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'call.missed'")
      .get() as { n: number };
    expect(Number(missed.n)).toBe(calls * 3);
  });
});
