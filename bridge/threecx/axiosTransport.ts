import https from 'node:https';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import {
  encodeRequestBody,
  parseResponseBody,
  TransportError,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from '../../lib/threecx/httpTransport';

export interface AxiosTransportOptions {
  /**
   * Accept a self-signed or otherwise untrusted TLS certificate. On-premise PBXs often run
   * with one (docs/3cx-facts.md §6); off by default because it also accepts a man in the middle.
   */
  allowSelfSignedTls?: boolean;
  /** An axios instance to use (proxy settings, interceptors); a fresh one by default. */
  axiosInstance?: AxiosInstance;
}

/** The bridge's transport: axios (docs/design.md, Dependencies). */
export function createAxiosTransport(options: AxiosTransportOptions = {}): HttpTransport {
  const instance = options.axiosInstance ?? axios.create();
  const httpsAgent = options.allowSelfSignedTls
    ? new https.Agent({ rejectUnauthorized: false, keepAlive: true })
    : undefined;

  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      const { headers, body: data } = encodeRequestBody(request);
      // axios's own `timeout` is a socket-idle timer; the signal makes it a whole-request
      // deadline, so a PBX that trickles a huge report still ends at timeoutMs.
      const deadline = AbortSignal.timeout(request.timeoutMs);
      try {
        const response = await instance.request<string>({
          method: request.method,
          url: request.url,
          headers,
          data,
          timeout: request.timeoutMs,
          signal: deadline,
          httpsAgent,
          responseType: 'text',
          transformResponse: (raw: string) => raw,
          validateStatus: () => true,
          // A redirect comes back as it is: 3CX documents none (docs/3cx-facts.md), and a 3xx
          // is reported as "not a 3CX XAPI answer, check the URL" (lib/threecx/errors.ts
          // `notThreeCx`) instead of the bearer token or client secret following it. It also
          // spares each request axios's follow-redirects wrapper (issue 16: ~8 % of the
          // bridge's busy CPU polling 200 PBXs went through it, BENCHMARKS.md "loc5").
          maxRedirects: 0,
          transitional: { clarifyTimeoutError: true },
        });
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers ?? {})) {
          if (value === undefined || value === null) continue;
          responseHeaders[name.toLowerCase()] = Array.isArray(value)
            ? value.join(', ')
            : String(value);
        }
        const text = typeof response.data === 'string' ? response.data : '';
        return {
          status: response.status,
          headers: responseHeaders,
          body: parseResponseBody(text, responseHeaders['content-type']),
        };
      } catch (error) {
        throw toTransportError(error, deadline.aborted, request.timeoutMs);
      }
    },
  };
}

/** Keep the code and message; drop axios's config (it holds the secret or the bearer token). */
function toTransportError(error: unknown, timedOut: boolean, timeoutMs: number): TransportError {
  if (timedOut) return new TransportError('ETIMEDOUT', `no answer within ${timeoutMs} ms`);
  if (isAxiosError(error)) {
    const code = error.code === 'ECONNABORTED' ? 'ETIMEDOUT' : (error.code ?? 'ERR_NETWORK');
    const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
    return new TransportError(
      typeof causeCode === 'string' && code === 'ERR_NETWORK' ? causeCode : code,
      error.message,
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new TransportError(typeof code === 'string' ? code : 'ERR_NETWORK', message);
}
