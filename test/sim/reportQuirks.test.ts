import { startSimulator, type Simulator, type SimulatorOptions } from '../../sim';
import { accessToken, callLogPath, xapiGet } from './simHttp';

/**
 * Report pages as some PBXs serve them (docs/3cx-facts.md §1.3): a page cap of 100 rows
 * whatever `$top` asks [3p cloudon], and `$select` ignored [inf]. Clients must cope with both.
 */
const DAY = { periodFrom: '2026-03-02T00:00:00Z', periodTo: '2026-03-03T00:00:00Z' };

let sim: Simulator;
afterEach(() => sim.close());

async function withCalls(options: SimulatorOptions) {
  sim = await startSimulator(options);
  sim.pbx.startTraffic({ callsPerMinute: 20, seed: 3 });
  sim.clock.advance(3600);
  return accessToken(sim.url);
}

describe('report page quirks', () => {
  it('a capped PBX sends at most maxPageRows rows a page, and the true @odata.count', async () => {
    const token = await withCalls({ reportQuirks: { maxPageRows: 100 } });
    const res = await xapiGet(sim.url, callLogPath(DAY, '$top=500&$skip=0&$count=true'), token);
    expect(res.status).toBe(200);
    expect(res.json.value).toHaveLength(100);
    expect(res.json['@odata.count']).toBeGreaterThan(300);
    const next = await xapiGet(sim.url, callLogPath(DAY, '$top=500&$skip=100'), token);
    expect(next.json.value[0]).toEqual(
      (await xapiGet(sim.url, callLogPath(DAY, '$top=1&$skip=100'), token)).json.value[0],
    );
  });

  it('a PBX that ignores $select sends whole rows; a plain one only the fields named', async () => {
    const select = '$top=5&$select=CdrId,StartTime';
    const token = await withCalls({ reportQuirks: { ignoresSelect: true } });
    const whole = await xapiGet(sim.url, callLogPath(DAY, select), token);
    expect(Object.keys(whole.json.value[0])).toEqual(
      expect.arrayContaining(['CdrId', 'StartTime', 'SourceDn', 'DestinationDn']),
    );
    await sim.close();
    const plainToken = await withCalls({});
    const picked = await xapiGet(sim.url, callLogPath(DAY, select), plainToken);
    expect(Object.keys(picked.json.value[0]).sort()).toEqual(['CdrId', 'StartTime']);
  });
});
