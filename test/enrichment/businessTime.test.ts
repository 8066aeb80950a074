import fc from 'fast-check';
import {
  businessHoursSchema,
  defaultBusinessHours,
  inBusinessHours,
  type BusinessHoursConfig,
  type BusinessHoursInput,
} from '../../lib/enrichment/businessHours';
import { addBusinessTime } from '../../lib/enrichment/businessTime';

/**
 * Business time: the call-back deadline ("30 minutes of business hours") counts only time the
 * location is open, so a Friday-evening miss falls due on Monday morning, not on Saturday.
 */
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const hours = (input: BusinessHoursInput): BusinessHoursConfig => businessHoursSchema.parse(input);
const MINUTE = 60_000;

describe('addBusinessTime', () => {
  const utc = defaultBusinessHours('UTC');

  it('adds the time as it is inside business hours', () => {
    expect(iso(addBusinessTime(at('2026-03-04T10:00:00Z'), 30 * MINUTE, utc))).toBe(
      '2026-03-04T10:30:00.000Z',
    );
  });

  it('is Monday 09:30 for a Friday 18:00 miss (closed all weekend)', () => {
    // Fri 6 March 2026 18:00.
    expect(iso(addBusinessTime(at('2026-03-06T18:00:00Z'), 30 * MINUTE, utc))).toBe(
      '2026-03-09T09:30:00.000Z',
    );
  });

  it('counts the minutes left on Friday and goes on on Monday', () => {
    expect(iso(addBusinessTime(at('2026-03-06T16:50:00Z'), 30 * MINUTE, utc))).toBe(
      '2026-03-09T09:20:00.000Z',
    );
  });

  it('ends at closing time when the minutes run out exactly then', () => {
    expect(iso(addBusinessTime(at('2026-03-06T16:30:00Z'), 30 * MINUTE, utc))).toBe(
      '2026-03-06T17:00:00.000Z',
    );
  });

  it('skips a holiday Monday after the weekend, in the location’s zone', () => {
    const config = hours({
      timezone: 'Australia/Adelaide',
      holidays: [{ name: 'Adelaide Cup', date: '2026-03-09' }],
    });
    // Fri 6 March 2026 18:00 ACDT (+10:30) = 07:30Z; Monday is a holiday → Tue 09:30 ACDT.
    expect(iso(addBusinessTime(at('2026-03-06T07:30:00Z'), 30 * MINUTE, config))).toBe(
      '2026-03-09T23:00:00.000Z',
    );
  });

  it('stops at a half-day holiday and goes on the next day', () => {
    const config = hours({
      timezone: 'UTC',
      holidays: [{ name: 'Christmas Eve', date: '2026-12-24', from: '12:00' }],
    });
    // Thu 24 Dec 11:50: 10 minutes that morning, Christmas Day (Fri) is open by the weekly
    // schedule here, so the rest falls on Friday 09:20.
    expect(iso(addBusinessTime(at('2026-12-24T11:50:00Z'), 30 * MINUTE, config))).toBe(
      '2026-12-25T09:20:00.000Z',
    );
  });

  it('spans several days for a long deadline', () => {
    // 8 business hours × 2 from Monday 09:00 = Tuesday 17:00.
    expect(iso(addBusinessTime(at('2026-03-02T09:00:00Z'), 16 * 60 * MINUTE, utc))).toBe(
      '2026-03-03T17:00:00.000Z',
    );
  });

  it('is null for a location that never opens', () => {
    expect(
      addBusinessTime(
        at('2026-03-02T09:00:00Z'),
        30 * MINUTE,
        hours({ timezone: 'UTC', weekly: {} }),
      ),
    ).toBeNull();
  });

  it('counts across the hour clocks skip (Adelaide, first Sunday of October)', () => {
    const config = hours({
      timezone: 'Australia/Adelaide',
      weekly: { sunday: [{ start: '01:00', end: '02:30' }] },
    });
    // Sun 4 Oct 2026 01:00 ACST = 3 Oct 15:30Z; 02:00 jumps to 03:00, so 02:30 never happens and
    // the interval ends at the jump (16:30Z): one hour open. 90 minutes carry to next Sunday.
    expect(iso(addBusinessTime(at('2026-10-03T15:30:00Z'), 90 * MINUTE, config))).toBe(
      '2026-10-10T15:00:00.000Z', // Sun 11 Oct 01:30 ACDT (+10:30)
    );
  });

  it('agrees with counting open minutes one by one', () => {
    const zones = ['Australia/Adelaide', 'America/New_York', 'UTC'];
    fc.assert(
      fc.property(
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2026-12-20T00:00:00Z') }),
        fc.integer({ min: 1, max: 300 }),
        fc.constantFrom(...zones),
        fc.boolean(),
        (start, minutes, zone, withHoliday) => {
          const config = hours({
            timezone: zone,
            holidays: withHoliday
              ? [{ name: 'Closed', start: '2026-03-09', end: '2026-03-10' }]
              : [],
          });
          const instant = Math.floor(start / MINUTE) * MINUTE;
          const due = addBusinessTime(instant, minutes * MINUTE, config);
          // Reference: walk minute by minute, counting the minutes that start open.
          let t = instant;
          let counted = 0;
          while (counted < minutes) {
            if (inBusinessHours(t, config)) counted++;
            t += MINUTE;
          }
          // The last counted minute started open and ends at `t`.
          expect(iso(due)).toBe(iso(t));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives each location its own deadlines when one config is asked many times (its days remembered)', () => {
    // Two locations in one zone with different hours, asked in turn: what one's days remember
    // is its own. The times are whole quarter hours, so counting open quarter hours is exact.
    const early = hours({
      timezone: 'Australia/Adelaide',
      weekly: {
        monday: [{ start: '07:00', end: '15:00' }],
        sunday: [{ start: '01:00', end: '02:30' }],
      },
      holidays: [{ name: 'Half day', date: '2026-10-12', from: '12:00' }],
    });
    const late = hours({
      timezone: 'Australia/Adelaide',
      weekly: { monday: [{ start: '13:00', end: '22:00' }] },
    });
    const QUARTER = 15 * MINUTE;
    const reference = (instant: number, quarters: number, config: BusinessHoursConfig) => {
      let t = instant;
      for (let counted = 0; counted < quarters; t += QUARTER)
        if (inBusinessHours(t, config)) counted++;
      return t;
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 30 * 96 }), // quarter hours from 20 September
            fc.integer({ min: 1, max: 80 }), // up to 20 hours of business time
            fc.constantFrom(early, late),
          ),
          { minLength: 10, maxLength: 30 },
        ),
        (asks) => {
          for (const [quarter, quarters, config] of asks) {
            const instant = at('2026-09-20T00:00:00Z') + quarter * QUARTER;
            expect(iso(addBusinessTime(instant, quarters * QUARTER, config))).toBe(
              iso(reference(instant, quarters, config)),
            );
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
