import { StartWindowRate } from '../../bridge/delivery/startRate';

/**
 * The worker's rate in the start's window alone (bridge/delivery/startRate.ts), on an injected
 * clock and a window opened and closed by hand.
 */
function rate(perPeriod: number) {
  const clock = { ms: 1_000 };
  const window = { open: true };
  const r = new StartWindowRate(
    { inWindow: () => window.open },
    { perPeriod, periodMs: 100, clock: () => clock.ms },
  );
  return { r, clock, window };
}

/** Take what the rate allows now, as the worker's pump does. */
function takeAll(r: StartWindowRate): number {
  const room = r.room();
  r.took(room);
  return room;
}

describe('the start window’s rate of sends', () => {
  it('lets at most so many start in a period while the window is open, the next period as many again', () => {
    const { r, clock } = rate(5);
    expect(r.room()).toBe(5);
    r.took(3);
    expect(r.room()).toBe(2);
    r.took(2);
    expect(r.room()).toBe(0);
    clock.ms += 60;
    expect(r.room()).toBe(0);
    expect(r.untilNextPeriod()).toBe(40);
    clock.ms += 40;
    expect(takeAll(r)).toBe(5);
    expect(r.room()).toBe(0);
  });

  it('does not carry a quiet period’s room into the next', () => {
    const { r, clock } = rate(5);
    expect(r.room()).toBe(5);
    clock.ms += 1_000;
    expect(r.room()).toBe(5);
  });

  it('is no bound once the window has closed, nor before it opens', () => {
    const { r, clock, window } = rate(5);
    takeAll(r);
    window.open = false;
    expect(r.room()).toBe(Infinity);
    r.took(10_000);
    expect(r.room()).toBe(Infinity);
    window.open = true;
    clock.ms += 100;
    expect(r.room()).toBe(5);
  });

  it('never stops delivery: a rate of 0 in the window is one a period', () => {
    const { r, clock } = rate(0);
    for (let period = 0; period < 3; period++) {
      expect(takeAll(r)).toBe(1);
      expect(r.room()).toBe(0);
      clock.ms += 100;
    }
  });
});
