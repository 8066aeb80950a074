import { ThreeCxClient, type ThreeCxClientOptions } from '../../lib/threecx/client';
import { ThreeCxError } from '../../lib/threecx/errors';
import { TransportError, type HttpTransport } from '../../lib/threecx/httpTransport';
import { callLogRoute, functionParameters, legsEvery } from './callLogRoute';
import { CLIENT_ID, CLIENT_SECRET, FakePbx, PBX, fakeTransport, json } from './fakeTransport';

const T0 = Date.UTC(2026, 2, 1);
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A manual clock and a sleep that only records: no test waits on wall time. */
function testClock(start = T0) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    sleeps,
  };
}

function clientFor(
  transport: HttpTransport,
  clock = testClock(),
  options: Partial<ThreeCxClientOptions> = {},
) {
  return new ThreeCxClient({
    pbxUrl: `${PBX}/#/office/dashboard`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    transport,
    now: clock.now,
    sleep: clock.sleep,
    ...options,
  });
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

function expectNoSecrets(error: ThreeCxError, tokens: string[] = []) {
  const text = `${error.message} ${error.problem} ${error.fix} ${JSON.stringify(error)}`;
  expect(text).not.toContain(CLIENT_SECRET);
  for (const token of tokens) expect(text).not.toContain(token);
}

function systemStatusRoute(version = '20.0.10.1040') {
  return () => json(200, { Id: 1, Version: version, FQDN: 'pbx.example.com', LicenseActive: true });
}

describe('the token (docs/3cx-facts.md §1.2)', () => {
  it('is fetched with form-encoded client credentials from /connect/token', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/SystemStatus', systemStatusRoute());
    await clientFor(pbx.transport).systemStatus();

    const [tokenRequest, statusRequest] = pbx.transport.requests;
    expect(tokenRequest.method).toBe('POST');
    expect(tokenRequest.url).toBe(`${PBX}/connect/token`);
    expect(tokenRequest.form).toEqual({
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_type: 'client_credentials',
    });
    expect(statusRequest.url).toBe(`${PBX}/xapi/v1/SystemStatus`);
    expect(statusRequest.headers.authorization).toBe('Bearer token-1');
  });

  it('is fetched once for many concurrent callers, because a new token kills the old one', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/SystemStatus', systemStatusRoute());
    pbx.routes.set('/ActiveCalls', () => json(200, { value: [] }));
    const client = clientFor(pbx.transport);

    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? client.systemStatus() : client.activeCalls())),
    );
    expect(pbx.transport.requestsTo('/connect/token')).toHaveLength(1);
    expect(pbx.tokensIssued).toBe(1);
  });

  it('is reused until shortly before it expires (seconds from 20.0.9)', async () => {
    const pbx = new FakePbx();
    pbx.expiresIn = 3600;
    pbx.routes.set('/ActiveCalls', () => json(200, { value: [] }));
    const clock = testClock();
    const client = clientFor(pbx.transport, clock, { pbxVersion: '20.0.10.1040' });

    await client.activeCalls();
    clock.advance(3539_000);
    await client.activeCalls();
    expect(pbx.tokensIssued).toBe(1);
    clock.advance(2_000); // 59 s left: inside the 60 s margin
    await client.activeCalls();
    expect(pbx.tokensIssued).toBe(2);
  });

  it('reads expires_in as minutes before 20.0.9', async () => {
    const pbx = new FakePbx();
    pbx.expiresIn = 60;
    pbx.routes.set('/ActiveCalls', () => json(200, { value: [] }));
    const clock = testClock();
    const client = clientFor(pbx.transport, clock, { pbxVersion: '20.0.8.500' });

    await client.activeCalls();
    clock.advance(58 * 60_000);
    await client.activeCalls();
    expect(pbx.tokensIssued).toBe(1);
    clock.advance(90_000);
    await client.activeCalls();
    expect(pbx.tokensIssued).toBe(2);
  });

  it('learns the unit from SystemStatus.Version and re-judges the current token', async () => {
    const pbx = new FakePbx();
    pbx.expiresIn = 60; // looks like minutes while the version is unknown
    pbx.routes.set('/SystemStatus', systemStatusRoute('20.0.9.100'));
    pbx.routes.set('/ActiveCalls', () => json(200, { value: [] }));
    const clock = testClock();
    const events: string[] = [];
    const client = clientFor(pbx.transport, clock, {
      onEvent: (event) => {
        if (event.type === 'token_fetched') events.push(`${event.unit}:${event.lifetimeSeconds}`);
      },
    });

    await client.systemStatus();
    expect(client.pbxVersion).toBe('20.0.9.100');
    clock.advance(50_000); // 60 seconds, not minutes: renew (margin = a quarter of 60 s)
    await client.activeCalls();
    expect(pbx.tokensIssued).toBe(2);
    expect(events).toEqual(['minutes:3600', 'seconds:60']);
  });

  it('is refetched once after a 401 and the request retried once', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ActiveCalls', () => json(200, { value: [{ Id: 7, Status: 'Ringing' }] }));
    const client = clientFor(pbx.transport);
    await client.activeCalls();

    pbx.rotateToken(); // another program with our client ID fetched a token
    expect(await client.activeCalls()).toEqual([{ Id: 7, Status: 'Ringing' }]);
    expect(pbx.transport.requestsTo('/connect/token')).toHaveLength(2);
  });

  it('shares one refetch between concurrent requests that all got 401', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ActiveCalls', () => json(200, { value: [] }));
    const client = clientFor(pbx.transport);
    await client.activeCalls();
    pbx.rotateToken();

    await Promise.all(Array.from({ length: 5 }, () => client.activeCalls()));
    expect(pbx.transport.requestsTo('/connect/token')).toHaveLength(2);
  });

  it('gives up with token_rejected when even a fresh token is refused', async () => {
    const transport = fakeTransport((_request, url) =>
      url.pathname === '/connect/token'
        ? json(200, { access_token: `t-${Math.random()}`, expires_in: 3600 })
        : { status: 401, headers: {}, body: '' },
    );
    const error = await failureOf(clientFor(transport).activeCalls());
    expect(error.kind).toBe('token_rejected');
    expect(error.status).toBe(401);
    expect(error.message).toContain('one active token per API client');
    expect(transport.requestsTo('/connect/token')).toHaveLength(2);
    expect(transport.requestsTo('/xapi')).toHaveLength(2);
    expectNoSecrets(
      error,
      transport.requests.map((r) => r.headers.authorization ?? '').filter(Boolean),
    );
  });

  it('names the fix when the client ID or secret is wrong, without repeating the secret', async () => {
    const pbx = new FakePbx();
    const client = new ThreeCxClient({
      pbxUrl: PBX,
      clientId: CLIENT_ID,
      clientSecret: 'wrong-secret-value',
      transport: pbx.transport,
    });
    const error = await failureOf(client.systemStatus());
    expect(error.kind).toBe('bad_credentials');
    expect(error.status).toBe(401);
    expect(error.message).toContain(
      '3CX rejected the client ID or secret (HTTP 401 from https://pbx.example.com:5001/connect/token).',
    );
    expect(error.message).toContain(
      'In the 3CX admin console open Integrations → API, check the Client ID (the DN number) and generate a new API key if needed.',
    );
    expect(error.message).not.toContain('wrong-secret-value');
  });

  it('says so when the token endpoint answers a web page instead of a token', async () => {
    const transport = fakeTransport(() => ({
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html><body>Sign in</body></html>',
    }));
    const error = await failureOf(clientFor(transport).systemStatus());
    expect(error.kind).toBe('unexpected_response');
    expect(error.problem).toContain('an HTML page');
  });
});

