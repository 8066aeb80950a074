import { StartWindowRate } from '../../bridge/delivery/startRate';

/**
 * A start window's rate of `perPeriod` per 100 ms (bridge/delivery/startRate.ts) on a clock
 * moved by hand (`clock.ms`), its window's allowance set by hand (`window.allowance`: 1 while the
 * window is open, more over its ramp, `Infinity` once it is over).
 */
export function rateByHand(perPeriod: number) {
  const clock = { ms: 1_000 };
  const window = { allowance: 1 };
  const rate = new StartWindowRate(
    { allowance: () => window.allowance },
    { perPeriod, periodMs: 100, clock: () => clock.ms },
  );
  return { rate, clock, window };
}
