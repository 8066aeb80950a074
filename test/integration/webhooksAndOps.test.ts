import { Webhook } from 'standardwebhooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallEvent } from '../../lib/callEvent';
import { ensureEnvLocation } from '../../bridge/envLocation';
import { openStoreAt } from '../../bridge/config';
import { generateApiKey } from '../../bridge/secrets/apiKeys';
import { startReceiver, type Receiver } from '../support/receiver';
import { readJson } from '../support/readJson';
import { runCli } from '../support/runCli';
import { startTestBridge, type TestBridge } from '../support/testBridge';

describe('plain webhooks and operations', () => {
  let t: TestBridge;
  let receiver: Receiver;
  beforeEach(async () => {
    t = await startTestBridge();
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await t.close();
    await receiver.close();
  });

  it('signs webhook deliveries with Standard Webhooks headers a receiver can verify', async () => {
    // `webhook add` stamps the subscription with this machine's clock, and a subscription
    // receives only calls from after it was made (docs/api.md, POST /v1/hooks): the simulated
    // PBX's clock starts from this machine's here, as a real PBX's would.
    await t.close();
    t = await startTestBridge({ sim: { clock: { mode: 'manual', start: Date.now() } } });
    const added = await runCli([
      'webhook',
      'add',
      '--location',
      t.locationId,
      '--url',
      receiver.url,
      '--event',
      'call.ended',
      '--allow-local-http',
      '--db',
      t.dbPath,
    ]);
    expect(added.code).toBe(0);
    const secret = /Signing secret \(shown once\): (whsec_\S+)/.exec(added.stdout)![1];
    await t.tick();
    const call = t.sim.pbx.placeCall({
      kind: 'direct',
      extension: '101',
      result: 'answered',
      talkSeconds: 30,
    });
    while (t.sim.clock.now() < call.endedAt + 20_000) await t.advance(5);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    const headers = {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    };
    expect(headers['webhook-id']).toBe(`${call.callHistoryId}:call.ended`);
    // The library checks the timestamp against the real clock; the bridge signs with the
    // simulator's, so verify the signature with the library's own signer at that timestamp.
    const wh = new Webhook(secret);
    const expected = wh.sign(
      headers['webhook-id'],
      new Date(Number(headers['webhook-timestamp']) * 1000),
      request.body,
    );
    expect(headers['webhook-signature']).toBe(expected);
    expect((request.json as CallEvent).event).toBe('call.ended');
    const tampered = wh.sign(
      headers['webhook-id'],
      new Date(Number(headers['webhook-timestamp']) * 1000),
      `${request.body} `,
    );
    expect(tampered).not.toBe(headers['webhook-signature']);
  });

  it('Zapier REST hooks are not signed (they have no secret to check against)', async () => {
    await fetch(`${t.url}/v1/hooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target_url: receiver.url, event: 'call.started' }),
    });
    await t.tick();
    t.sim.pbx.placeCall({ kind: 'direct', extension: '101', result: 'answered', talkSeconds: 30 });
    for (let i = 0; i < 20; i++) await t.advance(5);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].headers['webhook-signature']).toBeUndefined();
  });

  it('reports health, status and Prometheus metrics', async () => {
    await t.tick();
    const health = await readJson<{
      status: string;
      locations_polled: number;
      locations_failing: number;
    }>(fetch(`${t.url}/healthz`));
    expect(health).toMatchObject({ status: 'ok', locations_polled: 1, locations_failing: 0 });
    const status = await readJson<{
      source: string;
      poll: { last_error: string | null; lag_seconds: number; consecutive_errors: number };
    }>(fetch(`${t.url}/v1/status`, { headers: { authorization: `Bearer ${t.apiKey}` } }));
    expect(status.source).toBe('xapi');
    expect(status.poll.last_error).toBeNull();
    expect(typeof status.poll.lag_seconds).toBe('number');
    const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/bridge_polls_total\{location="[^"]+",result="ok"\} \d+/);
    expect(metrics).toContain('bridge_settle_delay_seconds_bucket');
    expect(metrics).toContain('bridge_delivery_latency_seconds_bucket');
    // The delivery worker's cap now and the loop's lag that set it (bridge/delivery/loopPace.ts).
    expect(metrics).toMatch(/^bridge_deliveries_in_flight_cap \d+$/m);
    expect(metrics).toMatch(/^bridge_delivery_loop_lag_seconds \d+(\.\d+)?(e-\d+)?$/m);
    expect(metrics).not.toContain(t.apiKey);
  });

  it('counts events by type and deliveries by result in /metrics', async () => {
    // call.missed goes to a subscriber that takes it; call.ended to one that answers 500.
    receiver.respond = (request) => ({ status: request.path.endsWith('/ended') ? 500 : 200 });
    for (const [event, path] of [
      ['call.missed', '/missed'],
      ['call.ended', '/ended'],
    ]) {
      const res = await fetch(`${t.url}/v1/hooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ target_url: `${receiver.url}${path}`, event }),
      });
      expect(res.status).toBe(201);
    }
    await t.tick();
    const before = await scrape(t);
    expect(counterSum(before, 'bridge_events_total')).toBe(0);
    expect(counterSum(before, 'bridge_deliveries_total')).toBe(0);

    const call = t.sim.pbx.placeCall({
      kind: 'direct',
      extension: '102',
      result: 'hangup',
      ringSeconds: 12,
      caller: '+61412345678',
    });
    expect(call.expected).toMatchObject({ direction: 'inbound', outcome: 'missed' });
    while (t.sim.clock.now() < call.endedAt + 20_000) await t.advance(5);

    const after = await scrape(t);
    const events = (type: string) =>
      counterSum(after, 'bridge_events_total', { type, suppressed: 'false' });
    expect([events('call.started'), events('call.ended'), events('call.missed')]).toEqual([
      1, 1, 1,
    ]);
    expect(counterSum(after, 'bridge_events_total', { suppressed: 'true' })).toBe(0);

    // Every attempt is counted once, by what became of it: the 200 as delivered, each 500 as a
    // retry (the event stays pending), none as given up.
    const missedAttempts = receiver.received.filter((r) => r.path.endsWith('/missed'));
    const endedAttempts = receiver.received.filter((r) => r.path.endsWith('/ended'));
    expect(missedAttempts).toHaveLength(1);
    expect(endedAttempts.length).toBeGreaterThanOrEqual(1);
    const deliveries = (result: string) => counterSum(after, 'bridge_deliveries_total', { result });
    expect(deliveries('delivered')).toBe(1);
    expect(deliveries('retry')).toBe(endedAttempts.length);
    expect(deliveries('failed') + deliveries('gone')).toBe(0);
    expect(after.get('bridge_deliveries_pending')?.[0]?.value).toBe(1);
    // The delivered attempt's latency was observed once.
    expect(counterSum(after, 'bridge_delivery_latency_seconds_count')).toBe(1);
  });

  it('counts failed polls in /metrics while the PBX fails, and good ones once it is back', async () => {
    await t.tick();
    const polls = (samples: Samples, result: string) =>
      counterSum(samples, 'bridge_polls_total', { location: t.locationId, result });
    const before = await scrape(t);
    expect(polls(before, 'error')).toBe(0);
    const okBefore = polls(before, 'ok');
    expect(okBefore).toBeGreaterThanOrEqual(1);

    // Every XAPI request is 401 and the token is revoked, for 60 simulated seconds.
    t.sim.faults.inject({ kind: 'unauthorizedStorm', forSeconds: 60 });
    for (let i = 1; i <= 3; i++) {
      t.sim.clock.advance(5);
      await expect(t.bridge.pollNow(t.locationId)).rejects.toThrow();
      const during = await scrape(t);
      expect([i, polls(during, 'error'), polls(during, 'ok')]).toEqual([i, i, okBefore]);
    }

    t.sim.clock.advance(60); // the storm is over
    await t.bridge.pollNow(t.locationId);
    const after = await scrape(t);
    expect([polls(after, 'error'), polls(after, 'ok')]).toEqual([3, okBefore + 1]);
    // Each poll, failed or not, has its duration observed.
    expect(
      counterSum(after, 'bridge_poll_duration_seconds_count', { location: t.locationId }),
    ).toBe(okBefore + 4);
  });

  it('shows a failing PBX in the location status', async () => {
    t.sim.faults.inject({ kind: 'down', forSeconds: 60 });
    await t.advance(5).catch(() => undefined);
    const status = await readJson<{
      source: string;
      poll: { last_error: string | null; lag_seconds: number; consecutive_errors: number };
    }>(fetch(`${t.url}/v1/status`, { headers: { authorization: `Bearer ${t.apiKey}` } }));
    expect(status.poll.consecutive_errors).toBeGreaterThan(0);
    expect(status.poll.last_error).toMatch(/reach|connection|network/i);
    const health = await readJson<{
      status: string;
      locations_polled: number;
      locations_failing: number;
    }>(fetch(`${t.url}/healthz`));
    expect(health.locations_failing).toBe(1);
  });
});