describe('XAPI errors a user can act on (docs/3cx-facts.md §1.7)', () => {
  function pbxAnswering(status: number, body: unknown = { error: { code: '', message: 'x' } }) {
    const pbx = new FakePbx();
    const route = () => json(status, body);
    for (const path of ['/SystemStatus', '/ReportCallLogData', '/ActiveCalls', '/E164Settings']) {
      pbx.routes.set(path, route);
    }
    return pbx;
  }

  it('403 on the call log: the role needs to be System Owner', async () => {
    const error = await failureOf(
      clientFor(pbxAnswering(403).transport).callLog({ from: T0, to: T0 + HOUR }),
    );
    expect(error.kind).toBe('forbidden_role');
    expect(error.status).toBe(403);
    expect(error.message).toContain(
      "The API client's role cannot read reports (HTTP 403 on the call log); 3CX needs the System Owner role for the call log (System Admin gets 403).",
    );
  });

  it('404 on SystemStatus: the XAPI is not available', async () => {
    const error = await failureOf(clientFor(pbxAnswering(404).transport).systemStatus());
    expect(error.kind).toBe('xapi_unavailable');
    expect(error.message).toMatch(/Enterprise licence/);
    expect(error.message).toMatch(/XAPI Access Enabled/);
  });

  it('404 on a report function: a missing parameter or an older PBX, not a missing XAPI', async () => {
    const error = await failureOf(
      clientFor(pbxAnswering(404).transport).callLog({ from: T0, to: T0 + HOUR }),
    );
    expect(error.kind).toBe('bad_request');
    expect(error.message).toContain('report parameter is missing');
  });

  it('500 is not retried and quotes what 3CX said', async () => {
    const pbx = pbxAnswering(500, {
      error: { code: '', message: 'periodFrom:\nWARNINGS.XAPI.INVALID' },
    });
    const error = await failureOf(clientFor(pbx.transport).systemStatus());
    expect(error.kind).toBe('server_error');
    expect(error.message).toContain('periodFrom: WARNINGS.XAPI.INVALID');
    expect(pbx.transport.requestsTo('/xapi')).toHaveLength(1);
  });

  it('503 is retried with backoff on the injected sleep, then succeeds', async () => {
    const pbx = new FakePbx();
    let calls = 0;
    pbx.routes.set('/E164Settings', () =>
      ++calls <= 2 ? json(503, {}) : json(200, { Enabled: true, CountryCode: '61' }),
    );
    const clock = testClock();
    const settings = await clientFor(pbx.transport, clock).e164Settings();
    expect(settings).toEqual({ Enabled: true, CountryCode: '61' });
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('503 for good: server_error after the retries', async () => {
    const pbx = pbxAnswering(503, '');
    const error = await failureOf(clientFor(pbx.transport).activeCalls());
    expect(error.kind).toBe('server_error');
    expect(error.retryable).toBe(true);
    expect(pbx.transport.requestsTo('/xapi')).toHaveLength(3);
  });

  it('a 200 that is not an OData collection is an unexpected response', async () => {
    const pbx = pbxAnswering(200, '<html>proxy</html>');
    const error = await failureOf(clientFor(pbx.transport).activeCalls());
    expect(error.kind).toBe('unexpected_response');
  });

  it.each([
    ['ECONNREFUSED', 'unreachable', /often 5001 on-premise, 443 hosted/],
    ['ENOTFOUND', 'unreachable', /spelling of the PBX address/],
    ['ETIMEDOUT', 'timeout', /did not answer the token request within 30 s/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'unreachable', /allow self-signed certificates/],
  ])('no answer (%s) is %s with a fix', async (code, kind, fix) => {
    const transport = fakeTransport(() => {
      throw new TransportError(code, `connect ${code}`);
    });
    const error = await failureOf(clientFor(transport).systemStatus());
    expect(error.kind).toBe(kind);
    expect(error.status).toBeNull();
    expect(error.networkCode).toBe(code);
    expect(error.message).toMatch(fix);
    expect(error.message).toContain('https://pbx.example.com:5001');
    expectNoSecrets(error);
  });

  it('a connection reset is retried', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ActiveCalls', () => json(200, { value: [] }));
    let resets = 1;
    const flaky: HttpTransport = {
      request: (request) => {
        if (resets-- > 0) return Promise.reject(new TransportError('ECONNRESET', 'socket hang up'));
        return pbx.transport.request(request);
      },
    };
    await expect(clientFor(flaky).activeCalls()).resolves.toEqual([]);
  });

  it("lets errors that are not about 3CX through untouched (Zapier's RefreshAuthError)", async () => {
    class RefreshAuthError extends Error {}
    const transport = fakeTransport(() => {
      throw new RefreshAuthError('refresh');
    });
    await expect(clientFor(transport).systemStatus()).rejects.toBeInstanceOf(RefreshAuthError);
  });

  it('passes the per-request timeout to the transport: longer for report pages', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ActiveCalls', () => json(200, { value: [] }));
    pbx.routes.set('/ReportCallLogData', callLogRoute([]));
    const client = clientFor(pbx.transport, testClock(), {
      timeoutMs: 5000,
      reportTimeoutMs: 60_000,
    });
    await client.activeCalls();
    await client.callLog({ from: T0, to: T0 + HOUR });
    expect(pbx.transport.requests.map((r) => r.timeoutMs)).toEqual([5000, 5000, 60_000]);
  });
});

