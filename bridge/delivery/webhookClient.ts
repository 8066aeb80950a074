import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { urlToHttpOptions } from 'node:url';
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
 * Target URLs whose request fields are kept (`targetOf`): far more than a bridge's subscriptions
 * post to at once; past it the table starts again, which costs one parse a URL.
 */
const MAX_KEPT_TARGETS = 4096;

/**
 * What a POST needs of its target URL, read from the URL once (`targetOf`): its request fields as
 * Node's own `urlToHttpOptions` reads them (an IPv6 literal's brackets dropped, no port for the
 * scheme's default), as bridge/threecx/threecxTransport.ts reads its URLs. No `auth`: a
 * subscription's URL never has a user name (bridge/http/targetUrl.ts).
 */
type RequestTarget = ReturnType<typeof urlToHttpOptions>;

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
  /** The client's own copy: what `targetOf` kept was checked against it, and it never changes. */
  private readonly policy: TargetAddressPolicy;
  /**
   * One TLS context for every connection: without it each new connection builds its own
   * (~0.25 ms of CPU, BENCHMARKS.md `tlse2e`). Made with the client, not on its first post: the
   * first context of a process reads Node's root certificates (3–11 ms on this machine), and
   * the first post comes in a start's busiest second (BENCHMARKS.md, `stall13`). The same
   * default trust (Node's roots and NODE_EXTRA_CA_CERTS, read at process start).
   */
  private readonly secureContext = tls.createSecureContext();
  /**
   * Target URLs (by `href`) whose literal host the policy allows, with what a request needs of
   * them: a worker posts to the same few URLs thousands of times, and parsing an address with
   * ipaddr.js costs 2 µs a post warm, 10–40 µs in a process's first thousand (BENCHMARKS.md,
   * `stall13`). The check is a function of the host and the policy alone, so a kept answer
   * stays true; refusals are not kept. A host name is not judged here but on every connect
   * (`checkedLookup`), so keeping its URL skips no check of its address.
   */
  private readonly targets = new Map<string, RequestTarget>();

  constructor(policy: TargetAddressPolicy) {
    this.policy = { allowPrivate: policy.allowPrivate, allowLoopback: policy.allowLoopback };
  }

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
    const target = this.targetOf(url);
    const deadline = performance.now() + timeoutMs;
    try {
      return await this.send(target, headers, body, timeoutMs, deadline);
    } catch (error) {
      // A kept-alive connection the server closed just as it was reused: the request never
      // reached the subscriber, so it is sent again at once on a new connection (Node's
      // documented pattern for `request.reusedSocket`).
      if ((error as { reused?: boolean }).reused && performance.now() < deadline)
        return this.send(target, headers, body, deadline - performance.now(), deadline);
      throw error;
    }
  }

  /** The URL's request fields; throws TargetRefusedError when its literal host is refused. */
  private targetOf(url: URL): RequestTarget {
    const href = url.href;
    const kept = this.targets.get(href);
    if (kept) return kept;
    const refusal = literalHostRefusal(url, this.policy);
    if (refusal) throw refusal;
    if (this.targets.size >= MAX_KEPT_TARGETS) this.targets.clear();
    const target = urlToHttpOptions(url);
    this.targets.set(href, target);
    return target;
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
          secureContext: this.secureContext,
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
    port: RequestTarget['port'],
    deadline: number,
    timeoutMs: number,
  ): Promise<{ agent: https.Agent; opening: string | null }> {
    for (let turn = 0; ; turn++) {
      if (performance.now() >= deadline) throw new AttemptTimeoutError(Math.round(timeoutMs));
      const agent = this.agentsFor().https;
      // The agent's name for the origin's pool, as it computes it for this request (no Host
      // header is set, so no other server name enters it).
      const name = agent.getName({ host: hostname, port: port ?? 443 });
      const opens = this.gate.tryStart(agent, name);
      if (opens !== null) return { agent, opening: opens ? name : null };
      // Woken but beaten to it: back at the head of the queue, not its tail.
      await this.gate.wait(name, deadline, timeoutMs, turn > 0);
    }
  }

  private async send(
    target: RequestTarget,
    headers: Record<string, string>,
    body: Buffer,
    timeoutMs: number,
    deadline: number,
  ): Promise<WebhookAnswer> {
    const secure = target.protocol === 'https:';
    const { agent, opening } = secure
      ? await this.admitTls(target.hostname!, target.port, deadline, timeoutMs)
      : { agent: this.agentsFor().http, opening: null };
    return new Promise<WebhookAnswer>((resolve, reject) => {
      let answered = false;
      // One options object, not `(url, options)`: code that wraps `http.request` in the same
      // process (zapier-platform-core's request logging does, in the app's tests) may only know
      // the one-argument form, and would drop the method, headers and body of the other.
      const request = (secure ? https : http).request({
        ...target,
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
