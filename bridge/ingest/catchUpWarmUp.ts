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
 * `ms`, the next waits `ms × (1 / share − 1)`. Afterwards, and before `start()`, the next batch
 * follows as soon as the loop has run once (`setImmediate`), as every later catch-up does (one
 * after an outage, a location added while the bridge runs): a permanent cap would cost their
 * events time whenever the loop is busy (BENCHMARKS.md, `stall8`'s *P*), while the window
 * bounds what the start's catch-ups lose to about `windowMs × (1 − share)`.
 *
 * The first batch of a commit never waits (the pause is between batches), so a steady poll, a
 * journal entry or a stream's decision, each one batch, is never slowed.
 *
 * It also knows when the start's catch-ups are over (`startCatchingUp`): the locations polled
 * at `start()` each end theirs with a poll that read up to the present, or with a failed one
 * (what it retries later is a catch-up like one after an outage). The delivery worker's start
 * rate holds the start's backlog for as long as they run (bridge/delivery/startRate.ts).
 */
export class CatchUpWarmUp {
  private startedAt: number | null = null;
  /** The locations polled at `start()` whose catch-up has not ended. */
  private catchingUp = new Set<string>();
  private readonly clock: () => number;
  private readonly windowMs: number;
  private readonly share: number;
  private readonly wait: (ms: number) => Promise<unknown>;

  constructor(
    options: {
      /** Milliseconds, monotonic (default `performance.now`). */
      clock?: () => number;
      /** How long after `start()` the catch-ups are held to `share` (ms). */
      windowMs?: number;
      /** The most of the wall clock a catch-up's storing takes in the window (0–1]. */
      share?: number;
      /** Waits this many ms (default a timer). */
      wait?: (ms: number) => Promise<unknown>;
    } = {},
  ) {
    this.clock = options.clock ?? (() => performance.now());
    this.windowMs = options.windowMs ?? CATCH_UP_WARM_UP_MS;
    this.share = options.share ?? CATCH_UP_WARM_UP_SHARE;
    this.wait = options.wait ?? ((ms) => sleep(ms));
  }

  /**
   * The bridge started polling `locations`: the window opens now, and each of them has its
   * start's catch-up to run (a second call changes nothing).
   */
  start(locations: Iterable<string> = []): void {
    if (this.startedAt !== null) return;
    this.startedAt = this.clock();
    this.catchingUp = new Set(locations);
  }

  /**
   * A poll of the location ended having read up to the present, or failed: its part of the
   * start's catch-ups is over (a location not polled at `start()`, or already over: nothing).
   */
  catchUpEnded(locationId: string): void {
    this.catchingUp.delete(locationId);
  }

  /**
   * Whether the start's catch-ups still run: a location polled at `start()` has not ended its
   * catch-up, and `start()` was less than `CATCH_UP_START_MAX_MS` ago (a PBX that never answers
   * and never fails must not hold what waits on this for ever).
   */
  startCatchingUp(): boolean {
    return (
      this.catchingUp.size > 0 &&
      this.startedAt !== null &&
      this.clock() - this.startedAt < CATCH_UP_START_MAX_MS
    );
  }

  /** Whether the start's window is open: `start()` was called less than `windowMs` ago. */
  inWindow(): boolean {
    return this.startedAt !== null && this.clock() - this.startedAt < this.windowMs;
  }

  /** What a commit awaits after a batch that held the loop `heldMs`, before its next batch. */
  async pause(heldMs: number): Promise<void> {
    if (this.inWindow()) await this.wait(heldMs * (1 / this.share - 1));
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
 * The longest the start's catch-ups count as running (ms): bigstore's (21 locations, 15 minutes
 * of history each) ended 6.6–11.3 s after `start()` (BENCHMARKS.md, `cap19`). A first round of
 * 200 new locations takes ~35 s (`stall14` §2): what waits on the catch-ups (the start's backlog,
 * at 200 sends a second) then goes ahead at 15 s, at most 10 s later than the window alone held
 * it (BENCHMARKS.md, `deliv20`).
 */
export const CATCH_UP_START_MAX_MS = 15_000;
