import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * The CPU bigstore's stand-ins for other machines run on (the simulator host's PBXs, webhook
 * receiver and journal poster; the API readers' thread): the machine's last CPU, so that they
 * never hold both of the bridge's cores at once, as the PBXs, Zapier and the API's clients,
 * each on its own machine, never would. The bridge's own threads (its main thread, V8's
 * workers, the checkpointer) stay free to run on every CPU, that one included: the bridge
 * still shares a core with the whole harness, where in production it would have both.
 *
 * Why (BENCHMARKS.md "pin21"): the seconds over 50 ms that were left were the bridge's main
 * thread waiting for a core (its CPU in the stall 19–44 ms of 53–105), with the simulator
 * host's and the bridge's V8 threads and the readers on both cores at once. Pinned, the worst
 * of seconds 1–59 fell in 10 of 12 pairs, and the readers got more requests answered in 9 of
 * 12 (median +12 %): the bridge does no less work.
 *
 * `BENCH_HARNESS_CPU=all` leaves the harness free (as before 2026-12-06); `BENCH_HARNESS_CPU=N`
 * picks CPU N. One CPU, a number out of range or anything else: free.
 */
export function harnessCpu(
  env: NodeJS.ProcessEnv = process.env,
  cpus: number = availableParallelism(),
  platform: NodeJS.Platform = process.platform,
): number | null {
  // Elsewhere there is no `taskset` (pinToCpu): the harness runs free, as it says.
  if (platform !== 'linux') return null;
  const asked = env.BENCH_HARNESS_CPU?.trim();
  if (asked === 'all') return null;
  if (asked === undefined || asked === '') return cpus >= 2 ? cpus - 1 : null;
  const cpu = Number(asked);
  return Number.isInteger(cpu) && cpu >= 0 && cpu < cpus ? cpu : null;
}

/**
 * Keep one thread (`tid`) on `cpu`, or with `everyThread` every thread process `tid` has now;
 * a thread started later takes its starter's CPUs (man 2 sched_setaffinity), so a process pinned
 * before it starts its servers keeps them there. Node has no call for it: util-linux's `taskset`
 * does it (man 1 taskset). Linux only; false, and nothing changed, where it cannot (no
 * `taskset`, a thread gone, `cpu` null).
 */
export function pinToCpu(tid: number, cpu: number | null, everyThread = false): boolean {
  if (cpu === null || process.platform !== 'linux') return false;
  const args = [...(everyThread ? ['-a'] : []), '-p', '-c', String(cpu), String(tid)];
  const run = spawnSync('taskset', args, { stdio: 'ignore', timeout: 5_000 });
  return run.status === 0;
}

/**
 * The kernel's id of the calling thread (`/proc/thread-self` names it; null off Linux, where
 * there is no such file and nothing to pin with), for another process to pin it: the bench's API
 * readers send theirs to the simulator host, which runs `taskset` (forked from the bench's
 * process, it made its `start()` twice as slow: "pin21").
 */
export function thisThreadId(): number | null {
  if (process.platform !== 'linux') return null;
  return Number(readlinkSync('/proc/thread-self').split('/').pop());
}

/**
 * The line bigstore prints of where its harness ran (`asked`: {@link harnessCpu}'s answer;
 * whether the simulator host and the readers' thread were pinned to it).
 */
export function harnessPlacement(
  asked: number | null,
  hostPinned: boolean,
  readersPinned: boolean,
): string {
  const harness =
    'the harness (simulator host: PBXs, webhook receiver, journal poster; API readers)';
  if (asked === null) return `${harness} free on every CPU, as the bridge's threads`;
  if (hostPinned && readersPinned)
    return `${harness} kept on CPU ${asked}; the bridge's threads free on every CPU (BENCH_HARNESS_CPU=all: the harness free too)`;
  return `${harness} NOT kept on CPU ${asked} as asked (simulator host ${hostPinned ? 'kept' : 'free'}, readers ${readersPinned ? 'kept' : 'free'}: is util-linux's taskset installed?)`;
}
