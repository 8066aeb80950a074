import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settleCalls, type SettleOptions } from '../../lib/settleCalls';
import type { CallLeg } from '../../lib/threecx/callLeg';

/**
 * The scenario corpus: realistic call flows in the exact XAPI row shape, each with the
 * classification a person looking at the phones would give it. Expected values list only
 * the fields each scenario is about.
 */
interface Scenario {
  description: string;
  now: string;
  activeCallIds: number[];
  options: Omit<SettleOptions, 'now' | 'activeCallIds'>;
  legs: CallLeg[];
  expected: { settled: Record<string, unknown>[]; pending: string[] };
}

const dir = join(__dirname, '..', 'fixtures', 'calls');
const scenarios = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => [file, JSON.parse(readFileSync(join(dir, file), 'utf8')) as Scenario] as const);

describe('settleCalls on the scenario corpus', () => {
  it('has at least 20 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(20);
  });

  it.each(scenarios)('%s', (_file, scenario) => {
    const result = settleCalls(scenario.legs, {
      ...scenario.options,
      now: scenario.now,
      activeCallIds: scenario.activeCallIds,
    });
    expect(result.pending).toEqual(scenario.expected.pending);
    expect(result.settled).toHaveLength(scenario.expected.settled.length);
    scenario.expected.settled.forEach((expected, i) => {
      expect(result.settled[i]).toMatchObject(expected);
    });
  });
});
