import { DateTime } from 'luxon';
import { parseDurationSeconds } from '../lib/duration';

/**
 * The PBX's office hours, as `GET /xapi/v1/OfficeHours` reports them (docs/xapi-schemas.md §2.7) and as
 * the traffic generator uses them to send out-of-hours calls down the after-hours rule.
 * `TimeZoneId` is the zone the bridge needs to turn local days into UTC windows
 * (docs/3cx-facts.md §1.7 [inf]).
 */
export type DayOfWeek =
  'Sunday' | 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday';

export interface OfficePeriod {
  DayOfWeek: DayOfWeek;
  /** `HH:MM:SS`, local time (TIME-PATTERN). */
  Start: string;
  Stop: string;
}

/** `Pbx.Holiday`; the uint8 fields are plain numbers in real JSON (docs/xapi-schemas.md §2.7 notes). */
export interface OfficeHoliday {
  Id: number;
  Name: string;
  Day: number;
  Month: number;
  Year: number;
  DayEnd: number;
  MonthEnd: number;
  YearEnd: number;
  IsRecurrent: boolean;
  /** Durations from local midnight, not times (docs/xapi-schemas.md §2.7). */
  TimeOfStartDate: string;
  TimeOfEndDate: string;
}

export interface OfficeHoursConfig {
  timeZone: string;
  periods: OfficePeriod[];
  holidays: OfficeHoliday[];
}

/** 23:59:00: a holiday ending in the day's last minute lasts the whole day. */
const LAST_MINUTE = 23 * 3600 + 59 * 60;

const WEEKDAYS: readonly DayOfWeek[] = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
const LUXON_WEEKDAY: readonly DayOfWeek[] = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
];

/**
 * A `Pbx.Holiday` as 3CX serves it: by default one whole day, 25 December 2026, not recurrent;
 * `fields` override. Whole day is `PT0S` to `PT23H59M59S`, as the admin console writes it.
 */
export function officeHoliday(fields: Partial<OfficeHoliday> = {}): OfficeHoliday {
  return {
    Id: 1,
    Name: 'Holiday',
    Day: 25,
    Month: 12,
    Year: 2026,
    DayEnd: 25,
    MonthEnd: 12,
    YearEnd: 2026,
    IsRecurrent: false,
    TimeOfStartDate: 'PT0S',
    TimeOfEndDate: 'PT23H59M59S',
    ...fields,
  };
}

export function defaultOfficeHours(timeZone: string): OfficeHoursConfig {
  const holiday = (Id: number, Name: string, Day: number, Month: number, IsRecurrent: boolean) =>
    officeHoliday({ Id, Name, Day, Month, DayEnd: Day, MonthEnd: Month, IsRecurrent });
  return {
    timeZone,
    periods: WEEKDAYS.map((DayOfWeek) => ({ DayOfWeek, Start: '08:30:00', Stop: '17:00:00' })),
    holidays: [
      holiday(1, "New Year's Day", 1, 1, true),
      holiday(2, 'Australia Day', 26, 1, true),
      holiday(3, 'Adelaide Cup Day', 9, 3, false),
      holiday(4, 'Good Friday', 3, 4, false),
      holiday(5, 'Easter Monday', 6, 4, false),
      holiday(6, 'Christmas Day', 25, 12, true),
      holiday(7, 'Proclamation Day', 26, 12, true),
    ],
  };
}

export class OfficeSchedule {
  readonly config: OfficeHoursConfig;

  constructor(config: OfficeHoursConfig) {
    if (!DateTime.local().setZone(config.timeZone).isValid) {
      throw new RangeError(`unknown time zone ${JSON.stringify(config.timeZone)}`);
    }
    this.config = config;
  }

  /** Inside an office period of the PBX's local day, and not on a holiday. */
  isOpen(ms: number): boolean {
    const local = DateTime.fromMillis(ms, { zone: this.config.timeZone });
    const seconds = local.hour * 3600 + local.minute * 60 + local.second;
    if (this.isHoliday(local.year, local.month, local.day, seconds)) return false;
    const day = LUXON_WEEKDAY[local.weekday - 1];
    const time = `${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}`;
    return this.config.periods.some((p) => p.DayOfWeek === day && p.Start <= time && time < p.Stop);
  }

  /**
   * From `TimeOfStartDate` on the first day to `TimeOfEndDate` on the last (durations after
   * local midnight; an end of zero or in the day's last minute means the whole day, as the
   * bridge reads it, lib/enrichment/pbxOfficeHours.ts). A recurrent holiday ignores the year.
   */
  private isHoliday(year: number, month: number, day: number, seconds: number): boolean {
    const date = year * 10000 + month * 100 + day;
    const from = (h: OfficeHoliday) => parseDurationSeconds(h.TimeOfStartDate) ?? 0;
    const until = (h: OfficeHoliday) => parseDurationSeconds(h.TimeOfEndDate) ?? 0;
    return this.config.holidays.some((h) =>
      // A recurrent range over New Year (24 Dec – 2 Jan) is also last year's, in January.
      (h.IsRecurrent ? [year, year - 1] : [h.Year]).some((startYear) => {
        const start = startYear * 10000 + h.Month * 100 + h.Day;
        const end = (startYear + (h.YearEnd - h.Year)) * 10000 + h.MonthEnd * 100 + h.DayEnd;
        if (date < start || date > end) return false;
        if (date === start && seconds < from(h)) return false;
        const last = until(h);
        return !(date === end && last > 0 && last < LAST_MINUTE && seconds >= last);
      }),
    );
  }

  /** The `Pbx.OfficeHours` entity; holidays only when `$expand=OfficeHolidays` (OData nav). */
  toEntity(expandHolidays: boolean): Record<string, unknown> {
    // Keys in the spec's property order, as the OData serializer writes them.
    return {
      BreakTime: { IgnoreHolidays: false, Periods: [], Type: 'SpecificHours' },
      Hours: { IgnoreHolidays: false, Periods: this.config.periods, Type: 'SpecificHours' },
      ...(expandHolidays ? { OfficeHolidays: this.config.holidays } : {}),
      SystemLanguage: 'en',
      TimeZoneId: this.config.timeZone,
    };
  }
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
