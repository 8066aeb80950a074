import {
  BusyStretches,
  secondsOverBound,
  timeWeightedDelayMs,
  worstWindowDelay,
} from '../../bench/processMeter';

/**
 * The event-loop delay a random moment meets counts each stall by its length
 * (`store.event_loop_delay_p99_ms_time_weighted`): a histogram of timer samples counts a stall
 * once however long it lasts, and reads a loop stalled 10 % of the time as free.
 */
describe('the time-weighted event-loop delay', () => {
  it('reads a loop that stalls 100 ms once a second as 90 ms at p99', () => {
    // 60 s, one 100 ms stall a second: 10 % of the time; the histogram's p99 would be ~0.
    const stalls = Array.from({ length: 60 }, () => 100);
    expect(timeWeightedDelayMs(stalls, 60_000, 99)).toBeCloseTo(90, 0);
  });

  it('is 0 when the loop is busy for less than 1 % of the window', () => {
    expect(timeWeightedDelayMs([100, 200, 199], 60_000, 99)).toBe(0);
    expect(timeWeightedDelayMs([], 60_000, 99)).toBe(0);
  });

  it('weighs a long stall by its length, not as one sample', () => {
    // One 2 s stall in a minute: 3.3 % of the time; a random moment waits over 1.4 s 1 % of it.
    expect(
      timeWeightedDelayMs([2000, ...Array.from({ length: 5000 }, () => 1)], 60_000, 99),
    ).toBeCloseTo(1400, 0);
  });

  it('finds the busy stretches as the lateness of its timer', () => {
    let now = 0;
    const busy = new BusyStretches(() => now);
    now += 5; // on time: the loop was free
    busy.tick();
    now += 85; // 80 ms late: busy for ~80 ms
    busy.tick();
    now += 5.2; // within half a millisecond: free
    busy.tick();
    busy.stop();
    expect(busy.ms).toEqual([80]);
  });
});

/**
 * Issue 16's p99 "throughout" (`store.event_loop_delay_p99_ms_time_weighted_worst_1s`,
 * `_worst_10s`): the worst stretch of a run, where a whole minute's p99 hides a bad first
 * seconds.
 */
describe('the worst window of the time-weighted delay', () => {
  // A 60 s run from t = 1000 on the stretches' clock: 1 ms busy every 500 ms, and in its
  // fourth second four 80 ms stalls (0.7 % of the minute).
  const ms: number[] = [];
  const endedAt: number[] = [];
  for (let t = 500; t < 60_000; t += 500) {
    ms.push(1);
    endedAt.push(1000 + t);
  }
  for (const t of [3100, 3300, 3500, 3700]) {
    ms.push(80);
    endedAt.push(1000 + t + 1);
  }

  it('finds the second that stalled, and reads its p99, which the minute does not show', () => {
    expect(timeWeightedDelayMs(ms, 60_000, 99)).toBe(0);
    const worst = worstWindowDelay({ ms, endedAt }, 1000, 60_000, 1000);
    expect(worst.atSecond).toBe(3);
    // 320 ms of 1 s in stalls: a random moment of that second waits over ~77.5 ms 1 % of it.
    expect(worst.p99Ms).toBeCloseTo(77.5, 0);
  });

  it('slides its 10 s windows by a second, the worst holding the stalls', () => {
    const worst = worstWindowDelay({ ms, endedAt }, 1000, 60_000, 10_000);
    expect(worst.atSecond).toBe(0);
    expect(worst.p99Ms).toBeGreaterThan(50);
    expect(worstWindowDelay({ ms, endedAt }, 1000, 60_000, 10_000).p99Ms).toBeLessThan(
      worstWindowDelay({ ms, endedAt }, 1000, 60_000, 1000).p99Ms,
    );
  });

  it('is 0 at second 0 for a run without stalls', () => {
    expect(worstWindowDelay({ ms: [2, 2], endedAt: [1100, 1200] }, 1000, 60_000, 1000)).toEqual({
      p99Ms: 0,
      atSecond: 0,
    });
  });
});

describe('the seconds over issue 16 bound', () => {
  it('counts each second whose p99 is over 50 ms, and says which', () => {
    expect(secondsOverBound([12, 50, 50.1, 3, 80])).toEqual({ count: 2, atSeconds: [2, 4] });
  });

  it('is none for a run that stays within it', () => {
    expect(secondsOverBound([49.9, 0, 50])).toEqual({ count: 0, atSeconds: [] });
    expect(secondsOverBound([])).toEqual({ count: 0, atSeconds: [] });
  });
});
