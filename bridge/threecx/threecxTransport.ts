import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import {
  encodeRequestBody,
  parseResponseBody,
  TransportError,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from '../../lib/threecx/httpTransport';

export interface ThreecxTransportOptions {
  /**
   * Accept a self-signed or otherwise untrusted TLS certificate. On-premise PBXs often run
   * with one (docs/3cx-facts.md §6); off by default because it also accepts a man in the middle.
   */
  allowSelfSignedTls?: boolean;
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

/**
 * The content codings asked for and decoded: a PBX reached over the internet may compress its
 * answers (a light pass of the call log is ~170 KB of JSON), as it could for axios before.
 */
const ACCEPT_ENCODING = 'gzip, deflate, br';

/**
 * The bridge's transport to 3CX: `node:http`/`node:https` with a keep-alive pool per location
 * (docs/design.md, Dependencies). Issue 16: axios's own request set-up was most of the 3CX
 * client's CPU in a start's first second (BENCHMARKS.md, `stall11` §1); measured on this
 * machine, a request over `node:http` costs ~40 % less CPU than over axios, both in a process's
 * first 200 requests and warm, where undici's `request` saves nothing in the first 200
 * (BENCHMARKS.md, `stall12`). The delivery worker posts over `node:http` for the same reason
 * (bridge/delivery/webhookClient.ts).
 */
export function createThreecxTransport(options: ThreecxTransportOptions = {}): HttpTransport {
  // As Node's global agents are set up (keep-alive, most recently used first, idle connections
  // closed after 5 s), which axios used; `proxyEnv` honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY
  // as axios did.
  const pool = {
    keepAlive: true,
    scheduling: 'lifo' as const,
    timeout: 5000,
    proxyEnv: process.env,
  };
  const agents = {
    http: new http.Agent(pool),
    https: new https.Agent({ ...pool, rejectUnauthorized: !options.allowSelfSignedTls }),
  };

  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      const { headers, body } = encodeRequestBody(request);
      // A whole-request deadline: a PBX that trickles a huge report still ends at timeoutMs.
      const deadline = AbortSignal.timeout(request.timeoutMs);
      let answer: Answer;
      try {
        answer = await exchange(request, headers, body, agents, deadline);
      } catch (error) {
        throw toTransportError(error, deadline.aborted, request.timeoutMs);
      }
      const { status, headers: headersOut, bytes } = answer;
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

interface Answer {
  status: number;
  /** Names in lower case; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  /** The body's bytes as they came (decompressed when the PBX compressed them). */
  bytes: Buffer;
}

/**
 * One request and its whole answer. A redirect comes back as it is: 3CX documents none
 * (docs/3cx-facts.md), and a 3xx is reported as "not a 3CX XAPI answer, check the URL"
 * (lib/threecx/errors.ts `notThreeCx`) instead of the bearer token or client secret following it.
 */
function exchange(
  request: HttpRequest,
  headers: Record<string, string>,
  body: string | undefined,
  agents: { http: http.Agent; https: https.Agent },
  signal: AbortSignal,
): Promise<Answer> {
  const sent: Record<string, string> = { 'accept-encoding': ACCEPT_ENCODING, ...headers };
  // One options object, the URL's parts read by Node's own `urlToHttpOptions` (what
  // `request(url, options)` does inside): a library that wraps `http.request` for the whole
  // process may know only the `(options, callback)` form, and would drop the method, headers,
  // agent and signal of the other (zapier-platform-core's request logging does, in the app's
  // tests; bridge/delivery/webhookClient.ts posts the same way).
  const target = urlToHttpOptions(new URL(request.url));
  const secure = target.protocol === 'https:';
  const options: http.RequestOptions = {
    ...target,
    method: request.method,
    headers: sent,
    agent: secure ? agents.https : agents.http,
    signal,
  };
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = (secure ? https : http).request(options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        // One chunk (most small answers) is handed on as it is, no copy.
        const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        const answerHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value === undefined) continue;
          answerHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        decoded(raw, answerHeaders).then(
          (bytes) => resolve({ status: response.statusCode ?? 0, headers: answerHeaders, bytes }),
          reject,
        );
      });
    });
    outgoing.on('error', reject);
    // The whole body in `end`: Node sends it with a content-length, not chunked.
    outgoing.end(body);
  });
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotliDecompress = promisify(zlib.brotliDecompress);

/**
 * The body without its content coding, off the main thread (zlib's async calls run in the
 * thread pool); the `content-encoding` header is dropped with it, as axios did.
 */
async function decoded(raw: Buffer, headers: Record<string, string>): Promise<Buffer> {
  const coding = headers['content-encoding']?.trim().toLowerCase();
  if (raw.byteLength === 0 || coding === undefined) return raw;
  let bytes: Buffer;
  if (coding === 'gzip' || coding === 'x-gzip') bytes = await gunzip(raw);
  // "deflate" is meant to be zlib-wrapped (RFC 9110 §8.4.1.2), but some servers send it raw.
  else if (coding === 'deflate')
    bytes = await (isZlibWrapped(raw) ? inflate(raw) : inflateRaw(raw));
  else if (coding === 'br') bytes = await brotliDecompress(raw);
  else return raw;
  delete headers['content-encoding'];
  return bytes;
}

/** A zlib header: compression method 8 in the low nibble, and the two bytes a multiple of 31. */
function isZlibWrapped(raw: Buffer): boolean {
  return raw.byteLength >= 2 && (raw[0] & 0x0f) === 8 && ((raw[0] << 8) | raw[1]) % 31 === 0;
}

/** The body as text, UTF-8 without a byte-order mark (as axios's own `text` answers were). */
function bodyText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Only a code and Node's message: the request's headers and body (the client secret, the bearer
 * token) never reach a {@link TransportError}.
 */
function toTransportError(error: unknown, timedOut: boolean, timeoutMs: number): TransportError {
  if (timedOut) return new TransportError('ETIMEDOUT', `no answer within ${timeoutMs} ms`);
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new TransportError(typeof code === 'string' ? code : 'ERR_NETWORK', message);
}
