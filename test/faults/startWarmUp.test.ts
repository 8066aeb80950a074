import { START_WINDOW_SENDS_PER_PERIOD } from '../../bridge/delivery/startRate';
import { CatchUpWarmUp } from '../../bridge/ingest/catchUpWarmUp';
import {
  INGEST_BATCH_BOUNDS,
  INGEST_WARM_UP_BATCH_BOUNDS,
} from '../../bridge/ingest/locationIngest';
import { sendTestEvent } from '../../bridge/testEvents';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * The bridge's start holds its catch-ups to a share of the wall clock for its first seconds
 * (bridge/ingest/catchUpWarmUp.ts): the window opens at `start()`, a location's catch-up pauses
 * between its batches while it is open, its batches sized to the start's smaller bounds, and a
 * catch-up after it is not slowed.
 */
let t: TestBridge;
let receivers: Receiver[] = [];
afterEach(async () => {
  await t?.close();
  for (const r of receivers.splice(0)) await r.close();
});

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
    clock.ms += 5_000;
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

describe('a start’s webhooks', () => {
  it('start at the start window’s rate: the first look at the backlog sends no more than a period’s', async () => {
    const clock = { ms: 0 }; // stands still: the window stays open
    t = await startTestBridge({
      bridge: { catchUpWarmUp: new CatchUpWarmUp({ clock: () => clock.ms }) },
    });
    await t.bridge.scheduler.stop();
    const store = t.bridge.store;
    const location = store.locations.get(t.locationId)!;
    // Eight receivers, four webhooks each: every target may have four in flight at first, so
    // unpaced the worker's first look starts 32 (its `PUMP_SLICE`), more than a period's.
    receivers = await Promise.all(Array.from({ length: 8 }, () => startReceiver()));
    for (const r of receivers)
      store.subscriptions.create(
        { locationId: location.id, kind: 'rest_hook', event: 'call.missed', targetUrl: r.url },
        new Date(t.sim.clock.now()),
      );
    for (let i = 0; i < 4; i++)
      sendTestEvent(
        store,
        location,
        { event: 'call.missed' },
        { now: t.sim.clock.now(), publicUrl: '' },
      );
    expect(START_WINDOW_SENDS_PER_PERIOD).toBeLessThan(32);

    t.bridge.start(); // the worker's first look at the store is inside start()
    expect(t.bridge.worker.state().inFlight).toBe(START_WINDOW_SENDS_PER_PERIOD);
  });
});
