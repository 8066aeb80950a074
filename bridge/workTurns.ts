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
 *   waits for at most one page. A line beside the polls' ({@link beside}) that gives way
 *   to them, a page's whole answer written in its turn (bridge/http/apiContext.ts `answerPage`).
 * - The 3CX answers (bridge/threecx/threecxTransport.ts `bodyTurn`): decoded and parsed in the
 *   polls' line, not in their sockets' callbacks (issue 16 item 3); small ones (a token, a
 *   Call Control participant: `SMALL_ANSWER_BYTES`) at once, as a turn's wait costs them more.
 */
export class WorkTurns {
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private readonly concurrency: number;
  private readonly yieldToLoop: () => Promise<void>;
  private readonly budgetMs: number;
  private readonly maxBudgetMs: number;
  private readonly now: () => number;
  /** When the turns run since the event loop last ran began (null: none since). */
  private sliceStartedAt: number | null = null;
  /** How long the turns of the current slice may hold the loop (ms). */
  private sliceBudgetMs: number;
  /** When the last slice handed the loop back with turns still waiting (null: none waiting). */
  private yieldedAt: number | null = null;
  /** The catch-up turns' own line (`run`'s `catchUp`), made when the first one comes. */
  private catchUpLane: WorkTurns | null = null;
  private readonly options: ConstructorParameters<typeof WorkTurns>[0];
  /** What this line shares with the lines beside it (see {@link startSlice}). */
  private readonly shared: SharedLoop;
  /** `shared.heldMs` when this line last handed the loop back. */
  private heldAtYield = 0;
  /** A line beside the others ({@link beside}): its slices stay at the base budget while theirs run. */
  private readonly givesWay: boolean;

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
      /**
       * The most a slice may hold the loop when the loop's own share grew (ms, default
       * {@link TURN_MAX_BUDGET_MS}): see {@link startSlice}.
       */
      maxBudgetMs?: number;
      /** Milliseconds, for the budget (default `performance.now`). */
      now?: () => number;
    } = {},
    shared: SharedLoop = { heldMs: 0, lines: [] },
    givesWay = false,
  ) {
    this.options = options;
    this.shared = shared;
    this.givesWay = givesWay;
    shared.lines.push(this);
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.yieldToLoop = options.yieldToLoop ?? (() => new Promise((r) => setImmediate(r)));
    this.budgetMs = Math.max(0, options.budgetMs ?? TURN_BUDGET_MS);
    this.maxBudgetMs = Math.max(this.budgetMs, options.maxBudgetMs ?? TURN_MAX_BUDGET_MS);
    this.sliceBudgetMs = this.budgetMs;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * A line of its own beside this one (the API's list pages beside the polls'), whose slices
   * and this line's share the loop as the catch-up line's do ({@link startSlice}): three lines
   * each earning 50 ms from the others' slices held the loop 150 ms (issue 16 item 3). It gives
   * way: its slices keep the base budget while another line has turns waiting or running.
   */
  beside(): WorkTurns {
    return new WorkTurns(this.options, this.shared, true);
  }

  /** Turns waiting or running. */
  private get busy(): boolean {
    return this.running > 0 || this.waiting.length > 0;
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
   *
   * `catchUp`: the work of a poll reading history (a location's first poll, a catch-up after
   * an outage), which settles and stores thousands of calls in slices with the loop running in
   * between (bridge/ingest/locationIngest.ts). Such turns wait in a line of their own and run
   * beside the others, one at a time: in the one line, each held every other location's poll
   * for its whole length, 0.2–2 s of slices, and while 200 new locations caught up the polls of
   * those already done waited up to 36 s for their turn (p95 27 s; issue 16, BENCHMARKS.md
   * "loc5"). The loop is then held by at most one slice of each line at a time.
   */
  async run<T>(
    work: () => Promise<T>,
    options: { continuation?: boolean; catchUp?: boolean } = {},
  ): Promise<T> {
    if (options.catchUp) {
      this.catchUpLane ??= new WorkTurns(this.options, this.shared);
      return this.catchUpLane.run(work, { continuation: options.continuation });
    }
    if (this.running >= this.concurrency || this.waiting.length > 0)
      await new Promise<void>((resolve) =>
        options.continuation ? this.waiting.unshift(resolve) : this.waiting.push(resolve),
      );
    else this.running++;
    if (this.sliceStartedAt === null) this.startSlice();
    try {
      return await work();
    } finally {
      void this.release();
    }
  }

  /**
   * A slice's budget: the base budget, or, when turns waited while the loop ran, as long as the
   * loop ran (at most `maxBudgetMs`). A fixed 10 ms per iteration starved the turns whenever
   * iterations stretched (a major GC, then 100–280 ms iterations handling the timers and I/O
   * piled up during it): turns got 10 ms in every 110–290, the queue grew to ~200 polls waiting
   * ~0.8 s each and did not drain again (issue 16, BENCHMARKS.md "loc4"). Sharing the loop
   * equally keeps the turns' throughput in step with the rest of the loop's work.
   *
   * The loop's time is what ran outside turns: the other line's slices (the catch-up line
   * beside the steady one) earn nothing, and the two lines' slices together stay within
   * `maxBudgetMs`. Each line counted the other's 50 ms slice as the loop's and earned 50 ms
   * for its own, so once both had turns waiting an iteration held the loop 100 ms and more
   * (issue 16 item 3, BENCHMARKS.md "stall").
   *
   * A line that gives way ({@link beside}: the API's pages) keeps the base budget while another
   * line has turns waiting or running. Every line takes at least the base budget, and a turn
   * begun within a budget runs to its end, so with the three lines behind, one iteration held
   * the polls' slice, the catch-up's and a page slice grown to what they left of the 50 ms:
   * open-loop API clients (300 requests a second, 8 in flight) kept up to 8 pages waiting
   * through the start window, and all 7 base runs had a second over 50 ms (second 0 median
   * 71 ms). With the pages giving way, 7 pairs: worst second median 73.2 → 61.4 ms, second 0
   * 71.1 → 52.7, seconds over 50 ms 20 → 9, the readers' lateness unchanged (issue 16 item 3,
   * BENCHMARKS.md "paced19", "page20"). The polls' lines are the bridge's own work and keep
   * their budgets; the pages wait instead.
   */
  private startSlice(): void {
    const now = this.now();
    this.sliceStartedAt = now;
    const otherLineMs = this.shared.heldMs - this.heldAtYield;
    const loopRanMs = this.yieldedAt === null ? 0 : now - this.yieldedAt - otherLineMs;
    const givingWay = this.givesWay && this.shared.lines.some((line) => line !== this && line.busy);
    this.sliceBudgetMs = givingWay
      ? this.budgetMs
      : Math.max(
          this.budgetMs,
          Math.min(loopRanMs, this.maxBudgetMs - (this.yieldedAt === null ? 0 : otherLineMs)),
        );
    this.yieldedAt = null;
  }

  /**
   * Hand the turn to the next in line: at once while the turns since the loop last ran are
   * within the slice's budget, else once the event loop has run. One turn per loop iteration
   * was a ceiling: under load an iteration took 25 ms, so 40 polls a second (60 turns) queued
   * without end and waited seconds for their turn (issue 16).
   */
  private async release(): Promise<void> {
    const started = this.sliceStartedAt;
    if (this.waiting.length > 0 && started !== null && this.now() - started < this.sliceBudgetMs) {
      this.waiting.shift()!();
      return;
    }
    const now = this.now();
    if (started !== null) this.shared.heldMs += now - started;
    this.heldAtYield = this.shared.heldMs;
    this.sliceStartedAt = null;
    // Only a loop that ran while turns waited earns the next slice a larger budget.
    this.yieldedAt = this.waiting.length > 0 ? now : null;
    await this.yieldToLoop();
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

/** What the lines beside one another share ({@link WorkTurns.beside}, the catch-up line). */
interface SharedLoop {
  /**
   * How long the lines' slices have held the loop in all (ms): a line's slice earns its budget
   * from the time the loop ran *without* turns, not from the other lines' slices.
   */
  heldMs: number;
  /** Every line, for the one that gives way to the others. */
  lines: WorkTurns[];
}

/**
 * How long turns may hold the event loop back to back (ms) while the loop's own work is light:
 * a small poll's settle-and-store takes a few ms, so several share one loop iteration, and the
 * loop still runs every ~10 ms plus one turn (issue 16 asks for p99 ≤ 50 ms).
 */
export const TURN_BUDGET_MS = 10;

/**
 * The most one slice of turns may hold the loop when the loop's other work took long (ms):
 * issue 16's event-loop p99 of 50 ms.
 */
export const TURN_MAX_BUDGET_MS = 50;
