import fc from 'fast-check';
import {
  DEFAULT_REPEAT_WINDOW_MS,
  missHistory,
  repeatMisses,
  repeatWindow,
  type EarlierMiss,
} from '../../lib/enrichment/repeatMisses';

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-09T01:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const JANE = '+61412345678';

const miss = (
  call_id: string,
  number_key: string | null,
  missed_at: number | string,
): EarlierMiss => ({
  call_id,
  number_key,
  missed_at,
});

describe('repeatMisses', () => {
  it('counts a first miss as 1, not a repeat', () => {
    expect(repeatMisses(miss('c2', JANE, NOW), [])).toEqual({
      missed_count_7d: 1,
      is_repeat_miss: false,
      last_missed_at: null,
    });
  });

  it('makes the second miss in a week a repeat and names the previous one', () => {
    const earlier = [miss('c1', JANE, iso(NOW - 2 * DAY))];
    expect(repeatMisses(miss('c2', JANE, NOW), earlier)).toEqual({
      missed_count_7d: 2,
      is_repeat_miss: true,
      last_missed_at: iso(NOW - 2 * DAY),
    });
  });

  it('counts a miss exactly 7 days earlier, and not one a millisecond more', () => {
    expect(DEFAULT_REPEAT_WINDOW_MS).toBe(7 * DAY);
    const exactly = repeatMisses(miss('c2', JANE, NOW), [miss('c1', JANE, NOW - 7 * DAY)]);
    expect(exactly.missed_count_7d).toBe(2);
    expect(exactly.last_missed_at).toBe(iso(NOW - 7 * DAY));
    const justOutside = repeatMisses(miss('c2', JANE, NOW), [miss('c1', JANE, NOW - 7 * DAY - 1)]);
    expect(justOutside).toEqual({
      missed_count_7d: 1,
      is_repeat_miss: false,
      last_missed_at: null,
    });
  });

  it('uses a configurable window with the same inclusive edge', () => {
    const earlier = [miss('a', JANE, NOW - 2 * DAY), miss('b', JANE, NOW - 2 * DAY - 1)];
    expect(repeatMisses(miss('c', JANE, NOW), earlier, { windowMs: 2 * DAY }).missed_count_7d).toBe(
      2,
    );
  });

  it('counts a number written three different ways as one caller', () => {
    const earlier = [
      miss('a', '0412 345 678', NOW - 3 * DAY),
      miss('b', '61412345678', NOW - 2 * DAY),
      miss('c', '+61 412 345 678', NOW - DAY),
    ];
    expect(repeatMisses(miss('d', JANE, NOW), earlier, { country: 'AU' })).toEqual({
      missed_count_7d: 4,
      is_repeat_miss: true,
      last_missed_at: iso(NOW - DAY),
    });
  });

  it('never counts anonymous callers together', () => {
    const earlier = [
      miss('a', null, NOW - DAY),
      miss('b', null, NOW - 60_000),
      miss('c', 'Anonymous', NOW - 1),
    ];
    expect(repeatMisses(miss('d', null, NOW), earlier)).toEqual({
      missed_count_7d: 1,
      is_repeat_miss: false,
      last_missed_at: null,
    });
    expect(repeatMisses(miss('e', 'Anonymous', NOW), earlier).missed_count_7d).toBe(1);
  });

  it('ignores other numbers, later misses, and this same call from the store', () => {
    const earlier = [
      miss('other', '+61400000000', NOW - DAY),
      miss('later', JANE, NOW + 1),
      miss('this', JANE, NOW),
      miss('same-instant', JANE, NOW),
      miss('same-instant', JANE, NOW), // the store returned it twice
    ];
    expect(repeatMisses(miss('this', JANE, NOW), earlier)).toEqual({
      missed_count_7d: 2,
      is_repeat_miss: true,
      last_missed_at: iso(NOW),
    });
  });

  it('accepts ISO times with an offset and epoch milliseconds alike', () => {
    const earlier = [miss('a', JANE, '2026-03-08T11:30:00+10:30')];
    expect(repeatMisses(miss('b', JANE, '2026-03-09T01:00:00Z'), earlier).last_missed_at).toBe(
      '2026-03-08T01:00:00.000Z',
    );
  });

  describe('properties', () => {
    const keys = fc.constantFrom(JANE, '+61400000000', '0412 345 678', null);
    const earlierMiss = fc.record({
      call_id: fc.string({ minLength: 1, maxLength: 4 }),
      number_key: keys,
      missed_at: fc.integer({ min: NOW - 10 * DAY, max: NOW + DAY }),
    });

    it('counts at least 1 for a real number, repeat exactly when 2 or more, never in the future', () => {
      fc.assert(
        fc.property(fc.array(earlierMiss, { maxLength: 20 }), keys, (earlier, key) => {
          const r = repeatMisses(miss('this-call', key, NOW), earlier, { country: 'AU' });
          expect(r.missed_count_7d).toBeGreaterThanOrEqual(1);
          expect(r.is_repeat_miss).toBe(r.missed_count_7d >= 2);
          expect(r.last_missed_at === null).toBe(r.missed_count_7d === 1);
          if (r.last_missed_at !== null) {
            const last = Date.parse(r.last_missed_at);
            expect(last).toBeLessThanOrEqual(NOW);
            expect(NOW - last).toBeLessThanOrEqual(7 * DAY);
          }
          if (key === null) expect(r.missed_count_7d).toBe(1);
        }),
      );
    });

    it('does not depend on the order the store returns misses in', () => {
      fc.assert(
        fc.property(fc.array(earlierMiss, { maxLength: 20 }), (earlier) => {
          const reversed = [...earlier].reverse();
          expect(repeatMisses(miss('x', JANE, NOW), reversed, { country: 'AU' })).toEqual(
            repeatMisses(miss('x', JANE, NOW), earlier, { country: 'AU' }),
          );
        }),
      );
    });
  });
});

