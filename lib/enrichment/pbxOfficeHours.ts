import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { parseDurationSeconds } from '../duration';
import type {
  DayOfWeek,
  OfficeHoliday,
  OfficeHours,
  OfficeHoursPeriod,
  RuleHoursType,
} from '../threecx/xapiTypes';
import {
  businessHoursSchema,
  defaultWeeklySchedule,
  type BusinessHoursConfig,
  type Holiday,
  type OpeningInterval,
  type Weekday,
  type WeeklySchedule,
} from './businessHours';
import { formatTimeOfDay, SECONDS_PER_DAY } from './timeOfDay';

/**
 * Business hours taken from the PBX itself: `GET /OfficeHours?$expand=OfficeHolidays`
 * (docs/xapi-schemas.md §2.7), so a location can use what its 3CX admin already set up.
 *
 * What 3CX gives and how it is read (facts marked [inf] are inferred, not seen on a live PBX):
 * - `TimeZoneId`: used when it is an IANA zone; otherwise (absent, or a Windows-style name
 *   [inf]) the location's own zone, `fallbackZone`.
 * - `Hours.Type`: `SpecificHours` and `SpecificHoursExcludingHolidays` use `Hours.Periods`;
 *   `AllHours` is open around the clock; `Never` is never open. The other types (`OfficeHours`,
 *   `OutOfOfficeHours`, `OutOfSpecificHours…`, `BreakTime`) describe an inbound rule relative to
 *   the office hours, not office hours themselves, and are refused with an error naming them.
 *   No `Hours` at all gives the default, Monday to Friday 09:00–17:00.
 * - `Periods[{DayOfWeek, Start, Stop}]`: times of day `HH:MM:SS` (possibly with a fraction).
 *   3CX's time pickers cannot say 24:00, so a `Stop` of 23:59 or later, or 00:00 after a later
 *   `Start`, is read as the end of the day [inf]; `00:00`–`00:00` as the whole day [inf].
 * - `BreakTime` (lunch) is ignored: a call missed over lunch is still one someone calls back
 *   the same afternoon, which is what the in-hours branch promises.
 * - `OfficeHolidays`: from `Day/Month/Year` at `TimeOfStartDate` to `DayEnd/MonthEnd/YearEnd`
 *   at `TimeOfEndDate`, both ISO durations after local midnight (docs/xapi-schemas.md §2.7 notes).
 *   `IsRecurrent` repeats it every year. An end time of zero or of 23:59 or later means the end
 *   of the last day [inf]. `Hours.IgnoreHolidays` drops them, except for the type that names
 *   holidays explicitly (`SpecificHoursExcludingHolidays`).
 */

export const SUPPORTED_OFFICE_HOURS_TYPES: readonly RuleHoursType[] = [
  'SpecificHours',
  'SpecificHoursExcludingHolidays',
  'AllHours',
  'Never',
];

/** The PBX's office hours cannot be turned into business hours; the message says why. */
export class OfficeHoursConversionError extends Error {
  override readonly name: string = 'OfficeHoursConversionError';
}

/** `Hours.Type` is one the bridge does not understand as office hours. */
export class UnsupportedOfficeHoursTypeError extends OfficeHoursConversionError {
  override readonly name = 'UnsupportedOfficeHoursTypeError';

  constructor(readonly scheduleType: string) {
    super(
      `3CX office hours of type "${scheduleType}" are not supported: the bridge understands ${SUPPORTED_OFFICE_HOURS_TYPES.join(', ')}. Set the location's business hours in the bridge instead.`,
    );
  }
}

const WEEKDAY_OF: Record<DayOfWeek, Weekday> = {
  Monday: 'monday',
  Tuesday: 'tuesday',
  Wednesday: 'wednesday',
  Thursday: 'thursday',
  Friday: 'friday',
  Saturday: 'saturday',
  Sunday: 'sunday',
};

/** 3CX's time pickers stop at 23:59: from here on, a `Stop` means the end of the day [inf]. */
const LAST_MINUTE = SECONDS_PER_DAY - 60;

/** Which zone the PBX's hours are in, and whether the PBX said so itself. */
export function officeHoursTimeZone(
  officeHours: OfficeHours,
  fallbackZone: string,
): { timezone: string; fromPbx: boolean } {
  const pbxZone = officeHours.TimeZoneId?.trim();
  if (pbxZone && IANAZone.isValidZone(pbxZone)) return { timezone: pbxZone, fromPbx: true };
  if (!IANAZone.isValidZone(fallbackZone)) {
    throw new OfficeHoursConversionError(
      `the PBX gave no usable time zone (${JSON.stringify(officeHours.TimeZoneId ?? null)}) and the fallback ${JSON.stringify(fallbackZone)} is not an IANA time zone`,
    );
  }
  return { timezone: fallbackZone, fromPbx: false };
}

/** The location's business hours as the PBX's office hours define them. */
export function businessHoursFromOfficeHours(
  officeHours: OfficeHours,
  fallbackZone: string,
): BusinessHoursConfig {
  const { timezone } = officeHoursTimeZone(officeHours, fallbackZone);
  const hours = officeHours.Hours ?? null;
  const weekly =
    hours === null ? defaultWeeklySchedule() : weeklyFromSchedule(hours.Type, hours.Periods ?? []);
  const honoursHolidays =
    hours === null ||
    hours.Type === 'SpecificHoursExcludingHolidays' ||
    hours.IgnoreHolidays !== true;
  const holidays = honoursHolidays ? (officeHours.OfficeHolidays ?? []).map(holidayFromPbx) : [];
  const result = businessHoursSchema.safeParse({ timezone, weekly, holidays });
  if (!result.success) {
    throw new OfficeHoursConversionError(
      `the PBX's office hours do not make valid business hours:\n${z.prettifyError(result.error)}`,
    );
  }
  return result.data;
}

