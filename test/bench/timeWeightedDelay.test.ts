import { BusyStretches, timeWeightedDelayMs } from '../../bench/processMeter';

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
