import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import type { Branch } from '../callEvent';
import { endTimeOfDaySchema, SECONDS_PER_DAY, secondsOfDay, timeOfDaySchema } from './timeOfDay';
import { wallClockAt, zoneNamed } from './zoneOffsets';

/**
 * A location's business hours: when a missed call takes the workflow's in-hours branch (SMS
 * within 60 seconds, someone calls back today) and when the after-hours one (email and a
 * morning task).
 *
 * Everything is wall-clock time in the location's IANA time zone, evaluated with luxon:
 * `09:00` means nine on the office clock whatever the UTC offset that day. So on a
 * daylight-saving day a 09:00–17:00 day is 7 or 9 real hours long, a local time that occurs
 * twice (clocks back) is in or out both times alike, and an interval boundary inside the hour
 * that is skipped (clocks forward) takes effect at the first instant after the jump.
 *
 * The weekly schedule gives each weekday zero or more `{start, end}` intervals, start
 * inclusive and end exclusive. `end` may be `24:00`. An interval with `end` before `start`
 * runs past midnight into the next day (`friday: [{start: '22:00', end: '02:00'}]` covers
 * Saturday 00:00–02:00 too); writing it as two intervals means the same. `end` equal to
 * `start` is refused: nobody can tell whether it means no time or all day.
 *
 * Holidays close whole local days (or ranges of days, or from/until a time of day, as 3CX's
 * own holidays can). A holiday wins over the weekly schedule, also over the after-midnight
 * part of the previous day's interval: what counts is the local date of the instant.
 */

/** luxon's weekday order (1 = Monday … 7 = Sunday). */
export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** An IANA zone luxon (that is, the runtime's Intl) knows, e.g. `Australia/Adelaide`. */
export const timeZoneSchema = z
  .string({ error: 'is required: an IANA time zone like "Australia/Adelaide"' })
  .trim()
  .min(1, 'is required: an IANA time zone like "Australia/Adelaide"')
  .refine((zone) => IANAZone.isValidZone(zone), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a time zone this system knows: use an IANA name like "Australia/Adelaide" or "America/New_York"`,
  });

export const openingIntervalSchema = z
  .object({ start: timeOfDaySchema, end: endTimeOfDaySchema })
  .strict()
  .superRefine((interval, ctx) => {
    // 00:00–24:00 is the whole day; 00:00–00:00 is as ambiguous as 09:00–09:00.
    if (secondsOfDay(interval.start) === secondsOfDay(interval.end)) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `start and end are the same time (${interval.start}): give the interval a length; a whole day is "00:00" to "24:00"`,
      });
    }
  });
export type OpeningInterval = z.infer<typeof openingIntervalSchema>;

const dayIntervals = z.array(openingIntervalSchema).default(() => []);

/** A weekday left out is closed all day. */
export const weeklyScheduleSchema = z
  .object({
    monday: dayIntervals,
    tuesday: dayIntervals,
    wednesday: dayIntervals,
    thursday: dayIntervals,
    friday: dayIntervals,
    saturday: dayIntervals,
    sunday: dayIntervals,
  })
  .strict();
export type WeeklySchedule = z.infer<typeof weeklyScheduleSchema>;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const calendarDateSchema = z
  .string({ error: 'must be a date as text, YYYY-MM-DD' })
  .trim()
  .refine((text) => ISO_DATE.test(text) && DateTime.fromISO(text, { zone: 'UTC' }).isValid, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a calendar date YYYY-MM-DD, like "2026-12-25"`,
  });

/**
 * One holiday: a whole day (`date`) or an inclusive range of days (`start`, `end`). `from`
 * moves the first moment later on the first day and `until` the last moment earlier on the
 * last day (`until` is exclusive, default `24:00`), for a half-day such as Christmas Eve
 * afternoon. A `recurring` holiday repeats every year on the same month and day; its year is
 * ignored (a range may run over New Year). A recurring 29 February only falls in leap years.
 */
