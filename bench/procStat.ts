import { readdirSync, readFileSync } from 'node:fs';

/** `/proc`'s clock ticks (USER_HZ, 100 on Linux) to ms. */
export const PROC_TICK_MS = 10;

/**
 * CPU ticks (utime + stime: fields 14 and 15) of a `/proc/<pid>/stat` or
 * `/proc/<pid>/task/<tid>/stat` line. The fields are counted after the name in parentheses,
 * which may itself hold spaces and parentheses.
 */
export function statCpuTicks(text: string): number {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** One thread of this process, from its `/proc/self/task/<tid>/stat` line. */
export interface ThreadStat {
  /** The thread's name (its `comm`, at most 15 characters). */
  name: string;
  /** CPU ticks so far ({@link statCpuTicks}). */
  ticks: number;
  /** Its nice value (field 19): on Linux a thread's own (man 2 setpriority, BUGS). */
  nice: number;
}

/**
 * This process's threads now (`/proc/self/task`), by thread id. A thread that ends between the
 * listing and its read is left out. Linux only: throws where there is no `/proc`.
 */
export function threadsOfThisProcess(): Map<string, ThreadStat> {
  const threads = new Map<string, ThreadStat>();
  for (const tid of readdirSync('/proc/self/task')) {
    let text: string;
    try {
      text = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    threads.set(tid, {
      name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
      ticks: statCpuTicks(text),
      nice: Number(fields[19 - 3]),
    });
  }
  return threads;
}
