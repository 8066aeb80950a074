import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callFactsOf } from '../../lib/settledCall';
import { settleCalls, type SettleOptions } from '../../lib/settleCalls';
import type { CallLeg } from '../../lib/threecx/callLeg';

/**
 * The scenario corpus: realistic call flows in the exact XAPI row shape, each with the
 * classification a person looking at the phones would give it. Every settled call pins the
 * fields a follow-up workflow depends on (`PINNED`), worked out from the legs by hand; beyond
 * those, expected values list the fields each scenario is about (26: a leg read twice).
 */
interface Scenario {
  description: string;
  now: string;
  activeCallIds: number[];
  options: Omit<SettleOptions, 'now' | 'activeCallIds'>;
  legs: CallLeg[];
  expected: { settled: Record<string, unknown>[]; pending: string[] };
}

/** What every settled expectation states: how the call went, when, and whom to call back. */
const PINNED = [
  'direction',
  'outcome',
  'voicemail',
  'voicemail_left',
  'started_at',
  'ended_at',
  'ring_seconds',
  'talk_seconds',
  'caller_number',
  'caller_anonymous',
] as const;

const dir = join(__dirname, '..', 'fixtures', 'calls');
const scenarios = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => [file, JSON.parse(readFileSync(join(dir, file), 'utf8')) as Scenario] as const);

describe('settleCalls on the scenario corpus', () => {
  it('has at least 20 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(20);
  });

  it('pins direction, outcome, voicemail, timing and caller on every settled call', () => {
    const unpinned = scenarios.flatMap(([file, scenario]) =>
      scenario.expected.settled.flatMap((expected, i) =>
        PINNED.filter((field) => !(field in expected)).map((field) => `${file} #${i}: ${field}`),
      ),
    );
    expect(unpinned).toEqual([]);
  });

  it.each(scenarios)('%s', (_file, scenario) => {
    const result = settleCalls(scenario.legs, {
      ...scenario.options,
      now: scenario.now,
      activeCallIds: scenario.activeCallIds,
    });
    expect(result.pending).toEqual(scenario.expected.pending);
    expect(result.settled).toHaveLength(scenario.expected.settled.length);
    // The expectations are the calls as events and rows carry them: times as ISO text.
    scenario.expected.settled.forEach((expected, i) => {
      expect(callFactsOf(result.settled[i])).toMatchObject(expected);
    });
  });
});
