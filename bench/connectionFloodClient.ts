import { connect, type Socket } from 'node:net';

/**
 * The hostile clients of `npm run bench -- connections`, in a child process of their own (so
 * their sockets count against this process's file descriptors, not the bridge's):
 *
 * - `flood`: open `count` connections that never send a byte, `batch` at a time, from
 *   127.0.0.2, 127.0.0.3, … (`sources` addresses, so 20,000 connections do not use up the
 *   machine's ephemeral ports on one address), and keep every one the bridge leaves open;
 * - `trickle`: `count` requests announcing a 1,000,000-byte body, sent one byte every
 *   `everyMs`, each timed until the bridge closes it (or `giveUpMs` passes).
 */
export type FloodRequest =
  | { method: 'flood'; port: number; count: number; batch: number; sources: number }
  | { method: 'trickle'; port: number; count: number; everyMs: number; giveUpMs: number }
  | { method: 'release' };

export interface FloodReport {
  attempted: number;
  connected: number;
  refused: number;
  closedByBridge: number;
  stillOpen: number;
}

export interface TrickleReport {
  /** Milliseconds from the first byte to the bridge closing the connection; null: still open. */
  cutOffMs: Array<number | null>;
  /** Bytes of body each had sent when it was cut off (or gave up). */
  bodyBytes: number[];
}

const open = new Set<Socket>();

function connectOne(port: number, localAddress: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(null));
  });
}

async function flood(request: Extract<FloodRequest, { method: 'flood' }>): Promise<FloodReport> {
  const report: FloodReport = {
    attempted: 0,
    connected: 0,
    refused: 0,
    closedByBridge: 0,
    stillOpen: 0,
  };
  for (let start = 0; start < request.count; start += request.batch) {
    const sockets = await Promise.all(
      Array.from({ length: Math.min(request.batch, request.count - start) }, (_, i) =>
        connectOne(request.port, `127.0.0.${2 + ((start + i) % request.sources)}`),
      ),
    );
    for (const socket of sockets) {
      report.attempted++;
      if (!socket) {
        report.refused++;
        continue;
      }
      report.connected++;
      open.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => {
        if (open.delete(socket)) report.closedByBridge++;
      });
    }
  }
  // Let the last closes arrive.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  report.stillOpen = open.size;
  return report;
}

async function trickle(
  request: Extract<FloodRequest, { method: 'trickle' }>,
): Promise<TrickleReport> {
  const one = async (): Promise<{ cutOffMs: number | null; bodyBytes: number }> => {
    const socket = await connectOne(request.port, '127.0.0.2');
    if (!socket) return { cutOffMs: 0, bodyBytes: 0 };
    socket.on('error', () => {});
    // Cut off: the bridge's answer (408) or its end of the connection, whichever comes first
    // (the socket's own 'close' can wait for this side's next write).
    let closed = false;
    for (const event of ['data', 'end', 'close']) socket.once(event, () => (closed = true));
    socket.write(
      'POST /healthz HTTP/1.1\r\nHost: bridge\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n',
    );
    const started = performance.now();
    let bodyBytes = 0;
    while (!closed && performance.now() - started < request.giveUpMs) {
      socket.write('{');
      bodyBytes++;
      const until = performance.now() + request.everyMs;
      while (!closed && performance.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const cutOffMs = closed ? performance.now() - started : null;
    socket.destroy();
    return { cutOffMs, bodyBytes };
  };
  const results = await Promise.all(Array.from({ length: request.count }, one));
  return { cutOffMs: results.map((r) => r.cutOffMs), bodyBytes: results.map((r) => r.bodyBytes) };
}

process.on('message', (message: { id: number; request: FloodRequest }) => {
  const { id, request } = message;
  const work =
    request.method === 'flood'
      ? flood(request)
      : request.method === 'trickle'
        ? trickle(request)
        : Promise.resolve(
            (() => {
              for (const socket of open) socket.destroy();
              open.clear();
              return null;
            })(),
          );
  work.then(
    (result) => process.send!({ id, result }),
    (error: unknown) => process.send!({ id, error: String(error) }),
  );
});
