import { syntheticCall } from '../../bench/syntheticEvents';
import {
  LocationIngest,
  eventsByCall,
  nextBatchCalls,
  INGEST_MIN_BATCH_CALLS,
  INGEST_BATCH_CALLS,
  INGEST_BATCH_BOUNDS,
  INGEST_WARM_UP_BATCH_BOUNDS,
} from '../../bridge/ingest/locationIngest';
import { CatchUpWarmUp } from '../../bridge/ingest/catchUpWarmUp';
import { StoreEnricher } from '../../bridge/ingest/storeEnricher';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { initialPollerState, type PollerEvent } from '../../lib/poller/pollerState';
import { STORE_KINDS, openTestStore } from '../store/support';

/** The location every test here ingests for. */
function callCentre(store: BridgeStore, at: number) {
  return store.locations.create(
    { name: 'Call centre', country: 'AU', timezone: 'Australia/Adelaide' },
    new Date(at),
  );
}

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

  beforeEach(() => {
    store = BridgeStore.open(':memory:', SecretBox.ephemeral());
    const location = callCentre(store, T);
    locationId = location.id;
    ingest = new LocationIngest(location, store, new StoreEnricher(), {
      now: () => T,
      publicUrl: () => 'http://127.0.0.1:1',
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

  it('lets the event loop run between batches of at most INGEST_BATCH_CALLS calls', async () => {
    const calls = INGEST_BATCH_CALLS * 2 + 100;
    const seen: number[] = [];
    // Callbacks queued before the commit run at its first pause: after the first batch only.
    setImmediate(() => seen.push(storedEvents()));
    await ingest.commit(initialPollerState(T), missedCalls(calls));
    expect(seen).toEqual([INGEST_BATCH_CALLS * 2]);
    expect(storedEvents()).toBe(calls * 2);
    // A call's `call.ended` and `call.missed` landed together: every call is marked missed.
    expect(count('SELECT COUNT(*) AS n FROM calls WHERE missed = 1 AND missed_emitted = 1')).toBe(
      calls,
    );
    expect(store.pollerStates.load(locationId)).toEqual(initialPollerState(T));
  });

  it('a failure in a later batch keeps the earlier ones, leaves the state behind, and the retry stores the rest once', async () => {
    const calls = INGEST_BATCH_CALLS * 2 + 100;
    const events = missedCalls(calls);
    const failing = events[2 * (INGEST_BATCH_CALLS + INGEST_BATCH_CALLS / 2)].call.call_id; // in the second batch
    // The disk fails while the second batch is written.
    store.db.exec(`CREATE TRIGGER disk_fails BEFORE INSERT ON events WHEN NEW.call_id = '${failing}'
      BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    const state = { ...initialPollerState(T), watermark: T - 60_000 };
    await expect(ingest.commit(state, events)).rejects.toThrow('disk I/O error');
    expect(storedEvents()).toBe(INGEST_BATCH_CALLS * 2);
    expect(store.pollerStates.load(locationId)).toBeNull();

    store.db.exec('DROP TRIGGER disk_fails');
    await ingest.commit(state, events); // the next tick reads the same window again
    expect(storedEvents()).toBe(calls * 2);
    expect(count('SELECT COUNT(DISTINCT id) AS n FROM events')).toBe(calls * 2);
    expect(store.pollerStates.load(locationId)).toEqual(state);
  });

  it('between two batches awaits its pause, given how long the batch before held the loop', async () => {
    const events = missedCalls(INGEST_BATCH_CALLS * 2 + 1); // three batches
    let reads = 0;
    const pauses: Array<{ heldMs: number; stored: number; resume: () => void }> = [];
    const paced = new LocationIngest(store.locations.get(locationId)!, store, new StoreEnricher(), {
      now: () => T,
      publicUrl: () => 'http://127.0.0.1:1',
      // A batch reads the clock at its start and its end: batch k runs from 1,000 k to 1,000 k + 7.
      clock: () => {
        const read = reads++;
        return Math.floor(read / 2) * 1_000 + (read % 2) * 7;
      },
      warmUp: {
        inWindow: () => false,
        pause: (heldMs) =>
          new Promise<void>((resume) => pauses.push({ heldMs, stored: storedEvents(), resume })),
      },
    });
    const committed = paced.commit(initialPollerState(T), events);
    await new Promise((resolve) => setImmediate(resolve));
    // The first batch never waits; the second waits for the first's pause.
    expect(pauses.map((p) => [p.heldMs, p.stored])).toEqual([[7, INGEST_BATCH_CALLS * 2]]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(storedEvents()).toBe(INGEST_BATCH_CALLS * 2);
    pauses[0].resume();
    await new Promise((resolve) => setImmediate(resolve));
    expect(pauses.map((p) => [p.heldMs, p.stored])).toEqual([
      [7, INGEST_BATCH_CALLS * 2],
      [7, INGEST_BATCH_CALLS * 4],
    ]);
    pauses[1].resume();
    await committed;
    // No pause after the last batch.
    expect(pauses).toHaveLength(2);
    expect(storedEvents()).toBe(events.length);
  });

  it('a commit begun in the start’s window takes the usual bounds, carrying its size, and stops pausing when the window ends', async () => {
    // One clock for the window and the batches: each batch holds it 0.5 ms a call (about the
    // store benchmark's 0.42), and a pause moves it on by what it waits.
    const clock = { ms: 0 };
    const waits: number[] = [];
    const warmUp = new CatchUpWarmUp({
      clock: () => clock.ms,
      windowMs: 100,
      share: 0.1,
      fadeMs: 0, // this test is about the window's end; the fade: test/poller/catchUpWarmUp.test.ts
      wait: async (ms) => {
        waits.push(ms);
        clock.ms += ms;
      },
    });
    const ingest = new LocationIngest(
      store.locations.get(locationId)!,
      store,
      new StoreEnricher(),
      {
        now: () => T,
        publicUrl: () => 'http://127.0.0.1:1',
        batchBudgetMs: INGEST_BATCH_BOUNDS.sqlite.budgetMs,
        clock: () => clock.ms,
        warmUp,
      },
    );
    const { sizes, restore } = recordBatchSizes(store, (calls) => (clock.ms += calls / 2));
    warmUp.start();
    await ingest.commit(initialPollerState(T), missedCalls(100));
    restore();
    // In the window (0–100 ms): 12 calls in 6 ms against 5 → 10; each batch followed by nine
    // times its ms (54, then 45: the clock is at 110). After it: 10 calls took 5 ms, so 20 fit
    // the usual 10 ms (not a fresh 40, which would take 20 ms here), and no more waits.
    expect(sizes).toEqual([12, 10, 20, 20, 20, 18]);
    expect(waits).toEqual([54, 45]);
    expect(storedEvents()).toBe(200);
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
    // No calls (storeEvents still runs one transaction, to save the poller's state).
    expect(eventsByCall([])).toEqual([]);
  });
});

describe('ingest batches sized to a time budget', () => {
  it('shrink when a batch took longer than the budget, down to INGEST_MIN_BATCH_CALLS', () => {
    expect(nextBatchCalls(40, 40, 10)).toBe(10);
    expect(nextBatchCalls(10, 500, 10)).toBe(INGEST_MIN_BATCH_CALLS);
    expect(nextBatchCalls(INGEST_MIN_BATCH_CALLS, 50, 10)).toBe(INGEST_MIN_BATCH_CALLS);
  });

  it('grow again when there is time, at most doubling and never past INGEST_BATCH_CALLS', () => {
    expect(nextBatchCalls(8, 1, 10)).toBe(16);
    expect(nextBatchCalls(10, 2, 10)).toBe(20);
    expect(nextBatchCalls(30, 0, 10)).toBe(INGEST_BATCH_CALLS);
  });
});

/** The calls each of the store's transactions stores (two events a call here), in order. */
function recordBatchSizes(
  store: BridgeStore,
  /** Runs after each transaction with the calls it stored (a test's clock moving on). */
  after?: (calls: number) => void,
): { sizes: number[]; restore: () => void } {
  const countEvents = store.db.prepare('SELECT COUNT(*) AS n FROM events');
  const storedEvents = () => Number(countEvents.get()!.n);
  const sizes: number[] = [];
  const transaction = store.transaction;
  const bound = transaction.bind(store);
  store.transaction = <T>(work: () => T): T => {
    const before = storedEvents();
    const result = bound(work);
    sizes.push((storedEvents() - before) / 2);
    after?.(sizes[sizes.length - 1]);
    return result;
  };
  return { sizes, restore: () => void (store.transaction = transaction) };
}

/**
 * Each store's batches (`INGEST_BATCH_BOUNDS`): on Postgres a batch's statements are each a
 * round trip, its reads one per kind, so a budgeted catch-up starts with 4 calls and may shrink
 * to 1; SQLite's start at `INGEST_BATCH_CALLS` and stop at `INGEST_MIN_BATCH_CALLS`; in the
 * bridge's start window SQLite's start at 12 and aim at 5 ms (BENCHMARKS.md `stall9`).
 */
describe.each(STORE_KINDS)('a budgeted catch-up on %s', (kind) => {
  const T = Date.UTC(2026, 11, 3, 9);

  it('starts its batches at the store’s first size and shrinks them to its least', async () => {
    const { store, close } = await openTestStore(kind);
    try {
      const location = callCentre(store, T);
      // Every batch takes 15 ms on this clock, half again the budget.
      let at = 0;
      const ingest = new LocationIngest(location, store, new StoreEnricher(), {
        now: () => T,
        publicUrl: () => 'http://127.0.0.1:1',
        batchBudgetMs: 10,
        clock: () => (at += 15),
      });
      const { sizes } = recordBatchSizes(store);
      const events: PollerEvent[] = [];
      for (let i = 0; i < 120; i++) {
        const call = syntheticCall(i, T - 3_600_000 + i * 1000);
        events.push({ type: 'call.ended', call }, { type: 'call.missed', call });
      }
      await ingest.commit(initialPollerState(T), events);
      // SQLite from 40 calls down to 8; Postgres from 4 calls down to one.
      const [first, least] =
        kind === 'sqlite' ? [INGEST_BATCH_CALLS, INGEST_MIN_BATCH_CALLS] : [4, 1];
      expect(INGEST_BATCH_BOUNDS[kind]).toEqual({ first, min: least, budgetMs: 10 });
      expect(sizes[0]).toBe(first);
      expect(sizes.at(-2)).toBe(least);
      expect(Math.max(...sizes)).toBe(first);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(120);
    } finally {
      close();
    }
  });

  it('in the start’s window, a commit sizes its batches to the warm-up bounds', async () => {
    const { store, close } = await openTestStore(kind);
    try {
      const location = callCentre(store, T);
      const sizesOf = async (warmingUp: boolean): Promise<number[]> => {
        // Every batch takes 7 ms on this clock: over 5 ms, under 10.
        let reads = 0;
        const ingest = new LocationIngest(location, store, new StoreEnricher(), {
          now: () => T,
          publicUrl: () => 'http://127.0.0.1:1',
          batchBudgetMs: INGEST_BATCH_BOUNDS[kind].budgetMs,
          clock: () => {
            const read = reads++;
            return Math.floor(read / 2) * 1_000 + (read % 2) * 7;
          },
          warmUp: { inWindow: () => warmingUp, pause: () => Promise.resolve() },
        });
        const { sizes, restore } = recordBatchSizes(store);
        const events: PollerEvent[] = [];
        const offset = warmingUp ? 0 : 1_000;
        for (let i = offset; i < offset + 60; i++) {
          const call = syntheticCall(i, T - 3_600_000 + i * 1000);
          events.push({ type: 'call.ended', call }, { type: 'call.missed', call });
        }
        await ingest.commit(initialPollerState(T), events);
        restore();
        return sizes;
      };
      const warm = await sizesOf(true);
      const after = await sizesOf(false);
      expect(INGEST_WARM_UP_BATCH_BOUNDS.postgres).toEqual(INGEST_BATCH_BOUNDS.postgres);
      if (kind === 'sqlite') {
        expect(INGEST_WARM_UP_BATCH_BOUNDS.sqlite).toEqual({
          first: 12,
          min: INGEST_MIN_BATCH_CALLS,
          budgetMs: 5,
        });
        // 12 calls in 7 ms against 5: the next is 8. After the window: 40 in 7 ms against 10.
        expect(warm.slice(0, 2)).toEqual([12, INGEST_MIN_BATCH_CALLS]);
        expect(after[0]).toBe(INGEST_BATCH_CALLS);
      } else {
        // 4 calls in 7 ms against 10 grow to 5, in the window as after it.
        expect(warm).toEqual(after);
      }
      expect(warm.reduce((a, b) => a + b, 0)).toBe(60);
      expect(after.reduce((a, b) => a + b, 0)).toBe(60);
    } finally {
      close();
    }
  });

  it('at the bridge’s bounds, a failure between two batches keeps the earlier ones once, saves no state, and the retry stores the rest once', async () => {
    const { store, close } = await openTestStore(kind);
    try {
      const location = callCentre(store, T);
      store.subscriptions.create(
        {
          locationId: location.id,
          kind: 'rest_hook',
          event: 'call.missed',
          targetUrl: 'https://example.com/hook',
        },
        new Date(T - 7_200_000),
      );
      // As the bridge makes a location's ingest (bridge/bridgeService.ts `ingestFor`); on this
      // clock each batch takes half the budget, so the batches grow from the store's first size.
      const bounds = INGEST_BATCH_BOUNDS[kind];
      let at = 0;
      const ingest = new LocationIngest(location, store, new StoreEnricher(), {
        now: () => T,
        publicUrl: () => 'http://127.0.0.1:1',
        batchBudgetMs: bounds.budgetMs,
        clock: () => (at += bounds.budgetMs / 2),
      });
      const count = (sql: string) => Number(store.db.prepare(sql).get()!.n);
      const calls = 60;
      const events: PollerEvent[] = [];
      for (let i = 0; i < calls; i++) {
        const call = syntheticCall(i, T - 3_600_000 + i * 1000);
        events.push({ type: 'call.ended', call }, { type: 'call.missed', call });
      }
      // The disk fails while the last batch is written (the last call is in it).
      const failing = events.at(-1)!.call.call_id;
      const append = store.events.append.bind(store.events);
      store.events.append = (...args: Parameters<typeof append>) => {
        if (args[1].call_id === failing) throw new Error('disk I/O error');
        return append(...args);
      };
      const state = { ...initialPollerState(T), watermark: T - 60_000 };
      await expect(ingest.commit(state, events)).rejects.toThrow('disk I/O error');
      // The batches before the failing one are stored, each call whole.
      const storedBefore = count('SELECT COUNT(*) AS n FROM events');
      expect(storedBefore).toBeGreaterThan(0);
      expect(storedBefore).toBeLessThan(calls * 2);
      expect(storedBefore % 2).toBe(0);
      expect(store.pollerStates.load(location.id)).toBeNull();

      store.events.append = append;
      await ingest.commit(state, events); // the next tick reads the same window again
      expect(count('SELECT COUNT(*) AS n FROM events')).toBe(calls * 2);
      expect(count('SELECT COUNT(DISTINCT id) AS n FROM events')).toBe(calls * 2);
      expect(count('SELECT COUNT(*) AS n FROM deliveries')).toBe(calls);
      expect(store.pollerStates.load(location.id)).toEqual(state);
    } finally {
      close();
    }
  });
});
