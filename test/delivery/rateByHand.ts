import { StartWindowRate } from '../../bridge/delivery/startRate';

/**
 * A start window's rate of `perPeriod` per 100 ms (bridge/delivery/startRate.ts) on a clock
 * moved by hand (`clock.ms`), in a window opened and closed by hand (`window.open`), its pace
 * (`CatchUpWarmUp.pace`: 1 in the window, more in its fade) set by hand (`window.pace`).
 */
export function rateByHand(perPeriod: number) {
  const clock = { ms: 1_000 };
  const window = { open: true, pace: 1 };
  const rate = new StartWindowRate(
    { pace: () => (window.open ? window.pace : Infinity) },
    { perPeriod, periodMs: 100, clock: () => clock.ms },
  );
  return { rate, clock, window };
}