export const holidaySchema = z
  .object({
    name: z
      .string({ error: 'is required: what the holiday is called' })
      .trim()
      .min(1, 'is required: what the holiday is called')
      .max(100),
    date: calendarDateSchema.optional(),
    start: calendarDateSchema.optional(),
    end: calendarDateSchema.optional(),
    recurring: z.boolean().default(false),
    from: timeOfDaySchema.optional(),
    until: endTimeOfDaySchema.optional(),
  })
  .strict()
  .superRefine((h, ctx) => {
    const hasDate = h.date !== undefined;
    const hasRange = h.start !== undefined || h.end !== undefined;
    if (hasDate === hasRange || (hasRange && (h.start === undefined || h.end === undefined))) {
      ctx.addIssue({
        code: 'custom',
        path: hasDate ? ['date'] : h.start === undefined ? ['start'] : ['end'],
        message:
          'give either "date" (one day) or both "start" and "end" (an inclusive range of days)',
      });
      return;
    }
    // Checked on the dates as written, years included, also for a recurring holiday.
    const { startKey, endKey } = holidayBounds(h, false);
    if (!(startKey < endKey)) {
      ctx.addIssue({
        code: 'custom',
        path: hasDate ? ['until'] : ['end'],
        message: `"${h.name}" ends before it starts`,
      });
    }
  });
export type Holiday = z.infer<typeof holidaySchema>;

/** Monday to Friday, 09:00–17:00: what a location without hours of its own gets. */
export function defaultWeeklySchedule(): WeeklySchedule {
  const day = (): OpeningInterval[] => [{ start: '09:00', end: '17:00' }];
  return {
    monday: day(),
    tuesday: day(),
    wednesday: day(),
    thursday: day(),
    friday: day(),
    saturday: [],
    sunday: [],
  };
}

/**
 * Business hours. `weekly` left out means the default (Monday to Friday 09:00–17:00); a
 * `weekly` given lists the open days, and the days it leaves out are closed.
 */
export const businessHoursSchema = z
  .object({
    timezone: timeZoneSchema,
    weekly: weeklyScheduleSchema.default(defaultWeeklySchedule),
    holidays: z.array(holidaySchema).default(() => []),
  })
  .strict();
export type BusinessHoursConfig = z.infer<typeof businessHoursSchema>;
export type BusinessHoursInput = z.input<typeof businessHoursSchema>;

/** Monday to Friday 09:00–17:00 in the location's zone, no holidays. */
export function defaultBusinessHours(timezone: string): BusinessHoursConfig {
  return { timezone, weekly: defaultWeeklySchedule(), holidays: [] };
}

/** The wall clock in the location at one instant. */
interface LocalMoment {
  /** 0 = Monday … 6 = Sunday. */
  weekdayIndex: number;
  /** yyyymmdd, to compare dates as numbers. */
  date: number;
  /** Seconds after local midnight, with the milliseconds. */
  seconds: number;
}

function localMoment(instantMs: number, timezone: string): LocalMoment {
  const local = wallClockAt(instantMs, timezone) ?? luxonWallClock(instantMs, timezone);
  return {
    weekdayIndex: local.weekday - 1,
    date: local.year * 10_000 + local.month * 100 + local.day,
    seconds: local.hour * 3600 + local.minute * 60 + local.second + local.millisecond / 1000,
  };
}

/** luxon's own reading, which `wallClockAt` declines only when it is invalid: say why. */
function luxonWallClock(instantMs: number, timezone: string): DateTime {
  const local = DateTime.fromMillis(instantMs, { zone: zoneNamed(timezone) });
  if (!local.isValid) {
    throw new RangeError(
      Number.isFinite(instantMs)
        ? `unknown time zone ${JSON.stringify(timezone)}`
        : `not an instant: ${instantMs}`,
    );
  }
  return local;
}

/** True when the location is open at this instant: inside an interval and not a holiday. */
export function inBusinessHours(instantMs: number, config: BusinessHoursConfig): boolean {
  const local = localMoment(instantMs, config.timezone);
  if (holidayCovering(local, config.holidays) !== null) return false;
  return openOnWeeklySchedule(local, config.weekly);
}

