import { WorkTurns } from '../../bridge/workTurns';

/**
 * The queue decides which location's settle-and-store runs when: one at a time, first come
 * first served, the event loop running between two turns, a failure never blocking the line.
 * Driven by fake timers: each job "takes" fake time, so no test depends on the wall clock.
 */
describe('WorkTurns', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A job that logs its start and end and takes `ms` of fake time. */
  function job(log: string[], name: string, ms = 10, fail = false) {
    return async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`${name} end`);
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
  }

  it('runs one location at a time, in the order they asked', async () => {
    const queue = new WorkTurns();
    const log: string[] = [];
    const done = Promise.all([
      queue.run(job(log, 'a', 30)),
      queue.run(job(log, 'b', 5)),
      queue.run(job(log, 'c', 20)),
    ]);
    expect(queue.queued).toBe(2);
    await jest.runAllTimersAsync();
    await expect(done).resolves.toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    expect(queue.queued).toBe(0);
  });

  it('lets the event loop run between two turns', async () => {
    const log: string[] = [];
    // Stands in for `setImmediate` (timers and I/O run there): the next turn waits for it.
    const queue = new WorkTurns({
      yieldToLoop: () =>
        new Promise((resolve) => setTimeout(() => resolve(void log.push('loop')), 0)),
      budgetMs: 0,
    });
    const turns = ['a', 'b', 'c'].map((name) => queue.run(async () => void log.push(name)));
    await jest.runAllTimersAsync();
    await Promise.all(turns);
    expect(log).toEqual(['a', 'loop', 'b', 'loop', 'c', 'loop']);
  });

  it('runs turns back to back until they have held the loop for the budget, then lets it run', async () => {
    const log: string[] = [];
    let clock = 0;
    const queue = new WorkTurns({
      yieldToLoop: () =>
        new Promise((resolve) => setTimeout(() => resolve(void log.push('loop')), 0)),
      budgetMs: 10,
      now: () => clock,
    });
    // Each turn takes 4 ms of the injected clock: three fit in the 10 ms budget (0, 4, 8 ms in).
    const turns = ['a', 'b', 'c', 'd', 'e'].map((name) =>
      queue.run(async () => {
        log.push(name);
        clock += 4;
      }),
    );
    await jest.runAllTimersAsync();
    await Promise.all(turns);
    expect(log).toEqual(['a', 'b', 'c', 'loop', 'd', 'e', 'loop']);
  });

  /**
   * A queue whose `yieldToLoop` stands for an event-loop iteration that took `loopMs` of the
   * injected clock (timers and I/O handled there), and turns that each take `turnMs` of it.
   */
  function timedQueue(loopMs: number, options: { budgetMs: number; maxBudgetMs: number }) {
    const log: string[] = [];
    const clock = { ms: 0 };
    const queue = new WorkTurns({
      ...options,
      yieldToLoop: () =>
        new Promise((resolve) =>
          setTimeout(() => {
            clock.ms += loopMs;
            resolve(void log.push('loop'));
          }, 0),
        ),
      now: () => clock.ms,
    });
    const turn = (name: string, turnMs: number, line = queue) =>
      line.run(async () => {
        log.push(name);
        clock.ms += turnMs;
      });
    return { log, turn, queue };
  }

  it('gives the turns as long as the loop ran while they waited, so they keep pace with a slow loop', async () => {
    const { log, turn } = timedQueue(30, { budgetMs: 10, maxBudgetMs: 50 });
    const turns = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((name) => turn(name, 4));
    await jest.runAllTimersAsync();
    await Promise.all(turns);
    // The loop's 30 ms earns the next slice 30 ms: five turns (0–20 ms in), not three.
    // With a fixed 10 ms: a b c loop d e f loop g h loop.
    expect(log).toEqual(['a', 'b', 'c', 'loop', 'd', 'e', 'f', 'g', 'h', 'loop']);
  });

  it('holds the loop for at most `maxBudgetMs` however long the loop ran', async () => {
    const { log, turn } = timedQueue(200, { budgetMs: 10, maxBudgetMs: 50 });
    const turns = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((name) => turn(name, 10));
    await jest.runAllTimersAsync();
    await Promise.all(turns);
    // 200 ms of loop earns 50: five 10 ms turns, then the loop runs again.
    expect(log).toEqual(['a', 'loop', 'b', 'c', 'd', 'e', 'f', 'loop', 'g', 'h', 'loop']);
  });

  it('earns nothing from a loop that ran while no turn waited', async () => {
    const { log, turn } = timedQueue(100, { budgetMs: 10, maxBudgetMs: 50 });
    await Promise.all([turn('a', 4), jest.runAllTimersAsync()]);
    const turns = ['b', 'c', 'd', 'e'].map((name) => turn(name, 4));
    await jest.runAllTimersAsync();
    await Promise.all(turns);
    // `a` ran alone, so the 100 ms after it were idle time, not turns held back: base budget.
    expect(log).toEqual(['a', 'loop', 'b', 'c', 'd', 'loop', 'e', 'loop']);
  });

  /**
   * Two lines with turns of 5 ms each waiting, on a loop that takes 2 ms outside the turns:
   * the longest run of turns between two runs of the loop, in ms of the injected clock.
   */
  async function longestRunOfTwoLines(
    second: (queue: WorkTurns) => (work: () => Promise<void>) => Promise<void>,
  ): Promise<number> {
    const clock = { ms: 0 };
    const log: string[] = [];
    const queue = new WorkTurns({
      budgetMs: 10,
      maxBudgetMs: 50,
      yieldToLoop: () =>
        new Promise((resolve) =>
          setTimeout(() => {
            clock.ms += 2;
            resolve(void log.push('loop'));
          }, 0),
        ),
      now: () => clock.ms,
    });
    const other = second(queue);
    const turn = (name: string, run: (work: () => Promise<void>) => Promise<void>) =>
      run(async () => {
        log.push(name);
        clock.ms += 5;
      });
    const turns = Array.from({ length: 24 }, (_, i) => [
      turn(`a${i}`, (work) => queue.run(work)),
      turn(`b${i}`, other),
    ]).flat();
    await jest.runAllTimersAsync();
    await Promise.all(turns);
    return Math.max(
      ...log
        .join(' ')
        .split('loop')
        .map((slice) => slice.trim().split(/\s+/).filter(Boolean).length * 5),
    );
  }

  it("does not count the catch-up line's slices as the loop's time: the two lines' slices stay short", async () => {
    // Each line counted the other's slice as loop time and grew to 50 ms a slice: 100 ms
    // between two runs of the loop. Now each earns only the loop's 2 ms: the base 10 ms each.
    expect(
      await longestRunOfTwoLines((queue) => (work) => queue.run(work, { catchUp: true })),
    ).toBeLessThanOrEqual(20);
  });

  it("shares the loop the same way with a line beside it (the API's pages)", async () => {
    expect(
      await longestRunOfTwoLines((queue) => {
        const beside = queue.beside();
        return (work) => beside.run(work);
      }),
    ).toBeLessThanOrEqual(20);
  });

  it("keeps the API's page line at the base budget while a catch-up runs, and lets it grow once alone", async () => {
    // Every run of the loop takes 200 ms: alone, a line's next slice earns the 50 ms ceiling.
    const { log, turn, queue } = timedQueue(200, { budgetMs: 10, maxBudgetMs: 50 });
    const pages = queue.beside();
    const page = (name: string) => turn(name, 10, pages);
    let endCatchUp!: () => void;
    const catchUp = queue.run(() => new Promise<void>((resolve) => (endCatchUp = resolve)), {
      catchUp: true,
    });
    const behindCatchUp = ['a', 'b', 'c', 'd'].map(page);
    await jest.runAllTimersAsync();
    await Promise.all(behindCatchUp);
    // One 10 ms page a slice while the catch-up runs. Without the rule: a loop b c d loop.
    expect(log).toEqual(['a', 'loop', 'b', 'loop', 'c', 'loop', 'd', 'loop']);

    endCatchUp();
    await jest.runAllTimersAsync();
    await catchUp;
    log.length = 0;
    const alone = ['e', 'f', 'g', 'h', 'i', 'j', 'k'].map(page);
    await jest.runAllTimersAsync();
    await Promise.all(alone);
    // Alone, the loop's 200 ms earns the page line's next slice 50 ms: five pages.
    expect(log).toEqual(['e', 'loop', 'f', 'g', 'h', 'i', 'j', 'loop', 'k', 'loop']);
  });

  it('puts a location that asks again behind those already waiting', async () => {
    const queue = new WorkTurns();
    const log: string[] = [];
    const a1 = queue.run(job(log, 'a1'));
    const b = queue.run(job(log, 'b'));
    const c = queue.run(job(log, 'c'));
    // `a` polls again as soon as its first turn ends: it waits for `b` and `c`.
    const a2 = a1.then(() => queue.run(job(log, 'a2')));
    await jest.runAllTimersAsync();
    await Promise.all([a1, b, c, a2]);
    expect(log.filter((l) => l.endsWith('start'))).toEqual([
      'a1 start',
      'b start',
      'c start',
      'a2 start',
    ]);
  });

  it("runs a poll's second turn ahead of the polls that have not had their first", async () => {
    const queue = new WorkTurns();
    const log: string[] = [];
    const a1 = queue.run(job(log, 'a1'));
    const b = queue.run(job(log, 'b'));
    const c = queue.run(job(log, 'c'));
    // `a` read a report after its first turn and comes back to store what it settled.
    const a2 = a1.then(() => queue.run(job(log, 'a2'), { continuation: true }));
    await jest.runAllTimersAsync();
    await Promise.all([a1, b, c, a2]);
    // Without the rule: a1, b, c, a2.
    expect(log.filter((l) => l.endsWith('start'))).toEqual([
      'a1 start',
      'a2 start',
      'b start',
      'c start',
    ]);
  });

  it("runs a catch-up turn beside the others: a steady poll's turn does not wait for it", async () => {
    const queue = new WorkTurns();
    const log: string[] = [];
    const catchUp = queue.run(job(log, 'catch-up', 500), { catchUp: true });
    const otherCatchUp = queue.run(job(log, 'second catch-up', 100), { catchUp: true });
    const steady = queue.run(job(log, 'steady', 10));
    const next = queue.run(job(log, 'next steady', 10));
    await jest.runAllTimersAsync();
    await Promise.all([catchUp, otherCatchUp, steady, next]);
    // In one line: catch-up, second catch-up, steady, next steady.
    expect(log).toEqual([
      'catch-up start',
      'steady start',
      'steady end',
      'next steady start',
      'next steady end',
      'catch-up end',
      'second catch-up start',
      'second catch-up end',
    ]);
  });

  it('passes a failure to its poll and hands the turn on', async () => {
    const queue = new WorkTurns();
    const log: string[] = [];
    const failing = queue.run(job(log, 'a', 10, true));
    const next = queue.run(job(log, 'b'));
    const failed = expect(failing).rejects.toThrow('a failed');
    await jest.runAllTimersAsync();
    await failed;
    await expect(next).resolves.toBe('b');
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('runs at most `concurrency` turns at once', async () => {
    const queue = new WorkTurns({ concurrency: 2 });
    let running = 0;
    let most = 0;
    const work = (ms: number) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
    };
    const all = Promise.all([5, 30, 10, 10, 20].map((ms) => queue.run(work(ms))));
    await jest.runAllTimersAsync();
    await all;
    expect(most).toBe(2);
  });
});
