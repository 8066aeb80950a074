import https from 'node:https';
import {
  encodeRequestBody,
  parseResponseBody,
  TransportError,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from './httpTransport';

/**
 * The part of Zapier's `z` this adapter uses, typed structurally so `lib/` does not depend on
 * zapier-platform-core (DESIGN.md: lib imports only lib and libraries it needs at run time).
 * Field names follow `z.request` of zapier-platform-core 19.1.0 (`src/tools/request-client.js`,
 * `src/http-middlewares/after/prepare-response.js`).
 */
export interface ZapierRequester {
  request(options: ZapierRequestOptions): Promise<ZapierResponse>;
}

export interface ZapierRequestOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** A string body is sent as it is (no JSON or form coercion by Zapier). */
  body?: string;
  /** node-fetch's timeout in milliseconds. */
  timeout: number;
  /** We map statuses to errors ourselves (zapier-facts §2, §5). */
  skipThrowForStatus: true;
  /**
   * `z.request` splits the query off the URL and re-encodes it with `querystring`, which
   * turns `$top` into `%24top`; these characters are put back as they were sent.
   */
  skipEncodingChars?: string;
  agent?: https.Agent;
}

export interface ZapierResponse {
  status: number;
  /** The text of the answer. */
  content?: string;
  headers?: ZapierHeaders;
}

export interface ZapierHeaders {
  get(name: string): string | null;
  forEach?(callback: (value: string, name: string) => void): void;
}

/** OData system options and `$select` lists, readable as the 3CX console sends them. */
const QUERY_CHARS_KEPT = '$,';

export interface ZapierTransportOptions {
  /** Accept a self-signed TLS certificate on the PBX (3cx-facts §6). */
  allowSelfSignedTls?: boolean;
}

/**
 * The Zapier app's transport: every call goes through `z.request`, so Zapier logs it (with
 * secrets scrubbed) and counts it. Errors that are Zapier's own control flow
 * (`RefreshAuthError` for a 401 under session auth, `ThrottledError` for a 429; zapier-facts
 * §2, §5) are rethrown untouched so Zapier can act on them; only "no answer" failures become
 * {@link TransportError}s.
 *
 * One difference from axios that cannot be avoided: node-fetch v2 (under `z.request`) sends a
 * `'` in the path as `%27`. The PBX decodes the path before parsing the function parameters,
 * so `sourceFilter=%27%27` reads as `''` [inf: verify on a real PBX, 3cx-facts §7].
 */
export function createZapierTransport(
  z: ZapierRequester,
  options: ZapierTransportOptions = {},
): HttpTransport {
  const agent = options.allowSelfSignedTls
    ? new https.Agent({ rejectUnauthorized: false })
    : undefined;

  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      const { headers, body } = encodeRequestBody(request);
      let response: ZapierResponse;
      try {
        response = await z.request({
          url: request.url,
          method: request.method,
          headers,
          body,
          timeout: request.timeoutMs,
          skipThrowForStatus: true,
          skipEncodingChars: QUERY_CHARS_KEPT,
          ...(agent && request.url.startsWith('https:') ? { agent } : {}),
        });
      } catch (error) {
        throw networkFailure(error, request.timeoutMs) ?? error;
      }
      const responseHeaders = plainHeaders(response.headers);
      return {
        status: response.status,
        headers: responseHeaders,
        body: parseResponseBody(response.content ?? '', responseHeaders['content-type']),
      };
    },
  };
}

function plainHeaders(headers: ZapierHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (typeof headers.forEach === 'function') {
    headers.forEach((value, name) => {
      out[name.toLowerCase()] = value;
    });
  } else {
    const contentType = headers.get('content-type');
    if (contentType !== null) out['content-type'] = contentType;
  }
  return out;
}

/**
 * node-fetch (under `z.request`) rejects with a `FetchError`: `type: 'system'` plus Node's
 * `code` when the connection failed, `type: 'request-timeout'` when `timeout` expired.
 * Anything else is not a network failure and is left alone (null).
 */
function networkFailure(error: unknown, timeoutMs: number): TransportError | null {
  if (error === null || typeof error !== 'object') return null;
  const e = error as { name?: unknown; type?: unknown; code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : 'network failure';
  if (e.type === 'request-timeout' || e.name === 'AbortError') {
    return new TransportError('ETIMEDOUT', `no answer within ${timeoutMs} ms`);
  }
  if (e.name === 'FetchError' || e.type === 'system') {
    return new TransportError(typeof e.code === 'string' ? e.code : 'ERR_NETWORK', message);
  }
  return null;
}
