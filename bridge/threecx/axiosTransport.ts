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
  /**
   * Where an answer's body is decoded and parsed (the bridge's work turns, bridge/workTurns.ts);
   * at once by default. A light pass of the call log is ~170 KB (~2 ms to decode and parse):
   * 200 PBXs' answers arriving in one turn of the event loop were each parsed in their socket's
   * callback, and together held the loop for 50–110 ms (issue 16, BENCHMARKS.md "stall").
   * Answers of at most {@link SMALL_ANSWER_BYTES} are parsed at once all the same.
   */
  bodyTurn?: <T>(work: () => T) => Promise<T>;
}

/**
 * Answers this small (bytes) are parsed where they arrive, never queued for a turn: a token, a
 * Call Control participant (under 1 KB), an `/ActiveCalls` list. Parsing one costs ~0.2 ms at
 * most, while a turn may wait for a whole slice of other work (up to 50 ms): the Call Control
 * stream reads a participant for every event, and in its turn each read added that wait to
 * hang-up → `call.missed` and first ring → `call.started` (BENCHMARKS.md, "small answers").
 */
export const SMALL_ANSWER_BYTES = 16 * 1024;

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
      let raw: unknown;
      let status: number;
      let headersOut: Record<string, string>;
      try {
        const response = await instance.request<unknown>({
          method: request.method,
          url: request.url,
          headers,
          data,
          timeout: request.timeoutMs,
          signal: deadline,
          httpsAgent,
          // The bytes as they came: decoded with the parse, in its turn (`bodyTurn`).
          responseType: 'arraybuffer',
          transformResponse: (raw: unknown) => raw,
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
        raw = response.data;
        status = response.status;
        headersOut = responseHeaders;
      } catch (error) {
        throw toTransportError(error, deadline.aborted, request.timeoutMs);
      }
      const bytes = bodyBytes(raw);
      const parse = () => parseResponseBody(bodyText(bytes), headersOut['content-type']);
      const inTurn = options.bodyTurn !== undefined && bytes.byteLength > SMALL_ANSWER_BYTES;
      return {
        status,
        headers: headersOut,
        body: inTurn ? await options.bodyTurn!(parse) : parse(),
      };
    },
  };
}

/**
 * The body's bytes as they came: a view of axios's `arraybuffer` answer, no copy (a string, from
 * an `axiosInstance` set up to answer text, is encoded back).
 */
function bodyBytes(raw: unknown): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (raw instanceof ArrayBuffer) return Buffer.from(raw);
  return Buffer.from(typeof raw === 'string' ? raw : '', 'utf8');
}

/** The body as text, UTF-8 without a byte-order mark (as axios's own `text` answers are). */
function bodyText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
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
