import dns from 'node:dns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { makeLoopbackCertificate } from '../../bench/benchTls';
import { AttemptTimeoutError } from '../../bridge/delivery/attemptError';
import { TargetRefusedError } from '../../bridge/delivery/targetAddress';
import { WebhookClient } from '../../bridge/delivery/webhookClient';
import { ensureBuilt } from '../support/builtBridge';
import { runNodeScript } from '../support/nodeScript';

/**
 * Webhooks over https to a fresh origin (docs/design.md "Delivery: the webhook client"): a burst
 * of deliveries does one full TLS handshake, and the other connections resume its session. The
 * bridge trusts a receiver's certificate only as an operator makes it (NODE_EXTRA_CA_CERTS, read
 * at process start), so the posts that must succeed come from a child process started with it.
 */
const ROOT = join(__dirname, '..', '..');
const EVENT = JSON.stringify({ id: 'evt_burst', event: 'call.missed', call_id: 'c1' });
const LOOPBACK_ONLY = { allowPrivate: false, allowLoopback: true };

let dir: string;
let certPath: string;
let server: https.Server;
let url: string;
const handshakes = { full: 0, resumed: 0 };
let received = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'webhook-client-tls-'));
  const made = makeLoopbackCertificate(dir);
  certPath = made.certPath;
  server = https.createServer(
    { key: readFileSync(made.keyPath), cert: readFileSync(certPath) },
    (req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    },
  );
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.isSessionReused()) handshakes.resumed++;
    else handshakes.full++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  handshakes.full = 0;
  handshakes.resumed = 0;
  received = 0;
});

describe('a burst of webhooks to a fresh https origin', () => {
  it('does one full TLS handshake; every other connection resumes its session', async () => {
    await ensureBuilt();
    const burst = 24;
    const out = await burstFromChild(url, burst);
    expect(out.statuses).toEqual(Array.from({ length: burst }, () => 200));
    expect(received).toBe(burst);
    expect(handshakes.full).toBe(1);
    // More than one connection was opened (the posts went side by side), all but the first resumed.
    expect(handshakes.resumed).toBeGreaterThan(0);
  });

  it('builds no TLS context per connection: one for the client, made with it', async () => {
    await ensureBuilt();
    const out = await burstFromChild(url, 24);
    expect(out.statuses.every((s) => s === 200)).toBe(true);
    expect(handshakes.full + handshakes.resumed).toBeGreaterThan(1);
    expect(out.contexts).toBe(1);
    // Made before the first post: the process's first context reads the root certificates.
    expect(out.contextsBeforePosts).toBe(1);
  });
});

