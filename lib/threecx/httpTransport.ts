/**
 * The only thing the 3CX client needs from an HTTP library.
 *
 * The client lives in the core and the bridge gives it a `node:http` transport
 * (bridge/threecx/threecxTransport.ts), so it speaks to this interface and never to a library. A transport answers every HTTP status as a response (the client decides
 * what a 401 or a 504 means, docs/3cx-facts.md §1.7 "Errors"); it rejects only when no HTTP answer
 * arrived at all, with a {@link TransportError} carrying a Node-style error code.
 */
export interface HttpTransport {
  request(request: HttpRequest): Promise<HttpResponse>;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute and already encoded: a transport must send it as it is. */
  url: string;
  headers: Record<string, string>;
  /** A JSON body. */
  body?: unknown;
  /** Sent as `application/x-www-form-urlencoded` (the token request, docs/3cx-facts.md §1.2). */
  form?: Record<string, string>;
  /** Give up after this long without a complete answer and reject with `ETIMEDOUT`. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** Parsed JSON when the answer is JSON, otherwise the text (possibly empty). */
  body: unknown;
}

/**
 * Codes a transport uses when no HTTP answer arrived. Node's own codes where one exists, so
 * the message to the user can name the likely cause (wrong host, closed port, firewall).
 * TLS failures keep Node's/OpenSSL's code (`DEPTH_ZERO_SELF_SIGNED_CERT`, …).
 */
export type TransportErrorCode =
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'ETIMEDOUT'
  | 'ENOTFOUND'
  | 'EAI_AGAIN'
  | 'EHOSTUNREACH'
  | 'ENETUNREACH'
  | 'EPIPE'
  | (string & {});

/**
 * "No HTTP answer": carries only a code and a short message. Deliberately no request config,
 * headers or body: a logged library error (axios's carries its config) would otherwise carry the
 * client secret of the token request or the bearer token.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isTransportError(error: unknown): error is TransportError {
  return error instanceof TransportError;
}

/** TLS verification failures: the PBX answered, but with a certificate we do not trust. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isTlsCertificateCode(code: string): boolean {
  return TLS_CODES.has(code);
}

/**
 * JSON when it parses, otherwise the text. 3CX answers JSON for data and errors, but a reverse
 * proxy in front of it (504 pages, captive portals, a wrong URL) answers HTML or nothing.
 */
export function parseResponseBody(text: string, contentType: string | undefined): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  const looksJson =
    (contentType ?? '').toLowerCase().includes('json') ||
    trimmed.startsWith('{') ||
    trimmed.startsWith('[');
  if (!looksJson) return text;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return text;
  }
}

/** `application/x-www-form-urlencoded`, as both adapters send a {@link HttpRequest.form}. */
export function encodeForm(form: Record<string, string>): string {
  return new URLSearchParams(form).toString();
}

/** The wire form of a request body: a form is URL-encoded, anything else JSON. */
export function encodeRequestBody(request: HttpRequest): {
  headers: Record<string, string>;
  body: string | undefined;
} {
  const headers = { ...request.headers };
  if (request.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    return { headers, body: encodeForm(request.form) };
  }
  if (request.body !== undefined) {
    headers['content-type'] = 'application/json';
    return { headers, body: JSON.stringify(request.body) };
  }
  return { headers, body: undefined };
}