describe('missHistory (a call that is not itself a miss)', () => {
  it('reports the earlier misses of the number but never a repeat miss', () => {
    const earlier = [miss('a', JANE, NOW - 3 * DAY), miss('b', JANE, NOW - DAY)];
    expect(missHistory(miss('answered', JANE, NOW), earlier)).toEqual({
      missed_count_7d: 2,
      is_repeat_miss: false,
      last_missed_at: iso(NOW - DAY),
    });
    expect(missHistory(miss('answered', JANE, NOW), [])).toEqual({
      missed_count_7d: 0,
      is_repeat_miss: false,
      last_missed_at: null,
    });
  });
});

describe('misses a store counted', () => {
  it('takes the count and the last miss as the store found them in the window', () => {
    const counted = { count: 2, lastMissedAt: iso(NOW - DAY) };
    expect(repeatMisses(miss('x', JANE, NOW), counted)).toEqual({
      missed_count_7d: 3,
      is_repeat_miss: true,
      last_missed_at: iso(NOW - DAY),
    });
    expect(missHistory(miss('x', JANE, NOW), { count: 0, lastMissedAt: null })).toEqual({
      missed_count_7d: 0,
      is_repeat_miss: false,
      last_missed_at: null,
    });
    // Nobody in particular has no history, whatever a store counted.
    expect(repeatMisses(miss('x', null, NOW), counted).missed_count_7d).toBe(1);
  });

  it('counts in the window the store is asked for, to the millisecond, fractional days too (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -9 * DAY, max: DAY }), { maxLength: 12 }),
        fc.constantFrom(7, 1.5, 0.1, 1 / 3),
        (offsets, days) => {
          const windowMs = days * DAY;
          const earlier = offsets.map((o, i) => miss(`m${i}`, JANE, NOW + o));
          const { fromMs, toMs } = repeatWindow(NOW, windowMs);
          const inWindow = offsets.map((o) => NOW + o).filter((ms) => ms >= fromMs && ms <= toMs);
          const counted = {
            count: inWindow.length,
            lastMissedAt: inWindow.length === 0 ? null : iso(Math.max(...inWindow)),
          };
          expect(repeatMisses(miss('x', JANE, NOW), counted, { windowMs })).toEqual(
            repeatMisses(miss('x', JANE, NOW), earlier, { windowMs }),
          );
        },
      ),
    );
    // The edges: exactly the window back counts, a millisecond more does not.
    expect(repeatWindow(NOW, 1.5 * DAY)).toEqual({ fromMs: NOW - 1.5 * DAY, toMs: NOW });
    expect(repeatWindow(NOW, DAY + 0.5)).toEqual({ fromMs: NOW - DAY, toMs: NOW });
  });
});
