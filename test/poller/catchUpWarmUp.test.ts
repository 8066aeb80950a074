import {
  CATCH_UP_WARM_UP_MS,
  CATCH_UP_WARM_UP_SHARE,
  CatchUpWarmUp,
} from '../../bridge/ingest/catchUpWarmUp';

/**
 * The start's catch-ups held to a share of the wall clock for the first seconds after
 * `start()` (bridge/ingest/catchUpWarmUp.ts), on an injected clock: what a pause waits, and when.
 */
describe('a start’s catch-up warm-up', () => {
  function warmUp(options: { windowMs?: number; share?: number } = {}) {
    const clock = { ms: 1_000 };
    const waits: number[] = [];
    const pace = new CatchUpWarmUp({
      ...options,
      clock: () => clock.ms,
      wait: async (ms) => {
        waits.push(ms);
      },
    });
    return { pace, clock, waits };
  }

  it('in the window, waits after a batch so that its storing takes the share of the wall clock', async () => {
    const { pace, clock, waits } = warmUp({ windowMs: 5_000, share: 0.1 });
    pace.start();
    await pace.pause(20);
    clock.ms += 4_999; // the window's last millisecond
    await pace.pause(4);
    expect(waits).toEqual([180, 36]);
  });

  it('opens the window at start(), not when it is made, and only once', async () => {
    const { pace, clock, waits } = warmUp({ windowMs: 5_000, share: 0.25 });
    clock.ms += 60_000; // made long before the bridge starts
    pace.start();
    clock.ms += 3_000;
    pace.start(); // a second start changes nothing
    clock.ms += 1_999;
    await pace.pause(10);
    expect(waits).toEqual([30]);
  });

  it('before start() and from the window’s end on, lets the loop run once and waits no more', async () => {
    const { pace, clock, waits } = warmUp({ windowMs: 5_000, share: 0.1 });
    let loopRan = false;
    setImmediate(() => (loopRan = true));
    await pace.pause(20); // not started: a location's ingest before the bridge polls
    expect(loopRan).toBe(true);
    pace.start();
    clock.ms += 5_000;
    await pace.pause(20);
    clock.ms += 600_000; // a catch-up after an outage, later
    await pace.pause(20);
    expect(waits).toEqual([]);
  });

  it('defaults to a tenth of the wall clock for the first 5 s', async () => {
    expect([CATCH_UP_WARM_UP_MS, CATCH_UP_WARM_UP_SHARE]).toEqual([5_000, 0.1]);
    const { pace, clock, waits } = warmUp();
    pace.start();
    clock.ms += CATCH_UP_WARM_UP_MS - 1;
    await pace.pause(10);
    clock.ms += 1;
    await pace.pause(10);
    expect(waits).toEqual([90]);
  });
});
