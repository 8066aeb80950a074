import { CATCH_UP_FLOOR_PERCENT, CatchUpPace } from '../../bridge/ingest/catchUpPace';

/**
 * The catch-up's share of the loop (bridge/ingest/catchUpPace.ts): between two of a commit's
 * batches it lets the loop run once while the loop keeps up, and waits in proportion to the
 * batch while the loop runs late. No clock: the windows' lags and the batches' ms are given, and
 * the waits are recorded, not slept.
 */
function pace() {
  const log: string[] = [];
  const p = new CatchUpPace({
    targetLagMs: 20,
    wait: async (ms) => void log.push(`wait ${ms.toFixed(2)}`),
    yieldToLoop: async () => void log.push('loop'),
  });
  return { p, log };
}

describe('a catch-up’s share of the event loop', () => {
  it('lets the loop run once between two batches, no more, while the loop keeps up', async () => {
    const { p, log } = pace();
    await p.after(10);
    p.observe(5);
    await p.after(25);
    expect(p.share).toBe(1);
    expect(log).toEqual(['loop', 'loop']);
  });

  it('after a window over the target, waits so that the batches take the cut share of the wall clock', async () => {
    const { p, log } = pace();
    p.observe(21);
    expect(p.share).toBe(0.7);
    await p.after(14);
    // 14 ms of batch, 6 of wait: 14 / 20 = 0.7.
    expect(log).toEqual(['wait 6.00']);
  });

  it('never takes less than the floor however late the loop runs: a quarter, so a 10 ms batch waits 30 ms', async () => {
    const { p, log } = pace();
    for (let i = 0; i < 50; i++) p.observe(500);
    expect(p.share).toBe(CATCH_UP_FLOOR_PERCENT / 100);
    await p.after(10);
    expect(log).toEqual(['wait 30.00']);
  });

  it('grows back step by step to the whole loop once the loop keeps up, then only yields again', async () => {
    const { p, log } = pace();
    for (let i = 0; i < 50; i++) p.observe(500);
    const shares: number[] = [];
    for (let i = 0; i < 30; i++) {
      p.observe(3);
      shares.push(p.share);
    }
    expect(shares[0]).toBeGreaterThan(0.25);
    expect(shares[0]).toBeLessThan(0.5);
    for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeGreaterThanOrEqual(shares[i - 1]);
    expect(p.share).toBe(1);
    await p.after(10);
    expect(log).toEqual(['loop']);
  });

  it('holds the share while the lag is under the target but over half of it', () => {
    const { p } = pace();
    p.observe(100);
    for (let i = 0; i < 10; i++) p.observe(15);
    expect(p.share).toBe(0.7);
  });
});
