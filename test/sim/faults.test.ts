import { startSimulator, type Simulator } from '../../sim';
import { accessToken, callLogPath, fetchToken, simPost, xapiGet } from './simHttp';

const DAY = { periodFrom: '2026-03-02T00:00:00Z', periodTo: '2026-03-03T00:00:00Z' };
const STATUS = '/xapi/v1/SystemStatus';

describe('injected faults', () => {
  let sim: Simulator;
  let token: string;
  beforeEach(async () => {
    sim = await startSimulator();
    token = await accessToken(sim.url);
  });
  afterEach(() => sim.close());

  it('http5xx: answers 500/502/503 for its duration on the sim clock, never on /_sim', async () => {
    const { json } = await simPost(sim.url, '/_sim/faults', { kind: 'http5xx', forSeconds: 30 });
    expect(json.id).toEqual(expect.any(String));
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) statuses.add((await xapiGet(sim.url, STATUS, token)).status);
    expect([...statuses].every((s) => [500, 502, 503].includes(s))).toBe(true);
    expect(statuses.size).toBeGreaterThan(1);
    expect((await fetchToken(sim.url)).status).toBeGreaterThanOrEqual(500);
    expect((await fetch(`${sim.url}/_sim/clock`)).status).toBe(200);
    sim.clock.advance(30);
    expect((await xapiGet(sim.url, STATUS, token)).status).toBe(200);
  });

  it('http5xx with a fixed status and a probability hits only some requests', async () => {
    sim.faults.inject({ kind: 'http5xx', status: 503, probability: 0.5 });
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await xapiGet(sim.url, STATUS, token));
    const failed = results.filter((r) => r.status === 503);
    expect(failed.length).toBeGreaterThan(5);
    expect(results.length - failed.length).toBeGreaterThan(5);
    expect(failed[0].text).toMatch(/503 Service Temporarily Unavailable/);
    expect(failed[0].headers.get('content-type')).toMatch(/text\/html/);
  });

  it('gateway504: the call log times out, other endpoints answer', async () => {
    const id = sim.faults.inject({ kind: 'gateway504' });
    const log = await xapiGet(sim.url, callLogPath(DAY), token);
    expect(log.status).toBe(504);
    expect(log.text).toMatch(/504 Gateway Time-out/);
    expect((await xapiGet(sim.url, STATUS, token)).status).toBe(200);
    expect(sim.faults.list()).toEqual([
      expect.objectContaining({ id, kind: 'gateway504', active: true }),
    ]);
    const cleared = await fetch(`${sim.url}/_sim/faults/${id}`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect((await xapiGet(sim.url, callLogPath(DAY), token)).status).toBe(200);
    expect((await fetch(`${sim.url}/_sim/faults/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('slow: holds answers for delayMs of real time', async () => {
    sim.faults.inject({ kind: 'slow', delayMs: 150, paths: ['SystemStatus'] });
    const started = performance.now();
    expect((await xapiGet(sim.url, STATUS, token)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    const quick = performance.now();
    await xapiGet(sim.url, '/xapi/v1/ActiveCalls', token);
    expect(performance.now() - quick).toBeLessThan(140);
  });

  it('unauthorizedStorm: every XAPI request is 401 and the old tokens stay dead after it', async () => {
    sim.faults.inject({ kind: 'unauthorizedStorm', forSeconds: 60 });
    expect((await xapiGet(sim.url, STATUS, token)).status).toBe(401);
    const during = await accessToken(sim.url);
    expect((await xapiGet(sim.url, STATUS, during)).status).toBe(401);
    sim.clock.advance(60);
    expect((await xapiGet(sim.url, STATUS, token)).status).toBe(401);
    const fresh = await accessToken(sim.url);
    expect((await xapiGet(sim.url, STATUS, fresh)).status).toBe(200);
  });

  it('down: connections are dropped without an answer until the fault ends', async () => {
    await simPost(sim.url, '/_sim/faults', { kind: 'down', forSeconds: 5 });
    await expect(
      fetch(`${sim.url}${STATUS}`, { headers: { authorization: `Bearer ${token}` } }),
    ).rejects.toThrow();
    await expect(fetchToken(sim.url)).rejects.toThrow();
    expect((await fetch(`${sim.url}/_sim/faults`)).status).toBe(200);
    await simPost(sim.url, '/_sim/clock/advance', { seconds: 5 });
    expect((await xapiGet(sim.url, STATUS, token)).status).toBe(200);
  });

  it('rejects a malformed fault with 400 and clears all faults at once', async () => {
    expect((await simPost(sim.url, '/_sim/faults', { kind: 'meteor' })).status).toBe(400);
    expect((await simPost(sim.url, '/_sim/faults', { kind: 'slow', delayMs: -1 })).status).toBe(
      400,
    );
    sim.faults.inject({ kind: 'gateway504' });
    sim.faults.inject({ kind: 'http5xx', paths: ['OfficeHours'] });
    const res = await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    expect(await res.json()).toEqual({ cleared: true });
    expect(sim.faults.list()).toEqual([]);
  });
});
