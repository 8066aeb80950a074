import fc from 'fast-check';
import {
  DEFAULT_DIALLER_COOLDOWN_MS,
  diallerCooldown,
  foldReach,
  type TimedMiss,
} from '../../lib/enrichment/diallerCooldown';

const MIN = 60_000;
const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const JANE = '+61412345678';

/** A miss from `startMin` to `endMin` minutes after T0. */
function call(
  call_id: string,
  number_key: string | null,
  startMin: number,
  endMin: number | null,
): TimedMiss {
  return {
    call_id,
    number_key,
    started_at: new Date(T0 + startMin * MIN).toISOString(),
    ended_at: endMin === null ? null : new Date(T0 + endMin * MIN).toISOString(),
  };
}

describe('diallerCooldown', () => {
  const first = call('first', JANE, 0, 1); // rang from 00:00 to 00:01

  it('defaults to 10 minutes', () => {
    expect(DEFAULT_DIALLER_COOLDOWN_MS).toBe(10 * MIN);
  });

  it('fires a first miss', () => {
    expect(diallerCooldown(call('new', JANE, 0, 1), [])).toEqual({ suppressed: false });
  });

  it('folds a redial two minutes after the last emitted miss ended into that miss', () => {
    expect(diallerCooldown(call('redial', JANE, 3, 4), [first])).toEqual({
      suppressed: true,
      foldInto: 'first',
    });
  });

  it('measures from the end of the emitted miss: exactly the cooldown folds, a millisecond more fires', () => {
    const exactly: TimedMiss = { ...call('r', JANE, 0, 0), started_at: T0 + MIN + 10 * MIN };
    expect(diallerCooldown(exactly, [first])).toEqual({ suppressed: true, foldInto: 'first' });
    const later: TimedMiss = {
      ...call('r', JANE, 0, 0),
      started_at: T0 + MIN + 10 * MIN + 1,
      ended_at: null,
    };
    expect(diallerCooldown(later, [first])).toEqual({ suppressed: false });
  });

  it('measures from the start when the emitted miss has no end', () => {
    const noEnd = call('first', JANE, 0, null);
    expect(diallerCooldown(call('r', JANE, 10, 11), [noEnd]).suppressed).toBe(true);
    expect(
      diallerCooldown({ ...call('r', JANE, 10, 11), started_at: T0 + 10 * MIN + 1 }, [noEnd])
        .suppressed,
    ).toBe(false);
  });

  it('uses the configured cooldown, and 0 turns folding off', () => {
    expect(
      diallerCooldown(call('r', JANE, 4, 5), [first], { cooldownMs: 2 * MIN }).suppressed,
    ).toBe(false);
    expect(
      diallerCooldown(call('r', JANE, 3, 4), [first], { cooldownMs: 2 * MIN }).suppressed,
    ).toBe(true);
    expect(diallerCooldown(call('r', JANE, 1, 2), [first], { cooldownMs: 0 })).toEqual({
      suppressed: false,
    });
  });

  it('folds a call that overlapped the emitted one, and one that settled out of order', () => {
    expect(diallerCooldown(call('overlap', JANE, 0.5, 3), [first]).suppressed).toBe(true);
    const later = call('later', JANE, 20, 21);
    expect(diallerCooldown(call('earlier', JANE, 12, 15), [later])).toEqual({
      suppressed: true,
      foldInto: 'later',
    });
  });

  it('never folds anonymous callers', () => {
    const anonymous = call('anon-1', null, 0, 1);
    expect(diallerCooldown(call('anon-2', null, 2, 3), [anonymous])).toEqual({ suppressed: false });
    expect(
      diallerCooldown(call('anon-3', 'Anonymous', 2, 3), [
        { ...anonymous, number_key: 'Anonymous' },
      ]),
    ).toEqual({
      suppressed: false,
    });
  });

  it('matches the number however it is written, and ignores other numbers and itself', () => {
    expect(
      diallerCooldown(call('r', '0412 345 678', 3, 4), [first], { country: 'AU' }).suppressed,
    ).toBe(true);
    expect(diallerCooldown(call('r', '+61400000000', 3, 4), [first]).suppressed).toBe(false);
    expect(diallerCooldown(call('first', JANE, 0, 1), [first]).suppressed).toBe(false);
  });

  it('folds into the closest emitted miss, then the most recent', () => {
    const a = call('a', JANE, 0, 1);
    const b = call('b', JANE, 5, 6);
    expect(diallerCooldown(call('r', JANE, 8, 9), [a, b])).toEqual({
      suppressed: true,
      foldInto: 'b',
    });
    expect(diallerCooldown(call('r', JANE, 8, 9), [b, a])).toEqual({
      suppressed: true,
      foldInto: 'b',
    });
  });

  it('only ever folds into an emitted miss of the same number within the cooldown (property)', () => {
    const key = fc.constantFrom(JANE, '+61400000000', null);
    const timed = fc
      .record({
        call_id: fc.string({ minLength: 1, maxLength: 3 }),
        number_key: key,
        start: fc.integer({ min: 0, max: 60 }),
        length: fc.integer({ min: 0, max: 5 }),
      })
      .map((c) => call(c.call_id, c.number_key, c.start, c.start + c.length));
    // Call ids are unique in a store.
    fc.assert(
      fc.property(
        timed,
        fc.uniqueArray(timed, { maxLength: 10, selector: (e) => e.call_id }),
        (miss, emitted) => {
          const decision = diallerCooldown(miss, emitted);
          if (!decision.suppressed) return;
          expect(miss.number_key).not.toBeNull();
          const target = emitted.find((e) => e.call_id === decision.foldInto);
          expect(target).toBeDefined();
          expect(target!.number_key).toBe(miss.number_key);
          expect(target!.call_id).not.toBe(miss.call_id);
        },
      ),
    );
  });

  it('folds only into an emitted miss its reach holds, so a store may hand over only those (property)', () => {
    // foldReach: what a store reads (bridge/store/calls.ts `missHistoryOfEach`). Any emitted
    // miss outside it must change nothing: the decision from the reach's misses alone is the
    // decision from all of them. Times in whole seconds, edges within a few.
    const at = (s: number) => new Date(T0 + s * 1000).toISOString();
    const timed = fc
      .record({
        call_id: fc.string({ minLength: 1, maxLength: 3 }),
        start: fc.integer({ min: -1300, max: 1300 }),
        length: fc.integer({ min: -2, max: 900 }),
        ended: fc.boolean(),
      })
      .map((c) => ({
        call_id: c.call_id,
        number_key: JANE,
        started_at: at(c.start),
        ended_at: c.ended ? at(c.start + c.length) : null,
      }));
    fc.assert(
      fc.property(
        timed,
        fc.uniqueArray(timed, { maxLength: 10, selector: (e) => e.call_id }),
        fc.constantFrom(DEFAULT_DIALLER_COOLDOWN_MS, 60_000, 90_500),
        (miss, emitted, cooldownMs) => {
          const reach = foldReach(miss, { cooldownMs })!;
          const inReach = emitted.filter((e) => {
            const start = Date.parse(e.started_at);
            const end = e.ended_at === null ? start : Math.max(start, Date.parse(e.ended_at));
            return start <= reach.startedByMs && end >= reach.endedFromMs;
          });
          expect(diallerCooldown(miss, inReach, { cooldownMs })).toEqual(
            diallerCooldown(miss, emitted, { cooldownMs }),
          );
        },
      ),
    );
  });

  it('has no reach where it never folds', () => {
    expect(foldReach(call('x', null, 0, 1))).toBeNull();
    expect(foldReach(call('x', JANE, 0, 1), { cooldownMs: 0 })).toBeNull();
    expect(foldReach({ ...call('x', JANE, 0, 1), started_at: 'soon' })).toBeNull();
    expect(foldReach(call('x', JANE, 0, 1))).toEqual({
      startedByMs: T0 + 11 * MIN + 1,
      endedFromMs: T0 - 10 * MIN - 1,
    });
  });
});
