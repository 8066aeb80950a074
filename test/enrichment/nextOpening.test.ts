import fc from 'fast-check';
import {
  businessHoursSchema,
  defaultBusinessHours,
  inBusinessHours,
  nextOpening,
  type BusinessHoursConfig,
  type BusinessHoursInput,
} from '../../lib/enrichment/businessHours';

/**
 * `next_open_at`: when the after-hours branch's morning task is due. It must be the first
 * moment the office is really open, never a moment it is closed and never later than that
 * moment, across weekends, holidays and daylight-saving changes in both hemispheres.
 */
const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant in test: ${iso}`);
  return ms;
};
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const hours = (input: BusinessHoursInput): BusinessHoursConfig => businessHoursSchema.parse(input);

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
