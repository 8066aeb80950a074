import { startSimulator, type Simulator, type SimulatorOptions } from '../../sim';
import { createThreecxTransport } from '../../bridge/threecx/threecxTransport';
import { checkConnection } from '../../lib/threecx/checkConnection';
import {
  ThreeCxClient,
  type ThreeCxClientEvent,
  type ThreeCxClientOptions,
} from '../../lib/threecx/client';
import { ThreeCxError } from '../../lib/threecx/errors';
import type { HttpTransport } from '../../lib/threecx/httpTransport';

/**
 * The client over loopback against the 3CX simulator (sim/), through the bridge's 3CX
 * transport. The client runs on the sim's manual clock, and its retry sleeps advance that
 * clock, so token expiry and fault windows are exact and no test waits on wall time.
 */

const START = '2026-03-02T09:00:00Z';
const OWNER = { clientId: 'bridge', clientSecret: 'bridge-secret', role: 'system_owner' };

async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({
    port: 0,
    clients: [OWNER],
    version: '20.0.10.1040',
    clock: { mode: 'manual', start: START },
    seed: 1,
    ...options,
  });
}

function clientOn(
  sim: Simulator,
  options: Partial<ThreeCxClientOptions> = {},
): { client: ThreeCxClient; events: ThreeCxClientEvent[] } {
  const events: ThreeCxClientEvent[] = [];
  const client = new ThreeCxClient({
    pbxUrl: sim.url,
    clientId: OWNER.clientId,
    clientSecret: OWNER.clientSecret,
    transport: createThreecxTransport(),
    now: () => sim.clock.now(),
    sleep: async (ms) => sim.clock.advance(ms / 1000),
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { client, events };
}

function count(events: ThreeCxClientEvent[], type: ThreeCxClientEvent['type']): number {
  return events.filter((e) => e.type === type).length;
}

async function failureOf(promise: Promise<unknown>): Promise<ThreeCxError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ThreeCxError) return error;
    throw error;
  }
  throw new Error('expected a ThreeCxError');
}

/** Wraps a transport to rewrite request URLs (to provoke the PBX's parameter errors). */
function rewriting(transport: HttpTransport, rewrite: (url: string) => string): HttpTransport {
  return { request: (request) => transport.request({ ...request, url: rewrite(request.url) }) };
}

describe('token lifetime and rotation against the simulator (docs/3cx-facts.md §1.2)', () => {
  it.each([
    ['20.0.10.1040', 'seconds', 3600],
    ['20.0.8.900', 'minutes', 60],
  ] as const)(
    'version %s (expires_in in %s): renewed before expiry, never a 401',
    async (version, unit, expiresIn) => {
      const sim = await simulator({ version });
      try {
        const { client, events } = clientOn(sim);
        await client.systemStatus();
        expect(client.pbxVersion).toBe(version);
        const fetched = events.find((e) => e.type === 'token_fetched');
        expect(fetched).toMatchObject({ unit, lifetimeSeconds: 3600 });
        expect(expiresIn * (unit === 'minutes' ? 60 : 1)).toBe(3600);

        sim.clock.advance(3530); // 70 s left: still ours
        await client.activeCalls();
        expect(count(events, 'token_fetched')).toBe(1);

        sim.clock.advance(20); // 50 s left: inside the refresh margin
        await client.activeCalls();
        expect(count(events, 'token_fetched')).toBe(2);

        sim.clock.advance(3600 * 5); // long idle: the old token has expired on the PBX
        await client.activeCalls();
        expect(count(events, 'token_fetched')).toBe(3);
        expect(count(events, 'token_rejected')).toBe(0);
      } finally {
        await sim.close();
      }
    },
  );

  it('a second consumer of the same API client kills our token: one refetch, one retry', async () => {
    const sim = await simulator();
    try {
      const { client, events } = clientOn(sim);
      const other = clientOn(sim).client;
      await client.activeCalls();
      await other.activeCalls(); // its token supersedes ours (one token per client)

      await expect(client.activeCalls()).resolves.toEqual([]);
      expect(count(events, 'token_rejected')).toBe(1);
      expect(count(events, 'token_fetched')).toBe(2);
    } finally {
      await sim.close();
    }
  });

  it('an unauthorized storm: token_rejected while it lasts, fine afterwards', async () => {
    const sim = await simulator();
    try {
      const { client } = clientOn(sim);
      await client.activeCalls();
      sim.faults.inject({ kind: 'unauthorizedStorm', forSeconds: 30 });

      const error = await failureOf(client.activeCalls());
      expect(error.kind).toBe('token_rejected');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('one active token per API client');

      sim.clock.advance(31);
      await expect(client.activeCalls()).resolves.toEqual([]);
    } finally {
      await sim.close();
    }
  });

  it('wrong secret: bad_credentials from the token endpoint, secret not echoed', async () => {
    const sim = await simulator();
    try {
      const { client } = clientOn(sim, { clientSecret: 'not-the-secret' });
      const error = await failureOf(client.systemStatus());
      expect(error.kind).toBe('bad_credentials');
      expect(error.status).toBe(401);
      expect(error.message).not.toContain('not-the-secret');
    } finally {
      await sim.close();
    }
  });
});

