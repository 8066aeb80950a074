import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { AttemptTimeoutError } from './attemptError';
import { ConnectionGate } from './connectionGate';
import { checkedLookup, literalHostRefusal, type TargetAddressPolicy } from './targetAddress';

/** What a subscriber answered: the status decides the delivery; the body is read and dropped. */
export interface WebhookAnswer {
  statusCode: number;
  retryAfter: string | null;
}

/** A subscriber's answer body is never needed: more than this and the socket is closed instead. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs events over `node:http`/`node:https` with keep-alive agents: one connection pool per
 * target origin, reused across deliveries. Measured on this machine, a keep-alive `node:http`
 * POST costs 80–90 µs of CPU against `fetch`'s 210–400 µs (BENCHMARKS.md), and the agents
 * take a `lookup`, which is where a target's resolved address is checked (targetAddress.ts:
 * checked on connect, so DNS rebinding cannot slip past a check made earlier). No new
 * dependency: undici's Pool would do as well, but `fetch` (undici underneath) was the slow
 * part, and the agents' `reusedSocket` gives the documented answer to the keep-alive race.
 */
export class WebhookClient {
  private agents: { http: http.Agent; https: https.Agent } | null = null;
  /** https only: plain http has no session to wait for. */
  private readonly gate = new ConnectionGate();

  constructor(private readonly policy: TargetAddressPolicy) {}

  /**
   * One POST, bounded by `timeoutMs` from start to the last byte of the answer. Rejects with the
   * network error (AttemptTimeoutError, TargetRefusedError, a socket or TLS error).
   */
  async post(
    url: URL,
    headers: Record<string, string>,
    body: Buffer,
    timeoutMs: number,
  ): Promise<WebhookAnswer> {
    const refusal = literalHostRefusal(url, this.policy);
    if (refusal) throw refusal;
    const deadline = performance.now() + timeoutMs;
    try {
      return await this.send(url, headers, body, timeoutMs, deadline);
    } catch (error) {
      // A kept-alive connection the server closed just as it was reused: the request never
      // reached the subscriber, so it is sent again at once on a new connection (Node's
      // documented pattern for `request.reusedSocket`).
      if ((error as { reused?: boolean }).reused && performance.now() < deadline)
        return this.send(url, headers, body, deadline - performance.now(), deadline);
      throw error;
    }
  }

  /** Close every pooled connection (the worker stopping); the next post opens new ones. */
  close(): void {
    this.agents?.http.destroy();
    this.agents?.https.destroy();
    this.agents = null;
    this.gate.releaseAll();
  }

  private agentsFor() {
    if (!this.agents) {
      const options = {
        keepAlive: true,
        // Most recently used first: a burst reuses warm connections and the rest idle out.
        scheduling: 'lifo' as const,
        maxFreeSockets: 256,
        // Idle pooled connections are closed after this (unless the server's Keep-Alive hint
        // is shorter: Node reads it).
        timeout: 30_000,
        lookup: checkedLookup(this.policy),
      };
      this.agents = {
        http: new http.Agent(options),
        https: new https.Agent({
          ...options,
          // One context for every connection: without it each new connection builds its own
          // (~0.25 ms of CPU, BENCHMARKS.md `tlse2e`). The same default trust (Node's roots
          // and NODE_EXTRA_CA_CERTS), read when the agents are made.
          secureContext: tls.createSecureContext(),
        }),
      };
    }
    return this.agents;
  }

  /**
   * Wait until a request to an https origin may start (connectionGate.ts). `opening`: the
   * origin's pool name when the request opens a new connection, which the gate then follows.
   */
  private async admitTls(
    hostname: string,
    port: string,
    deadline: number,
    timeoutMs: number,
  ): Promise<{ agent: https.Agent; opening: string | null }> {
    for (let turn = 0; ; turn++) {
      if (performance.now() >= deadline) throw new AttemptTimeoutError(Math.round(timeoutMs));
      const agent = this.agentsFor().https;
      // The agent's name for the origin's pool, as it computes it for this request (no Host
      // header is set, so no other server name enters it).
      const name = agent.getName({ host: hostname, port: port || 443 });
      const opens = this.gate.tryStart(agent, name);
      if (opens !== null) return { agent, opening: opens ? name : null };
      // Woken but beaten to it: back at the head of the queue, not its tail.
      await this.gate.wait(name, deadline, timeoutMs, turn > 0);
    }
  }

  private async send(
    url: URL,
    headers: Record<string, string>,
    body: Buffer,
    timeoutMs: number,
    deadline: number,
  ): Promise<WebhookAnswer> {
    const secure = url.protocol === 'https:';
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const { agent, opening } = secure
      ? await this.admitTls(hostname, url.port, deadline, timeoutMs)
      : { agent: this.agentsFor().http, opening: null };
    return new Promise<WebhookAnswer>((resolve, reject) => {
      let answered = false;
      // One options object, not `(url, options)`: code that wraps `http.request` in the same
      // process (zapier-platform-core's request logging does, in the app's tests) may only know
      // the one-argument form, and would drop the method, headers and body of the other.
      const request = (secure ? https : http).request({
        protocol: url.protocol,
        hostname,
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(body.length) },
      });
      if (opening !== null) this.gate.opening(opening, request);
      const timer = setTimeout(
        () => request.destroy(new AttemptTimeoutError(Math.round(timeoutMs))),
        Math.max(1, deadline - performance.now()),
      );
      request.on('error', (error) => {
        clearTimeout(timer);
        if (answered) return;
        const reused =
          request.reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET';
        reject(reused ? Object.assign(error, { reused: true }) : error);
      });
      request.on('response', (response) => {
        answered = true;
        const retryAfter = response.headers['retry-after'];
        resolve({
          statusCode: response.statusCode ?? 0,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
        });
        // Read the body to its end so the connection goes back to the pool; a large one is
        // not worth reading.
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_ANSWER_BYTES) response.destroy();
        });
        response.on('close', () => clearTimeout(timer));
        response.on('error', () => clearTimeout(timer));
      });
      request.end(body);
    });
  }
}