describe('configuration from the environment (containers)', () => {
  it('creates the location once and adopts a given API key', () => {
    const dir = mkdtempSync(join(tmpdir(), '3cx-env-'));
    try {
      const key = generateApiKey();
      const env = {
        THREECX_URL: 'https://pbx.example.com:5001',
        THREECX_CLIENT_ID: '900',
        THREECX_CLIENT_SECRET: 's3cret',
        BRIDGE_LOCATION_NAME: 'Perth Office',
        BRIDGE_COUNTRY: 'AU',
        BRIDGE_TIMEZONE: 'Australia/Perth',
        BRIDGE_API_KEY: key,
      };
      const db = join(dir, 'bridge.db');
      for (let run = 0; run < 2; run++) {
        const store = openStoreAt(db, env);
        try {
          ensureEnvLocation(store, env, new Date());
          const locations = store.locations.list();
          expect(locations.map((l) => l.name)).toEqual(['Perth Office']);
          expect(store.apiKeys.authenticate(key, new Date())?.locationId).toBe(locations[0].id);
          expect(store.locations.clientSecret(locations[0].id)).toBe('s3cret');
        } finally {
          store.close();
        }
      }
      const store = openStoreAt(db, env);
      try {
        expect(() =>
          ensureEnvLocation(store, { ...env, BRIDGE_API_KEY: 'letmein' }, new Date()),
        ).toThrow(/BRIDGE_API_KEY/);
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** One sample of the Prometheus text format: its labels and value. */
interface Sample {
  labels: Record<string, string>;
  value: number;
}
type Samples = Map<string, Sample[]>;

/** `GET /metrics` (no key: it is for the operator's scraper), parsed by metric name. */
async function scrape(t: TestBridge): Promise<Samples> {
  const res = await fetch(`${t.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const samples: Samples = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key] = value;
    const list = samples.get(match[1]) ?? [];
    list.push({ labels, value: Number(match[3]) });
    samples.set(match[1], list);
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels` (0 when there is none). */
function counterSum(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  return (samples.get(name) ?? [])
    .filter((s) => Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}
