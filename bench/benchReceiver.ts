import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Arrival } from './simHost';

/**
 * A fast webhook receiver: 200 `{}` at once, keep-alive, and a note of when each event
 * arrived (its body complete). It keeps only the fields the benchmarks match on.
 * (test/support/receiver.ts is not compiled into dist, and does more than a benchmark needs.)
 */
export interface BenchReceiver {
  url: string;
  received: Arrival[];
  close(): Promise<void>;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  const received: Arrival[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      let event: { id?: string; event?: string; call_id?: string; location?: { id?: string } } = {};
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof event;
      } catch {
        // recorded with empty fields: the benchmark reports it as unmatched
      }
      received.push({
        at,
        path: req.url ?? '',
        eventId: event.id ?? '',
        event: event.event ?? '',
        callId: event.call_id ?? '',
        locationId: event.location?.id ?? '',
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
