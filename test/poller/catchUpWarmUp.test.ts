import {
  CATCH_UP_WARM_UP_MS,
  CATCH_UP_WARM_UP_SHARE,
  CatchUpWarmUp,
  START_RAMP_DOUBLING_MS,
  START_RAMP_MS,
} from '../../bridge/ingest/catchUpWarmUp';

/**
 * The start's catch-ups held to a share of the wall clock for the first seconds after
 * `start()`, that share growing over a ramp after them (bridge/ingest/catchUpWarmUp.ts), on an
 * injected clock: what a pause waits, and when.
 */
describe('a start’s catch-up warm-up', () => {
  function warmUp(
    options: { windowMs?: number; share?: number; rampMs?: number; rampDoublingMs?: number } = {},
  ) {
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

  it('over the ramp after the window, waits less the later, its share doubling every so often', async () => {
    const { pace, clock, waits } = warmUp({
      windowMs: 5_000,
      share: 0.1,
      rampMs: 3_000,
      rampDoublingMs: 1_000,
    });
    pace.start();
    clock.ms += 5_000; // the ramp's first millisecond: the window's share still
    await pace.pause(20);
    clock.ms += 1_000; // a fifth
    await pace.pause(20);
    clock.ms += 1_000; // two fifths
    await pace.pause(20);
    clock.ms += 999; // its last millisecond: about four fifths
    await pace.pause(20);
    expect(waits.slice(0, 3)).toEqual([180, 80, 30]);
    expect(waits[3]).toBeCloseTo(20 * (1 / (0.1 * 2 ** 2.999) - 1), 6);
    expect(waits).toHaveLength(4);
  });

  it('no longer waits once the share reaches the whole wall clock, within the ramp', async () => {
    const { pace, clock, waits } = warmUp({
      windowMs: 5_000,
      share: 0.5,
      rampMs: 3_000,
      rampDoublingMs: 1_000,
    });
    pace.start();
    clock.ms += 5_999;
    await pace.pause(20);
    clock.ms += 1; // twice a half
    await pace.pause(20);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
  });

  it('allows the window’s bounds once in it, more over the ramp, and no bound before start() or after the ramp', () => {
    const { pace, clock } = warmUp({ windowMs: 5_000, rampMs: 3_000, rampDoublingMs: 1_000 });
    expect(pace.allowance()).toBe(Infinity);
    pace.start();
    const at = (ms: number) => {
      clock.ms = 1_000 + ms;
      return pace.allowance();
    };
    expect([at(0), at(4_999), at(5_000), at(6_000), at(7_000)]).toEqual([1, 1, 1, 2, 4]);
    expect(at(7_999)).toBeCloseTo(2 ** 2.999, 9);
    expect(at(8_000)).toBe(Infinity);
    expect(at(600_000)).toBe(Infinity);
  });

  it('before start() and from the ramp’s end on, lets the loop run once and waits no more', async () => {
    const { pace, clock, waits } = warmUp({ windowMs: 5_000, share: 0.1, rampMs: 3_000 });
    let loopRan = false;
    setImmediate(() => (loopRan = true));
    await pace.pause(20); // not started: a location's ingest before the bridge polls
    expect(loopRan).toBe(true);
    pace.start();
    clock.ms += 8_000;
    await pace.pause(20);
    clock.ms += 600_000; // a catch-up after an outage, later
    await pace.pause(20);
    expect(waits).toEqual([]);
  });

  it('defaults to a tenth of the wall clock for the first 5 s, loosening over the 3.3 s after them', async () => {
    expect([
      CATCH_UP_WARM_UP_MS,
      CATCH_UP_WARM_UP_SHARE,
      START_RAMP_MS,
      START_RAMP_DOUBLING_MS,
    ]).toEqual([5_000, 0.1, 3_300, 1_000]);
    const { pace, clock, waits } = warmUp();
    pace.start();
    clock.ms += CATCH_UP_WARM_UP_MS - 1;
    await pace.pause(10);
    clock.ms += 1 + START_RAMP_MS - 1;
    await pace.pause(10);
    clock.ms += 1;
    await pace.pause(10);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBe(90);
    expect(waits[1]).toBeGreaterThan(0);
  });
});
