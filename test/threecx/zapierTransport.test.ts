import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ThreeCxClient } from '../../lib/threecx/client';
import { ThreeCxError } from '../../lib/threecx/errors';
import { createZapierTransport, type ZapierRequester } from '../../lib/threecx/zapierTransport';

// The real zapier-platform-core: its `z.request` is what the adapter has to fit.
const zapier = require('zapier-platform-core') as {
  version: string;
  createAppTester: (app: object) => (fn: unknown, bundle: object) => Promise<unknown>;
};

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback PBX: token, SystemStatus, a paged call log; every second token dies at once. */
function loopbackPbx(seen: Seen[]) {
  let issued = 0;
  let current = '';
  let rotateAfterFirstUse = true;
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('content-type', 'application/json; charset=utf-8');
      const url = new URL(req.url ?? '/', 'http://pbx');
      if (url.pathname === '/connect/token') {
        const form = new URLSearchParams(body);
        if (form.get('client_secret') !== 'zap-secret') {
          res.statusCode = 401;
          res.end('{"error":"unauthorized"}');
          return;
        }
        current = `zt-${++issued}`;
        res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: current }));
        return;
      }
      if (req.headers.authorization !== `Bearer ${current}`) {
        res.statusCode = 401;
        res.end();
        return;
      }
      if (rotateAfterFirstUse) {
        // Another program with the same client takes the token after our first call.
        rotateAfterFirstUse = false;
        current = 'someone-else';
      }
      if (url.pathname === '/xapi/v1/SystemStatus') {
        res.end(JSON.stringify({ Id: 1, Version: '20.0.10.1040' }));
        return;
      }
      if (url.pathname.startsWith('/xapi/v1/ReportCallLogData/')) {
        const skip = Number(url.searchParams.get('$skip'));
        const top = Number(url.searchParams.get('$top'));
        const all = Array.from({ length: 7 }, (_, i) => ({
          CdrId: `c${i}`,
          CallId: i,
          StartTime: `2026-03-01T09:0${i}:00Z`,
        }));
        res.end(JSON.stringify({ value: all.slice(skip, skip + top) }));
        return;
      }
      res.statusCode = 404;
      res.end('{"error":{"code":"","message":"Not found"}}');
    });
  });
}

/** Run `body(z)` inside a Zapier create, the way the Zapier app will. */
async function withZ<T>(
  body: (z: ZapierRequester) => Promise<T>,
  authentication?: object,
): Promise<T> {
  let result: { value?: T; error?: unknown } = {};
  const perform = async (z: ZapierRequester) => {
    try {
      result = { value: await body(z) };
    } catch (error) {
      result = { error };
    }
    return { ok: true };
  };
  const app = {
    version: '1.0.0',
    platformVersion: zapier.version,
    ...(authentication ? { authentication } : {}),
    creates: {
      probe: {
        key: 'probe',
        noun: 'Probe',
        display: { label: 'Probe', description: 'Probes the PBX.' },
        operation: { perform, sample: { ok: true } },
      },
    },
  };
  await zapier.createAppTester(app)(perform, { authData: {}, inputData: {} });
  if ('error' in result) throw result.error;
  return result.value as T;
}

describe('the z.request transport, with the real zapier-platform-core', () => {
  const seen: Seen[] = [];
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = loopbackPbx(seen);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
  });

  function clientOver(z: ZapierRequester, clientSecret = 'zap-secret', pbxUrl = base) {
    return new ThreeCxClient({
      pbxUrl,
      clientId: '901',
      clientSecret,
      transport: createZapierTransport(z),
      sleep: async () => undefined,
      pageSize: 3,
    });
  }

  it('carries the token request, the 401 refetch and the paged call log', async () => {
    const { status, rows } = await withZ(async (z) => {
      const client = clientOver(z);
      const status = await client.systemStatus(); // then the token is taken by "someone else"
      const rows = await client.callLog({
        from: '2026-03-01T09:00:00Z',
        to: '2026-03-01T10:00:00Z',
      });
      return { status, rows };
    });
    expect(status.Version).toBe('20.0.10.1040');
    expect(rows.map((r) => r.CdrId)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);

    const token = seen[0];
    expect(token.method).toBe('POST');
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(token.body))).toEqual({
      client_id: '901',
      client_secret: 'zap-secret',
      grant_type: 'client_credentials',
    });
    expect(seen.filter((s) => s.url === '/connect/token')).toHaveLength(2);
    const callLog = seen.filter((s) => s.url.includes('GetCallLogData'));
    expect(callLog.map((s) => new URL(s.url, base).searchParams.get('$skip'))).toEqual([
      '0',
      '0', // the retry after the 401
      '3',
      '6',
    ]);
    // `$` options stay readable; node-fetch writes `'` as %27, which the PBX decodes.
    expect(callLog[0].url).toContain('?$top=3&$skip=0&$orderby=StartTime%20asc');
    expect(decodeURIComponent(callLog[0].url)).toContain("sourceFilter='',");
  });

  it('maps a wrong secret to bad_credentials', async () => {
    const error = await withZ((z) => clientOver(z, 'wrong').systemStatus()).catch((e) => e);
    expect(error).toBeInstanceOf(ThreeCxError);
    expect((error as ThreeCxError).kind).toBe('bad_credentials');
  });

  it('maps a refused connection to unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await withZ((z) =>
      clientOver(z, 'zap-secret', `http://127.0.0.1:${port}`).systemStatus(),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(ThreeCxError);
    expect((error as ThreeCxError).kind).toBe('unreachable');
    expect((error as ThreeCxError).networkCode).toBe('ECONNREFUSED');
  });

  it('maps no answer in time to timeout', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const error = await withZ((z) =>
        new ThreeCxClient({
          pbxUrl: `http://127.0.0.1:${port}`,
          clientId: '901',
          clientSecret: 'zap-secret',
          transport: createZapierTransport(z),
          timeoutMs: 200,
        }).systemStatus(),
      ).catch((e) => e);
      expect((error as ThreeCxError).kind).toBe('timeout');
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("under session auth, Zapier's own RefreshAuthError passes through for Zapier to act on", async () => {
    const session = {
      type: 'session',
      fields: [],
      test: () => ({}),
      sessionConfig: { perform: () => ({}) },
    };
    const error = await withZ(async (z) => {
      const transport = createZapierTransport(z);
      // A stale token straight to the XAPI: Zapier turns the 401 into RefreshAuthError.
      return transport.request({
        method: 'GET',
        url: `${base}/xapi/v1/SystemStatus`,
        headers: { authorization: 'Bearer stale' },
        timeoutMs: 5000,
      });
    }, session).catch((e) => e);
    expect((error as Error).name).toBe('RefreshAuthError');
  });
});
