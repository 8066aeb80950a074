import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ReceiverTls } from './benchTls';
import type { Arrival } from './simHost';

/**
 * A webhook receiver: 200 `{}`, keep-alive, and a note of when each event arrived (its body
 * complete). It keeps only the fields the benchmarks match on, read from the body when a
 * benchmark asks for the arrivals (`arrivals`), not as each one comes: Zapier's parsing is done
 * on Zapier's machines, and here it ran on the two cores the bridge has, in the very seconds a
 * start's catch-ups deliver their history (BENCHMARKS.md "stall10"). `?delay=MS` in a target URL
 * makes it answer that request after MS milliseconds, as a slow receiver would (Zapier takes
 * tens to hundreds of milliseconds to accept a hook). It listens on `ports` ports, all feeding
 * one list: each port is a target of its own for the bridge (an origin). With `tls` it serves
 * https with that key and certificate, as Zapier and Make do (bench/benchTls.ts).
 * (test/support/receiver.ts is not compiled into dist, and does more than a benchmark needs.)
 */
export interface BenchReceiver {
  /** One URL per port. */
  urls: string[];
  /** The events received so far, from the `from`th on, in the order their bodies completed. */
  arrivals(from?: number): Arrival[];
  /** How many events were received so far. */
  count(): number;
  /**
   * Connections accepted so far, over all ports; with TLS, how many of them resumed a session
   * (an abbreviated handshake) rather than doing a full one.
   */
  connections(): ReceiverConnections;
  close(): Promise<void>;
}

/** What {@link BenchReceiver.connections} counts. */
export interface ReceiverConnections {
  connections: number;
  /** TLS only: connections whose handshake resumed a session (0 over plain http). */
  resumed: number;
}

export async function startBenchReceiver(
  ports = 3,
  tls: ReceiverTls | null = null,
): Promise<BenchReceiver> {
  // An arrival stays a body until a benchmark reads it (`arrivals`), then is replaced by its
  // fields: read once, kept small.
  const received: Array<Arrival | Unread> = [];
  const servers: Server[] = [];
  const counts: ReceiverConnections = { connections: 0, resumed: 0 };
  for (let i = 0; i < ports; i++) {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ at: Date.now(), path: req.url ?? '', body: chunks });
        const delay = Number(/[?&]delay=(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
        const answer = () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        };
        if (delay > 0) setTimeout(answer, delay);
        else answer();
      });
    };
    const server: Server = tls ? createTlsServer(tls, onRequest) : createServer(onRequest);
    if (tls)
      server.on('secureConnection', (socket: TLSSocket) => {
        counts.connections++;
        if (socket.isSessionReused()) counts.resumed++;
      });
    else server.on('connection', () => counts.connections++);
    server.keepAliveTimeout = 60_000;
    server.maxRequestsPerSocket = 0;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return {
    urls: servers.map(
      (s) => `${tls ? 'https' : 'http'}://127.0.0.1:${(s.address() as AddressInfo).port}/hook`,
    ),
    arrivals: (from = 0) => {
      for (let i = from; i < received.length; i++) {
        const entry = received[i];
        if ('body' in entry) received[i] = arrivalOf(entry);
      }
      return received.slice(from) as Arrival[];
    },
    count: () => received.length,
    connections: () => ({ ...counts }),
    close: () =>
      Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
  };
}

/** A received event not read yet: when its body completed, its path, its body's chunks. */
interface Unread {
  at: number;
  path: string;
  body: Buffer[];
}

/** The fields the benchmarks match on; a body that is not JSON gives empty fields (unmatched). */
export function arrivalOf({ at, path, body }: Unread): Arrival {
  let event: { id?: string; event?: string; call_id?: string; location?: { id?: string } } = {};
  try {
    event = JSON.parse(Buffer.concat(body).toString('utf8')) as typeof event;
  } catch {
    // recorded with empty fields: the benchmark reports it as unmatched
  }
  return {
    at,
    path,
    eventId: event.id ?? '',
    event: event.event ?? '',
    callId: event.call_id ?? '',
    locationId: event.location?.id ?? '',
  };
}
