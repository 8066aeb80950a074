import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settleCalls } from '../../lib/settleCalls';
import { callKeyOf, type CallLeg } from '../../lib/threecx/callLeg';
import { syntheticLegs } from '../../bench/syntheticLegs';

/** Properties that must hold for any input, not just the corpus. */
const corpusLegs: CallLeg[] = readdirSync(join(__dirname, '..', 'fixtures', 'calls'))
  .filter((f) => f.endsWith('.json'))
  .flatMap(
    (f) =>
      JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'calls', f), 'utf8'))
        .legs as CallLeg[],
  );

const pool: CallLeg[] = [...corpusLegs, ...syntheticLegs({ calls: 60, seed: 7, legacyShare: 0.2 })];
const NOW_RANGE = { min: Date.UTC(2026, 2, 2, 0, 0), max: Date.UTC(2026, 2, 2, 12, 0) };

const legSubset = fc.subarray(pool, { minLength: 1 });
/** 200 random runs a property; `npm run mutate` asks for fewer (test/support/strykerFastCheck.js). */
const RUNS = { numRuns: Number(process.env.FAST_CHECK_RUNS ?? 200) };
const clock = fc.integer(NOW_RANGE);

describe('settleCalls properties', () => {
  it('shuffling the legs never changes the result', () => {
    fc.assert(
      fc.property(legSubset, clock, fc.integer(), (legs, now, seed) => {
        const shuffled = shuffle(legs, seed);
        expect(settleCalls(shuffled, { now, country: 'AU' })).toEqual(
          settleCalls(legs, { now, country: 'AU' }),
        );
      }),
      RUNS,
    );
  });

  it('reads a leg re-sent with other values the same whatever the order (same CdrId)', () => {
    // A row read twice (overlapping windows, paging that shifted) can differ when 3CX updated
    // it in between: a leg still ringing at the first read, answered at the second.
    const withCdr = pool.filter((l) => typeof l.CdrId === 'string' && l.CdrId !== '');
    fc.assert(
      fc.property(
        fc.subarray(withCdr, { minLength: 1 }),
        clock,
        fc.integer(),
        fc.boolean(),
        (legs, now, seed, answered) => {
          const resent = legs.map((l) => ({
            ...l,
            TalkingDuration: 'PT42S',
            Answered: answered,
          }));
          const all = [...legs, ...resent];
          expect(settleCalls(shuffle(all, seed), { now, country: 'AU' })).toEqual(
            settleCalls(all, { now, country: 'AU' }),
          );
        },
      ),
      RUNS,
    );
  });

  it('gives exactly one settled call per call id, and never also pending', () => {
    fc.assert(
      fc.property(legSubset, clock, (legs, now) => {
        const { settled, pending } = settleCalls(legs, { now, country: 'AU' });
        const ids = settled.map((c) => c.call_id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of pending) expect(ids).not.toContain(id);
        const keys = new Set(legs.map(callKeyOf));
        expect(new Set([...ids, ...pending])).toEqual(keys);
      }),
      RUNS,
    );
  });

  it('never settles a call the PBX still reports as active', () => {
    fc.assert(
      fc.property(legSubset, clock, fc.boolean(), (legs, now, byCallId) => {
        const keys = [...new Set(legs.map(callKeyOf))];
        const activeLegs = legs.filter((_, i) => i % 2 === 0);
        const active = activeLegs.map((l) => (byCallId ? String(l.CallId) : callKeyOf(l)));
        const activeKeys = new Set(activeLegs.map(callKeyOf));
        const { settled, pending } = settleCalls(legs, { now, activeCallIds: active });
        for (const call of settled) expect(activeKeys.has(call.call_id)).toBe(false);
        for (const key of activeKeys) expect(pending).toContain(key);
        expect(keys.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });
});

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
