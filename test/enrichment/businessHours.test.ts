import fc from 'fast-check';
import { DateTime } from 'luxon';
import { z } from 'zod';
import {
  branchFor,
  businessHoursSchema,
  defaultBusinessHours,
  holidayAt,
  inBusinessHours,
  nextOpening,
  WEEKDAYS,
  type BusinessHoursConfig,
  type BusinessHoursInput,
  type OpeningInterval,
  type Weekday,
} from '../../lib/enrichment/businessHours';

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant in test: ${iso}`);
  return ms;
};

function hours(input: BusinessHoursInput): BusinessHoursConfig {
  return businessHoursSchema.parse(input);
}

/** Only the given days open; all other days closed. */
function onlyOn(
  timezone: string,
  days: Partial<Record<Weekday, OpeningInterval[]>>,
  holidays: BusinessHoursInput['holidays'] = [],
): BusinessHoursConfig {
  return hours({ timezone, weekly: days, holidays });
}

function problems(input: unknown): string {
  const result = businessHoursSchema.safeParse(input);
  if (result.success) throw new Error('expected the config to be refused');
  return z.prettifyError(result.error);
}

describe('business hours config', () => {
  it('gives Monday to Friday 09:00–17:00 and no holidays when only the zone is set', () => {
    expect(hours({ timezone: 'Australia/Adelaide' })).toEqual(
      defaultBusinessHours('Australia/Adelaide'),
    );
    const config = defaultBusinessHours('Australia/Adelaide');
    for (const day of ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const) {
      expect(config.weekly[day]).toEqual([{ start: '09:00', end: '17:00' }]);
    }
    expect(config.weekly.saturday).toEqual([]);
    expect(config.weekly.sunday).toEqual([]);
  });

  it('closes the days a weekly schedule leaves out', () => {
    const config = hours({
      timezone: 'UTC',
      weekly: { saturday: [{ start: '10:00', end: '14:00' }] },
    });
    expect(config.weekly.monday).toEqual([]);
    expect(config.weekly.saturday).toEqual([{ start: '10:00', end: '14:00' }]);
  });

  it('parses its own output to the same value', () => {
    const config = hours({
      timezone: 'America/New_York',
      weekly: { friday: [{ start: '22:00', end: '02:00' }] },
      holidays: [{ name: 'Christmas', date: '2026-12-25', recurring: true }],
    });
    expect(businessHoursSchema.parse(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it.each([
    [{ timezone: 'Adelaide' }, 'timezone', '"Adelaide" is not a time zone'],
    [{}, 'timezone', 'is required: an IANA time zone'],
    [
      { timezone: 'UTC', weekly: { monday: [{ start: '9am', end: '17:00' }] } },
      'weekly.monday[0].start',
      'must be a time of day HH:MM',
    ],
    [
      { timezone: 'UTC', weekly: { monday: [{ start: '24:00', end: '17:00' }] } },
      'weekly.monday[0].start',
      'must be a time of day HH:MM (00:00 to 23:59)',
    ],
    [
      { timezone: 'UTC', weekly: { monday: [{ start: '09:00', end: '24:30' }] } },
      'weekly.monday[0].end',
      '"24:00" is midnight at the end of the day',
    ],
    [
      { timezone: 'UTC', weekly: { monday: [{ start: '09:00', end: '09:00' }] } },
      'weekly.monday[0].end',
      'start and end are the same time (09:00)',
    ],
    [
      { timezone: 'UTC', weekly: { mon: [{ start: '09:00', end: '17:00' }] } },
      'weekly',
      'Unrecognized key: "mon"',
    ],
    [
      { timezone: 'UTC', holidays: [{ name: 'Bad', date: '2026-02-30' }] },
      'holidays[0].date',
      '"2026-02-30" is not a calendar date',
    ],
    [
      { timezone: 'UTC', holidays: [{ name: 'Both', date: '2026-12-25', start: '2026-12-24' }] },
      'holidays[0].date',
      'give either "date" (one day) or both "start" and "end"',
    ],
    [
      { timezone: 'UTC', holidays: [{ name: 'Half', start: '2026-12-24' }] },
      'holidays[0].end',
      'give either "date" (one day) or both "start" and "end"',
    ],
    [
      { timezone: 'UTC', holidays: [{ name: 'Back', start: '2026-12-30', end: '2026-12-24' }] },
      'holidays[0].end',
      '"Back" ends before it starts',
    ],
    [
      {
        timezone: 'UTC',
        holidays: [{ name: 'Empty', date: '2026-12-24', from: '12:00', until: '12:00' }],
      },
      'holidays[0].until',
      '"Empty" ends before it starts',
    ],
    [{ timezone: 'UTC', holidays: [{ date: '2026-12-25' }] }, 'holidays[0].name', 'is required'],
  ])('refuses %j with a clear error at %s', (input, path, message) => {
    const text = problems(input);
    expect(text).toContain(`at ${path}`);
    expect(text).toContain(message);
  });
});

describe('inBusinessHours: a normal week (Adelaide, daylight time, +10:30)', () => {
  const config = defaultBusinessHours('Australia/Adelaide');

  it.each([
    ['Monday 08:59:59.999', '2026-03-01T22:29:59.999Z', false],
    ['Monday 09:00 (start inclusive)', '2026-03-01T22:30:00Z', true],
    ['Monday 16:59:59.999', '2026-03-02T06:29:59.999Z', true],
    ['Monday 17:00 (end exclusive)', '2026-03-02T06:30:00Z', false],
    ['Saturday 11:00', '2026-03-07T00:30:00Z', false],
  ])('%s local is %s', (_label, iso, open) => {
    expect(inBusinessHours(at(iso), config)).toBe(open);
    expect(branchFor(at(iso), config)).toBe(open ? 'in_hours' : 'after_hours');
  });

  it('reads the weekday in the location, not in UTC (Monday 09:30 local is Sunday in UTC)', () => {
    expect(new Date('2026-03-01T23:00:00Z').getUTCDay()).toBe(0);
    expect(inBusinessHours(at('2026-03-01T23:00:00Z'), config)).toBe(true);
  });
});

describe('inBusinessHours: midnight and 24:00', () => {
  it('keeps a 24:00 end open to the last millisecond of the day and closed at midnight', () => {
    const config = onlyOn('UTC', { friday: [{ start: '17:00', end: '24:00' }] });
    expect(inBusinessHours(at('2026-03-06T23:59:59.999Z'), config)).toBe(true);
    expect(inBusinessHours(at('2026-03-07T00:00:00Z'), config)).toBe(false);
  });

  it('treats an end of 00:00 after a later start as midnight, like 24:00', () => {
    const config = onlyOn('UTC', { friday: [{ start: '20:00', end: '00:00' }] });
    expect(inBusinessHours(at('2026-03-06T23:59:59.999Z'), config)).toBe(true);
    expect(inBusinessHours(at('2026-03-07T00:00:00Z'), config)).toBe(false);
  });

  it('opens a whole day from 00:00 to 24:00', () => {
    const config = onlyOn('UTC', { saturday: [{ start: '00:00', end: '24:00' }] });
    expect(inBusinessHours(at('2026-03-06T23:59:59.999Z'), config)).toBe(false);
    expect(inBusinessHours(at('2026-03-07T00:00:00Z'), config)).toBe(true);
    expect(inBusinessHours(at('2026-03-07T23:59:59.999Z'), config)).toBe(true);
    expect(inBusinessHours(at('2026-03-08T00:00:00Z'), config)).toBe(false);
  });

  it('runs an interval with end before start past midnight into the next day', () => {
    const config = onlyOn('UTC', { friday: [{ start: '22:00', end: '02:00' }] });
    expect(inBusinessHours(at('2026-03-06T21:59:59.999Z'), config)).toBe(false);
    expect(inBusinessHours(at('2026-03-06T22:00:00Z'), config)).toBe(true);
    expect(inBusinessHours(at('2026-03-07T00:00:00Z'), config)).toBe(true); // Saturday
    expect(inBusinessHours(at('2026-03-07T01:59:59.999Z'), config)).toBe(true);
    expect(inBusinessHours(at('2026-03-07T02:00:00Z'), config)).toBe(false);
    expect(inBusinessHours(at('2026-03-07T22:30:00Z'), config)).toBe(false); // Saturday night
  });

  it('carries a Sunday night interval into Monday morning', () => {
    const config = onlyOn('UTC', { sunday: [{ start: '22:00', end: '06:00' }] });
    expect(inBusinessHours(at('2026-03-09T05:00:00Z'), config)).toBe(true); // Monday
    expect(inBusinessHours(at('2026-03-09T06:00:00Z'), config)).toBe(false);
    expect(inBusinessHours(at('2026-03-08T05:00:00Z'), config)).toBe(false); // Sunday morning
  });

  const zones = ['UTC', 'Australia/Adelaide', 'America/New_York', 'Australia/Lord_Howe'];
  it('means the same past midnight whether written as one interval or two', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }),
        (zone, dayIndex, startHour, endHour, instant) => {
          fc.pre(endHour < startHour);
          const start = `${String(startHour).padStart(2, '0')}:00`;
          const end = `${String(endHour).padStart(2, '0')}:00`;
          const day = WEEKDAYS[dayIndex];
          const next = WEEKDAYS[(dayIndex + 1) % 7];
          const one = onlyOn(zone, { [day]: [{ start, end }] });
          const two = onlyOn(zone, {
            [day]: [{ start, end: '24:00' }],
            [next]: [{ start: '00:00', end }],
          });
          expect(inBusinessHours(instant, one)).toBe(inBusinessHours(instant, two));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('inBusinessHours: holidays', () => {
  it('closes a fixed holiday by the local date (Australia Day, 09:30 in Adelaide is still 25 January in UTC)', () => {
    const config = hours({
      timezone: 'Australia/Adelaide',
      holidays: [{ name: 'Australia Day', date: '2026-01-26' }],
    });
    const holidayMorning = at('2026-01-25T23:00:00Z'); // Monday 26 Jan, 09:30 ACDT
    expect(inBusinessHours(holidayMorning, config)).toBe(false);
    expect(holidayAt(holidayMorning, config)?.name).toBe('Australia Day');
    const nextDay = at('2026-01-26T23:00:00Z'); // Tuesday 27 Jan, 09:30
    expect(inBusinessHours(nextDay, config)).toBe(true);
    expect(holidayAt(nextDay, config)).toBeNull();
  });

  it('repeats a recurring holiday every year, and a one-off one only in its year', () => {
    const recurring = hours({
      timezone: 'UTC',
      holidays: [{ name: 'Christmas Day', date: '2025-12-25', recurring: true }],
    });
    const oneOff = hours({
      timezone: 'UTC',
      holidays: [{ name: 'Christmas Day 2025', date: '2025-12-25' }],
    });
    const christmas2028 = at('2028-12-25T10:00:00Z'); // a Monday
    expect(inBusinessHours(christmas2028, recurring)).toBe(false);
    expect(inBusinessHours(christmas2028, oneOff)).toBe(true);
    expect(inBusinessHours(at('2028-12-26T10:00:00Z'), recurring)).toBe(true);
    expect(inBusinessHours(at('2025-12-25T10:00:00Z'), oneOff)).toBe(false); // a Thursday
  });

  it('closes a range of days, inclusive at both ends', () => {
    const config = hours({
      timezone: 'UTC',
      holidays: [{ name: 'Stocktake', start: '2026-03-03', end: '2026-03-05' }],
    });
    expect(inBusinessHours(at('2026-03-02T10:00:00Z'), config)).toBe(true);
    expect(inBusinessHours(at('2026-03-03T10:00:00Z'), config)).toBe(false);
    expect(inBusinessHours(at('2026-03-05T16:59:00Z'), config)).toBe(false);
    expect(inBusinessHours(at('2026-03-06T10:00:00Z'), config)).toBe(true);
  });

  it('repeats a shutdown over New Year every year', () => {
    const config = hours({
      timezone: 'UTC',
      holidays: [{ name: 'Shutdown', start: '2026-12-24', end: '2027-01-02', recurring: true }],
    });
    expect(inBusinessHours(at('2027-12-23T10:00:00Z'), config)).toBe(true); // Thursday
    expect(inBusinessHours(at('2027-12-24T10:00:00Z'), config)).toBe(false);
    expect(inBusinessHours(at('2027-12-31T10:00:00Z'), config)).toBe(false);
    expect(inBusinessHours(at('2030-01-02T10:00:00Z'), config)).toBe(false); // Wednesday
    expect(inBusinessHours(at('2028-01-03T10:00:00Z'), config)).toBe(true); // Monday
  });

  it('closes only from a time of day on a half-day holiday', () => {
    const config = hours({
      timezone: 'UTC',
      holidays: [{ name: 'Christmas Eve', date: '2027-12-24', from: '12:00' }],
    });
    expect(inBusinessHours(at('2027-12-24T11:59:59.999Z'), config)).toBe(true);
    expect(inBusinessHours(at('2027-12-24T12:00:00Z'), config)).toBe(false);
  });

  it('reopens at the until time on the last day', () => {
    const config = hours({
      timezone: 'UTC',
      holidays: [{ name: 'Late start', date: '2026-03-02', until: '12:00' }],
    });
    expect(inBusinessHours(at('2026-03-02T11:59:59.999Z'), config)).toBe(false);
    expect(inBusinessHours(at('2026-03-02T12:00:00Z'), config)).toBe(true);
  });

  it('closes the after-midnight part of the previous evening when that date is a holiday', () => {
    const config = onlyOn('UTC', { friday: [{ start: '22:00', end: '02:00' }] }, [
      { name: 'Saturday off', date: '2026-03-07' },
    ]);
    expect(inBusinessHours(at('2026-03-06T23:00:00Z'), config)).toBe(true);
    expect(inBusinessHours(at('2026-03-07T01:00:00Z'), config)).toBe(false);
  });

  it('is never open on a holiday date, whatever the schedule', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('UTC', 'Australia/Adelaide', 'America/New_York'),
        fc.integer({ min: 0, max: 86_399_999 }),
        fc.boolean(),
        (zone, msIntoDay, recurring) => {
          const allDay = [{ start: '00:00', end: '24:00' }];
          const config = hours({
            timezone: zone,
            weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, allDay])),
            holidays: [
              { name: 'Closed', date: recurring ? '2020-07-14' : '2027-07-14', recurring },
            ],
          });
          const midnight = DateTime.fromISO('2027-07-14', { zone }).toMillis();
          expect(inBusinessHours(midnight + msIntoDay, config)).toBe(false);
          expect(inBusinessHours(midnight - 1, config)).toBe(true);
        },
      ),
    );
  });
});

describe('inBusinessHours: Australia/Adelaide daylight saving (southern hemisphere)', () => {
  // First Sunday of April 2026 (5 April): 03:00 ACDT (+10:30) becomes 02:00 ACST (+09:30)
  // at 2026-04-04T16:30Z, so local 02:00–02:59 happens twice.
  describe('clocks back, first Sunday of April', () => {
    const night = onlyOn('Australia/Adelaide', { sunday: [{ start: '01:00', end: '02:30' }] });

    it('treats a local time that occurs twice alike both times', () => {
      expect(inBusinessHours(at('2026-04-04T15:45:00Z'), night)).toBe(true); // 02:15 ACDT
      expect(inBusinessHours(at('2026-04-04T16:45:00Z'), night)).toBe(true); // 02:15 ACST
      expect(inBusinessHours(at('2026-04-04T16:15:00Z'), night)).toBe(false); // 02:45 ACDT
      expect(inBusinessHours(at('2026-04-04T17:15:00Z'), night)).toBe(false); // 02:45 ACST
    });

    it('closes just before the switch (02:59:59 ACDT) and reopens just after (02:00 ACST)', () => {
      expect(inBusinessHours(at('2026-04-04T16:29:59.999Z'), night)).toBe(false);
      expect(inBusinessHours(at('2026-04-04T16:30:00Z'), night)).toBe(true);
    });

    it('keeps 09:00–17:00 on the clock on both sides of the change', () => {
      const config = defaultBusinessHours('Australia/Adelaide');
      expect(inBusinessHours(at('2026-04-03T06:29:59.999Z'), config)).toBe(true); // Fri 16:59:59 ACDT
      expect(inBusinessHours(at('2026-04-03T06:30:00Z'), config)).toBe(false); // Fri 17:00 ACDT
      expect(inBusinessHours(at('2026-04-05T23:29:59.999Z'), config)).toBe(false); // Mon 08:59:59 ACST
      expect(inBusinessHours(at('2026-04-05T23:30:00Z'), config)).toBe(true); // Mon 09:00 ACST
    });
  });

  // First Sunday of October 2026 (4 October): 02:00 ACST (+09:30) becomes 03:00 ACDT (+10:30)
  // at 2026-10-03T16:30Z, so local 02:00–02:59 does not happen.
  describe('clocks forward, first Sunday of October', () => {
    it('never opens an interval that lies wholly in the skipped hour', () => {
      const skipped = onlyOn('Australia/Adelaide', { sunday: [{ start: '02:00', end: '02:30' }] });
      expect(inBusinessHours(at('2026-10-03T16:29:59.999Z'), skipped)).toBe(false); // 01:59:59 ACST
      expect(inBusinessHours(at('2026-10-03T16:30:00Z'), skipped)).toBe(false); // 03:00 ACDT
      const sunday = DateTime.fromISO('2026-10-04', { zone: 'Australia/Adelaide' }).toMillis();
      for (let ms = sunday; ms < sunday + 23 * 3_600_000; ms += 60_000) {
        expect(inBusinessHours(ms, skipped)).toBe(false);
      }
    });

    it('closes at the jump an interval that ends inside the skipped hour', () => {
      const config = onlyOn('Australia/Adelaide', { sunday: [{ start: '01:00', end: '02:30' }] });
      expect(inBusinessHours(at('2026-10-03T16:29:59.999Z'), config)).toBe(true);
      expect(inBusinessHours(at('2026-10-03T16:30:00Z'), config)).toBe(false);
    });

    it('opens at the jump an interval that starts inside the skipped hour', () => {
      const config = onlyOn('Australia/Adelaide', { sunday: [{ start: '02:30', end: '04:00' }] });
      expect(inBusinessHours(at('2026-10-03T16:29:59.999Z'), config)).toBe(false);
      expect(inBusinessHours(at('2026-10-03T16:30:00Z'), config)).toBe(true);
    });

    it('keeps 09:00–17:00 on the clock on both sides of the change', () => {
      const config = defaultBusinessHours('Australia/Adelaide');
      expect(inBusinessHours(at('2026-10-02T07:29:59.999Z'), config)).toBe(true); // Fri 16:59:59 ACST
      expect(inBusinessHours(at('2026-10-02T07:30:00Z'), config)).toBe(false); // Fri 17:00 ACST
      expect(inBusinessHours(at('2026-10-04T22:29:59.999Z'), config)).toBe(false); // Mon 08:59:59 ACDT
      expect(inBusinessHours(at('2026-10-04T22:30:00Z'), config)).toBe(true); // Mon 09:00 ACDT
    });
  });
});

describe('inBusinessHours: America/New_York daylight saving (northern hemisphere)', () => {
  // Second Sunday of March 2026 (8 March): 02:00 EST (-05:00) becomes 03:00 EDT (-04:00)
  // at 07:00Z: local 02:00–02:59 does not happen.
  describe('clocks forward, March', () => {
    it('never opens an interval in the skipped hour, and switches at the jump', () => {
      const skipped = onlyOn('America/New_York', { sunday: [{ start: '02:00', end: '02:30' }] });
      expect(inBusinessHours(at('2026-03-08T06:59:59.999Z'), skipped)).toBe(false);
      expect(inBusinessHours(at('2026-03-08T07:00:00Z'), skipped)).toBe(false);
      const early = onlyOn('America/New_York', { sunday: [{ start: '01:00', end: '02:30' }] });
      expect(inBusinessHours(at('2026-03-08T06:59:59.999Z'), early)).toBe(true); // 01:59:59 EST
      expect(inBusinessHours(at('2026-03-08T07:00:00Z'), early)).toBe(false); // 03:00 EDT
    });

    it('keeps 09:00–17:00 on the clock on both sides of the change', () => {
      const config = defaultBusinessHours('America/New_York');
      expect(inBusinessHours(at('2026-03-06T21:59:59.999Z'), config)).toBe(true); // Fri 16:59:59 EST
      expect(inBusinessHours(at('2026-03-06T22:00:00Z'), config)).toBe(false); // Fri 17:00 EST
      expect(inBusinessHours(at('2026-03-09T12:59:59.999Z'), config)).toBe(false); // Mon 08:59:59 EDT
      expect(inBusinessHours(at('2026-03-09T13:00:00Z'), config)).toBe(true); // Mon 09:00 EDT
    });
  });

  // First Sunday of November 2026 (1 November): 02:00 EDT becomes 01:00 EST at 06:00Z: local
  // 01:00–01:59 happens twice.
  describe('clocks back, November', () => {
    const night = onlyOn('America/New_York', { sunday: [{ start: '01:00', end: '01:30' }] });

    it('treats a local time that occurs twice alike both times', () => {
      expect(inBusinessHours(at('2026-11-01T05:15:00Z'), night)).toBe(true); // 01:15 EDT
      expect(inBusinessHours(at('2026-11-01T06:15:00Z'), night)).toBe(true); // 01:15 EST
      expect(inBusinessHours(at('2026-11-01T05:45:00Z'), night)).toBe(false); // 01:45 EDT
      expect(inBusinessHours(at('2026-11-01T06:45:00Z'), night)).toBe(false); // 01:45 EST
    });

    it('is closed just before the switch (01:59:59 EDT) and open just after (01:00 EST)', () => {
      expect(inBusinessHours(at('2026-11-01T05:59:59.999Z'), night)).toBe(false);
      expect(inBusinessHours(at('2026-11-01T06:00:00Z'), night)).toBe(true);
    });

    it('keeps 09:00–17:00 on the clock on both sides of the change', () => {
      const config = defaultBusinessHours('America/New_York');
      expect(inBusinessHours(at('2026-10-30T20:59:59.999Z'), config)).toBe(true); // Fri 16:59:59 EDT
      expect(inBusinessHours(at('2026-10-30T21:00:00Z'), config)).toBe(false); // Fri 17:00 EDT
      expect(inBusinessHours(at('2026-11-02T13:59:59.999Z'), config)).toBe(false); // Mon 08:59:59 EST
      expect(inBusinessHours(at('2026-11-02T14:00:00Z'), config)).toBe(true); // Mon 09:00 EST
    });
  });
});

describe('business hours properties', () => {
  const zone = fc.constantFrom(
    'UTC',
    'Australia/Adelaide',
    'America/New_York',
    'Europe/London',
    'Asia/Kolkata',
    'Pacific/Chatham',
    'Australia/Lord_Howe',
  );
  const time = fc
    .integer({ min: 0, max: 24 * 60 - 1 })
    .map(
      (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`,
    );
  const interval = fc
    .tuple(time, fc.oneof(time, fc.constant('24:00')))
    .filter(([start, end]) => start !== end)
    .map(([start, end]) => ({ start, end }));
  const weekly = fc.record(
    Object.fromEntries(WEEKDAYS.map((d) => [d, fc.array(interval, { maxLength: 3 })])) as Record<
      Weekday,
      fc.Arbitrary<OpeningInterval[]>
    >,
  );
  const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) });

  it('always gives one of the two branches, agreeing with inBusinessHours', () => {
    fc.assert(
      fc.property(zone, weekly, instant, (timezone, week, ms) => {
        const config = hours({ timezone, weekly: week });
        const branch = branchFor(ms, config);
        expect(['in_hours', 'after_hours']).toContain(branch);
        expect(branch === 'in_hours').toBe(inBusinessHours(ms, config));
      }),
      { numRuns: 300 },
    );
  });

  it('is always open around the clock and never open with no intervals', () => {
    const allDay = [{ start: '00:00', end: '24:00' }];
    fc.assert(
      fc.property(zone, instant, (timezone, ms) => {
        const always = hours({
          timezone,
          weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, allDay])),
        });
        expect(inBusinessHours(ms, always)).toBe(true);
        expect(inBusinessHours(ms, hours({ timezone, weekly: {} }))).toBe(false);
      }),
    );
  });

  it('agrees with the local wall clock read independently', () => {
    fc.assert(
      fc.property(zone, weekly, instant, (timezone, week, ms) => {
        const config = hours({ timezone, weekly: week });
        const local = DateTime.fromMillis(ms, { zone: timezone });
        const t = local.hour * 60 + local.minute + local.second / 60 + local.millisecond / 60000;
        const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
        const today = config.weekly[WEEKDAYS[local.weekday - 1]];
        const yesterday = config.weekly[WEEKDAYS[(local.weekday + 5) % 7]];
        const open =
          today.some(({ start, end }) =>
            minutes(end) > minutes(start)
              ? minutes(start) <= t && t < minutes(end)
              : minutes(start) <= t,
          ) ||
          yesterday.some(({ start, end }) => minutes(end) < minutes(start) && t < minutes(end));
        expect(inBusinessHours(ms, config)).toBe(open);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an unknown zone at evaluation time instead of guessing', () => {
    const config = { ...defaultBusinessHours('UTC'), timezone: 'Mars/Olympus_Mons' };
    expect(() => inBusinessHours(0, config)).toThrow(/unknown time zone "Mars\/Olympus_Mons"/);
  });
});

/**
 * `next_open_at`: when the after-hours branch's morning task is due. It must be the first
 * moment the office is really open, never a moment it is closed and never later than that
 * moment, across weekends, holidays and daylight-saving changes in both hemispheres.
 */
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

describe('nextOpening', () => {
  const adelaide = defaultBusinessHours('Australia/Adelaide');
  const newYork = defaultBusinessHours('America/New_York');

  it('is the call itself when it came in during business hours', () => {
    const tuesday10am = at('2026-03-02T23:30:00Z'); // Tue 10:00 ACDT
    expect(nextOpening(tuesday10am, adelaide)).toBe(tuesday10am);
  });

  it('is tomorrow 09:00 for a call in the evening, and 09:00 for one at dawn', () => {
    expect(iso(nextOpening(at('2026-03-02T09:00:00Z'), adelaide))).toBe(
      '2026-03-02T22:30:00.000Z', // Mon 19:30 ACDT → Tue 09:00 ACDT
    );
    expect(iso(nextOpening(at('2026-03-02T20:00:00Z'), adelaide))).toBe(
      '2026-03-02T22:30:00.000Z', // Tue 06:30 ACDT → 09:00
    );
  });

  it('is Monday 09:00 on the new offset after a weekend with a daylight-saving change (south)', () => {
    // Fri 2 Oct 2026 17:30 ACST (+09:30); clocks go forward on Sunday 4 October.
    expect(iso(nextOpening(at('2026-10-02T08:00:00Z'), adelaide))).toBe(
      '2026-10-04T22:30:00.000Z', // Mon 09:00 ACDT (+10:30)
    );
    // Fri 3 Apr 2026 18:00 ACDT; clocks go back on Sunday 5 April.
    expect(iso(nextOpening(at('2026-04-03T07:30:00Z'), adelaide))).toBe(
      '2026-04-05T23:30:00.000Z', // Mon 09:00 ACST (+09:30)
    );
  });

  it('is Monday 09:00 on the new offset after a weekend with a daylight-saving change (north)', () => {
    // Fri 6 Mar 2026 18:00 EST; clocks go forward on Sunday 8 March.
    expect(iso(nextOpening(at('2026-03-06T23:00:00Z'), newYork))).toBe(
      '2026-03-09T13:00:00.000Z', // Mon 09:00 EDT
    );
    // Fri 30 Oct 2026 18:00 EDT; clocks go back on Sunday 1 November.
    expect(iso(nextOpening(at('2026-10-30T22:00:00Z'), newYork))).toBe(
      '2026-11-02T14:00:00.000Z', // Mon 09:00 EST
    );
  });

  it('skips a holiday: Australia Day on a Monday opens on Tuesday', () => {
    const config = hours({
      timezone: 'Australia/Adelaide',
      holidays: [{ name: 'Australia Day', date: '2026-01-26' }],
    });
    // Fri 23 Jan 2026 17:30 ACDT.
    expect(iso(nextOpening(at('2026-01-23T07:00:00Z'), config))).toBe(
      '2026-01-26T22:30:00.000Z', // Tue 27 Jan 09:00 ACDT
    );
  });

  it('opens when a morning-only holiday ends, at noon', () => {
    const config = hours({
      timezone: 'UTC',
      holidays: [{ name: 'Staff meeting', date: '2026-03-03', until: '12:00' }],
    });
    expect(iso(nextOpening(at('2026-03-02T18:00:00Z'), config))).toBe('2026-03-03T12:00:00.000Z');
  });

  it('skips a recurring holiday over New Year to the first working day', () => {
    const config = hours({
      timezone: 'UTC',
      holidays: [{ name: 'Shutdown', start: '2020-12-24', end: '2021-01-02', recurring: true }],
    });
    // Wed 23 Dec 2026 18:00; 2 Jan 2027 is a Saturday.
    expect(iso(nextOpening(at('2026-12-23T18:00:00Z'), config))).toBe('2027-01-04T09:00:00.000Z');
  });

  it('opens at the jump an interval that starts inside the hour clocks skip', () => {
    const config = hours({
      timezone: 'Australia/Adelaide',
      weekly: { sunday: [{ start: '02:30', end: '04:00' }] },
    });
    // Sat 3 Oct 2026 20:30 ACST; at 02:00 on Sunday clocks jump to 03:00 ACDT (16:30Z).
    expect(iso(nextOpening(at('2026-10-03T11:00:00Z'), config))).toBe('2026-10-03T16:30:00.000Z');
  });

  it('finds an interval that runs past midnight', () => {
    const config = hours({
      timezone: 'UTC',
      weekly: { friday: [{ start: '22:00', end: '02:00' }] },
    });
    expect(iso(nextOpening(at('2026-03-06T21:00:00Z'), config))).toBe('2026-03-06T22:00:00.000Z');
    expect(nextOpening(at('2026-03-07T01:00:00Z'), config)).toBe(at('2026-03-07T01:00:00Z'));
    expect(iso(nextOpening(at('2026-03-07T02:00:00Z'), config))).toBe('2026-03-13T22:00:00.000Z');
  });

  it('is null for a location that is never open', () => {
    expect(nextOpening(at('2026-03-02T09:00:00Z'), hours({ timezone: 'UTC', weekly: {} }))).toBe(
      null,
    );
  });

  it('is always open itself, closed just before, and nothing in between is open', () => {
    const zones = ['Australia/Adelaide', 'America/New_York', 'Australia/Lord_Howe', 'UTC'];
    fc.assert(
      fc.property(
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.boolean(),
        (instant, zone, withHoliday) => {
          const config = hours({
            timezone: zone,
            holidays: withHoliday
              ? [{ name: 'Christmas', start: '2026-12-24', end: '2026-12-26', from: '12:00' }]
              : [],
          });
          const open = nextOpening(instant, config);
          expect(open).not.toBeNull();
          const next = open as number;
          expect(next).toBeGreaterThanOrEqual(instant);
          expect(inBusinessHours(next, config)).toBe(true);
          if (next > instant) {
            expect(inBusinessHours(next - 1000, config)).toBe(false);
            for (let t = instant; t < next; t += 10 * 60_000)
              expect(inBusinessHours(t, config)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
