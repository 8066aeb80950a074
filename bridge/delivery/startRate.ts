/** The start's window as the worker sees it (bridge/ingest/catchUpWarmUp.ts `CatchUpWarmUp`). */
export interface StartWindow {
  /** Whether the bridge's `start()` was less than the window's length ago. */
  inWindow(): boolean;
}

/**
 * How many deliveries the worker may start per period while the start's window is open.
 *
 * RATE_PLACEHOLDER
 *
 * A period's count starts afresh when the period is over (fixed periods of `periodMs`, the
 * first beginning at the first start in the window). Outside the window there is no bound here
 * (the loop pacer and the scheduler's caps still hold: loopPace.ts, fairScheduler.ts). The
 * count is at least one a period, so the window slows delivery, never stops it.
 */
export class StartWindowRate {
  private readonly clock: () => number;
  private readonly perPeriod: number;
  private readonly periodMs: number;
  private periodStart = -Infinity;
  private started = 0;

  constructor(
    private readonly window: StartWindow,
    options: {
      /** Deliveries that may start in one period in the window (at least 1). */
      perPeriod?: number;
      /** One period (ms). */
      periodMs?: number;
      /** Milliseconds, monotonic (default `performance.now`). */
      clock?: () => number;
    } = {},
  ) {
    this.clock = options.clock ?? (() => performance.now());
    this.perPeriod = Math.max(1, Math.floor(options.perPeriod ?? START_WINDOW_SENDS_PER_PERIOD));
    this.periodMs = options.periodMs ?? START_WINDOW_PERIOD_MS;
  }

  /** How many more may start now: unbounded outside the window. */
  room(): number {
    if (!this.window.inWindow()) return Infinity;
    const now = this.clock();
    if (now - this.periodStart >= this.periodMs) {
      this.periodStart = now;
      this.started = 0;
    }
    return this.perPeriod - this.started;
  }

  /** `count` deliveries were started (after `room()`). */
  took(count: number): void {
    this.started += count;
  }

  /** Milliseconds until the next period, when `room()` was 0. */
  untilNextPeriod(): number {
    return Math.max(0, this.periodStart + this.periodMs - this.clock());
  }
}

/** One period of the start's rate (ms). */
export const START_WINDOW_PERIOD_MS = 100;

/** Deliveries that may start in one period of the start's window. */
export const START_WINDOW_SENDS_PER_PERIOD = Number(process.env.STALL14_PER_PERIOD ?? 20);
