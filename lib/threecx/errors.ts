import { isTlsCertificateCode, type TransportError } from './httpTransport';

/**
 * What went wrong talking to 3CX, in terms of what the user has to do about it.
 *
 * - `bad_credentials`: `/connect/token` refused the client ID or secret.
 * - `token_rejected`: the token was accepted, then refused again after a refetch; usually
 *   another program uses the same API client (one active token per client, docs/3cx-facts.md §1.2).
 * - `forbidden_role`: 403, the client's role is too weak (docs/3cx-facts.md §1.1).
 * - `xapi_unavailable`: no XAPI at this address (licence, version, "XAPI Access Enabled").
 * - `unreachable`, `timeout`: no HTTP answer at all.
 * - `bad_request`: 3CX refused our request (4xx); a PBX version mismatch or our bug.
 * - `query_too_large`: 504 even for the smallest call-log window (docs/3cx-facts.md §1.3).
 * - `server_error`: 5xx from the PBX or its proxy.
 * - `unexpected_response`: an answer that is not 3CX's (HTML, a login page, no token).
 */
export type ThreeCxErrorKind =
  | 'bad_credentials'
  | 'token_rejected'
  | 'forbidden_role'
  | 'xapi_unavailable'
  | 'unreachable'
  | 'timeout'
  | 'bad_request'
  | 'query_too_large'
  | 'server_error'
  | 'unexpected_response';

/** Kinds where trying again later, without anyone changing a setting, may well succeed. */
const RETRYABLE: ReadonlySet<ThreeCxErrorKind> = new Set([
  'token_rejected',
  'unreachable',
  'timeout',
  'query_too_large',
  'server_error',
]);

/**
 * Messages name the problem and the fix, and never contain the client secret or a token:
 * they end up in logs, the `3cx-bridge check` output and Zapier's run history.
 */
export class ThreeCxError extends Error {
  override readonly name = 'ThreeCxError';
  /** `problem` + `fix`. */
  override readonly message: string;