describe('the call log (docs/3cx-facts.md §1.3)', () => {
  it('asks with all eleven parameters, paged and ordered', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ReportCallLogData', callLogRoute([]));
    await clientFor(pbx.transport).callLog({
      from: '2026-03-01T00:00:00Z',
      to: '2026-03-02T00:00:00Z',
    });
    const [request] = pbx.transport.requestsTo('/xapi');
    expect(request.url).toBe(
      `${PBX}/xapi/v1/ReportCallLogData/Pbx.GetCallLogData(periodFrom=2026-03-01T00:00:00Z,periodTo=2026-03-02T00:00:00Z,sourceType=0,sourceFilter='',destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)?$top=500&$skip=0&$orderby=StartTime%20asc&$count=true`,
    );
  });

  it('pages with $top/$skip until a short page', async () => {
    const pbx = new FakePbx();
    const legs = legsEvery(T0, 1234, 30);
    pbx.routes.set('/ReportCallLogData', callLogRoute(legs));
    const rows = await clientFor(pbx.transport).callLog({ from: T0, to: T0 + 12 * HOUR });
    expect(rows.map((r) => r.CdrId)).toEqual(legs.map((l) => l.CdrId));
    const skips = pbx.transport
      .requestsTo('/xapi')
      .map((r) => new URL(r.url).searchParams.get('$skip'));
    expect(skips).toEqual(['0', '500', '1000']);
  });

  it('reads one more, empty page when the rows fill the last page exactly', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ReportCallLogData', callLogRoute(legsEvery(T0, 200, 60)));
    const rows = await clientFor(pbx.transport).callLog({
      from: T0,
      to: T0 + 6 * HOUR,
      pageSize: 100,
    });
    expect(rows).toHaveLength(200);
    expect(pbx.transport.requestsTo('/xapi')).toHaveLength(3);
  });

  it('splits a long period into day windows and returns a leg at a window edge once', async () => {
    const pbx = new FakePbx();
    // One leg every 6 hours, so some sit exactly on a midnight window boundary.
    const legs = legsEvery(T0, 12, 6 * 3600);
    pbx.routes.set('/ReportCallLogData', callLogRoute(legs));
    const rows = await clientFor(pbx.transport).callLog({ from: T0, to: T0 + 3 * DAY });
    const periods = pbx.transport.requestsTo('/xapi').map((r) => {
      const p = functionParameters(new URL(r.url));
      return `${p.get('periodFrom')}..${p.get('periodTo')}`;
    });
    expect(periods).toEqual([
      '2026-03-01T00:00:00Z..2026-03-02T00:00:00Z',
      '2026-03-02T00:00:00Z..2026-03-03T00:00:00Z',
      '2026-03-03T00:00:00Z..2026-03-04T00:00:00Z',
    ]);
    expect(rows.map((r) => r.CdrId)).toEqual(legs.map((l) => l.CdrId));
  });

  it('halves a window that 3CX answers with 504, and still returns every leg', async () => {
    const pbx = new FakePbx();
    const legs = legsEvery(T0, 500, 170);
    pbx.routes.set('/ReportCallLogData', callLogRoute(legs, { maxPeriodMs: 6 * HOUR }));
    const halved: string[] = [];
    const client = clientFor(pbx.transport, testClock(), {
      onEvent: (event) => {
        if (event.type === 'window_halved') halved.push(`${event.from}..${event.to}`);
      },
    });
    const rows = await client.callLog({ from: T0, to: T0 + DAY });
    expect(rows.map((r) => r.CdrId)).toEqual(legs.map((l) => l.CdrId));
    expect(halved).toEqual([
      '2026-03-01T00:00:00.000Z..2026-03-02T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z..2026-03-01T12:00:00.000Z',
      '2026-03-01T12:00:00.000Z..2026-03-02T00:00:00.000Z',
    ]);
  });

  // 3CX reports are said to stop at 20,000 rows (docs/3cx-facts.md §1.3, unverified): paging past the
  // cap ends in a short page that looks like the end, and the rest of the window is lost.
  it.each(['total', 'capped', 'none'] as const)(
    'reads every leg of a window over the row cap (@odata.count: %s)',
    async (count) => {
      const pbx = new FakePbx();
      const legs = legsEvery(T0, 2500, 1);
      pbx.routes.set('/ReportCallLogData', callLogRoute(legs, { rowCap: 1000, count }));
      const halved: string[] = [];
      const client = clientFor(pbx.transport, testClock(), {
        maxRowsPerWindow: 1000,
        onEvent: (event) => {
          if (event.type === 'window_halved' && event.reason === 'rows') halved.push(event.from);
        },
      });
      const rows = await client.callLog({ from: T0, to: T0 + HOUR });
      expect(rows.map((r) => r.CdrId).sort()).toEqual(legs.map((l) => l.CdrId).sort());
      expect(halved.length).toBeGreaterThan(0);
    },
  );

  it('splits a window the count puts over the cap after one page, not after reading the cap', async () => {
    const pbx = new FakePbx();
    pbx.routes.set(
      '/ReportCallLogData',
      callLogRoute(legsEvery(T0, 1500, 2), { rowCap: 1000, count: 'total' }),
    );
    const client = clientFor(pbx.transport, testClock(), { maxRowsPerWindow: 1000 });
    await client.callLog({ from: T0, to: T0 + HOUR });
    const periods = pbx.transport.requestsTo('/xapi/v1/ReportCallLogData').map((r) => {
      const p = functionParameters(new URL(r.url));
      return `${p.get('periodFrom')}..${p.get('periodTo')} skip=${new URL(r.url).searchParams.get('$skip')}`;
    });
    expect(periods[0]).toBe('2026-03-01T00:00:00Z..2026-03-01T01:00:00Z skip=0');
    expect(periods[1]).toBe('2026-03-01T00:00:00Z..2026-03-01T00:30:00Z skip=0');
  });

  it('says so when even a minute holds more rows than 3CX returns', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ReportCallLogData', callLogRoute(legsEvery(T0, 3000, 0.01), { rowCap: 1000 }));
    const client = clientFor(pbx.transport, testClock(), { maxRowsPerWindow: 1000 });
    const error = await failureOf(client.callLog({ from: T0, to: T0 + HOUR }));
    expect(error.kind).toBe('query_too_large');
    expect(error.message).toMatch(/1000 or more rows of the call log in the \d+ seconds from/);
    expect(error.fix).toMatch(/call loop or a flood/);
  });

  it('gives up with query_too_large once the window cannot be halved further', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ReportCallLogData', () => ({ status: 504, headers: {}, body: '' }));
    const client = clientFor(pbx.transport, testClock(), { minWindowMs: 3 * HOUR });
    const error = await failureOf(client.callLog({ from: T0, to: T0 + DAY }));
    expect(error.kind).toBe('query_too_large');
    expect(error.status).toBe(504);
    expect(error.problem).toBe(
      '3CX timed out (HTTP 504) reading the call log even for the 180 minutes from 2026-03-01T00:00:00.000Z.',
    );
    // 24 h → 12 h → 6 h → 3 h: four requests, then the 3 h window is too small to halve.
    expect(pbx.transport.requestsTo('/xapi')).toHaveLength(4);
  });

  it('refuses a server that ignores $skip instead of looping for ever', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ReportCallLogData', callLogRoute(legsEvery(T0, 50, 60), { ignoreSkip: true }));
    const error = await failureOf(
      clientFor(pbx.transport).callLog({ from: T0, to: T0 + HOUR, pageSize: 10 }),
    );
    expect(error.kind).toBe('unexpected_response');
  });

  it('can leave out $orderby (docs/3cx-facts.md §7 q4: its reliability is unproven)', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ReportCallLogData', callLogRoute([]));
    await clientFor(pbx.transport).callLog({ from: T0, to: T0 + HOUR, orderBy: null });
    expect(pbx.transport.requestsTo('/xapi')[0].url).toMatch(/\?\$top=500&\$skip=0&\$count=true$/);
  });

  it('reads one page for a probe', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ReportCallLogData', callLogRoute(legsEvery(T0, 50, 60)));
    const rows = await clientFor(pbx.transport).callLogPage({ from: T0, to: T0 + HOUR, top: 1 });
    expect(rows).toHaveLength(1);
    expect(pbx.transport.requestsTo('/xapi')).toHaveLength(1);
  });
});

