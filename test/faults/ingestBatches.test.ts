import { syntheticCall } from '../../bench/syntheticEvents';
import {
  LocationIngest,
  eventsByCall,
  nextBatchCalls,
  INGEST_MIN_BATCH_CALLS,
  INGEST_BATCH_CALLS,
  INGEST_BATCH_BOUNDS,
  IngestPace,
} from '../../bridge/ingest/locationIngest';
import { StoreEnricher } from '../../bridge/ingest/storeEnricher';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { initialPollerState, type PollerEvent } from '../../lib/poller/pollerState';
import { STORE_KINDS, openTestStore } from '../store/support';

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
    const location = store.locations.create(
      { name: 'Call centre', country: 'AU', timezone: 'Australia/Adelaide' },
      new Date(T),
    );
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

/**
 * Each store's batches (`INGEST_BATCH_BOUNDS`): on Postgres a batch's statements are each a
 * round trip, its reads one per kind, so a budgeted catch-up starts with 8 calls and may shrink
 * to 2; SQLite's start at `INGEST_BATCH_CALLS` and stop at `INGEST_MIN_BATCH_CALLS`.
 */
describe.each(STORE_KINDS)('a budgeted catch-up on %s', (kind) => {
  const T = Date.UTC(2026, 11, 3, 9);

  it('starts its batches at the store’s first size and shrinks them to its least', async () => {
    const { store, close } = await openTestStore(kind);
    try {
      const location = store.locations.create(
        { name: 'Call centre', country: 'AU', timezone: 'Australia/Adelaide' },
        new Date(T),
      );
      // Every batch takes 15 ms on this clock, half again the budget.
      let at = 0;
      const ingest = new LocationIngest(location, store, new StoreEnricher(), {
        now: () => T,
        publicUrl: () => 'http://127.0.0.1:1',
        batchBudgetMs: 10,
        clock: () => (at += 15),
      });
      const countEvents = store.db.prepare('SELECT COUNT(*) AS n FROM events');
      const storedEvents = () => Number(countEvents.get()!.n);
      const sizes: number[] = [];
      const transaction = store.transaction.bind(store);
      store.transaction = <T>(work: () => T): T => {
        const before = storedEvents();
        const result = transaction(work);
        sizes.push((storedEvents() - before) / 2);
        return result;
      };
      const events: PollerEvent[] = [];
      for (let i = 0; i < 120; i++) {
        const call = syntheticCall(i, T - 3_600_000 + i * 1000);
        events.push({ type: 'call.ended', call }, { type: 'call.missed', call });
      }
      await ingest.commit(initialPollerState(T), events);
      // SQLite as before the bounds; Postgres from 4 calls down to one.
      const [first, least] =
        kind === 'sqlite' ? [INGEST_BATCH_CALLS, INGEST_MIN_BATCH_CALLS] : [4, 1];
      expect(INGEST_BATCH_BOUNDS[kind]).toMatchObject({ first, min: least });
      expect(sizes[0]).toBe(first);
      expect(sizes.at(-2)).toBe(least);
      expect(Math.max(...sizes)).toBe(first);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(120);
    } finally {
      close();
    }
  });
});

/**
 * The pace carried from commit to commit (`IngestPace`): every commit of a catch-up started at
 * the store's first size again (40 calls on SQLite, 15–30 ms a batch in bigstore's stalls), so
 * each location's catch-up held the loop longest with its first batch (BENCHMARKS.md "stall5").
 */
