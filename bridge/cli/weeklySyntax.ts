import { WEEKDAYS, type Weekday } from '../../lib/enrichment';
import { UsageError } from './io';

const SHORT: Record<string, Weekday> = {
  mon: 'monday',
  tue: 'tuesday',
  wed: 'wednesday',
  thu: 'thursday',
  fri: 'friday',
  sat: 'saturday',
  sun: 'sunday',
};

/**
 * The command line's short way to write a week: `mon-fri 09:00-17:00; sat 10:00-14:00`.
 * Days not named are closed; several intervals a day are comma-separated
 * (`mon-fri 08:30-12:30,13:30-17:00`). Anything unclear is refused with the reason.
 */
export function parseWeekly(text: string): Record<Weekday, Array<{ start: string; end: string }>> {
  const week = Object.fromEntries(
    WEEKDAYS.map((d) => [d, [] as Array<{ start: string; end: string }>]),
  ) as Record<Weekday, Array<{ start: string; end: string }>>;
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z]{3})(?:\s*-\s*([a-z]{3}))?\s+(.+)$/i.exec(part);
    if (!match)
      throw new UsageError(`--weekly: cannot read "${part}"; write e.g. "mon-fri 09:00-17:00"`);
    const first = SHORT[match[1].toLowerCase()];
    const last = SHORT[(match[2] ?? match[1]).toLowerCase()];
    if (!first || !last)
      throw new UsageError(
        `--weekly: "${part}" names an unknown day; use mon tue wed thu fri sat sun`,
      );
    const intervals = match[3].split(',').map((range) => {
      const m = /^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(range.trim());
      if (!m)
        throw new UsageError(`--weekly: "${range.trim()}" is not a time range like 09:00-17:00`);
      return { start: m[1].padStart(5, '0'), end: m[2].padStart(5, '0') };
    });
    let i = WEEKDAYS.indexOf(first);
    for (;;) {
      week[WEEKDAYS[i]].push(...intervals);
      if (WEEKDAYS[i] === last) break;
      i = (i + 1) % 7;
    }
  }
  return week;
}
