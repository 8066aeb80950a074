import fc from 'fast-check';
import { parseUtcMillis, toIsoUtc } from '../../lib/utcTime';

describe('UTC call-log times', () => {
  it.each([
    ['2026-03-01T09:15:02Z', Date.UTC(2026, 2, 1, 9, 15, 2)],
    ['2026-03-01T09:15:02.1234567Z', Date.UTC(2026, 2, 1, 9, 15, 2, 123)],
    ['2026-03-01T09:15:02.5Z', Date.UTC(2026, 2, 1, 9, 15, 2, 500)],
    ['2026-03-01T09:15:02', Date.UTC(2026, 2, 1, 9, 15, 2)],
    ['2026-03-01 09:15:02', Date.UTC(2026, 2, 1, 9, 15, 2)],
    ['2026-03-01T09:15:02+10:30', Date.UTC(2026, 2, 0, 22, 45, 2)],
    ['2026-03-01T09:15:02.250-05:00', Date.UTC(2026, 2, 1, 14, 15, 2, 250)],
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