/** `type` is a plain string: a newer PBX may send a type our `RuleHoursType` does not list. */
function weeklyFromSchedule(type: string, periods: OfficeHoursPeriod[]): WeeklySchedule {
  const weekly: WeeklySchedule = {
    monday: [],
    tuesday: [],
    wednesday: [],
    thursday: [],
    friday: [],
    saturday: [],
    sunday: [],
  };
  switch (type) {
    case 'SpecificHours':
    case 'SpecificHoursExcludingHolidays':
      for (const period of periods) {
        const weekday = period.DayOfWeek ? WEEKDAY_OF[period.DayOfWeek] : undefined;
        if (weekday === undefined) {
          throw new OfficeHoursConversionError(
            `an office-hours period has no known DayOfWeek: ${JSON.stringify(period)}`,
          );
        }
        const interval = intervalFromPeriod(period);
        if (interval !== null) weekly[weekday].push(interval);
      }
      for (const day of Object.values(weekly)) day.sort((a, b) => (a.start < b.start ? -1 : 1));
      return weekly;
    case 'AllHours':
      for (const day of Object.keys(weekly) as Weekday[])
        weekly[day] = [{ start: '00:00', end: '24:00' }];
      return weekly;
    case 'Never':
      return weekly;
    default:
      throw new UnsupportedOfficeHoursTypeError(type);
  }
}

function intervalFromPeriod(period: OfficeHoursPeriod): OpeningInterval | null {
  const start = timeOfDaySeconds(period.Start);
  let end = timeOfDaySeconds(period.Stop);
  if (start === null || end === null || start >= SECONDS_PER_DAY || end > SECONDS_PER_DAY) {
    throw new OfficeHoursConversionError(
      `an office-hours period has a Start or Stop that is not a time of day: ${JSON.stringify(period)}`,
    );
  }
  if (end >= LAST_MINUTE || (end === 0 && start > 0)) end = SECONDS_PER_DAY;
  else if (end === start) {
    if (start !== 0) return null; // no length: nothing open
    end = SECONDS_PER_DAY; // 00:00–00:00: the whole day
  }
  return { start: formatTimeOfDay(start), end: formatTimeOfDay(end) };
}

const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/** `09:00:00`, `09:00:00.0000000`, `09:00`, or an ISO duration `PT9H`; whole seconds. */
function timeOfDaySeconds(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  const m = CLOCK.exec(text);
  if (m) {
    const [h, min, s] = [Number(m[1]), Number(m[2]), m[3] === undefined ? 0 : Number(m[3])];
    return min < 60 && s < 60 ? h * 3600 + min * 60 + s : null;
  }
  const seconds = parseDurationSeconds(text);
  return seconds === null ? null : Math.floor(seconds);
}

function holidayFromPbx(h: OfficeHoliday, index: number): Holiday {
  const name = h.Name?.trim() || `Holiday ${h.Id ?? index + 1}`;
  const recurring = h.IsRecurrent === true;
  // A recurring holiday's year does not matter; 2000 is a leap year, so 29 February exists.
  const year = h.Year || (recurring ? 2000 : undefined);
  if (!h.Day || !h.Month || !year) {
    throw new OfficeHoursConversionError(
      `3CX holiday "${name}" has no complete date (Day ${h.Day}, Month ${h.Month}, Year ${h.Year})`,
    );
  }
  const dayEnd = h.DayEnd || h.Day;
  const monthEnd = h.MonthEnd || h.Month;
  // Without YearEnd, an end month/day before the start one runs over New Year.
  const yearEnd = h.YearEnd || year + (monthEnd * 100 + dayEnd < h.Month * 100 + h.Day ? 1 : 0);
  const start = isoDate(year, h.Month, h.Day, name);
  const end = isoDate(yearEnd, monthEnd, dayEnd, name);

  const fromSeconds = parseDurationSeconds(h.TimeOfStartDate ?? null) ?? 0;
  const untilSeconds = parseDurationSeconds(h.TimeOfEndDate ?? null) ?? 0;
  const from =
    fromSeconds > 0 && fromSeconds < SECONDS_PER_DAY
      ? formatTimeOfDay(Math.floor(fromSeconds))
      : undefined;
  const until =
    untilSeconds > 0 && untilSeconds < LAST_MINUTE
      ? formatTimeOfDay(Math.floor(untilSeconds))
      : undefined;

  const times = { ...(from ? { from } : {}), ...(until ? { until } : {}) };
  return start === end
    ? { name, date: start, recurring, ...times }
    : { name, start, end, recurring, ...times };
}

function isoDate(year: number, month: number, day: number, name: string): string {
  const date = DateTime.fromObject({ year, month, day }, { zone: 'UTC' });
  if (!date.isValid) {
    throw new OfficeHoursConversionError(
      `3CX holiday "${name}" has an impossible date: ${year}-${month}-${day}`,
    );
  }
  return date.toISODate() as string;
}
