import fc from 'fast-check';
import { parseUtcMillis, toIsoUtc, toMillis } from '../../lib/utcTime';

describe('UTC call-log times', () => {
  it.each([
    ['2026-03-01T09:15:02Z', Date.UTC(2026, 2, 1, 9, 15, 2)],
    ['2026-03-01T09:15:02.1234567Z', Date.UTC(2026, 2, 1, 9, 15, 2, 123)],
    ['2026-03-01T09:15:02.5Z', Date.UTC(2026, 2, 1, 9, 15, 2, 500)],
    ['2026-03-01T09:15:02', Date.UTC(2026, 2, 1, 9, 15, 2)],
    ['2026-03-01 09:15:02', Date.UTC(2026, 2, 1, 9, 15, 2)],
    ['2026-03-01T09:15:02+10:30', Date.UTC(2026, 2, 0, 22, 45, 2)],
    ['2026-03-01T09:15:02.250-05:00', Date.UTC(2026, 2, 1, 14, 15, 2, 250)],
    ['2026-03-01 09:15', Date.UTC(2026, 2, 1, 9, 15)],
    ['2026-03-01', Date.UTC(2026, 2, 1)],
  ])('reads %s', (text, ms) => {
    expect(parseUtcMillis(text)).toBe(ms);
  });

  it.each([
    '',
    'yesterday',
    '2026-13-01T00:00:00Z',
    '2026-03-01T25:00:00Z',
    '2026-03-01T09:15:02.Z',
    '2026-03-01Tab:cd:efZ',
  ])('gives NaN for %p', (text) => {
    expect(parseUtcMillis(text)).toBeNaN();
  });

  it('formats and parses exactly like Date for any instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const iso = toIsoUtc(ms);
        expect(iso).toBe(new Date(ms).toISOString());
        expect(parseUtcMillis(iso)).toBe(ms);
      }),
      { numRuns: 5000 },
    );
  });

  it('writes a valid time for a fractional millisecond, dropping the fraction like Date', () => {
    const ms = Date.UTC(2026, 2, 1, 9, 15, 6, 200) + 0.000244140625;
    expect(toIsoUtc(ms)).toBe('2026-03-01T09:15:06.200Z');
    fc.assert(
      fc.property(
        fc.double({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1), noNaN: true }),
        (value) => {
          expect(toIsoUtc(value)).toBe(new Date(value).toISOString());
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('UTC call-log times, odd shapes', () => {
  it('reads the years 0000-0099 as written, as Date.parse does (not as 1900-1999)', () => {
    expect(parseUtcMillis('0050-03-02T10:00:00Z')).toBe(Date.parse('0050-03-02T10:00:00Z'));
    expect(new Date(parseUtcMillis('0099-12-31T23:59:59.5')).toISOString()).toBe(
      '0099-12-31T23:59:59.500Z',
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 86_399_999 }),
        (year, month, day, msOfDay) => {
          const pad = (n: number, w: number) => String(n).padStart(w, '0');
          const time = new Date(msOfDay).toISOString().slice(11);
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${time}`;
          expect(parseUtcMillis(text)).toBe(Date.parse(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads times of different days one after another, whatever was read before', () => {
    const days = [
      '2026-03-01',
      '2126-02-01',
      '2026-03-01',
      '2025-12-31',
      '2026-01-01',
      '1999-02-28',
    ];
    for (const day of days) {
      expect(parseUtcMillis(`${day}T23:59:59.999Z`)).toBe(Date.parse(`${day}T23:59:59.999Z`));
      expect(parseUtcMillis(`${day}T00:00:00Z`)).toBe(Date.parse(`${day}T00:00:00Z`));
    }
  });

  it('reads a 7-digit fraction down to the millisecond and a leap second as the next minute', () => {
    expect(parseUtcMillis('2026-03-01T09:15:02.9999999Z')).toBe(
      Date.UTC(2026, 2, 1, 9, 15, 2, 999),
    );
    expect(parseUtcMillis('2026-03-01T09:15:02.001Z')).toBe(Date.UTC(2026, 2, 1, 9, 15, 2, 1));
    expect(parseUtcMillis('2026-03-01T09:15:60Z')).toBe(Date.UTC(2026, 2, 1, 9, 16, 0));
    expect(parseUtcMillis('2026-03-01T09:15:02z')).toBe(Date.UTC(2026, 2, 1, 9, 15, 2));
    expect(parseUtcMillis('2026-03-01T09:15:02+0530')).toBe(Date.UTC(2026, 2, 1, 3, 45, 2));
  });

  it.each([
    ['2026-03-01T09:15:60Z', Date.UTC(2026, 2, 1, 9, 16, 0)],
    ['2026-03-01T09:15:60', Date.UTC(2026, 2, 1, 9, 16, 0)],
    ['2026-03-01 09:15:60', Date.UTC(2026, 2, 1, 9, 16, 0)],
    ['2026-03-01T09:15:60.25Z', Date.UTC(2026, 2, 1, 9, 16, 0, 250)],
    ['2026-03-01T09:15:60.5', Date.UTC(2026, 2, 1, 9, 16, 0, 500)],
    ['2026-03-01T23:59:60z', Date.UTC(2026, 2, 2)],
  ])(
    'reads the leap second %s as the first of the next minute, in every shape the log writes',
    (text, ms) => {
      expect(parseUtcMillis(text)).toBe(ms);
    },
  );

  it('reads 24:00:00 as the next midnight, and nothing past it', () => {
    for (const text of ['2026-03-01T24:00:00Z', '2026-03-01 24:00:00', '2026-03-01T24:00:00.000Z'])
      expect(parseUtcMillis(text)).toBe(Date.UTC(2026, 2, 2));
    for (const text of [
      '2026-03-01T24:00:00.001Z',
      '2026-03-01T24:00:01Z',
      '2026-03-01T24:01:00Z',
      '2026-03-01T25:00:00Z',
    ])
      expect(parseUtcMillis(text)).toBeNaN();
  });

  it.each([
    '2026-00-01T00:00:00Z',
    '2026-03-00T00:00:00Z',
    '2026-03-32T00:00:00Z',
    '2026-03-01T09:60:00Z',
    '2026-03-01T09:15:61Z',
    '2026-03-01T09:15:02.12a4Z',
    '2026-03-01X09:15:02Z',
    '2026/03/01T09:15:02Z',
    '2026-03-01T09-15-02Z',
    '2026-03-01T09:15-02Z',
    '2026/03-01T09:15:02Z', // one separator out of place, each in turn
    '2026-03/01T09:15:02Z',
    '2026-03-01T09.15:02Z',
    '2026-03-01T09:15.02Z',
    '2026-03-01T 9:15:02Z', // a space for a digit
    '2026-03-01T09:15:02,5Z', // a decimal comma
    '2026-03-01T09:15:02.5xZ',
    '2x26-03-01T09:15:02Z',
    '2o26-03-01T09:15:02Z',
    '2026-03-0',
    '2026-3-1',
  ])('gives NaN for %p', (text) => {
    expect(parseUtcMillis(text)).toBeNaN();
  });

  it('gives NaN for a non-digit in any digit place, even next to the time just read', () => {
    // `/` and `:` are the characters either side of the digits: read as digits they would
    // make a day or a time that exists (`1/` as 09, `0:` as 10) and the day read just before.
    const valid = '2026-03-09T19:15:29.123Z';
    const digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
    for (const i of digits)
      for (const bad of ['/', ':']) {
        expect(parseUtcMillis(valid)).toBe(Date.UTC(2026, 2, 9, 19, 15, 29, 123));
        const text = valid.slice(0, i) + bad + valid.slice(i + 1);
        expect([text, parseUtcMillis(text)]).toEqual([text, NaN]);
      }
  });

  it('gives NaN for what is not text', () => {
    expect(parseUtcMillis(null)).toBeNaN();
    expect(parseUtcMillis(undefined)).toBeNaN();
    expect(parseUtcMillis(20260301 as unknown as string)).toBeNaN();
  });

  it('formats instants before 1970, minus zero and the edges of a minute like Date', () => {
    for (const ms of [
      -1,
      -60_000,
      -60_001,
      -0,
      0,
      59_999,
      60_000,
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      8.64e15,
      -8.64e15,
    ])
      expect(toIsoUtc(ms)).toBe(new Date(ms).toISOString());
    // Twice each: a refused instant must not leave anything behind for the next call.
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 8.64e15 + 1])
      expect(() => toIsoUtc(bad)).toThrow(RangeError);
  });

  it('takes a Date, epoch milliseconds or ISO text', () => {
    const ms = Date.UTC(2026, 2, 1, 9, 15, 2);
    expect(toMillis(new Date(ms))).toBe(ms);
    expect(toMillis(ms)).toBe(ms);
    expect(toMillis('2026-03-01T09:15:02Z')).toBe(ms);
  });
});

describe('UTC call-log times, the fraction of a second', () => {
  // Digit after digit, as the engine has always read it: 100, 10, 1, 0.1… milliseconds, the
  // sum floored. A faster reading must give the very same instants.
  const stepwise = (fraction: string): number => {
    let ms = 0;
    let scale = 100;
    for (const c of fraction) {
      ms += Number(c) * scale;
      scale /= 10;
    }
    return Math.floor(ms + 1e-6);
  };

  it('reads fractions of 1 to 7 digits and more, with Z, z or no zone, to the reading digit by digit', () => {
    const at = Date.UTC(2026, 1, 28, 23, 59, 59);
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{1,9}$/),
        fc.constantFrom('Z', 'z', ''),
        fc.constantFrom('T', ' '),
        (fraction, zone, sep) => {
          const text = `2026-02-28${sep}23:59:59.${fraction}${zone}`;
          expect([text, parseUtcMillis(text)]).toEqual([text, at + stepwise(fraction)]);
        },
      ),
      { numRuns: 3000 },
    );
    expect(parseUtcMillis(`2026-03-01T09:15:02.${'0'.repeat(400)}9Z`)).toBe(
      Date.UTC(2026, 2, 1, 9, 15, 2),
    );
  });

  it('reads an offset after a fraction, and refuses garbage after one, as Date.parse does', () => {
    expect(parseUtcMillis('2026-03-01T09:15:02.1234567+10:30')).toBe(
      Date.UTC(2026, 2, 0, 22, 45, 2, 123),
    );
    expect(parseUtcMillis('2026-03-01T09:15:02.5-05:00')).toBe(
      Date.UTC(2026, 2, 1, 14, 15, 2, 500),
    );
    expect(parseUtcMillis('2026-03-01T09:15:02-05:00')).toBe(Date.UTC(2026, 2, 1, 14, 15, 2));
    for (const text of [
      '2026-03-01T09:15:02.5+',
      '2026-03-01T09:15:02.5 Z',
      '2026-03-01T09:15:02 ',
    ])
      expect([text, parseUtcMillis(text)]).toEqual([text, NaN]);
  });

  it('reads a fraction of one to three digits as whole milliseconds, and a longer one in full', () => {
    // The short fraction is read without the sum's divisions; its places stop at the `Z` or the
    // end, and a fourth place and past are the sum's (a digit there, or a non-digit, counts).
    const at = Date.UTC(2026, 2, 1, 9, 15, 2);
    for (const [fraction, ms] of [
      ['5', 500],
      ['05', 50],
      ['005', 5],
      ['999', 999],
      ['9999', 999],
    ] as const)
      for (const zone of ['Z', 'z', ''])
        expect(parseUtcMillis(`2026-03-01T09:15:02.${fraction}${zone}`)).toBe(at + ms);
    for (const text of [
      '2026-03-01T09:15:02.123xZ',
      '2026-03-01T09:15:02.123x',
      '2026-03-01T09:15:02.1234x',
      '2026-03-01T09:15:02.x',
      '2026-03-01T09:15:02.12 ',
    ])
      expect([text, parseUtcMillis(text)]).toEqual([text, NaN]);
    // `24:00:00` is the next midnight only with no fraction at all: not with one of four or
    // more digits that floors to 0 ms.
    expect(parseUtcMillis('2026-03-01T24:00:00.0000Z')).toBe(Date.UTC(2026, 2, 2));
    expect(parseUtcMillis('2026-03-01T24:00:00.0001Z')).toBeNaN();
    expect(parseUtcMillis('2026-03-01T24:00:00.0000001')).toBeNaN();
  });

  it('reads a UTC offset after the seconds wherever it starts, and nothing else there', () => {
    // The tail is searched for an offset only when it is no fraction: every place it can start.
    for (const [tail, ms] of [
      ['+10:30', Date.UTC(2026, 2, 0, 22, 45, 2)],
      ['.5+10:30', Date.UTC(2026, 2, 0, 22, 45, 2, 500)],
      ['.12-05:00', Date.UTC(2026, 2, 1, 14, 15, 2, 120)],
      ['.123-05:00', Date.UTC(2026, 2, 1, 14, 15, 2, 123)],
      ['.1234+00:00', Date.UTC(2026, 2, 1, 9, 15, 2, 123)],
      ['-0500', Date.UTC(2026, 2, 1, 14, 15, 2)],
    ] as const)
      expect([tail, parseUtcMillis(`2026-03-01T09:15:02${tail}`)]).toEqual([tail, ms]);
    // Anything else after the seconds is no time, even where `Date.parse` would read one.
    expect(Date.parse('2026-03-01 09:15:02 Z')).toBe(Date.UTC(2026, 2, 1, 9, 15, 2));
    expect(parseUtcMillis('2026-03-01 09:15:02 Z')).toBeNaN();
  });

  it('reads a leap day and rolls an odd day over as Date.UTC does', () => {
    expect(parseUtcMillis('2028-02-29T12:00:00.000Z')).toBe(Date.UTC(2028, 1, 29, 12));
    expect(parseUtcMillis('2026-02-29T12:00:00.000Z')).toBe(Date.UTC(2026, 2, 1, 12));
    expect(parseUtcMillis('2026-04-31T00:00:00Z')).toBe(Date.UTC(2026, 4, 1));
  });
});
