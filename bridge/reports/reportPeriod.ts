import { DateTime } from 'luxon';

/**
 * The period a report covers: `[since, until)`, given as ISO 8601 instants or as a duration back
 * from now (`30d`, `12h`, `2w`), as the CLI's `--since 30d` and the API's `?since=30d` take it.
 */
export interface ReportPeriod {
  sinceMs: number;
  untilMs: number;
}

export type ReportGroup = 'day' | 'week';

/** The longest period a report reads: a year and a day. */
export const MAX_REPORT_DAYS = 366;

export class ReportPeriodError extends Error {}

const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/i;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `30m`, `2h`, `30d`, `1w` → milliseconds; null for anything else. */
export function relativeDurationMs(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2].toLowerCase() as keyof typeof UNIT_MS];
}

export function parseReportPeriod(
  input: { since?: string; until?: string },
  nowMs: number,
  maxDays = MAX_REPORT_DAYS,
): ReportPeriod {
  const untilMs = input.until === undefined ? nowMs : instantOrAgo(input.until, nowMs, 'until');
  const sinceMs =
    input.since === undefined
      ? untilMs - 30 * UNIT_MS.d
      : instantOrAgo(input.since, nowMs, 'since');
  if (!(sinceMs < untilMs))
    throw new ReportPeriodError('since must be before until (the report covers [since, until)).');
  if (untilMs - sinceMs > maxDays * UNIT_MS.d)
    throw new ReportPeriodError(
      `The period is longer than ${maxDays} days, the most this report covers: give a later since (such as ${maxDays}d) or an earlier until.`,
    );
  return { sinceMs, untilMs };
}

function instantOrAgo(text: string, nowMs: number, name: string): number {
  const ago = relativeDurationMs(text);
  if (ago !== null) return nowMs - ago;
  const instant = DateTime.fromISO(text.trim(), { zone: 'UTC', setZone: true });
  if (!instant.isValid)
    throw new ReportPeriodError(
      `${name} must be an ISO 8601 date-time like 2026-03-01T00:00:00Z, or a duration back from now like 30d, 12h or 2w; not "${text}".`,
    );
  return instant.toMillis();
}

/**
 * The starts of the local days (or ISO weeks, from Monday) that overlap a period, in the
 * location's zone, as instants: each row of a grouped report is `[start, next start)`.
 */
export function groupStarts(period: ReportPeriod, group: ReportGroup, timezone: string): number[] {
  const unit = group === 'day' ? 'day' : 'week';
  let start = DateTime.fromMillis(period.sinceMs, { zone: timezone }).startOf(unit, {
    useLocaleWeeks: false,
  });
  const starts: number[] = [];
  while (start.toMillis() < period.untilMs) {
    starts.push(start.toMillis());
    start = start.plus(group === 'day' ? { days: 1 } : { weeks: 1 }).startOf(unit, {
      useLocaleWeeks: false,
    });
  }
  return starts;
}

/** The local date a group starts on, `YYYY-MM-DD`. */
export function groupLabel(startMs: number, timezone: string): string {
  return DateTime.fromMillis(startMs, { zone: timezone }).toISODate() ?? '';
}

/** Index of the group an instant falls in (binary search over `groupStarts`); -1 before the first. */
export function groupIndex(starts: readonly number[], instantMs: number): number {
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (starts[mid] <= instantMs) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}
