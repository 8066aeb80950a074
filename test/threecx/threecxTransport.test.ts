import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { createThreecxTransport, SMALL_ANSWER_BYTES } from '../../bridge/threecx/threecxTransport';
import { TransportError } from '../../lib/threecx/httpTransport';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function recordingServer(handler: Handler, seen: Seen[]): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
}

describe('the 3CX transport, over loopback', () => {
  const seen: Seen[] = [];
  let handler: Handler = (_req, res) => res.end();
  let server: http.Server;
  let base: string;
  const transport = createThreecxTransport();

  beforeAll(async () => {
    server = recordingServer((req, res, body) => handler(req, res, body), seen);
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
  });

  it('posts a form url-encoded', async () => {
    handler = (_req, res) => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end('{"access_token":"abc","expires_in":60}');
    };
    const response = await transport.request({
      method: 'POST',
      url: `${base}/connect/token`,
      headers: { accept: 'application/json' },
      form: { client_id: '900', client_secret: 'a b&c=d', grant_type: 'client_credentials' },
      timeoutMs: 5000,
    });
    expect(seen[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(seen[0].body).get('client_secret')).toBe('a b&c=d');
    expect(response).toMatchObject({ status: 200, body: { access_token: 'abc', expires_in: 60 } });
  });

  it('sends the XAPI URL exactly as built, quotes and $ options included', async () => {
    handler = (_req, res) => res.end('{"value":[]}');
    const pathAndQuery =
      "/xapi/v1/ReportCallLogData/Pbx.GetCallLogData(periodFrom=2026-03-01T00:00:00Z,sourceFilter='a%20b',hidePcalls=true)?$top=500&$skip=0&$orderby=StartTime%20asc";
    await transport.request({
      method: 'GET',
      url: base + pathAndQuery,
      headers: {},
      timeoutMs: 5000,
    });
    expect(seen[0].url).toBe(pathAndQuery);
  });

  it('answers every HTTP status instead of throwing, with text or JSON bodies', async () => {
    handler = (req, res) => {
      if (req.url === '/json') {
        res.statusCode = 401;
        res.setHeader('content-type', 'application/json');
        res.end('{"error":"unauthorized"}');
      } else {
        res.statusCode = 504;
        res.setHeader('X-Proxy', 'nginx');
        res.end('<html>Gateway Time-out</html>');
      }
    };
    const a = await transport.request({
      method: 'GET',
      url: `${base}/json`,
      headers: {},
      timeoutMs: 5000,
    });
    expect(a).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    const b = await transport.request({
      method: 'GET',
      url: `${base}/html`,
      headers: {},
      timeoutMs: 5000,
    });
    expect(b.status).toBe(504);
    expect(b.body).toBe('<html>Gateway Time-out</html>');
    expect(b.headers['x-proxy']).toBe('nginx');
  });

  it('does not follow a redirect: the 3xx comes back as it is', async () => {
    handler = (req, res) => {
      if (req.url === '/moved') {
        res.statusCode = 301;
        res.setHeader('location', `${base}/elsewhere`);
        res.end();
      } else res.end('{"value":[]}');
    };
    const response = await transport.request({
      method: 'GET',
      url: `${base}/moved`,
      headers: { authorization: 'Bearer secret-token' },
      timeoutMs: 5000,
    });
    expect(response.status).toBe(301);
    expect(response.headers.location).toBe(`${base}/elsewhere`);
    expect(seen.map((s) => s.url)).toEqual(['/moved']);
  });

  it('decodes UTF-8 and drops a byte-order mark, as a text answer always was', async () => {
    handler = (_req, res) => {
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(Buffer.from('\ufeffMüller – 3CX', 'utf8'));
    };
    const response = await transport.request({
      method: 'GET',
      url: `${base}/text`,
      headers: {},
      timeoutMs: 5000,
    });
    expect(response.body).toBe('Müller – 3CX');
  });

  it('parses each answer in a turn of its own when given one (issue 16: no stall over 50 ms)', async () => {
    // Just over the size parsed at once: the light pass of a call log is ~170 KB.
    const pad = 'x'.repeat(SMALL_ANSWER_BYTES);
    handler = (req, res) => res.end(`{"value":[{"path":"${req.url}","pad":"${pad}"}]}`);
    // Turns that run only when the test says: the answers have all arrived by then.
    const held: Array<() => void> = [];
    const turned = createThreecxTransport({
      bodyTurn: (work) => new Promise((resolve) => held.push(() => resolve(work()))),
    });
    const settled: unknown[] = [];
    const answers = ['/a', '/b', '/c'].map((path) =>
      turned
        .request({ method: 'GET', url: `${base}${path}`, headers: {}, timeoutMs: 5000 })
        .then((response) => settled.push(response.body)),
    );
    while (held.length + settled.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    // Every answer is in, none parsed: the socket callbacks only handed the bytes on.
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toEqual([]);
    held.shift()!();
    await answers[0];
    expect(settled).toEqual([{ value: [{ path: '/a', pad }] }]);
    for (const turn of held.splice(0)) turn();
    await Promise.all(answers);
    expect(settled).toHaveLength(3);
  });

  it('parses a small answer at once, without waiting for a turn (a Call Control participant)', async () => {
    const body = JSON.stringify({ id: 7, pad: 'y'.repeat(SMALL_ANSWER_BYTES - 30) });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(SMALL_ANSWER_BYTES);
    handler = (_req, res) => res.end(body);
    // A turn that never comes: only an answer parsed at once can resolve.
    let turnsAsked = 0;
    const turned = createThreecxTransport({
      bodyTurn: () => (turnsAsked++, new Promise<never>(() => undefined)),
    });
    const response = await turned.request({
      method: 'GET',
      url: `${base}/participant`,
      headers: {},
      timeoutMs: 5000,
    });
    expect(response.body).toEqual(JSON.parse(body));
    expect(turnsAsked).toBe(0);
  });

  it('rejects with ETIMEDOUT when no answer comes in time', async () => {
    handler = () => undefined; // never answers
    const error = await transport
      .request({ method: 'GET', url: `${base}/slow`, headers: {}, timeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('ETIMEDOUT');
  });

  it('rejects with ECONNREFUSED for a closed port, without the secret in the error', async () => {
    const closed = http.createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await transport
      .request({
        method: 'POST',
        url: `http://127.0.0.1:${port}/connect/token`,
        headers: {},
        form: { client_secret: 'do-not-leak-me' },
        timeoutMs: 5000,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('ECONNREFUSED');
    const everything = `${String(error)} ${(error as Error).stack} ${JSON.stringify(error)}`;
    expect(everything).not.toContain('do-not-leak-me');
  });

  it('rejects with ETIMEDOUT when the answer stops half-way: the deadline covers the whole body', async () => {
    handler = (_req, res) => {
      res.setHeader('content-length', '1000');
      res.write('{"value":['); // and never the rest
    };
    const error = await transport
      .request({ method: 'GET', url: `${base}/trickle`, headers: {}, timeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('ETIMEDOUT');
  });

  it('rejects with ECONNRESET when the connection drops mid-answer (a retried blip)', async () => {
    handler = (req, res) => {
      res.setHeader('content-length', '1000');
      res.write('{"value":[');
      setTimeout(() => req.socket.destroy(), 10);
    };
    const error = await transport
      .request({ method: 'GET', url: `${base}/reset`, headers: {}, timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('ECONNRESET');
  });

  it.each([
    ['gzip', 'gzip', (json: Buffer) => gzipSync(json)],
    ['deflate', 'deflate', (json: Buffer) => deflateSync(json)],
    ['raw deflate', 'deflate', (json: Buffer) => deflateRawSync(json)],
    ['br', 'br', (json: Buffer) => brotliCompressSync(json)],
  ])('asks for compressed answers and decodes a %s one', async (_name, coding, compress) => {
    const json = Buffer.from(JSON.stringify({ value: [{ Id: 1, Name: 'Müller' }] }));
    handler = (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-encoding', coding);
      res.end(compress(json));
    };
    const response = await transport.request({
      method: 'GET',
      url: `${base}/compressed`,
      headers: { accept: 'application/json' },
      timeoutMs: 5000,
    });
    expect(seen[0].headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(response.body).toEqual({ value: [{ Id: 1, Name: 'Müller' }] });
    expect(response.headers['content-encoding']).toBeUndefined();
  });

  it('keeps one connection to a PBX for request after request (keep-alive)', async () => {
    const sockets = new Set<unknown>();
    handler = (req, res) => (sockets.add(req.socket), res.end('{"value":[]}'));
    const own = createThreecxTransport();
    for (let i = 0; i < 3; i++)
      await own.request({
        method: 'GET',
        url: `${base}/ActiveCalls`,
        headers: {},
        timeoutMs: 5000,
      });
    expect(sockets.size).toBe(1);
  });

  it('still works when http.request is wrapped to take (options, callback) only', async () => {
    // zapier-platform-core wraps `http.request` so, for the whole process, once a Zapier test
    // has run in a jest worker; a `(url, options, callback)` call then lost its options and its
    // callback, and the bridge's polls hung (a CI run of test/zapier/bridge.integration).
    handler = (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"value":[1]}');
    };
    const original = http.request;
    const wrapped = (options: http.RequestOptions, callback?: (r: http.IncomingMessage) => void) =>
      original(options, callback);
    (http as { request: unknown }).request = wrapped;
    try {
      const response = await createThreecxTransport().request({
        method: 'POST',
        url: `${base}/xapi/v1/Defs?$select=Id`,
        headers: { authorization: 'Bearer t' },
        form: { a: 'b' },
        timeoutMs: 2000,
      });
      expect(response).toMatchObject({ status: 200, body: { value: [1] } });
      expect(seen[0]).toMatchObject({
        method: 'POST',
        url: '/xapi/v1/Defs?$select=Id',
        body: 'a=b',
        headers: { authorization: 'Bearer t' },
      });
    } finally {
      (http as { request: unknown }).request = original;
    }
  });

  it('goes through the proxy named in HTTP_PROXY, as axios did', async () => {
    const proxied: string[] = [];
    const proxy = http.createServer((req, res) => (proxied.push(req.url ?? ''), res.end('{}')));
    const proxyPort = await listen(proxy);
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = `http://127.0.0.1:${proxyPort}`;
    try {
      const response = await createThreecxTransport().request({
        method: 'GET',
        url: 'http://pbx.example.invalid/xapi/v1/SystemStatus',
        headers: {},
        timeoutMs: 5000,
      });
      expect(response.status).toBe(200);
      expect(proxied).toEqual(['http://pbx.example.invalid/xapi/v1/SystemStatus']);
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});

describe('the 3CX transport and self-signed TLS (docs/3cx-facts.md §6)', () => {
  let dir: string;
  let server: https.Server;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'threecx-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    server = https.createServer(
      {
        key: readFileSync(path.join(dir, 'key.pem')),
        cert: readFileSync(path.join(dir, 'cert.pem')),
      },
      (_req, res) => res.end('{"Version":"20.0.10.1040"}'),
    );
    base = `https://127.0.0.1:${await listen(server)}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a self-signed certificate by default, with a TLS code', async () => {
    const error = await createThreecxTransport()
      .request({ method: 'GET', url: `${base}/xapi/v1/SystemStatus`, headers: {}, timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('accepts it when allowed', async () => {
    const response = await createThreecxTransport({ allowSelfSignedTls: true }).request({
      method: 'GET',
      url: `${base}/xapi/v1/SystemStatus`,
      headers: {},
      timeoutMs: 5000,
    });
    expect(response).toMatchObject({ status: 200, body: { Version: '20.0.10.1040' } });
  });
});
