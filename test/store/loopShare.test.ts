import { syntheticCall } from '../../bench/syntheticEvents';
import { INGEST_BATCH_BOUNDS, LocationIngest } from '../../bridge/ingest/locationIngest';
import { StoreEnricher } from '../../bridge/ingest/storeEnricher';
import { pruneOldRecords } from '../../bridge/store/retention';
import { sendTestEvent } from '../../bridge/testEvents';
import { LOOP_SHARE_MAX_WAITS, LoopShare, WorkTurns } from '../../bridge/workTurns';
import { initialPollerState, type PollerEvent } from '../../lib/poller/pollerState';
import { STORE_KINDS, openTestStore } from './support';

/**
 * The background writes share one event-loop iteration (bridge/workTurns.ts `LoopShare`): a
 * catch-up's storing batch, a prune batch, the polls' and pages' slices each took 2–30 ms, and
 * bigstore's stalls over 50 ms were one iteration holding a piece of each (BENCHMARKS.md
 * "stall5"). Each test drives the iterations itself: the share's clock is injected, and an
 * iteration ends when the test's loop says so.
 */
function drivenShare(limitMs = 20, beforeNext: () => string | null = () => null) {
  const log: string[] = [];
  const clock = { ms: 0 };
  let endIteration: (() => void) | null = null;
  const share = new LoopShare({
    limitMs,
    now: () => clock.ms,
    onIterationEnd: (reset) => {
      endIteration = reset;
    },
    // The loop runs one more iteration: its timers end the current one.
    nextIteration: async () => {
      const seen = beforeNext();
      if (seen !== null) log.push(seen);
      log.push('next iteration');
      end();
    },
  });
  function end() {
    const reset = endIteration;
    endIteration = null;
    reset?.();
  }
  return { share, log, clock, end };
}

describe('LoopShare', () => {
  it('runs a piece at once while the iteration’s pieces took under the limit, else in the next', async () => {
    const { share, log, clock } = drivenShare(20);
    share.counted(() => (clock.ms += 12));
    expect(share.hasRoom).toBe(true);
    await share.run(() => {
      log.push('b');
      clock.ms += 12;
    });
    expect(share.hasRoom).toBe(false);
    await share.run(() => log.push('c'));
    expect(log).toEqual(['b', 'next iteration', 'c']);
  });

  it('keeps a piece waiting at most LOOP_SHARE_MAX_WAITS iterations', async () => {
    const log: string[] = [];
    // Every iteration is full: the loop never ends one with room.
    const share = new LoopShare({
      limitMs: 20,
      nextIteration: async () => void log.push('next iteration'),
      onIterationEnd: () => {},
    });
    share.spent(30);
    await share.run(() => log.push('piece'));
    expect(log).toEqual([...Array(LOOP_SHARE_MAX_WAITS).fill('next iteration'), 'piece']);
  });
});

describe('WorkTurns sharing the iteration', () => {
  it('a turn after a yield waits for an iteration with room; a slice within one iteration counts in it', async () => {
    const { share, log, clock } = drivenShare(20);
    const turns = new WorkTurns({
      share,
      budgetMs: 0,
      now: () => clock.ms,
      yieldToLoop: async () => void log.push('loop'),
    });
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        turns.run(async () => {
          log.push(name);
          clock.ms += 15;
        }),
      ),
    );
    // a and b (15 ms each) filled the iteration: c waited for the next.
    expect(log).toEqual(['a', 'loop', 'b', 'loop', 'next iteration', 'c', 'loop']);
  });

  it('a slice that spanned iterations (a catch-up’s, counted by its own pieces) does not count', async () => {
    const { share, clock, end } = drivenShare(20);
    const turns = new WorkTurns({ share, now: () => clock.ms, yieldToLoop: async () => {} });
    await turns.run(async () => {
      clock.ms += 30;
      end(); // the loop ran inside the turn
    });
    expect(share.hasRoom).toBe(true);
    await turns.run(async () => void (clock.ms += 30));
    expect(share.hasRoom).toBe(false);
  });
});

describe.each(STORE_KINDS)('background writes sharing the iteration on %s', (kind) => {
  const T = Date.UTC(2026, 11, 5, 9);

  it('a catch-up’s next batch waits for an iteration with room, and each batch counts', async () => {
    const { store, close } = await openTestStore(kind);
    try {
      const location = store.locations.create(
        { name: 'Call centre', country: 'AU', timezone: 'Australia/Adelaide' },
        new Date(T),
      );
      const { share, log } = drivenShare(20);
      let at = 0;
      const ingest = new LocationIngest(location, store, new StoreEnricher(), {
        now: () => T,
        publicUrl: () => 'http://127.0.0.1:1',
        batchBudgetMs: 10,
        // Every batch takes 15 ms.
        clock: () => (at += 15),
        share,
      });
      const transaction = store.transaction.bind(store);
      store.transaction = <R>(work: () => R): R => {
        log.push('batch');
        return transaction(work);
      };
      // Another write (a prune batch, a page) took 10 ms of this iteration already.
      share.spent(10);
      const events: PollerEvent[] = [];
      // The first batch, then two calls in a second (15 ms shrinks any first size to 2 or more).
      for (let i = 0; i < INGEST_BATCH_BOUNDS[kind].first + 2; i++) {
        const call = syntheticCall(i, T - 3_600_000 + i * 1000);
        events.push({ type: 'call.ended', call }, { type: 'call.missed', call });
      }
      await ingest.commit(initialPollerState(T), events);
      // The first batch ran in the commit's turn (10 + 15 ms); the second waited for the next
      // iteration and counted in it.
      expect(log).toEqual(['batch', 'next iteration', 'batch']);
      expect(share.hasRoom).toBe(true);
      share.spent(5);
      expect(share.hasRoom).toBe(false);
    } finally {
      close();
    }
  });

  it('a prune batch waits for an iteration with room', async () => {
    const { store, close } = await openTestStore(kind);
    try {
      const location = store.locations.create(
        { name: 'Call centre', country: 'AU', timezone: 'Australia/Adelaide' },
        new Date(T),
      );
      sendTestEvent(store, location, { event: 'call.missed' }, { now: T, publicUrl: '' });
      const events = () =>
        Number((store.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n);
      const { share, log } = drivenShare(20, () => `${events()} events`);
      share.spent(25);
      const removed = await pruneOldRecords(
        store.db,
        T + 100 * 86_400_000,
        undefined,
        undefined,
        share,
      );
      expect(removed.events).toBe(1);
      // It waited with the event still there.
      expect(log).toEqual(['1 events', 'next iteration']);
    } finally {
      close();
    }
  });
});
