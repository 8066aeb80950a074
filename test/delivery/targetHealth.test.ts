import { TargetHealth } from '../../bridge/delivery/targetHealth';

const OPTIONS = {
  initialLimit: 4,
  maxLimit: 64,
  breakerThreshold: 5,
  cooldownMs: 30_000,
  maxCooldownMs: 600_000,
};

/** Start as many as the target allows and answer them all with `signal` after `rttMs`. */
function round(
  target: TargetHealth,
  now: number,
  signal: Parameters<TargetHealth['finished']>[0],
  rttMs: number,
  backlog = true,
): number {
  let started = 0;
  while (target.canStart(now)) {
    target.started(now);
    started++;
  }
  for (let i = 0; i < started; i++) target.finished(signal, rttMs, now, backlog);
  return started;
}

describe('a target’s concurrency follows its latency', () => {
  it('grows while a slow receiver answers as fast as ever and has a backlog', () => {
    const target = new TargetHealth(OPTIONS);
    expect(target.limit).toBe(4);
    const sizes: number[] = [];
    for (let i = 0; i < 12; i++) sizes.push(round(target, i * 200, 'answered', 200));
    // Up by about half per round trip, to the most a target may have.
    expect(sizes[0]).toBe(4);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThanOrEqual(sizes[i - 1]);
    expect(sizes[sizes.length - 1]).toBe(64);
    expect(sizes.slice(0, 4).every((n) => n < 64)).toBe(true);
  });

  it('does not grow without a backlog, or when answers queue up', () => {
    const idle = new TargetHealth(OPTIONS);
    round(idle, 0, 'answered', 200, false);
    expect(idle.limit).toBe(4);
    const queueing = new TargetHealth(OPTIONS);
    round(queueing, 0, 'answered', 5); // the quickest answer: 5 ms
    const limit = queueing.limit;
    round(queueing, 10, 'answered', 400); // now 400 ms: requests are waiting, not served
    expect(queueing.limit).toBe(limit);
  });

  it('halves when the receiver asks to slow down or stops answering', () => {
    const target = new TargetHealth(OPTIONS);
    for (let i = 0; i < 3; i++) round(target, i, 'answered', 100);
    const before = target.limit;
    target.started(10);
    target.finished('slow-down', 100, 10, true);
    expect(target.limit).toBe(Math.floor(before / 2));
    target.started(11);
    target.finished('unreachable', 10_000, 11, true);
    expect(target.limit).toBe(Math.floor(before / 4));
  });
});

describe('the circuit breaker', () => {
  it('opens after five failures in a row, lets one probe through after the cool-down, and closes on an answer', () => {
    const target = new TargetHealth(OPTIONS);
    let now = 0;
    const fail = () => {
      target.started(now);
      target.finished('unreachable', 10_000, now, true);
    };
    for (let i = 0; i < 4; i++) fail();
    expect(target.isOpen(now)).toBe(false);
    fail();
    expect(target.isOpen(now)).toBe(true);
    expect(target.canStart(now)).toBe(false);
    expect(target.isOpen(now + 29_999)).toBe(true);

    now += 30_000;
    expect(target.isOpen(now)).toBe(false);
    expect(round(target, now, 'unreachable', 10_000)).toBe(1); // one probe only
    // The probe failed: open again, for twice as long.
    expect(target.isOpen(now + 59_999)).toBe(true);
    now += 60_000;
    expect(target.isOpen(now)).toBe(false);
    target.started(now);
    // The others wait for the probe's answer: neither sent nor given up.
    expect(target.canStart(now)).toBe(false);
    expect(target.isOpen(now)).toBe(false);
    target.finished('answered', 50, now, true);
    expect(target.isOpen(now)).toBe(false);
    expect(target.tripped).toBe(false);
    expect(target.limit).toBe(4);
  });

  it('an HTTP error is an answer: a receiver answering 500 never trips it', () => {
    const target = new TargetHealth(OPTIONS);
    for (let i = 0; i < 20; i++) round(target, i, 'answered', 5);
    expect(target.tripped).toBe(false);
  });

  it('a refused address says nothing about the target', () => {
    const target = new TargetHealth(OPTIONS);
    for (let i = 0; i < 20; i++) round(target, i, 'refused', 0);
    expect(target.tripped).toBe(false);
    expect(target.limit).toBe(4);
  });
});
