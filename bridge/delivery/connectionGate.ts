import type http from 'node:http';
import type { Socket } from 'node:net';
import { AttemptTimeoutError } from './attemptError';

/** One origin (an agent's pool: `agent.getName()`), as the gate tracks it. */
interface Origin {
  /** Connections set up and not closed. */
  open: number;
  /** New connections on their way (TCP connect, then the TLS handshake). */
  opening: number;
  /** Requests waiting for the first connection to be set up. */
  waiting: Array<() => void>;
}

/**
 * To an https origin with no connection open, one connection opens first and the requests behind
 * it wait until it is set up (docs/design.md "Delivery: the webhook client").
 *
 * Over TLS a connection resumes the session of an earlier one (an abbreviated handshake: no
 * certificate sent or verified), but the agent has a session to offer only once a handshake has
 * finished and the server's session ticket has come. A burst of requests to a fresh origin (the
 * worker starting on a backlog, a target's first deliveries) would otherwise open one
 * connection each, every one a full handshake: on this machine 1.3 ms of the bridge's CPU
 * against 1.1 ms resumed, more with a longer certificate chain, and the receiver's work and a
 * round trip each as well (BENCHMARKS.md, `tlse2e`). Once the first is set up (its session
 * came, or its answer, from a server that issues none) the rest go at once and resume it. A
 * first connection that fails lets the next waiting request open one. Waiting counts against
 * the attempt's timeout.
 */
export class ConnectionGate {
  private readonly origins = new Map<string, Origin>();

  /**
   * Whether a request to the origin `name` of `agent` may start now: false when a pooled
   * connection is free for it, true when it will open a new one (then {@link opening} must
   * follow that request), null when it must {@link wait}.
   */
  tryStart(agent: http.Agent, name: string): boolean | null {
    if ((agent.freeSockets[name]?.length ?? 0) > 0) return false;
    const origin = this.origin(name);
    if (origin.open === 0 && origin.opening > 0) return null;
    origin.opening++;
    return true;
  }

  /**
   * Follow the connection `request` opens (`tryStart` said true): it is set up once its TLS
   * session or its answer comes, and failed if the request closes first.
   */
  opening(name: string, request: http.ClientRequest): void {
    const origin = this.origin(name);
    let done = false;
    const settle = (socket: Socket | null) => {
      if (done) return;
      done = true;
      origin.opening--;
      if (socket && !socket.destroyed) {
        origin.open++;
        socket.once('close', () => {
          origin.open--;
          this.forget(name, origin);
        });
      }
      // Set up: every waiting request may go. Failed: the longest waiting opens the next one.
      const next = origin.open > 0 ? origin.waiting.splice(0) : origin.waiting.splice(0, 1);
      for (const start of next) start();
      this.forget(name, origin);
    };
    request.once('close', () => settle(null));
    request.once('response', () => settle(request.socket));
    request.once('socket', (socket: Socket) => {
      socket.once('session', () => settle(socket));
    });
  }

  /**
   * Resolves when a request that could not start may try again (`first`: it was woken before
   * and beaten to it, so it keeps its place); rejects with AttemptTimeoutError at `deadline`.
   */
  wait(name: string, deadline: number, timeoutMs: number, first: boolean): Promise<void> {
    const origin = this.origin(name);
    return new Promise<void>((resolve, reject) => {
      const start = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          const at = origin.waiting.indexOf(start);
          if (at >= 0) origin.waiting.splice(at, 1);
          this.forget(name, origin);
          reject(new AttemptTimeoutError(Math.round(timeoutMs)));
        },
        Math.max(1, deadline - performance.now()),
      );
      if (first) origin.waiting.unshift(start);
      else origin.waiting.push(start);
    });
  }

  /** Let every waiting request go (the pools were closed: they open new ones). */
  releaseAll(): void {
    const origins = [...this.origins.values()];
    this.origins.clear();
    for (const origin of origins) for (const start of origin.waiting.splice(0)) start();
  }

  private origin(name: string): Origin {
    let origin = this.origins.get(name);
    if (!origin) {
      origin = { open: 0, opening: 0, waiting: [] };
      this.origins.set(name, origin);
    }
    return origin;
  }

  /** Nothing left to track for an origin: dropped, so that many origins cost no memory. */
  private forget(name: string, origin: Origin): void {
    if (origin.open === 0 && origin.opening === 0 && origin.waiting.length === 0)
      if (this.origins.get(name) === origin) this.origins.delete(name);
  }
}
