import type { CatchUpWarmUp } from '../ingest/catchUpWarmUp';

/**
 * How many deliveries the worker may start per period while the start's window is open: a
 * rate, not a concurrency.
 *
 * A start's backlog (webhooks of the history the first polls store, and of calls stored while
 * the bridge was down) went out at ~1,000 a second in the first seconds after `start()`, and the
 * event loop's worst second was the first in nearly every run of issue 16's store benchmark. Its
 * receivers answer at once, so 0–64 are in flight and the loop pacer's in-flight cap
 * (loopPace.ts) never binds; yet starting them and writing their records held the loop 106–148
 * ms of that second (the answers not counted), and their receivers run on the same cores, which
 * the start's polls and catch-ups saturate (BENCHMARKS.md, `stall13`). So while the window the
 * catch-ups are held in is open (bridge/ingest/catchUpWarmUp.ts, the first 5 s), the worker
 * starts at most `perPeriod` a `periodMs`. What it buys and what it costs the backlog:
 * BENCHMARKS.md, `stall14`. After the window the bound grows with the catch-ups' share as it
 * fades out (`CatchUpWarmUp.pace`: ten times the window's rate at the fade's end, then none):
 * what had waited went out at full speed the moment the window closed, beside every catch-up
 * resuming at full speed too (BENCHMARKS.md, `fade22`).
 *
 * A period's count starts afresh when the period is over (fixed periods of `periodMs`, the
 * first beginning at the first start in the window). Past the fade there is no bound here
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
    /** The bridge's start window (only its pace is asked). */
    private readonly window: Pick<CatchUpWarmUp, 'pace'>,
    options: {
      /** Deliveries that may start in one period in the window (at least 1; more in its fade). */
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

  /** How many more may start now: unbounded before the window and past its fade. */
  room(): number {
    const pace = this.window.pace();
    if (!Number.isFinite(pace)) return Infinity;
    const now = this.clock();
    if (now - this.periodStart >= this.periodMs) {
      this.periodStart = now;
      this.started = 0;
    }
    // `pace` is 1 in the window and more in its fade: never below the window's own bound.
    return Math.floor(this.perPeriod * pace) - this.started;
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

/**
 * Deliveries that may start in one period of the start's window: 200 a second, a fifth of what
 * the start's backlog went out at unpaced (BENCHMARKS.md, `stall14`).
 */
export const START_WINDOW_SENDS_PER_PERIOD = 20;