/** The workflow branch for a call at this instant. */
export function branchFor(instantMs: number, config: BusinessHoursConfig): Branch {
  return inBusinessHours(instantMs, config) ? 'in_hours' : 'after_hours';
}

/** The holiday that closes the location at this instant, if any (for explaining a branch). */
export function holidayAt(instantMs: number, config: BusinessHoursConfig): Holiday | null {
  return holidayCovering(localMoment(instantMs, config.timezone), config.holidays);
}

function openOnWeeklySchedule(local: LocalMoment, weekly: WeeklySchedule): boolean {
  const t = local.seconds;
  for (const interval of weekly[WEEKDAYS[local.weekdayIndex]]) {
    const start = secondsOfDay(interval.start);
    const end = secondsOfDay(interval.end);
    if (end > start ? start <= t && t < end : start <= t) return true;
  }
  // Yesterday's intervals that run past midnight reach into today until their end.
  for (const interval of weekly[WEEKDAYS[(local.weekdayIndex + 6) % 7]]) {
    const start = secondsOfDay(interval.start);
    const end = secondsOfDay(interval.end);
    if (end < start && t < end) return true;
  }
  return false;
}

/**
 * Dates and times folded into one comparable number: yyyymmdd × 100000 + seconds of the day
 * (a day has 86400 seconds, so the parts never overlap). Recurring holidays use mmdd instead
 * of yyyymmdd, so they compare on month and day alone.
 */
const DAY_SCALE = 100_000;

interface HolidayBounds {
  /** First moment closed, inclusive. */
  startKey: number;
  /** First moment open again, exclusive. */
  endKey: number;
}

function holidayBounds(h: Holiday, monthDayOnly: boolean): HolidayBounds {
  const first = dateNumber((h.date ?? h.start) as string, monthDayOnly);
  const last = dateNumber((h.date ?? h.end) as string, monthDayOnly);
  const from = h.from === undefined ? 0 : secondsOfDay(h.from);
  const until = h.until === undefined ? SECONDS_PER_DAY : secondsOfDay(h.until);
  return { startKey: first * DAY_SCALE + from, endKey: last * DAY_SCALE + until };
}

function dateNumber(text: string, monthDayOnly: boolean): number {
  const m = ISO_DATE.exec(text);
  if (!m) return NaN;
  const monthDay = Number(m[2]) * 100 + Number(m[3]);
  return monthDayOnly ? monthDay : Number(m[1]) * 10_000 + monthDay;
}

function holidayCovering(local: LocalMoment, holidays: readonly Holiday[]): Holiday | null {
  const exact = local.date * DAY_SCALE + local.seconds;
  const monthDay = (local.date % 10_000) * DAY_SCALE + local.seconds;
  for (const h of holidays) {
    if (!h.recurring) {
      const { startKey, endKey } = holidayBounds(h, false);
      if (startKey <= exact && exact < endKey) return h;
      continue;
    }
    const { startKey, endKey } = holidayBounds(h, true);
    const covers =
      startKey < endKey
        ? startKey <= monthDay && monthDay < endKey
        : // Written over New Year (24 Dec – 2 Jan): to the end of the year, then from its start.
          monthDay >= startKey || monthDay < endKey;
    if (covers) return h;
  }
  return null;
}

/** How far ahead `nextOpening` looks: a year and a day covers any holiday range and weekday. */
const OPENING_SEARCH_DAYS = 367;

/**
 * The first instant at or after `instantMs` when the location is open: the instant itself in
 * business hours, else the next opening (tomorrow 09:00, Monday after a weekend, the day after
 * a holiday, noon after a morning-only holiday). What a workflow's after-hours branch sets as
 * the morning task's due time, without a date-arithmetic step (docs/design.md: the three branches
 * from event fields alone). Null when the location opens on no day in the coming year.
 *
 * The location opens only at an interval's start, at a holiday's end (its `until`, or the
 * midnight after its last day) or at midnight (a new local date can end a holiday or start a
 * 00:00 interval): those are the candidates, tried in time order, each checked with
 * `inBusinessHours`. A start inside the hour skipped by a daylight-saving change (02:30 on the
 * night clocks jump from 02:00 to 03:00) opens at the first instant after the jump, as
 * `inBusinessHours` has it, not at luxon's shifted 03:30.
 */