describe('XAPI errors from the simulator (docs/3cx-facts.md §1.7)', () => {
  it('403 for a System Admin on the call log; the system status still reads', async () => {
    const sim = await simulator({
      clients: [{ clientId: 'admin', clientSecret: 'admin-secret', role: 'system_admin' }],
    });
    try {
      const { client } = clientOn(sim, { clientId: 'admin', clientSecret: 'admin-secret' });
      await expect(client.systemStatus()).resolves.toMatchObject({ Version: '20.0.10.1040' });
      const error = await failureOf(
        client.callLog({ from: '2026-03-02T00:00:00Z', to: '2026-03-02T09:00:00Z' }),
      );
      expect(error.kind).toBe('forbidden_role');
      expect(error.message).toContain('System Owner');
    } finally {
      await sim.close();
    }
  });

  it('403 on everything when "XAPI Access Enabled" is not ticked', async () => {
    const sim = await simulator({ clients: [{ ...OWNER, xapiEnabled: false }] });
    try {
      const error = await failureOf(clientOn(sim).client.systemStatus());
      expect(error.kind).toBe('forbidden_role');
      expect(error.fix).toContain('XAPI Access Enabled');
    } finally {
      await sim.close();
    }
  });

  it('404 when a GetCallLogData parameter is missing is a bad request naming the cause', async () => {
    const sim = await simulator();
    try {
      const { client } = clientOn(sim, {
        transport: rewriting(createThreecxTransport(), (url) =>
          url.replace(',hidePcalls=true', ''),
        ),
      });
      const error = await failureOf(
        client.callLog({ from: '2026-03-02T00:00:00Z', to: '2026-03-02T09:00:00Z' }),
      );
      expect(error.kind).toBe('bad_request');
      expect(error.status).toBe(404);
      expect(error.problem).toContain('report parameter is missing');
    } finally {
      await sim.close();
    }
  });

  it('500 for a malformed date is a server error, not retried', async () => {
    const sim = await simulator();
    try {
      const transport = createThreecxTransport();
      let requests = 0;
      const counting: HttpTransport = {
        request: (request) => {
          if (request.url.includes('GetCallLogData')) requests++;
          return transport.request(request);
        },
      };
      const { client } = clientOn(sim, {
        transport: rewriting(counting, (url) =>
          url.replace('periodFrom=2026-03-02', 'periodFrom=2026-3-2'),
        ),
      });
      const error = await failureOf(
        client.callLog({ from: '2026-03-02T00:00:00Z', to: '2026-03-02T09:00:00Z' }),
      );
      expect(error.kind).toBe('server_error');
      expect(error.status).toBe(500);
      expect(requests).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it('502/503 for a moment: retried after a backoff, then answered', async () => {
    const sim = await simulator();
    try {
      const { client, events } = clientOn(sim);
      await client.systemStatus();
      sim.faults.inject({ kind: 'http5xx', status: 503, forSeconds: 1.5 });
      await expect(client.e164Settings()).resolves.toMatchObject({ CountryCode: '61' });
      expect(count(events, 'request_retried')).toBe(2); // 1 s, then 2 s of sim time
    } finally {
      await sim.close();
    }
  });

  it('a PBX that drops connections is unreachable, after retries', async () => {
    const sim = await simulator();
    try {
      const { client, events } = clientOn(sim);
      sim.faults.inject({ kind: 'down' });
      const error = await failureOf(client.systemStatus());
      expect(error.kind).toBe('unreachable');
      expect(error.networkCode).toBe('ECONNRESET');
      expect(count(events, 'request_retried')).toBe(2);
    } finally {
      await sim.close();
    }
  });

  it('a PBX slower than the per-request timeout is a timeout', async () => {
    const sim = await simulator();
    try {
      const { client } = clientOn(sim, { timeoutMs: 100 });
      sim.faults.inject({ kind: 'slow', delayMs: 1000 });
      const error = await failureOf(client.systemStatus());
      expect(error.kind).toBe('timeout');
    } finally {
      await sim.close();
    }
  });
});

describe('reading the call log from the simulator (docs/3cx-facts.md §1.3)', () => {
  /** A call every `stepSeconds` from `from` for `hours`, rotating through call flows. */
  function placeCalls(sim: Simulator, from: string, hours: number, stepSeconds: number): number {
    const start = Date.parse(from);
    let placed = 0;
    for (let t = 0; t < hours * 3600; t += stepSeconds) {
      const at = start + t * 1000;
      const scripts = [
        { kind: 'direct', extension: '101', result: 'answered', at },
        { kind: 'queue', result: 'voicemail', at },
        { kind: 'ringGroup', result: 'hangup', at },
        { kind: 'ivr', at },
      ];
      sim.pbx.placeCall(scripts[placed % scripts.length]);
      placed++;
    }
    return placed;
  }

  it('pages across thousands of legs in day windows and returns each leg once', async () => {
    const sim = await simulator();
    try {
      placeCalls(sim, '2026-02-28T00:00:00Z', 48, 90);
      const from = Date.parse('2026-02-28T00:00:00Z');
      const to = Date.parse('2026-03-02T00:00:00Z');
      const truth = sim.pbx.callLog(from, to);
      expect(truth.length).toBeGreaterThan(3500);

      const transport = createThreecxTransport();
      const urls: string[] = [];
      const recording: HttpTransport = {
        request: (request) => {
          urls.push(request.url);
          return transport.request(request);
        },
      };
      const { client } = clientOn(sim, { transport: recording });
      const rows = await client.callLog({ from, to });

      expect(rows.length).toBe(truth.length);
      expect(new Set(rows.map((r) => r.CdrId)).size).toBe(truth.length);
      expect(rows.map((r) => r.CdrId).sort()).toEqual(truth.map((r) => r.CdrId).sort());
      const pages = urls.filter((u) => u.includes('GetCallLogData'));
      const days = new Set(pages.map((u) => /periodFrom=([^,]+)/.exec(u)?.[1]));
      expect([...days]).toEqual(['2026-02-28T00:00:00Z', '2026-03-01T00:00:00Z']);
      expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(truth.length / 500));
    } finally {
      await sim.close();
    }
  });

  it('halves windows the PBX answers with 504 and still returns every leg', async () => {
    // This PBX copes with at most six hours per query.
    const sim = await simulator({ maxPeriodDays: 0.25 });
    try {
      placeCalls(sim, '2026-03-01T00:00:00Z', 24, 600);
      const from = Date.parse('2026-03-01T00:00:00Z');
      const to = Date.parse('2026-03-02T00:00:00Z');
      const { client, events } = clientOn(sim);
      const rows = await client.callLog({ from, to });
      expect(rows.length).toBe(sim.pbx.callLog(from, to).length);
      expect(count(events, 'window_halved')).toBe(3); // 24 h, then both 12 h halves
    } finally {
      await sim.close();
    }
  });

  it('gives up with query_too_large when even the smallest window times out', async () => {
    const sim = await simulator();
    try {
      sim.faults.inject({ kind: 'gateway504' });
      const { client } = clientOn(sim, { minWindowMs: 6 * 3600_000 });
      const error = await failureOf(
        client.callLog({ from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' }),
      );
      expect(error.kind).toBe('query_too_large');
      expect(error.status).toBe(504);
      expect(error.problem).toContain('even for the 360 minutes from 2026-03-01T00:00:00.000Z');
    } finally {
      await sim.close();
    }
  });

  it('reads inbound calls with their DID, active calls and the last CDR time', async () => {
    const sim = await simulator();
    try {
      const { client } = clientOn(sim);
      expect(await client.lastCdrTimestamp()).toBeNull();
      const done = sim.pbx.placeCall({
        kind: 'direct',
        extension: '102',
        result: 'answered',
        at: '2026-03-02T08:00:00Z',
      });
      const ringing = sim.pbx.placeCall({ kind: 'queue', result: 'answered' });

      const inbound = await client.inboundCalls({ from: '2026-03-02T00:00:00Z', to: START });
      expect(inbound).toHaveLength(1);
      expect(inbound[0].Did).toBe(done.did);
      expect(inbound[0].CallHistoryId).toBe(done.callHistoryId);

      const active = await client.activeCalls();
      expect(active.map((c) => c.Id)).toEqual([ringing.callId]);

      expect(await client.lastCdrTimestamp()).toBe('2026-03-02T08:00:00Z');
    } finally {
      await sim.close();
    }
  });

  it('reads the E.164 settings and the office hours with holidays', async () => {
    const sim = await simulator();
    try {
      const { client } = clientOn(sim);
      expect(await client.e164Settings()).toMatchObject({ CountryCode: '61' });
      const hours = await client.officeHours();
      expect(hours.TimeZoneId).toBe('Australia/Adelaide');
      expect(Array.isArray(hours.OfficeHolidays)).toBe(true);
    } finally {
      await sim.close();
    }
  });
});

describe('checkConnection against the simulator', () => {
  it('a healthy PBX passes every step', async () => {
    const sim = await simulator();
    try {
      const results = await checkConnection(clientOn(sim).client, { now: () => sim.clock.now() });
      expect(results.map((r) => [r.step, r.ok])).toEqual([
        ['reachable', true],
        ['token', true],
        ['version', true],
        ['call_log', true],
      ]);
      expect(results[2].detail).toContain('20.0.10.1040');
    } finally {
      await sim.close();
    }
  });

  it('a System Admin client fails the call-log step with the System Owner fix', async () => {
    const sim = await simulator({
      clients: [{ clientId: 'admin', clientSecret: 'admin-secret', role: 'system_admin' }],
    });
    try {
      const { client } = clientOn(sim, { clientId: 'admin', clientSecret: 'admin-secret' });
      const results = await checkConnection(client, { now: () => sim.clock.now() });
      expect(results.map((r) => [r.step, r.ok])).toEqual([
        ['reachable', true],
        ['token', true],
        ['version', true],
        ['call_log', false],
      ]);
      expect(results[3].fix).toContain('System Owner');
    } finally {
      await sim.close();
    }
  });

  it('a wrong secret fails the token step; a stopped PBX fails reachability', async () => {
    const sim = await simulator();
    const url = sim.url;
    try {
      const wrong = await checkConnection(clientOn(sim, { clientSecret: 'nope' }).client);
      expect(wrong.map((r) => [r.step, r.ok])).toEqual([
        ['reachable', true],
        ['token', false],
        ['version', false],
        ['call_log', false],
      ]);
    } finally {
      await sim.close();
    }
    const down = await checkConnection(
      new ThreeCxClient({
        pbxUrl: url,
        clientId: OWNER.clientId,
        clientSecret: OWNER.clientSecret,
        transport: createThreecxTransport(),
        sleep: async () => undefined,
      }),
    );
    expect(down[0]).toMatchObject({ step: 'reachable', ok: false });
    expect(down[0].detail).toContain('ECONNREFUSED');
  });
});
