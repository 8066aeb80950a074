/**
 * What a Zapier user reads when the bridge says no. The bridge answers every error with
 * `{error, message, details?}` and a status that says what happened (the error shape at the top of docs/api.md);
 * anything else means the Bridge URL points somewhere that is not a bridge. Zapier shows these
 * messages in the Zap editor and in Zap history, so they say what to do, not just what failed.
 */
export const REVOKED_KEY_MESSAGE =
  'The bridge rejected the API key: it may have been revoked. Create a new one with `3cx-bridge key create` and reconnect.';

export type BridgeErrorKind =
  /** 401: the connection must be fixed by the user (Zapier `ExpiredAuthError`). */
  | 'auth'
  /** 429: try again later (Zapier `ThrottledError`). */
  | 'throttled'
  /** Anything else: a run error with a message (Zapier `Error`). */
  | 'error';

export interface BridgeError {
  kind: BridgeErrorKind;
  message: string;
  /** The bridge's `error` code, or `http_<status>` when the answer was not the bridge's. */
  code: string;
  status: number;
  /** Seconds, from `Retry-After`, for `throttled`. */
  retryAfterSeconds?: number;
}

interface BridgeErrorBody {
  error: string;
  message?: string;
  details?: { path?: string; message?: string }[];
}

function parseBridgeErrorBody(content: string | undefined): BridgeErrorBody | null {
  if (!content) return null;
  try {
    const body: unknown = JSON.parse(content);
    if (body && typeof body === 'object' && typeof (body as BridgeErrorBody).error === 'string') {
      return body as BridgeErrorBody;
    }
  } catch {
    // not JSON: not the bridge (a proxy's error page, a web site)
  }
  return null;
}

function bridgeReason(body: BridgeErrorBody): string {
  if (body.message && body.message.trim() !== '') return body.message.trim();
  const details = (body.details ?? [])
    .map((d) => [d.path, d.message].filter(Boolean).join(': '))
    .filter((d) => d !== '');
  return details.length > 0 ? details.join('; ') : body.error;
}

function endSentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** Classify a failed answer (status >= 400) from the bridge. */
export function describeBridgeError(response: {
  status: number;
  content?: string;
  retryAfter?: string | null;
}): BridgeError {
  const { status } = response;
  const body = parseBridgeErrorBody(response.content);
  const code = body?.error ?? `http_${status}`;

  if (status === 401) return { kind: 'auth', message: REVOKED_KEY_MESSAGE, code, status };

  if (status === 429) {
    const seconds = Number(response.retryAfter);
    return {
      kind: 'throttled',
      message:
        'The bridge is receiving too many requests right now; Zapier will try again shortly.',
      code,
      status,
      ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterSeconds: seconds } : {}),
    };
  }

  if (!body) {
    const hint =
      status === 404 || status === 405
        ? 'The Bridge URL may not point at a 3CX bridge: check it in your Zapier connection (it is the address where the bridge is reachable, without /v1).'
        : status >= 500
          ? 'The bridge, or a proxy in front of it, may be down or restarting. Try again in a few minutes; if it keeps happening, check that the bridge is running.'
          : 'Check the Bridge URL in your Zapier connection.';
    return {
      kind: 'error',
      message: `The bridge could not be used (HTTP ${status}, and the answer was not from a 3CX bridge). ${hint}`,
      code,
      status,
    };
  }

  const reason = endSentence(bridgeReason(body));
  switch (status) {
    case 400:
      return {
        kind: 'error',
        message: `The bridge refused the request: ${reason} Check the fields of this step.`,
        code,
        status,
      };
    case 403:
      return {
        kind: 'error',
        message: `The bridge does not allow this with your API key: ${reason}`,
        code,
        status,
      };
    case 404:
      if (/^No route /.test(reason)) {
        // The bridge is there but has no such endpoint: an older bridge, or a Bridge URL with
        // a path in front of /v1 that the bridge does not serve.
        const route = reason.replace(/^No route /, '').replace(/\.$/, '');
        const path = route.split(' ')[1] ?? '';
        return {
          kind: 'error',
          message: path.startsWith('/v1/')
            ? `This bridge does not offer what the Zapier app asked for (${route}): it is probably older than the app. Update the bridge.`
            : `The bridge answered, but has nothing at ${path}: check the Bridge URL in your Zapier connection. It is usually just the address, such as https://bridge.example.com.`,
          code,
          status,
        };
      }
      return {
        kind: 'error',
        message: `The bridge found nothing there: ${reason} It may belong to another location, or have been deleted.`,
        code,
        status,
      };
    default:
      if (status >= 500) {
        return {
          kind: 'error',
          message: `The bridge had a problem (HTTP ${status}): ${reason} Try again in a few minutes; if it keeps happening, check the bridge's logs.`,
          code,
          status,
        };
      }
      return {
        kind: 'error',
        message: `The bridge refused the request (HTTP ${status}): ${reason}`,
        code,
        status,
      };
  }
}