export function nextOpening(instantMs: number, config: BusinessHoursConfig): number | null {
  // Everything from a closed instant to its next opening is closed, so one search answers
  // every call of the same evening or weekend (a poll enriches its calls in time order).
  const known = closedStretches.get(config) ?? [];
  for (const [from, to] of known) if (from <= instantMs && instantMs < to) return to;
  if (inBusinessHours(instantMs, config)) return instantMs;
  const opening = searchNextOpening(instantMs, config);
  if (opening !== null) {
    known.push([instantMs, opening]);
    if (known.length > CLOSED_STRETCHES_KEPT) known.shift();
    closedStretches.set(config, known);
  }
  return opening;
}

/** Per config object (settings are parsed per commit): a few stretches known to be closed. */
const closedStretches = new WeakMap<BusinessHoursConfig, Array<[number, number]>>();
const CLOSED_STRETCHES_KEPT = 8;

function searchNextOpening(instantMs: number, config: BusinessHoursConfig): number | null {
  const zone = config.timezone;
  const seconds = new Set<number>([0]);
  for (const day of WEEKDAYS)
    for (const interval of config.weekly[day]) seconds.add(secondsOfDay(interval.start));
  for (const h of config.holidays) if (h.until !== undefined) seconds.add(secondsOfDay(h.until));
  seconds.delete(SECONDS_PER_DAY);
  const times = [...seconds].sort((a, b) => a - b);
  const firstDay = DateTime.fromMillis(instantMs, { zone: zoneNamed(zone) }).startOf('day');
  for (let d = 0; d < OPENING_SEARCH_DAYS; d++) {
    const day = firstDay.plus({ days: d });
    for (const t of times) {
      // Arithmetic first: only a time the weekly schedule has open can be an opening (luxon,
      // below, is what makes this search cost; most candidates fall on closed days).
      const local0 = { weekdayIndex: day.weekday - 1, date: 0, seconds: t };
      if (!openOnWeeklySchedule(local0, config.weekly)) continue;
      const local = localTimeOn(day, t, zone);
      const candidate = local.toMillis();
      if (candidate <= instantMs || !inBusinessHours(candidate, config)) continue;
      const shiftMs = (secondsAfterMidnight(local) - t) * 1000;
      return shiftMs > 0 ? firstOpenAfter(candidate - shiftMs, candidate, config) : candidate;
    }
  }
  return null;
}

/**
 * A time of day (seconds after midnight) on a local date. A time inside the hour a
 * daylight-saving change skips comes back shifted later by luxon: compare
 * `secondsAfterMidnight` of the answer with `seconds` to tell.
 */
export function localTimeOn(day: DateTime, seconds: number, zone: string): DateTime {
  return DateTime.fromObject(
    {
      year: day.year,
      month: day.month,
      day: day.day,
      hour: Math.floor(seconds / 3600),
      minute: Math.floor((seconds % 3600) / 60),
      second: seconds % 60,
    },
    { zone: zoneNamed(zone) },
  );
}

export function secondsAfterMidnight(local: DateTime): number {
  return local.hour * 3600 + local.minute * 60 + local.second;
}

/** The first open second in `(closedMs, openMs]`, where `closedMs` may or may not be open. */
function firstOpenAfter(closedMs: number, openMs: number, config: BusinessHoursConfig): number {
  let low = Math.floor(closedMs / 1000) * 1000;
  let high = openMs;
  while (high - low > 1000) {
    const mid = low + Math.floor((high - low) / 2000) * 1000;
    if (inBusinessHours(mid, config)) high = mid;
    else low = mid;
  }
  return high;
}
