import { setPriority } from 'node:os';
import { threadsOfThisProcess, type ThreadStat } from './procStat';

/**
 * `BENCH_HARNESS_NICE=N` (an experiment; default 0, the bridge's priority): the bigstore
 * bench's stand-ins for other machines (the simulator host's PBXs, webhook receiver and
 * journal poster; the API readers) run at nice N, so that on a machine of two cores the
 * bridge's threads get a core first, as they would with the PBXs, Zapier and the API's
 * clients elsewhere (issue 16; BENCHMARKS.md "stall7", "stall16": most stalls over 50 ms had
 * the bridge's main thread waiting for a core). `BENCH_READERS_NICE` sets the readers apart.
 *
 * Off by default (BENCHMARKS.md "prio17"): at 10 the worst second fell in 6 of 7 pairs, but
 * the readers, slowed on the shared cores, sent the bridge ~15 % fewer requests (clients on
 * their own machines would not slow down); the simulator host alone at 10 moved nothing
 * beyond the spread. On equal work (the readers paced, `BENCH_BIGSTORE_READ_RATE=300`:
 * BENCHMARKS.md "paced19") it was no better: the whole window's p99 higher in 5 of 5 pairs, the
 * readers' thread at 10 sending twice as many slots late, and fewer polls got through. The
 * other benchmarks keep their harness at 0 (`SimHost.start`'s `nice`).
 *
 * On Linux a nice value belongs to a thread, not a process (man 2 setpriority, BUGS: under
 * NPTL it is a per-thread attribute), so each thread is lowered by its id.
 */
export function harnessNice(
  env: NodeJS.ProcessEnv = process.env,
  /** `BENCH_<part>_NICE` for one part only, else `BENCH_HARNESS_NICE`. */
  part?: string,
): number {
  const asked =
    (part !== undefined ? env[`BENCH_${part}_NICE`] : undefined) ?? env.BENCH_HARNESS_NICE;
  const nice = Number(asked ?? 0);
  return Number.isInteger(nice) && nice > 0 ? Math.min(nice, MAX_NICE) : 0;
}

/** The lowest priority Linux has. */
const MAX_NICE = 19;

/**
 * Lower every thread this process has now (`/proc/self/task`), or those `named` so, to `nice`:
 * its main thread and V8's and libuv's threads started with it. A thread started later takes
 * its starter's value.
 * Nothing where there is no `/proc` or the call is refused: the bench then runs as before.
 */
export function lowerThisProcess(nice: number, named?: string): void {
  if (nice === 0 || process.platform !== 'linux') return;
  let threads: Map<string, ThreadStat>;
  try {
    threads = threadsOfThisProcess();
  } catch {
    return;
  }
  for (const [tid, thread] of threads) {
    if (named !== undefined && thread.name !== named) continue;
    lowerThread(Number(tid), nice);
  }
}

/**
 * Lower one thread (`0`: the calling one) to `nice`; refused or gone: left as it was. Linux
 * only: elsewhere the call sets the whole process's priority (on macOS and Windows `0` is the
 * process), which would lower the bridge with its readers' thread.
 */
export function lowerThread(tid: number, nice: number): void {
  if (nice === 0 || process.platform !== 'linux') return;
  try {
    setPriority(tid, nice);
  } catch {
    // a thread that ended since it was listed, or a system without per-thread priorities
  }
}
