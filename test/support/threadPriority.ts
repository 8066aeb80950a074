import { readdirSync, readFileSync } from 'node:fs';

/**
 * This process's threads now (Linux's `/proc/self/task`), by thread id: each one's name and
 * nice value (field 19 of its `stat`; man 5 proc). A thread that ends while listed is left out.
 */
export function threadsOfThisProcess(): Map<string, { name: string; nice: number }> {
  const threads = new Map<string, { name: string; nice: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      threads.set(tid, {
        name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
        // The fields after the name's closing parenthesis start at field 3.
        nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19 - 3]),
      });
    } catch {
      // ended since it was listed
    }
  }
  return threads;
}
