import { connect, type Socket } from 'node:net';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * Connections without a key are bounded (issue 14, item 1): a client that trickles a request
 * is cut off, and idle connections up to the cap never keep others out. The timeouts are
 * configured short and the cap small; nothing here measures time (the figures for 20,000
 * connections are in BENCHMARKS.md, from bench/connectionFlood.ts).
 */

/** A raw connection to the bridge that records what it receives and whether it was closed. */
interface RawConnection {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
  isClosed: () => boolean;
}

async function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {});
  return {
    socket,
    received: () => received,
    isClosed: () => closed,
    closed: new Promise((resolve) =>
      socket.once('close', () => {
        closed = true;
        resolve();
      }),
    ),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Announce a 1,000,000-byte body and send it one byte every 50 ms, as the probe in issue 14 did
 * (one every 20 s), until the bridge closes the connection. Gives up after 400 bytes (20 s),
 * 50 times the configured request timeout: a bridge without the timeout fails the test there.
 */
async function trickle(
  url: string,
  head: string,
): Promise<{ bytesSent: number; answer: string; cutOff: boolean }> {
  const connection = await openRaw(url);
  connection.socket.write(
    `${head}Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`,
  );
  let bytesSent = 0;
  while (!connection.isClosed() && bytesSent < 400) {
    connection.socket.write('{');
    bytesSent++;
    await sleep(50);
  }
  const cutOff = connection.isClosed();
  connection.socket.destroy();
  return { bytesSent, answer: connection.received(), cutOff };
}

describe('a client that trickles its request', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({
      bridge: {
        limits: {
          requestTimeoutMs: 500,
          headersTimeoutMs: 500,
          timeoutCheckIntervalMs: 100,
          perKeyPerMinute: 0,
          perTemplateKeyPerMinute: 0,
          perAddressPerMinute: 0,
          failedAuthPerMinute: 0,
        },
      },
    });
  });
  afterAll(() => t.close());

  it('is cut off without a key: the probe of issue 14 against /healthz', async () => {
    const result = await trickle(t.url, 'POST /healthz HTTP/1.1\r\nHost: bridge\r\n');
    expect(result.cutOff).toBe(true);
    expect(result.bytesSent).toBeLessThan(1_000_000);
    // The bridge stays healthy.
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('is cut off with a key too, with a 408 in the API error shape', async () => {
    const result = await trickle(
      t.url,
      `POST /v1/hooks HTTP/1.1\r\nHost: bridge\r\nAuthorization: Bearer ${t.apiKey}\r\n`,
    );
    expect(result.cutOff).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    const body = JSON.parse(result.answer.slice(result.answer.indexOf('\r\n\r\n') + 4));
    expect(body).toEqual({ error: 'request_timeout', message: expect.any(String) });
  });

  it('is cut off when it never finishes its headers', async () => {
    const connection = await openRaw(t.url);
    connection.socket.write('GET /healthz HTTP/1.1\r\nHost: bridge\r\n');
    let headerBytes = 0;
    while (!connection.isClosed() && headerBytes < 400) {
      connection.socket.write('X');
      headerBytes++;
      await sleep(50);
    }
    expect(connection.isClosed()).toBe(true);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe('idle connections up to the cap', () => {
  const CAP = 200;
  let t: TestBridge;
  const connections: RawConnection[] = [];
  beforeAll(async () => {
    // The default (long) timeouts: the idle connections stay until the cap moves them.
    t = await startTestBridge({ bridge: { limits: { maxConnections: CAP } } });
  });
  afterAll(async () => {
    for (const c of connections) c.socket.destroy();
    await t.close();
  });

  it('leave /healthz answering: the connection idle the longest makes room', async () => {
    const cap = t.bridge.api.connectionCap;
    for (let i = 0; i < CAP; i++) connections.push(await openRaw(t.url));
    while (cap.open() < CAP) await sleep(10);
    expect(cap.open()).toBe(CAP);
    expect(cap.evicted()).toBe(0);

    // With the cap reached, a new client still gets its answer.
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    // It took the place of the oldest idle connection, and the count never passed the cap.
    await connections[0].closed;
    expect(cap.evicted()).toBeGreaterThanOrEqual(1);
    expect(connections.slice(1).filter((c) => c.isClosed())).toEqual([]);
    expect(cap.open()).toBeLessThanOrEqual(CAP);

    // An idle connection that then sends a request is served like any other.
    const last = connections[CAP - 1];
    last.socket.write('GET /healthz HTTP/1.1\r\nHost: bridge\r\nConnection: close\r\n\r\n');
    await last.closed;
    expect(last.received()).toMatch(/^HTTP\/1\.1 200 /);
  });
});
