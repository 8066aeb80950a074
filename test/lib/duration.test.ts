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
  ])('reads %s as %d seconds', (text, seconds) => {
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
