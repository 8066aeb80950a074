import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionCap {
  /** Connections open now. */
  open(): number;
  /** Connections closed so far to make room for new ones. */
  evicted(): number;
}

/**
 * At most `max` open connections on `server`, without letting idle ones lock anyone out.
 *
 * Node's own `server.maxConnections` refuses every new connection once the cap is reached, so
 * 20,000 connections that send nothing would keep `/healthz`, 3CX and Zapier out until they
 * time out. Here a new connection at the cap instead closes the connection that has been idle
 * the longest: one between keep-alive requests, or one still sending its request (which is
 * what a slow or trickling client does). A connection whose request has fully arrived and is
 * being answered is never closed; only when every connection is busy like that is the new one
 * refused. An attacker's idle connections therefore make room for everyone else's.
 */
export function capConnections(server: Server, max: number): ConnectionCap {
  /** Open sockets, least recently used first (a new request moves a socket to the end). */
  const sockets = new Map<Socket, Exchange | null>();
  let evicted = 0;

  server.on('connection', (socket: Socket) => {
    if (sockets.size >= max) {
      const idle = oldestIdle(sockets);
      if (!idle) {
        socket.destroy();
        return;
      }
      sockets.delete(idle);
      idle.destroy();
      evicted++;
    }
    sockets.set(socket, null);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    if (!sockets.has(socket)) return;
    sockets.delete(socket);
    sockets.set(socket, { request, response });
  });

  return { open: () => sockets.size, evicted: () => evicted };
}

interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
}

/**
 * Busy: the whole request has arrived (`complete`) and the answer is not yet written. Anything
 * else waits for the client: no request yet, a request still arriving, or a finished answer.
 */
function isBusy(exchange: Exchange | null): boolean {
  return exchange !== null && exchange.request.complete && !exchange.response.writableEnded;
}

function oldestIdle(sockets: Map<Socket, Exchange | null>): Socket | null {
  for (const [socket, exchange] of sockets) if (!isBusy(exchange)) return socket;
  return null;
}
