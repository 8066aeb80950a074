import {
  CATCH_UP_WARM_UP_FADE_MS,
  CATCH_UP_WARM_UP_MS,
  CATCH_UP_WARM_UP_SHARE,
  CatchUpWarmUp,
} from '../../bridge/ingest/catchUpWarmUp';

/**
 * The start's catch-ups held to a share of the wall clock for the first seconds after
 * `start()` (bridge/ingest/catchUpWarmUp.ts), on an injected clock: what a pause waits, and when.
 */
describe('a start’s catch-up warm-up', () => {
  function warmUp(options: { windowMs?: number; share?: number; fadeMs?: number } = {}) {
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

  it('after the window, eases the share up to the whole wall clock over the fade', async () => {
    const { pace, clock, waits } = warmUp({ windowMs: 5_000, share: 0.1, fadeMs: 4_000 });
    pace.start();
    expect([pace.share(), pace.pace()]).toEqual([0.1, 1]);
    clock.ms += 5_000; // the window's end: the fade begins at the window's share
    await pace.pause(10);
    clock.ms += 2_000; // half way: 0.55
    await pace.pause(11);
    expect(pace.share()).toBeCloseTo(0.55, 10);
    expect(pace.pace()).toBeCloseTo(5.5, 10);
    clock.ms += 1_999; // the fade's last millisecond
    expect(pace.share()).toBeLessThan(1);
    expect(pace.pace()).toBeLessThan(10);
    expect(waits.map((ms) => Math.round(ms))).toEqual([90, 9]);
    clock.ms += 1;
    expect([pace.share(), pace.pace()]).toEqual([1, Infinity]);
  });

  it('before start() and from the fade’s end on, lets the loop run once and waits no more', async () => {
    const { pace, clock, waits } = warmUp({ windowMs: 5_000, share: 0.1, fadeMs: 4_000 });
    let loopRan = false;
    setImmediate(() => (loopRan = true));
    expect([pace.share(), pace.pace()]).toEqual([1, Infinity]);
    await pace.pause(20); // not started: a location's ingest before the bridge polls
    expect(loopRan).toBe(true);
    pace.start();
    clock.ms += 9_000;
    await pace.pause(20);
    clock.ms += 600_000; // a catch-up after an outage, later
    await pace.pause(20);
    expect(waits).toEqual([]);
  });

  it('defaults to a tenth of the wall clock for the first 5 s, eased up over the next 5 s', async () => {
    expect([CATCH_UP_WARM_UP_MS, CATCH_UP_WARM_UP_SHARE, CATCH_UP_WARM_UP_FADE_MS]).toEqual([
      5_000, 0.1, 5_000,
    ]);
    const { pace, clock, waits } = warmUp();
    pace.start();
    clock.ms += CATCH_UP_WARM_UP_MS - 1;
    await pace.pause(10);
    clock.ms += 1 + CATCH_UP_WARM_UP_FADE_MS / 2;
    await pace.pause(11);
    clock.ms += CATCH_UP_WARM_UP_FADE_MS / 2;
    await pace.pause(10);
    expect(waits.map((ms) => Math.round(ms))).toEqual([90, 9]);
  });
});
