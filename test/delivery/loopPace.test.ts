import { LoopPacer } from '../../bridge/delivery/loopPace';

/**
 * The pacing rule alone (bridge/delivery/loopPace.ts): each window's event-loop lag moves the
 * number of deliveries that may be in flight. No clock: the windows' lags are given.
 */
function pacer() {
  return new LoopPacer({ targetLagMs: 20, floor: 16, ceiling: 256 });
}

describe('pacing delivery by the event loop’s lag', () => {
  it('starts at the configured concurrency and cuts the cap at once when a window runs over the target', () => {
    const p = pacer();
    expect(p.cap).toBe(256);
    p.observe(21);
    expect(p.cap).toBeLessThan(256);
    const once = p.cap;
    p.observe(80);
    expect(p.cap).toBeLessThan(once);
    expect(p.lastLagMs).toBe(80);
  });

  it('never goes under the floor however long the loop lags', () => {
    const p = pacer();
    for (let i = 0; i < 100; i++) p.observe(500);
    expect(p.cap).toBe(16);
  });

  it('grows back to the configured concurrency, and no further, once the loop keeps up', () => {
    const p = pacer();
    for (let i = 0; i < 100; i++) p.observe(500);
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) seen.push(p.observe(3));
    // Step by step, never a jump from the floor straight back to everything.
    expect(seen[0]).toBeGreaterThan(16);
    expect(seen[0]).toBeLessThan(64);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(p.cap).toBe(256);
  });

  it('holds the cap while the lag is under the target but over half of it', () => {
    const p = pacer();
    p.observe(100);
    const cut = p.cap;
    for (let i = 0; i < 10; i++) p.observe(15);
    expect(p.cap).toBe(cut);
  });

  it('a floor over the configured concurrency is the concurrency', () => {
    const p = new LoopPacer({ targetLagMs: 20, floor: 64, ceiling: 8 });
    for (let i = 0; i < 10; i++) p.observe(500);
    expect(p.cap).toBe(8);
  });
});