  constructor(
    readonly kind: ThreeCxErrorKind,
    /** What happened, in one sentence. */
    readonly problem: string,
    /** What the user should do about it. */
    readonly fix: string,
    /** The HTTP status, or null when no HTTP answer arrived. */
    readonly status: number | null = null,
    /** The transport's code (`ECONNREFUSED`, …) when no HTTP answer arrived. */
    readonly networkCode: string | null = null,
  ) {
    super(`${problem} ${fix}`);
    this.message = `${problem} ${fix}`;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

export function isThreeCxError(error: unknown): error is ThreeCxError {
  return error instanceof ThreeCxError;
}

/** What was being asked for, to put in messages: "the call log", "/SystemStatus". */
export interface RequestContext {
  pbxUrl: string;
  /** Human words for the resource: "the call log", "the system status". */
  what: string;
  /** A report function (`…/Pbx.GetCallLogData(…)`): 404 then means a parameter problem. */
  isReportFunction?: boolean;
  /** The call log specifically: its 403 has a known cause (docs/3cx-facts.md §1.1). */
  isCallLog?: boolean;
}

const CONSOLE_API_PAGE = 'In the 3CX admin console open Integrations → API';

/** `POST /connect/token` answered, but not with a token (docs/3cx-facts.md §1.2). */
export function tokenRequestError(status: number, body: unknown, pbxUrl: string): ThreeCxError {
  const oauthError = oauthErrorCode(body);
  if (
    status === 401 ||
    (status === 400 && (oauthError === 'invalid_client' || oauthError === 'unauthorized_client'))
  ) {
    return new ThreeCxError(
      'bad_credentials',
      `3CX rejected the client ID or secret (HTTP ${status} from ${pbxUrl}/connect/token).`,
      `${CONSOLE_API_PAGE}, check the Client ID (the DN number) and generate a new API key if needed.`,
      status,
    );
  }
  if (status === 404 || status === 405) {
    return new ThreeCxError(
      'xapi_unavailable',
      `${pbxUrl} has no 3CX token endpoint (HTTP ${status} from /connect/token).`,
      'Use the address you open the 3CX V20 admin console with (e.g. https://pbx.example.com:5001 on-premise, https://name.3cx.eu hosted); the XAPI needs V20 with an Enterprise licence.',
      status,
    );
  }
  if (status === 200) return notThreeCx(status, body, pbxUrl, 'the token request');
  return statusError(status, body, { pbxUrl, what: 'the token request' });
}

/** An XAPI answer that is not a success. */
export function xapiStatusError(
  status: number,
  body: unknown,
  context: RequestContext,
): ThreeCxError {
  const { pbxUrl, what } = context;
  if (status === 403) {
    return context.isCallLog
      ? new ThreeCxError(
          'forbidden_role',
          `The API client's role cannot read reports (HTTP 403 on ${what}); 3CX needs the System Owner role for the call log (System Admin gets 403).`,
          `${CONSOLE_API_PAGE}, edit the client and set its role to System Owner.`,
          status,
        )
      : new ThreeCxError(
          'forbidden_role',
          `The API client is not allowed to read ${what} (HTTP 403).`,
          `${CONSOLE_API_PAGE}, edit the client: tick "XAPI Access Enabled" and give it the System Owner role.`,
          status,
        );
  }
  if (status === 404) {
    // 3CX answers 404 both for an unknown URL and for a missing or misspelt function
    // parameter (docs/3cx-facts.md §1.3 "Errors", §1.7 [obs luxzg]).
    return context.isReportFunction
      ? new ThreeCxError(
          'bad_request',
          `3CX did not accept the request for ${what} (HTTP 404); 3CX answers 404 when a report parameter is missing or the PBX's version lacks this report.`,
          'Update the PBX to the latest V20 update; if it is current, report this with the PBX version.',
          status,
        )
      : new ThreeCxError(
          'xapi_unavailable',
          `3CX at ${pbxUrl} has no XAPI for ${what} (HTTP 404).`,
          `The XAPI needs 3CX V20 with an Enterprise licence, and the API client needs "XAPI Access Enabled" (3CX admin console, Integrations → API). Check the URL is the admin console address.`,
          status,
        );
  }
  return statusError(status, body, context);
}

function statusError(status: number, body: unknown, context: RequestContext): ThreeCxError {
  const { pbxUrl, what } = context;
  const said = serverMessage(body);
  const quoted = said ? `: "${said}"` : '';
  if (status === 504) {
    return new ThreeCxError(
      context.isReportFunction ? 'query_too_large' : 'server_error',
      `3CX (or a proxy in front of it) timed out answering ${what} (HTTP 504).`,
      context.isReportFunction
        ? 'The period asked for holds too many calls for the PBX; the bridge retries with smaller windows. If it persists, the PBX is overloaded: try again later.'
        : 'The PBX may be overloaded or restarting; the bridge retries. If it persists, check the PBX in the admin console.',
      status,
    );
  }
  if (status === 500) {
    return new ThreeCxError(
      'server_error',
      `3CX failed with an internal error on ${what} (HTTP 500${quoted}).`,
      '3CX answers 500 when a parameter has a wrong type or date format, or when the PBX is unhealthy: check its services in the admin console (Dashboard); if it persists, report it with the PBX version.',
      status,
    );
  }
  if (status >= 500) {
    return new ThreeCxError(
      'server_error',
      `3CX at ${pbxUrl} (or a proxy in front of it) answered HTTP ${status} for ${what}${quoted}.`,
      'The PBX may be restarting or updating; the bridge retries. If it persists, check the PBX services in the admin console.',
      status,
    );
  }
  if (status === 401) {
    return new ThreeCxError(
      'token_rejected',
      `3CX issued a token and then refused it (HTTP 401 on ${what}, also after fetching a new one).`,
      `3CX allows one active token per API client, so another program using the same Client ID replaces ours: give the bridge and the Zapier app each their own API client (3CX admin console, Integrations → API → Add).`,
      status,
    );
  }
  if (status >= 400) {
    return new ThreeCxError(
      'bad_request',
      `3CX refused the request for ${what} (HTTP ${status}${quoted}).`,
      'This points at a PBX version the bridge does not know or a bridge bug: report it with the PBX version.',
      status,
    );
  }
  return notThreeCx(status, body, pbxUrl, what);
}

/** A 2xx/3xx answer without the JSON 3CX sends: a proxy, a login page, a wrong URL. */
export function notThreeCx(
  status: number,
  body: unknown,
  pbxUrl: string,
  what: string,
): ThreeCxError {
  const shape =
    typeof body === 'string'
      ? body.trim() === ''
        ? 'an empty answer'
        : /^\s*</.test(body)
          ? 'an HTML page'
          : 'plain text'
      : 'JSON of an unexpected shape';
  return new ThreeCxError(
    'unexpected_response',
    `${pbxUrl} answered ${what} with ${shape} (HTTP ${status}), not a 3CX XAPI answer.`,
    'Check the URL is the 3CX V20 admin console address itself (not a proxy, login page or the web client), e.g. https://pbx.example.com:5001.',
    status,
  );
}

/** No HTTP answer at all (docs/3cx-facts.md §1.1 ports and IP restrictions, §6 self-signed TLS). */
export function networkError(
  error: TransportError,
  context: RequestContext,
  timeoutMs: number,
): ThreeCxError {
  const { pbxUrl, what } = context;
  const code = error.code;
  if (code === 'ETIMEDOUT') {
    return new ThreeCxError(
      'timeout',
      `3CX at ${pbxUrl} did not answer ${what} within ${Math.round(timeoutMs / 1000)} s.`,
      'Check the PBX is up and not overloaded, and the URL and port (often 5001 on-premise, 443 hosted); a firewall that drops packets also looks like this.',
      null,
      code,
    );
  }
  if (isTlsCertificateCode(code)) {
    return new ThreeCxError(
      'unreachable',
      `The TLS certificate of ${pbxUrl} is not trusted (${code}).`,
      "Use the PBX's public FQDN, which has a valid certificate, or, for an on-premise PBX with a self-signed certificate, allow self-signed certificates for this location.",
      null,
      code,
    );
  }
  if (answeredPlainHttp(error, pbxUrl)) {
    const plain = pbxUrl.replace(/^https:/i, 'http:');
    return new ThreeCxError(
      'unreachable',
      `The PBX answered plain HTTP, not HTTPS, at ${pbxUrl} (${code}).`,
      `Use ${plain} as the PBX address, or the port where the PBX serves HTTPS.`,
      null,
      code,
    );
  }
  const fix =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? 'The host name does not resolve: check the spelling of the PBX address.'
      : 'Check the URL and port (often 5001 on-premise, 443 hosted), and that no firewall or the 3CX console IP restrictions block this machine.';
  return new ThreeCxError(
    'unreachable',
    `Could not reach 3CX at ${pbxUrl} (${code}).`,
    fix,
    null,
    code,
  );
}

/** OData error bodies: `{"error":{"code","message","details"}}` (docs/xapi-schemas.md §2.10). */
function serverMessage(body: unknown): string | null {
  if (typeof body === 'string') return null;
  if (body === null || typeof body !== 'object') return null;
  const error = (body as { error?: unknown }).error;
  let message: unknown;
  if (error !== null && typeof error === 'object')
    message = (error as { message?: unknown }).message;
  else message = (body as { error_description?: unknown }).error_description;
  if (typeof message !== 'string' || message.trim() === '') return null;
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 197)}...` : oneLine;
}

function oauthErrorCode(body: unknown): string | null {
  if (body === null || typeof body !== 'object') return null;
  const error = (body as { error?: unknown }).error;
  return typeof error === 'string' ? error : null;
}

/**
 * A TLS handshake that read an HTTP answer instead: OpenSSL reports the first bytes
 * (`HTTP/1.1 400`) as a record of an unknown TLS version ("wrong version number", `EPROTO` in
 * Node), which is what a plain-HTTP server on an https:// address gives.
 */
function answeredPlainHttp(error: TransportError, pbxUrl: string): boolean {
  return (
    /^https:/i.test(pbxUrl) &&
    (error.code === 'EPROTO' || error.code === 'ERR_SSL_WRONG_VERSION_NUMBER') &&
    /wrong version number/i.test(error.message)
  );
}
