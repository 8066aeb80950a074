import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';

/**
 * How a catch-up's commit pauses between two of its storing batches
 * (bridge/ingest/locationIngest.ts `storeEvents`), one for the whole bridge.
 *
 * In the first seconds after the bridge's `start()` every location's first poll reads its
 * history, and the bridge's own start (the first answers and pages, the delivery backlog, a cold
 * process compiling its code and growing its heap) shares the cores with them: that first second
 * held the event loop's worst second in nearly every run of issue 16's store benchmark
 * (BENCHMARKS.md, `stall8`: 23 of 25 runs, 60–126 ms). So for `windowMs` after `start()` a
 * catch-up's storing takes at most `share` of the wall clock: after a batch that held the loop
 * `ms`, the next waits `ms × (1 / share − 1)`. After the window's fade (below), and before
 * `start()`, the next batch follows as soon as the loop has run once (`setImmediate`), as every
 * later catch-up does (one after an outage, a location added while the bridge runs): a permanent
 * cap would cost their events time whenever the loop is busy (BENCHMARKS.md, `stall8`'s *P*),
 * while the window and its fade bound what the start's catch-ups lose to about
 * `(windowMs + fadeMs / 2) × (1 − share)`.
 *
 * The first batch of a commit never waits (the pause is between batches), so a steady poll, a
 * journal entry or a stream's decision, each one batch, is never slowed.
 *
 * The window does not end at once: over the next `fadeMs` the share rises in a straight line
 * from `share` to the whole wall clock (`share()`), and the worker's start rate with it
 * (bridge/delivery/startRate.ts). Ended at once, every catch-up left and the deliveries the
 * window held back all resumed at full speed in the same second, and seconds 5–7 held as many
 * of bigstore's seconds over 50 ms as second 0 (BENCHMARKS.md, `fade22`).
 */
export class CatchUpWarmUp {
  private startedAt: number | null = null;
  private readonly clock: () => number;
  private readonly windowMs: number;
  private readonly windowShare: number;
  private readonly fadeMs: number;
  private readonly wait: (ms: number) => Promise<unknown>;

  constructor(
    options: {
      /** Milliseconds, monotonic (default `performance.now`). */
      clock?: () => number;
      /** How long after `start()` the catch-ups are held to `share` (ms). */
      windowMs?: number;
      /** The most of the wall clock a catch-up's storing takes in the window (0–1]. */
      share?: number;
      /** How long after the window the share takes to rise to the whole wall clock (ms). */
      fadeMs?: number;
      /** Waits this many ms (default a timer). */
      wait?: (ms: number) => Promise<unknown>;
    } = {},
  ) {
    this.clock = options.clock ?? (() => performance.now());
    this.windowMs = options.windowMs ?? CATCH_UP_WARM_UP_MS;
    this.windowShare = options.share ?? CATCH_UP_WARM_UP_SHARE;
    this.fadeMs = Math.max(0, options.fadeMs ?? CATCH_UP_WARM_UP_FADE_MS);
    this.wait = options.wait ?? ((ms) => sleep(ms));
  }

  /** The bridge started polling: the window opens now (a second call changes nothing). */
  start(): void {
    this.startedAt ??= this.clock();
  }

  /** Whether the start's window is open: `start()` was called less than `windowMs` ago. */
  inWindow(): boolean {
    return this.startedAt !== null && this.clock() - this.startedAt < this.windowMs;
  }

  /**
   * The share of the wall clock the start's held work may take now: the window's share in the
   * window, rising in a straight line to 1 over the fade after it, 1 before `start()` and after
   * the fade.
   */
  share(): number {
    if (this.startedAt === null) return 1;
    const since = this.clock() - this.startedAt;
    if (since < this.windowMs) return this.windowShare;
    if (since >= this.windowMs + this.fadeMs) return 1;
    return this.windowShare + ((1 - this.windowShare) * (since - this.windowMs)) / this.fadeMs;
  }

  /**
   * How many times the window's own pace the held work may go now (1 in the window, rising to
   * 1 / the window's share over the fade, `Infinity` when nothing is held): the worker's start
   * rate grows by it (bridge/delivery/startRate.ts).
   */
  pace(): number {
    const share = this.share();
    return share >= 1 ? Infinity : share / this.windowShare;
  }

  /** What a commit awaits after a batch that held the loop `heldMs`, before its next batch. */
  async pause(heldMs: number): Promise<void> {
    const share = this.share();
    if (share < 1) await this.wait(heldMs * (1 / share - 1));
    else await yieldToLoop();
  }
}

/**
 * The start's window (ms). Unpaced, a start's catch-ups in the store benchmark (21 locations,
 * 15 minutes of history each) ended 5–6 s after `start()` and the loop's stalls over 50 ms fell
 * in those seconds, most in the first (BENCHMARKS.md, `stall7`, `stall8`).
 */
export const CATCH_UP_WARM_UP_MS = 5_000;

/** A catch-up's share of the wall clock in the start's window: `stall8`'s *C*, a tenth. */
export const CATCH_UP_WARM_UP_SHARE = 0.1;

/**
 * How long the share takes to rise from the window's to the whole wall clock after the window
 * (ms): about as long as the start's catch-ups in the store benchmark went on past the window
 * (they ended 7–9 s after `start()`; BENCHMARKS.md, `fade22`).
 */
export const CATCH_UP_WARM_UP_FADE_MS = 5_000;