describe.each(STORE_KINDS)('budgeted commits sharing a pace on %s', (kind) => {
  const T = Date.UTC(2026, 11, 5, 9);

  /** Two locations' ingests sharing one pace, every batch `clock.batchMs` on their clock (budget 10). */
  async function twoLocations() {
    const opened = await openTestStore(kind);
    const { store } = opened;
    const pace = new IngestPace();
    const clock = { batchMs: 15 };
    let at = 0;
    const ingests = ['Call centre', 'Branch'].map((name) => {
      const location = store.locations.create(
        { name, country: 'AU', timezone: 'Australia/Adelaide' },
        new Date(T),
      );
      return {
        location,
        ingest: new LocationIngest(location, store, new StoreEnricher(), {
          now: () => T,
          publicUrl: () => 'http://127.0.0.1:1',
          batchBudgetMs: 10,
          clock: () => (at += clock.batchMs),
          pace,
        }),
      };
    });
    // The second location's misses go to a hook: a batch stored twice would queue them twice.
    store.subscriptions.create(
      {
        locationId: ingests[1].location.id,
        kind: 'rest_hook',
        event: 'call.missed',
        targetUrl: 'https://hooks.example.com/missed',
      },
      new Date(T - 7_200_000),
    );
    // Each transaction's calls (two events a call).
    const countEvents = store.db.prepare('SELECT COUNT(*) AS n FROM events');
    const storedEvents = () => Number(countEvents.get()!.n);
    const sizes: number[] = [];
    const transaction = store.transaction.bind(store);
    store.transaction = <R>(work: () => R): R => {
      const before = storedEvents();
      try {
        return transaction(work);
      } finally {
        sizes.push((storedEvents() - before) / 2);
      }
    };
    return { ...opened, ingests, sizes, storedEvents, clock };
  }

  /** `n` missed calls from `from` on, each a `call.ended` and a `call.missed`. */
  function missedCalls(from: number, n: number): PollerEvent[] {
    const events: PollerEvent[] = [];
    for (let i = from; i < from + n; i++) {
      const call = syntheticCall(i, T - 3_600_000 + i * 1000);
      events.push({ type: 'call.ended', call }, { type: 'call.missed', call });
    }
    return events;
  }

  it('start a commit at the size the last full batch measured, another location’s too', async () => {
    const { ingests, sizes, close } = await twoLocations();
    try {
      const [a, b] = ingests;
      const first = INGEST_BATCH_BOUNDS[kind].first;
      await a.ingest.commit(initialPollerState(T), missedCalls(0, 120));
      expect(sizes[0]).toBe(first);
      // The size after the last full batch: 15 ms against 10 shrinks each by a third.
      const fullBatches = sizes.slice(0, -1);
      const carried = nextBatchCalls(fullBatches.at(-1)!, 15, 10, INGEST_BATCH_BOUNDS[kind].min);
      sizes.length = 0;
      await b.ingest.commit(initialPollerState(T), missedCalls(1000, 120));
      expect(sizes[0]).toBe(carried);
      expect(sizes[0]).toBeLessThan(first);
      expect(sizes.reduce((x, y) => x + y, 0)).toBe(120);
    } finally {
      close();
    }
  });

  it('a poll of fewer calls than a batch does not move the pace', async () => {
    const { ingests, sizes, clock, close } = await twoLocations();
    try {
      const [a, b] = ingests;
      // Quick batches: the pace grows to the most a batch may hold.
      clock.batchMs = 2;
      await a.ingest.commit(initialPollerState(T), missedCalls(0, 120));
      const carried = nextBatchCalls(sizes.at(-2)!, 2, 10, INGEST_BATCH_BOUNDS[kind].min);
      expect(carried).toBe(INGEST_BATCH_CALLS);
      // One call in 50 ms: mostly the commit's own cost, which says nothing of a call's.
      clock.batchMs = 50;
      await b.ingest.commit(initialPollerState(T), missedCalls(1000, 1));
      sizes.length = 0;
      clock.batchMs = 2;
      await b.ingest.commit(initialPollerState(T), missedCalls(2000, 120));
      expect(sizes[0]).toBe(carried);
    } finally {
      close();
    }
  });

  it('a failure between two of its batches loses nothing and stores nothing twice', async () => {
    const { store, ingests, sizes, storedEvents, close } = await twoLocations();
    try {
      const [a, b] = ingests;
      await a.ingest.commit(initialPollerState(T), missedCalls(0, 120));
      sizes.length = 0;
      const events = missedCalls(1000, 120);
      const state = { ...initialPollerState(T), watermark: T - 60_000 };
      // The store fails part-way: the third batch's transaction does not commit.
      const transaction = store.transaction;
      let n = 0;
      store.transaction = <R>(work: () => R): R => {
        if (++n === 3) throw new Error('disk I/O error');
        return transaction.call(store, work) as R;
      };
      await expect(b.ingest.commit(state, events)).rejects.toThrow('disk I/O error');
      store.transaction = transaction;
      const stored = sizes[0] + sizes[1];
      expect(storedEvents()).toBe((120 + stored) * 2);
      expect(store.pollerStates.load(b.location.id)).toBeNull();
      // The next tick reads the same window again: the rest lands, nothing twice.
      await b.ingest.commit(state, events);
      expect(storedEvents()).toBe(240 * 2);
      const ids = store.db.prepare('SELECT COUNT(DISTINCT id) AS n FROM events').get()!;
      expect(Number(ids.n)).toBe(240 * 2);
      const deliveries = store.db
        .prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT event_seq) AS events FROM deliveries')
        .get()!;
      expect([Number(deliveries.n), Number(deliveries.events)]).toEqual([120, 120]);
      expect(store.pollerStates.load(b.location.id)).toEqual(state);
    } finally {
      close();
    }
  });
});
