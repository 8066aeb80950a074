import { startSimulator, type SimCall, type Simulator } from '../../sim';
import { accessToken, callLogPath, simPost, xapiGet } from './simHttp';

const DAY = { periodFrom: '2026-03-02T00:00:00Z', periodTo: '2026-03-03T00:00:00Z' };

/** Everything about a call except nothing: the full ground truth, for equality across runs. */
const fingerprint = (calls: SimCall[]) => JSON.stringify(calls);

describe('background traffic', () => {
  const sims: Simulator[] = [];
  afterAll(() => Promise.all(sims.map((s) => s.close())));
  const start = async (seed = 3) => {
    const sim = await startSimulator({ seed });
    sims.push(sim);
    return sim;
  };

  it('is deterministic with a seed, however the clock is stepped', async () => {
    const a = await start();
    a.pbx.startTraffic({ callsPerMinute: 12, seed: 99 });
    a.clock.advance(3600);

    const b = await start();
    b.pbx.startTraffic({ callsPerMinute: 12, seed: 99 });
    for (let i = 0; i < 60; i++) {
      b.clock.advance(60);
      b.pbx.calls(); // looking in between must not change what happens
    }
    expect(a.pbx.calls().length).toBeGreaterThan(500);
    expect(fingerprint(b.pbx.calls())).toBe(fingerprint(a.pbx.calls()));

    const c = await start();
    c.pbx.startTraffic({ callsPerMinute: 12, seed: 100 });
    c.clock.advance(3600);
    expect(fingerprint(c.pbx.calls())).not.toBe(fingerprint(a.pbx.calls()));
  });

  it('plays a mix of flows with the requested weights, withheld and repeat callers', async () => {
    const sim = await start();
    sim.pbx.startTraffic({ callsPerMinute: 30, seed: 5 });
    sim.clock.advance(2 * 3600);
    const calls = sim.pbx.calls();
    const outcomes = new Map<string, number>();
    for (const c of calls)
      outcomes.set(c.expected.outcome, (outcomes.get(c.expected.outcome) ?? 0) + 1);
    for (const o of ['answered', 'missed', 'voicemail', 'abandoned'])
      expect(outcomes.get(o)).toBeGreaterThan(10);
    const kinds = new Set(calls.map((c) => c.kind));
    for (const k of ['direct', 'queue', 'ringGroup', 'ivr', 'transfer', 'internal', 'outbound'])
      expect(kinds).toContain(k);
    expect(calls.some((c) => c.caller === 'Anonymous')).toBe(true);
    const inbound = calls.filter(
      (c) => c.expected.direction === 'inbound' && c.caller !== 'Anonymous',
    );
    expect(new Set(inbound.map((c) => c.caller)).size).toBeLessThan(inbound.length);
    // Roughly 30 a minute (Poisson): 3600 expected.
    expect(calls.length).toBeGreaterThan(3300);
    expect(calls.length).toBeLessThan(3900);
  });

  it('honours a mix of only missed calls, and stops when asked', async () => {
    const sim = await start();
    const started = await simPost(sim.url, '/_sim/traffic', {
      callsPerMinute: 6,
      mix: { answered: 0, missed: 1, voicemail: 0, abandoned: 0, internal: 0, outbound: 0 },
    });
    expect(started.status).toBe(201);
    sim.clock.advance(1800);
    const calls = sim.pbx.calls();
    expect(calls.length).toBeGreaterThan(100);
    expect(
      calls.every((c) => c.expected.outcome === 'missed' && c.expected.direction === 'inbound'),
    ).toBe(true);
    expect((await fetch(`${sim.url}/_sim/traffic`, { method: 'DELETE' })).status).toBe(200);
    sim.clock.advance(1800);
    expect(sim.pbx.calls()).toHaveLength(calls.length);
  });

  it('sends calls outside office hours down the after-hours rule when asked to', async () => {
    const sim = await start();
    // 19:30 in Adelaide on a Monday: after hours.
    sim.pbx.startTraffic({
      callsPerMinute: 10,
      seed: 8,
      respectOfficeHours: true,
      mix: { internal: 0, outbound: 0 },
    });
    sim.clock.advance(600);
    const calls = sim.pbx.calls();
    expect(calls.length).toBeGreaterThan(50);
    expect(calls.every((c) => c.kind === 'afterHours')).toBe(true);
  });

  it('serves the traffic’s legs through the XAPI as they end', async () => {
    const sim = await start();
    sim.pbx.startTraffic({ callsPerMinute: 10, seed: 4 });
    sim.clock.advance(900);
    const token = await accessToken(sim.url);
    const res = await xapiGet(sim.url, callLogPath(DAY, '$count=true&$top=0'), token);
    const now = sim.clock.now();
    const ended = sim.pbx
      .calls()
      .flatMap((c) => c.legs)
      .filter((l) => l.endedAt <= now && !l.queuePoll);
    expect(res.json['@odata.count']).toBe(ended.length);
    const active = await xapiGet(sim.url, '/xapi/v1/ActiveCalls?$count=true', token);
    expect(active.json['@odata.count']).toBe(
      sim.pbx.calls().filter((c) => c.startedAt <= now && now < c.endedAt).length,
    );
  });
});
