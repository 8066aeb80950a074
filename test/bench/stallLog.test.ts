import { StallLog } from '../../bench/processMeter';

/**
 * A stall the benchmarks log carries the CPU time the main thread got in it: a long stall with
 * little CPU was the machine (other processes, a disk blocking a statement), not a synchronous
 * piece of the bridge (BENCHMARKS.md "loc6").
 */
describe('the stall log', () => {
  let now = 0;
  let cpuMicros = 0;
  let log: StallLog;

  beforeEach(() => {
    now = 1000;
    cpuMicros = 5_000_000;
    log = new StallLog(50, { now: () => now, cpuMicros: () => cpuMicros });
  });
  afterEach(() => log.stop());

  it('gives each stall its length and the main thread’s CPU time in it', () => {
    now += 5;
    cpuMicros += 5_000;
    log.tick();
    // 400 ms without the timer, of which the thread ran 30 ms.
    now += 400;
    cpuMicros += 30_000;
    log.tick();
    // 120 ms, all of it on the CPU.
    now += 120;
    cpuMicros += 120_000;
    log.tick();
    expect(log.stalls).toEqual([
      { at: 1005, ms: 400, cpuMs: 30 },
      { at: 1405, ms: 120, cpuMs: 120 },
    ]);
  });

  it('logs no stall while the loop runs within the threshold, whatever the CPU', () => {
    for (let i = 0; i < 10; i++) {
      now += 50;
      cpuMicros += 50_000;
      log.tick();
    }
    expect(log.stalls).toEqual([]);
  });
});