describe('the other endpoints (docs/3cx-facts.md §1.7)', () => {
  it('inbound calls: GetInboundCalls with all four parameters, rows with the DID', async () => {
    const pbx = new FakePbx();
    const row = {
      CdrId: 'c1',
      CallHistoryId: 'h1',
      StartTime: '2026-03-01T09:00:00Z',
      Did: '+61881234567',
      TrunkName: 'Main',
    };
    pbx.routes.set('/ReportInboundCalls', () => json(200, { value: [row] }));
    const rows = await clientFor(pbx.transport).inboundCalls({ from: T0, to: T0 + HOUR });
    expect(rows).toEqual([row]);
    expect(pbx.transport.requestsTo('/xapi')[0].url).toBe(
      `${PBX}/xapi/v1/ReportInboundCalls/Pbx.GetInboundCalls(periodFrom=2026-03-01T00:00:00Z,periodTo=2026-03-01T01:00:00Z,trunkDns='',callsType=0)?$top=500&$skip=0&$orderby=StartTime%20asc&$count=true`,
    );
  });

  it('last CDR timestamp: value[0].LastCdrStartedAt, null when none or not supported', async () => {
    const pbx = new FakePbx();
    let answer = json(200, {
      value: [{ LastCdrStartedAt: '2026-03-01T08:59:00Z', LastChatMessageTimeSent: null }],
    });
    pbx.routes.set('/LastCdrAndChatMessageTimestamp', () => answer);
    const client = clientFor(pbx.transport);
    expect(await client.lastCdrTimestamp()).toBe('2026-03-01T08:59:00Z');
    answer = json(200, { value: [] });
    expect(await client.lastCdrTimestamp()).toBeNull();
    answer = json(200, { value: [{ LastCdrStartedAt: '0001-01-01T00:00:00Z' }] });
    expect(await client.lastCdrTimestamp()).toBeNull();
    answer = json(404, { error: { message: 'Not found' } });
    expect(await client.lastCdrTimestamp()).toBeNull();
  });

  it('office hours are read with the holidays expanded', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/OfficeHours', () =>
      json(200, { TimeZoneId: 'Australia/Adelaide', OfficeHolidays: [{ Name: 'Easter' }] }),
    );
    const hours = await clientFor(pbx.transport).officeHours();
    expect(hours.TimeZoneId).toBe('Australia/Adelaide');
    expect(pbx.transport.requestsTo('/xapi')[0].url).toBe(
      `${PBX}/xapi/v1/OfficeHours?$expand=OfficeHolidays`,
    );
  });

  it('uses only the origin of the address the user pasted', () => {
    const client = clientFor(
      fakeTransport(() => json(200, {})),
      testClock(),
      {
        pbxUrl: 'https://admin:pw@pbx.example.com:5001/xapi/v1/#/office',
      },
    );
    expect(client.pbxUrl).toBe('https://pbx.example.com:5001');
    expect(
      clientFor(
        fakeTransport(() => json(200, {})),
        testClock(),
        { pbxUrl: 'pbx.example.com' },
      ).pbxUrl,
    ).toBe('https://pbx.example.com');
    expect(() =>
      clientFor(
        fakeTransport(() => json(200, {})),
        testClock(),
        { pbxUrl: 'ftp://x' },
      ),
    ).toThrow(ThreeCxError);
  });
});