describe('requests waiting behind a fresh origin’s first connection', () => {
  it('each get the TLS error when the first connection fails, not a timeout', async () => {
    // This process does not trust the certificate: every connection fails its handshake.
    const client = new WebhookClient(LOOPBACK_ONLY);
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () =>
          client.post(new URL(url), {}, Buffer.from(EVENT), 10_000).then(
            () => 'answered',
            (error: NodeJS.ErrnoException) => error.code,
          ),
        ),
      );
      expect(outcomes).toEqual(Array.from({ length: 5 }, () => 'DEPTH_ZERO_SELF_SIGNED_CERT'));
    } finally {
      client.close();
    }
  });

  it('time out at the attempt’s deadline when its handshake never finishes', async () => {
    const held = new Set<Socket>();
    // Accepts the connection and never answers the TLS hello.
    const silent: Server = createServer((socket) => {
      held.add(socket);
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const client = new WebhookClient(LOOPBACK_ONLY);
    try {
      const target = new URL(`https://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`);
      // The first post opens the connection and would wait long for it; the others wait behind it.
      const first = client.post(target, {}, Buffer.from(EVENT), 60_000).catch((e: unknown) => e);
      const outcomes = await Promise.all(
        Array.from({ length: 4 }, () =>
          client.post(target, {}, Buffer.from(EVENT), 200).then(
            () => 'answered',
            (error: unknown) => error,
          ),
        ),
      );
      for (const outcome of outcomes) expect(outcome).toBeInstanceOf(AttemptTimeoutError);
      // Only the first connection was opened; the others waited for it until their deadline.
      expect(held.size).toBe(1);
      client.close();
      // Closing the client ends the first post too (its connection is destroyed).
      expect(await first).toMatchObject({ code: expect.any(String) });
    } finally {
      client.close();
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('the address check with target URLs kept between posts', () => {
  let plain: http.Server;
  let port: number;

  beforeAll(async () => {
    plain = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    port = (plain.address() as AddressInfo).port;
  });

  afterAll(async () => {
    plain.closeAllConnections();
    await new Promise<void>((resolve) => plain.close(() => resolve()));
  });

  afterEach(() => jest.restoreAllMocks());

  const post = (client: WebhookClient, target: URL) =>
    client.post(target, {}, Buffer.from(EVENT), 5_000).then(
      (answer) => answer.statusCode,
      (error: unknown) => error,
    );

  it('judges each literal host, however like an allowed one the URL is', async () => {
    const client = new WebhookClient(LOOPBACK_ONLY);
    try {
      expect(await post(client, new URL(`http://127.0.0.1:${port}/hook?location=1`))).toBe(200);
      // The same port, path and query: only the host differs, and it is refused.
      const refused = await post(client, new URL(`http://10.0.0.1:${port}/hook?location=1`));
      expect(refused).toBeInstanceOf(TargetRefusedError);
      expect(refused).toMatchObject({ range: 'private' });
      // Refused every time, not only the first.
      expect(await post(client, new URL(`http://10.0.0.1:${port}/hook?location=1`))).toBeInstanceOf(
        TargetRefusedError,
      );
    } finally {
      client.close();
    }
  });

  it('judges a URL object again once its host has changed', async () => {
    const client = new WebhookClient(LOOPBACK_ONLY);
    try {
      const target = new URL(`http://127.0.0.1:${port}/hook`);
      expect(await post(client, target)).toBe(200);
      target.hostname = '169.254.169.254';
      expect(await post(client, target)).toMatchObject({ range: 'linkLocal' });
    } finally {
      client.close();
    }
  });

  it('checks a host name’s address on every connect (DNS rebinding), the URL kept or not', async () => {
    // The name answers loopback first (allowed here), then a private address.
    const answers = ['127.0.0.1', '10.0.0.1'];
    jest.spyOn(dns, 'lookup').mockImplementation(((
      _host: string,
      _options: unknown,
      callback: (error: null, addresses: dns.LookupAddress[]) => void,
    ) => {
      const address = answers.shift() ?? '10.0.0.1';
      process.nextTick(() => callback(null, [{ address, family: 4 }]));
    }) as unknown as typeof dns.lookup);
    const client = new WebhookClient(LOOPBACK_ONLY);
    try {
      const target = new URL(`http://rebinding.example:${port}/hook`);
      expect(await post(client, target)).toBe(200);
      // A new connection (the pooled one closed), so a new lookup: now refused.
      client.close();
      expect(await post(client, target)).toMatchObject({
        name: 'TargetRefusedError',
        address: '10.0.0.1',
      });
    } finally {
      client.close();
    }
  });
});

/**
 * `count` posts started at once by the built bridge's `WebhookClient`, in a child process that
 * trusts the test certificate; their statuses, and how many TLS contexts the process built.
 */
function burstFromChild(
  target: string,
  count: number,
): Promise<{ statuses: Array<number | string>; contexts: number; contextsBeforePosts: number }> {
  const script = `
    const tls = require('node:tls');
    let contexts = 0;
    const createSecureContext = tls.createSecureContext;
    tls.createSecureContext = (...args) => { contexts++; return createSecureContext(...args); };
    const { WebhookClient } = require(${JSON.stringify(join(ROOT, 'dist', 'bridge', 'delivery', 'webhookClient.js'))});
    const client = new WebhookClient(${JSON.stringify(LOOPBACK_ONLY)});
    const contextsBeforePosts = contexts;
    const body = Buffer.from(${JSON.stringify(EVENT)});
    Promise.all(Array.from({ length: ${count} }, () =>
      client.post(new URL(process.argv[1]), { 'content-type': 'application/json' }, body, 10000)
        .then((a) => a.statusCode, (e) => e.code || e.message)))
      .then((statuses) => { client.close(); process.stdout.write(JSON.stringify({ statuses, contexts, contextsBeforePosts })); });`;
  return runNodeScript(script, [target], { NODE_EXTRA_CA_CERTS: certPath });
}
