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

  constructor(
    options: {
      /** Turns that run at once (default 1: the CPU part is one thread anyway). */
      concurrency?: number;
      /** Lets the event loop run between two turns (default `setImmediate`). */
      yieldToLoop?: () => Promise<void>;
    } = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.yieldToLoop = options.yieldToLoop ?? (() => new Promise((r) => setImmediate(r)));
  }

  /** Polls waiting for their turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Run `work` when its turn comes; resolves or rejects with it. A failure frees the turn. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency || this.waiting.length > 0)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      void this.release();
    }
  }

  /** Hand the turn to the next in line once the event loop has run. */
  private async release(): Promise<void> {
    await this.yieldToLoop();
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
