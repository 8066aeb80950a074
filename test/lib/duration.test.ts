import fc from 'fast-check';
import { formatIsoDuration, parseDurationSeconds } from '../../lib/duration';

describe('parseDurationSeconds', () => {
  it.each([
    ['PT0S', 0],
    ['PT1M12.577027S', 72.577027],
    ['PT2H3M4S', 7384],
    ['P1DT1S', 86401],
    ['00:01:12', 72],
    ['1:02:03', 3723],
    ['1.02:03:04', 93784],
    ['00:00:07.5', 7.5],
    // Whitespace around a duration is trimmed, at either end.
    [' PT5S', 5],
    ['PT5S ', 5],
    ['\tPT1M2S\n', 62],
    [' P1D', 86400],
  ])('reads %p as %d seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBeCloseTo(seconds, 6);
  });

  it.each([null, undefined, '', 'P', 'PT', 'soon', '12', '1:2', 'PT1X'])(
    'gives null for %p',
    (text) => {
      expect(parseDurationSeconds(text as string | null | undefined)).toBeNull();
    },
  );

  it('writes durations the way 3CX does and reads them back', () => {
    for (const s of [0, 1, 59.5, 72.577027, 3600, 3723]) {
      expect(parseDurationSeconds(formatIsoDuration(s))).toBeCloseTo(s, 6);
    }
    expect(formatIsoDuration(72.577027)).toBe('PT1M12.577027S');
    expect(formatIsoDuration(0)).toBe('PT0S');
  });
});

describe('parseDurationSeconds against a reference reading', () => {
  const reference = (text: string): number | null => {
    const m =
      /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
        text,
      );
    if (!m || text === 'P' || text.endsWith('T')) return null;
    const n = (p?: string) => (p === undefined ? 0 : Number(p));
    return n(m[1]) * 86400 + n(m[2]) * 3600 + n(m[3]) * 60 + n(m[4]);
  };
  it('agrees with the ISO 8601 grammar on generated durations', () => {
    const part = fc.option(
      fc.oneof(
        fc.nat(200).map(String),
        fc.tuple(fc.nat(99), fc.nat(999999)).map(([a, b]) => `${a}.${b}`),
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(part, fc.boolean(), part, part, part, (d, t, h, m, s) => {
        const text = `P${d !== undefined ? `${d}D` : ''}${t ? 'T' : ''}${t && h !== undefined ? `${h}H` : ''}${t && m !== undefined ? `${m}M` : ''}${t && s !== undefined ? `${s}S` : ''}`;
        const expected = reference(text);
        const actual = parseDurationSeconds(text);
        if (expected === null) expect(actual).toBeNull();
        else expect(actual).toBeCloseTo(expected, 6);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseDurationSeconds on the odd shapes a row can hold', () => {
  it.each([
    [' PT3S ', 3],
    ['PT1.5M', 90],
    ['P0.5D', 43200],
    ['PT1H0.5S', 3600.5],
    ['P2D', 172800],
    ['PT.5S', 0.5],
    ['1:02:03:04', 93784],
    ['100:00:00', 360000],
  ])('reads %p as %d seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBeCloseTo(seconds, 6);
  });

  it.each([
    'PT1S1M', // units out of order
    'PT1M1M', // a unit twice
    'P1D1D',
    'P1H', // a time unit before T
    'PT1D', // a date unit after T
    'P1DT', // T with nothing after it
    'PTT1S',
    'PT5', // a number without its unit
    'PTS', // a unit without its number
    'P1DT1HX',
    '1:2:3:4:5',
    '12:345:00',
    'Q1S',
    'PT1.5 S', // a space inside
    'PT1.5-S',
  ])('gives null for %p', (text) => {
    expect(parseDurationSeconds(text)).toBeNull();
  });

  it('writes hours, minutes and seconds as 3CX does, leaving out the zero parts', () => {
    expect(formatIsoDuration(3600)).toBe('PT1H');
    expect(formatIsoDuration(3660)).toBe('PT1H1M');
    expect(formatIsoDuration(61)).toBe('PT1M1S');
    expect(formatIsoDuration(7384.25)).toBe('PT2H3M4.25S');
    expect(formatIsoDuration(-5)).toBe('PT0S');
    expect(formatIsoDuration(Number.NaN)).toBe('PT0S');
    expect(formatIsoDuration(0.0000001)).toBe('PT0S');
  });
});

describe('parseDurationSeconds, the fraction of a second', () => {
  // The reading the engine has always made, digit after digit: its exact numbers are what the
  // settled calls' times are made of, so a faster reading must give the very same ones.
  const stepwise = (whole: number, fraction: string): number => {
    let value = whole;
    let scale = 0.1;
    for (const c of fraction) {
      value += Number(c) * scale;
      scale /= 10;
    }
    return value;
  };

  it('reads fractions of any length to the very number of reading them digit by digit', () => {
    fc.assert(
      fc.property(fc.nat(59), fc.stringMatching(/^\d{1,12}$/), fc.nat(59), (m, fraction, s) => {
        expect(parseDurationSeconds(`PT${s}.${fraction}S`)).toBe(stepwise(s, fraction));
        expect(parseDurationSeconds(`PT${m}M${s}.${fraction}S`)).toBe(
          0 + m * 60 + stepwise(s, fraction),
        );
      }),
      { numRuns: 3000 },
    );
    expect(parseDurationSeconds('PT1M12.577027S')).toBe(60 + stepwise(12, '577027'));
  });

  it('reads a fraction longer than a double holds: its far digits weigh nothing', () => {
    const far = `${'0'.repeat(400)}9`;
    expect(parseDurationSeconds(`PT1.${far}S`)).toBe(1);
    expect(parseDurationSeconds(`PT1.5${far}S`)).toBe(1.5);
    expect(parseDurationSeconds(`PT0.${'3'.repeat(400)}S`)).toBe(stepwise(0, '3'.repeat(400)));
  });
});
