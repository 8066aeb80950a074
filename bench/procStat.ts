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
