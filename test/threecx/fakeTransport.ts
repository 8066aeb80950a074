import type { HttpRequest, HttpResponse, HttpTransport } from '../../lib/threecx/httpTransport';

/**
 * An in-memory stand-in for the network under the 3CX client: it records every request and
 * answers from a handler. Only the world outside lib/threecx is faked; the client, token cache
 * and error mapping under test are the real ones.
 */
export interface FakeTransport extends HttpTransport {
  requests: HttpRequest[];
  /** Requests to a path (after the origin), query included. */
  requestsTo(pathPrefix: string): HttpRequest[];
}

export type FakeHandler = (request: HttpRequest, url: URL) => HttpResponse | Promise<HttpResponse>;

export function fakeTransport(handler: FakeHandler): FakeTransport {
  const requests: HttpRequest[] = [];
  return {
    requests,
    requestsTo(pathPrefix: string) {
      return requests.filter((r) => new URL(r.url).pathname.startsWith(pathPrefix));
    },
    async request(request: HttpRequest): Promise<HttpResponse> {
      requests.push(request);
      // Let concurrent callers interleave the way a real network would.
      await Promise.resolve();
      return handler(request, new URL(request.url));
    },
  };
}

export function json(status: number, body: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body };
}

export const PBX = 'https://pbx.example.com:5001';
export const CLIENT_ID = '900';
export const CLIENT_SECRET = 'sup3r-secret-api-key';

/** A fake PBX that issues numbered tokens and checks them, like 3CX (one token per client). */
export class FakePbx {
  tokensIssued = 0;
  currentToken: string | null = null;
  expiresIn = 3600;
  /** Route handlers for XAPI paths (pathname after `/xapi/v1`). */
  routes = new Map<string, (url: URL) => HttpResponse>();
  readonly transport: FakeTransport;

  constructor() {
    this.transport = fakeTransport((request, url) => this.handle(request, url));
  }

  /** Pretend another program with the same client fetched a token: ours is dead. */
  rotateToken(): void {
    this.currentToken = `stolen-${++this.tokensIssued}`;
  }

  private handle(request: HttpRequest, url: URL): HttpResponse {
    if (url.pathname === '/connect/token') {
      const form = request.form ?? {};
      if (form.client_id !== CLIENT_ID || form.client_secret !== CLIENT_SECRET) {
        return json(401, {
          error: 'unauthorized',
          error_description: 'The request requires valid user authentication.',
        });
      }
      this.currentToken = `token-${++this.tokensIssued}`;
      return json(200, {
        token_type: 'Bearer',
        expires_in: this.expiresIn,
        access_token: this.currentToken,
        refresh_token: null,
      });
    }
    if (request.headers.authorization !== `Bearer ${this.currentToken}`) {
      return { status: 401, headers: {}, body: '' };
    }
    const path = url.pathname.replace(/^\/xapi\/v1/, '');
    for (const [prefix, route] of this.routes) {
      if (decodeURIComponent(path).startsWith(prefix)) return route(url);
    }
    return json(404, { error: { code: '', message: 'Not found' } });
  }
}
