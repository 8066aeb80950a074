/**
 * CPU work in turns, first come first served, with the event loop running between two turns,
 * so that work arriving together does not hold the loop for the sum of it.
 *
 * - Polls (bridge/ingest/locationPoller.ts): each location's reads from its PBX stay
 *   concurrent, but settling and storing what was read waits its turn. Without it, 200 PBXs
 *   whose reads finished together settled and stored in one turn of the loop and stalled it for
 *   up to 2 s (BENCHMARKS.md §8). Fair per location: a location has at most one poll at a time,
 *   so one whose work is large waits at most one turn of every other location.
 * - The API's list pages (`ApiContext.pageTurns`: the feed, the calls list, the follow-up
 *   report): 20 clients asking for feed pages at once
 *   held `/healthz` (and every other client) behind all 20 pages; in turns, a cheap request
 *   waits for at most one page.
 */
export class WorkTurns {
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private readonly concurrency: number;
  private readonly yieldToLoop: () => Promise<void>;
  private readonly budgetMs: number;
  private readonly now: () => number;
  /** When the turns run since the event loop last ran began (null: none since). */
  private sliceStartedAt: number | null = null;

  constructor(
    options: {
      /** Turns that run at once (default 1: the CPU part is one thread anyway). */
      concurrency?: number;
      /** Lets the event loop run between two turns (default `setImmediate`). */
      yieldToLoop?: () => Promise<void>;
      /**
       * Turns run back to back until they have held the loop this long (ms, default
       * {@link TURN_BUDGET_MS}); the loop then runs before the next. 0: it runs after every turn.
       */
      budgetMs?: number;
      /** Milliseconds, for the budget (default `performance.now`). */
      now?: () => number;
    } = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.yieldToLoop = options.yieldToLoop ?? (() => new Promise((r) => setImmediate(r)));
    this.budgetMs = Math.max(0, options.budgetMs ?? TURN_BUDGET_MS);
    this.now = options.now ?? (() => performance.now());
  }

  /** Polls waiting for their turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Run `work` when its turn comes; resolves or rejects with it. A failure frees the turn.
   * `continuation`: the second part of work whose first part already had a turn (a poll that
   * read a report between its two), so it waits ahead of those that have not: a poll waited
   * in line twice, which doubled its duration under load (issue 16). It jumps the line once per
   * poll, so no location can keep another waiting.
   */
  async run<T>(work: () => Promise<T>, options: { continuation?: boolean } = {}): Promise<T> {
    if (this.running >= this.concurrency || this.waiting.length > 0)
      await new Promise<void>((resolve) =>
        options.continuation ? this.waiting.unshift(resolve) : this.waiting.push(resolve),
      );
    else this.running++;
    this.sliceStartedAt ??= this.now();
    try {
      return await work();
    } finally {
      void this.release();
    }
  }

  /**
   * Hand the turn to the next in line: at once while the turns since the loop last ran are
   * within the budget, else once the event loop has run. One turn per loop iteration was a
   * ceiling: under load an iteration took 25 ms, so 40 polls a second (60 turns) queued
   * without end and waited seconds for their turn (issue 16).
   */
  private async release(): Promise<void> {
    const started = this.sliceStartedAt;
    if (this.waiting.length > 0 && started !== null && this.now() - started < this.budgetMs) {
      this.waiting.shift()!();
      return;
    }
    this.sliceStartedAt = null;
    await this.yieldToLoop();
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

/**
 * How long turns may hold the event loop back to back (ms): a small poll's settle-and-store
 * takes a few ms, so several share one loop iteration, and the loop still runs every ~10 ms
 * plus one turn (issue 16 asks for p99 ≤ 50 ms).
 */
export const TURN_BUDGET_MS = 10;
