import fc from 'fast-check';
import { inBusinessHours } from '../../lib/enrichment/businessHours';
import {
  businessHoursFromOfficeHours,
  OfficeHoursConversionError,
  officeHoursTimeZone,
  UnsupportedOfficeHoursTypeError,
} from '../../lib/enrichment/pbxOfficeHours';
import type { OfficeHours, RuleHoursType } from '../../lib/threecx/xapiTypes';
import {
  defaultOfficeHours,
  officeHoliday as holiday,
  OfficeSchedule,
} from '../../sim/officeSchedule';

const at = (iso: string): number => Date.parse(iso);

const weekdays = (start: string, stop: string) =>
  (['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] as const).map((DayOfWeek) => ({
    DayOfWeek,
    Start: start,
    Stop: stop,
  }));

function officeHours(overrides: Partial<OfficeHours> = {}): OfficeHours {
  return {
    TimeZoneId: 'Australia/Adelaide',
    Hours: {
      Type: 'SpecificHours',
      IgnoreHolidays: false,
      Periods: weekdays('08:30:00', '17:00:00'),
    },
    OfficeHolidays: [],
    ...overrides,
  };
}

describe('businessHoursFromOfficeHours', () => {
  it('turns SpecificHours periods into the weekly schedule, in the PBX zone', () => {
    const config = businessHoursFromOfficeHours(officeHours(), 'UTC');
    expect(config.timezone).toBe('Australia/Adelaide');
    expect(config.weekly.monday).toEqual([{ start: '08:30', end: '17:00' }]);
    expect(config.weekly.saturday).toEqual([]);
    expect(inBusinessHours(at('2026-03-01T22:00:00Z'), config)).toBe(true); // Mon 08:30 ACDT
    expect(inBusinessHours(at('2026-03-01T21:59:59Z'), config)).toBe(false);
  });

  it('reads 23:59 and 23:59:59 stops, and 00:00 after a later start, as the end of the day', () => {
    const config = businessHoursFromOfficeHours(
      officeHours({
        Hours: {
          Type: 'SpecificHours',
          Periods: [
            { DayOfWeek: 'Monday', Start: '18:00:00', Stop: '23:59:59' },
            { DayOfWeek: 'Tuesday', Start: '18:00:00', Stop: '23:59:00' },
            { DayOfWeek: 'Wednesday', Start: '18:00:00', Stop: '00:00:00' },
            { DayOfWeek: 'Thursday', Start: '00:00:00', Stop: '00:00:00' },
            { DayOfWeek: 'Friday', Start: '22:00:00.0000000', Stop: '02:00:00.0000000' },
            { DayOfWeek: 'Saturday', Start: '10:00:00', Stop: '10:00:00' },
          ],
        },
      }),
      'UTC',
    );
    expect(config.weekly.monday).toEqual([{ start: '18:00', end: '24:00' }]);
    expect(config.weekly.tuesday).toEqual([{ start: '18:00', end: '24:00' }]);
    expect(config.weekly.wednesday).toEqual([{ start: '18:00', end: '24:00' }]);
    expect(config.weekly.thursday).toEqual([{ start: '00:00', end: '24:00' }]);
    expect(config.weekly.friday).toEqual([{ start: '22:00', end: '02:00' }]);
    expect(config.weekly.saturday).toEqual([]);
  });

  it('keeps several periods a day, in order, and odd seconds', () => {
    const config = businessHoursFromOfficeHours(
      officeHours({
        Hours: {
          Type: 'SpecificHours',
          Periods: [
            { DayOfWeek: 'Monday', Start: '13:30:00', Stop: '17:00:00' },
            { DayOfWeek: 'Monday', Start: '08:00:15', Stop: '12:00:00' },
          ],
        },
      }),
      'UTC',
    );
    expect(config.weekly.monday).toEqual([
      { start: '08:00:15', end: '12:00' },
      { start: '13:30', end: '17:00' },
    ]);
  });

  it('opens around the clock for AllHours and never for Never', () => {
    const always = businessHoursFromOfficeHours(
      officeHours({ Hours: { Type: 'AllHours' } }),
      'UTC',
    );
    expect(always.weekly.sunday).toEqual([{ start: '00:00', end: '24:00' }]);
    const never = businessHoursFromOfficeHours(officeHours({ Hours: { Type: 'Never' } }), 'UTC');
    expect(Object.values(never.weekly).every((day) => day.length === 0)).toBe(true);
  });

  it('uses the default Monday–Friday 09:00–17:00 when the PBX gives no hours', () => {
    const config = businessHoursFromOfficeHours({ TimeZoneId: 'America/New_York' }, 'UTC');
    expect(config.weekly.friday).toEqual([{ start: '09:00', end: '17:00' }]);
    expect(config.holidays).toEqual([]);
  });

  it.each<RuleHoursType>([
    'OfficeHours',
    'OutOfOfficeHours',
    'OutOfSpecificHours',
    'OutOfSpecificHoursIncludingHolidays',
    'BreakTime',
  ])('refuses Hours.Type %s with an error naming it', (type) => {
    const convert = () =>
      businessHoursFromOfficeHours(officeHours({ Hours: { Type: type } }), 'UTC');
    expect(convert).toThrow(UnsupportedOfficeHoursTypeError);
    expect(convert).toThrow(`3CX office hours of type "${type}" are not supported`);
    expect(convert).toThrow(/SpecificHours, SpecificHoursExcludingHolidays, AllHours, Never/);
  });

  it('refuses a period without a day or with an unreadable time', () => {
    expect(() =>
      businessHoursFromOfficeHours(
        officeHours({
          Hours: { Type: 'SpecificHours', Periods: [{ Start: '09:00:00', Stop: '17:00:00' }] },
        }),
        'UTC',
      ),
    ).toThrow(/no known DayOfWeek/);
    expect(() =>
      businessHoursFromOfficeHours(
        officeHours({
          Hours: {
            Type: 'SpecificHours',
            Periods: [{ DayOfWeek: 'Monday', Start: 'nine', Stop: '17:00:00' }],
          },
        }),
        'UTC',
      ),
    ).toThrow(OfficeHoursConversionError);
  });

  describe('time zone', () => {
    it('falls back to the location zone when the PBX gives none or a non-IANA one', () => {
      expect(officeHoursTimeZone({}, 'Australia/Perth')).toEqual({
        timezone: 'Australia/Perth',
        fromPbx: false,
      });
      expect(
        officeHoursTimeZone({ TimeZoneId: 'Cen. Australia Standard Time' }, 'Australia/Adelaide'),
      ).toEqual({ timezone: 'Australia/Adelaide', fromPbx: false });
      expect(officeHoursTimeZone({ TimeZoneId: 'Europe/Dublin' }, 'UTC')).toEqual({
        timezone: 'Europe/Dublin',
        fromPbx: true,
      });
      const config = businessHoursFromOfficeHours(
        officeHours({ TimeZoneId: null }),
        'Australia/Perth',
      );
      expect(config.timezone).toBe('Australia/Perth');
    });

    it('refuses when neither the PBX nor the fallback gives a zone', () => {
      expect(() =>
        businessHoursFromOfficeHours(officeHours({ TimeZoneId: 'x' }), 'Nowhere'),
      ).toThrow(/no usable time zone \("x"\) and the fallback "Nowhere" is not an IANA time zone/);
    });
  });

  describe('holidays', () => {
    it('turns a whole-day holiday into a date, recurring or not', () => {
      const config = businessHoursFromOfficeHours(
        officeHours({
          OfficeHolidays: [
            holiday({ Name: 'Christmas Day', IsRecurrent: true }),
            holiday({ Name: 'Adelaide Cup Day', Day: 9, Month: 3, DayEnd: 9, MonthEnd: 3 }),
          ],
        }),
        'UTC',
      );
      expect(config.holidays).toEqual([
        { name: 'Christmas Day', date: '2026-12-25', recurring: true },
        { name: 'Adelaide Cup Day', date: '2026-03-09', recurring: false },
      ]);
      expect(inBusinessHours(at('2028-12-24T23:00:00Z'), config)).toBe(false); // Mon 25 Dec 2028, 09:30
    });

    it('keeps a range with its start and end times', () => {
      const config = businessHoursFromOfficeHours(
        officeHours({
          OfficeHolidays: [
            holiday({
              Name: 'Shutdown',
              Day: 24,
              Month: 12,
              Year: 2026,
              DayEnd: 2,
              MonthEnd: 1,
              YearEnd: 2027,
              TimeOfStartDate: 'PT12H',
              TimeOfEndDate: 'PT13H30M',
            }),
          ],
        }),
        'UTC',
      );
      expect(config.holidays).toEqual([
        {
          name: 'Shutdown',
          start: '2026-12-24',
          end: '2027-01-02',
          recurring: false,
          from: '12:00',
          until: '13:30',
        },
      ]);
      const adelaide = (iso: string) => inBusinessHours(at(iso), config);
      expect(adelaide('2026-12-24T01:29:00Z')).toBe(true); // Thu 24 Dec 11:59 ACDT
      expect(adelaide('2026-12-24T01:30:00Z')).toBe(false); // 12:00
      expect(adelaide('2027-01-01T23:30:00Z')).toBe(false); // Sat 2 Jan 10:00 (closed anyway)
      expect(adelaide('2027-01-04T00:00:00Z')).toBe(true); // Mon 4 Jan 10:30
    });

    it('runs a recurring range without YearEnd over New Year', () => {
      const config = businessHoursFromOfficeHours(
        officeHours({
          OfficeHolidays: [
            holiday({
              Name: 'Break',
              Day: 28,
              Month: 12,
              DayEnd: 3,
              MonthEnd: 1,
              YearEnd: undefined,
              IsRecurrent: true,
            }),
          ],
        }),
        'UTC',
      );
      expect(config.holidays[0]).toMatchObject({
        start: '2026-12-28',
        end: '2027-01-03',
        recurring: true,
      });
    });

    it('drops holidays when the hours ignore them, except for SpecificHoursExcludingHolidays', () => {
      const holidays = [holiday({ Name: 'Christmas Day' })];
      const ignoring = businessHoursFromOfficeHours(
        officeHours({
          Hours: {
            Type: 'SpecificHours',
            IgnoreHolidays: true,
            Periods: weekdays('09:00:00', '17:00:00'),
          },
          OfficeHolidays: holidays,
        }),
        'UTC',
      );
      expect(ignoring.holidays).toEqual([]);
      const excluding = businessHoursFromOfficeHours(
        officeHours({
          Hours: {
            Type: 'SpecificHoursExcludingHolidays',
            IgnoreHolidays: true,
            Periods: weekdays('09:00:00', '17:00:00'),
          },
          OfficeHolidays: holidays,
        }),
        'UTC',
      );
      expect(excluding.holidays).toHaveLength(1);
    });

    it('names a holiday with an impossible date', () => {
      expect(() =>
        businessHoursFromOfficeHours(
          officeHours({
            OfficeHolidays: [holiday({ Name: 'Nope', Day: 31, Month: 2, DayEnd: 31, MonthEnd: 2 })],
          }),
          'UTC',
        ),
      ).toThrow(/3CX holiday "Nope" has an impossible date: 2026-2-31/);
    });
  });

  it('agrees with the simulator PBX on when its office is open', () => {
    const sim = new OfficeSchedule(defaultOfficeHours('Australia/Adelaide'));
    const config = businessHoursFromOfficeHours(sim.toEntity(true) as OfficeHours, 'UTC');
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }), (ms) => {
        expect(inBusinessHours(ms, config)).toBe(sim.isOpen(ms));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the simulator PBX on half-day holidays and a shutdown over New Year', () => {
    const base = defaultOfficeHours('Australia/Adelaide');
    const sim = new OfficeSchedule({
      ...base,
      holidays: [
        holiday({
          Id: 1,
          Name: 'Christmas Eve afternoon',
          Day: 24,
          DayEnd: 24,
          IsRecurrent: true,
          TimeOfStartDate: 'PT12H',
        }),
        holiday({
          Id: 2,
          Name: 'Shutdown',
          Day: 28,
          DayEnd: 2,
          MonthEnd: 1,
          YearEnd: 2027,
          IsRecurrent: true,
          TimeOfEndDate: 'PT0S',
        }),
        holiday({
          Id: 3,
          Name: 'Training morning',
          Day: 10,
          Month: 3,
          DayEnd: 10,
          MonthEnd: 3,
          TimeOfEndDate: 'PT12H30M',
        }),
      ],
    });
    const config = businessHoursFromOfficeHours(sim.toEntity(true) as OfficeHours, 'UTC');
    const around = (from: number, to: number) => fc.integer({ min: from, max: to });
    fc.assert(
      fc.property(
        fc.oneof(
          around(Date.UTC(2026, 2, 9), Date.UTC(2026, 2, 11)),
          around(Date.UTC(2026, 11, 23), Date.UTC(2027, 0, 5)),
          around(Date.UTC(2027, 11, 23), Date.UTC(2028, 0, 5)),
        ),
        (ms) => {
          expect(inBusinessHours(ms, config)).toBe(sim.isOpen(ms));
        },
      ),
      { numRuns: 3000 },
    );
    // Spot checks, Adelaide time (+10:30 in summer).
    expect(sim.isOpen(Date.parse('2026-03-10T01:30:00Z'))).toBe(false); // Tue 12:00 training
    expect(sim.isOpen(Date.parse('2026-03-10T02:30:00Z'))).toBe(true); // Tue 13:00
    expect(sim.isOpen(Date.parse('2026-12-23T23:30:00Z'))).toBe(true); // Thu 24 Dec 10:00
    expect(sim.isOpen(Date.parse('2026-12-24T02:30:00Z'))).toBe(false); // 13:00, afternoon off
    expect(sim.isOpen(Date.parse('2027-01-01T23:30:00Z'))).toBe(false); // Sat, and shut down
    expect(sim.isOpen(Date.parse('2027-01-01T00:30:00Z'))).toBe(false); // Fri 1 Jan 11:00
    expect(sim.isOpen(Date.parse('2027-01-03T23:30:00Z'))).toBe(true); // Mon 4 Jan 10:00
  });
});
