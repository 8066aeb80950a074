import { startSimulator, type Simulator } from '../../sim';
import {
  ALL_THREE_TRIGGERS,
  locationEvents,
  maxPageRows,
  subscribedBefore,
} from '../../bench/locationsKnobs';
import { simulatorOptions } from '../../bench/simHost';
import { accessToken, callLogPath, xapiGet } from '../sim/simHttp';

/**
 * The `locations` bench's knobs: the triggers a location subscribes (a location with all three
 * is common) and the 100-row report page some PBXs serve (docs/3cx-facts.md §1.3).
 */
describe('BENCH_LOCATIONS_EVENTS', () => {
  it('is the three triggers of a call unless set', () => {
    expect(locationEvents({})).toEqual([...ALL_THREE_TRIGGERS]);
    expect(locationEvents({ BENCH_LOCATIONS_EVENTS: ' ' })).toEqual([...ALL_THREE_TRIGGERS]);
  });

  it('`all` (or 3) is the three triggers of a call', () => {
    expect(locationEvents({ BENCH_LOCATIONS_EVENTS: 'all' })).toEqual([
      'call.missed',
      'call.started',
      'call.ended',
    ]);
    expect(locationEvents({ BENCH_LOCATIONS_EVENTS: '3' })).toEqual([...ALL_THREE_TRIGGERS]);
  });

  it('a list names them, each once (`call.missed` alone: the bench before 2026-12-03)', () => {
    expect(locationEvents({ BENCH_LOCATIONS_EVENTS: 'call.missed' })).toEqual(['call.missed']);
    expect(
      locationEvents({ BENCH_LOCATIONS_EVENTS: 'call.ended, call.missed,call.ended' }),
    ).toEqual(['call.ended', 'call.missed']);
  });

  it('refuses a name that is not a trigger rather than subscribe to nothing', () => {
    expect(() => locationEvents({ BENCH_LOCATIONS_EVENTS: 'call.mised' })).toThrow(/call\.mised/);
    expect(() => locationEvents({ BENCH_LOCATIONS_EVENTS: ',' })).toThrow(/BENCH_LOCATIONS_EVENTS/);
  });
});

describe('BENCH_LOCATIONS_SUBSCRIBED_BEFORE', () => {
  it('makes the subscriptions before the traffic (a restart) unless set to 0 (new locations)', () => {
    expect(subscribedBefore({})).toBe(true);
    expect(subscribedBefore({ BENCH_LOCATIONS_SUBSCRIBED_BEFORE: '1' })).toBe(true);
    expect(subscribedBefore({ BENCH_LOCATIONS_SUBSCRIBED_BEFORE: '0' })).toBe(false);
  });

  it('refuses anything else rather than guess', () => {
    expect(() => subscribedBefore({ BENCH_LOCATIONS_SUBSCRIBED_BEFORE: 'yes' })).toThrow(/yes/);
  });
});

describe('BENCH_LOCATIONS_MAX_PAGE_ROWS', () => {
  it('is no cap unless set to a positive whole number', () => {
    expect(maxPageRows({})).toBeUndefined();
    expect(maxPageRows({ BENCH_LOCATIONS_MAX_PAGE_ROWS: '0' })).toBeUndefined();
    expect(maxPageRows({ BENCH_LOCATIONS_MAX_PAGE_ROWS: '100' })).toBe(100);
  });

  it('refuses what is not a number of rows rather than run uncapped', () => {
    expect(() => maxPageRows({ BENCH_LOCATIONS_MAX_PAGE_ROWS: 'yes' })).toThrow(/yes/);
    expect(() => maxPageRows({ BENCH_LOCATIONS_MAX_PAGE_ROWS: '-100' })).toThrow(/-100/);
    expect(() => maxPageRows({ BENCH_LOCATIONS_MAX_PAGE_ROWS: '99.5' })).toThrow(/99\.5/);
  });

  describe('reaches the simulated PBX (bench/simHost.ts)', () => {
    const DAY = { periodFrom: '2026-03-02T00:00:00Z', periodTo: '2026-03-03T00:00:00Z' };
    let sim: Simulator | null = null;
    afterEach(async () => {
      await sim?.close();
      sim = null;
    });

    async function rowsOfOnePage(env: NodeJS.ProcessEnv): Promise<number> {
      sim = await startSimulator(
        simulatorOptions({
          seed: 1,
          maxPageRows: maxPageRows(env),
          clock: { mode: 'manual', at: Date.UTC(2026, 2, 2, 9) },
        }),
      );
      sim.pbx.startTraffic({ callsPerMinute: 20, seed: 3 });
      sim.clock.advance(3600);
      const token = await accessToken(sim.url);
      const page = await xapiGet(sim.url, callLogPath(DAY, '$top=500&$count=true'), token);
      expect(page.json['@odata.count']).toBeGreaterThan(100);
      return (page.json.value as unknown[]).length;
    }

    it('capped: 100 rows a page whatever $top asks', async () => {
      expect(await rowsOfOnePage({ BENCH_LOCATIONS_MAX_PAGE_ROWS: '100' })).toBe(100);
    });

    it('uncapped by default: the page $top asks for', async () => {
      expect(await rowsOfOnePage({})).toBeGreaterThan(100);
    });
  });
});
