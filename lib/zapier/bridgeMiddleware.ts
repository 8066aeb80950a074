import type {
  AfterResponseMiddleware,
  BeforeRequestMiddleware,
  HttpResponse,
} from 'zapier-platform-core';
import { describeBridgeError } from './bridgeErrors';
import { normalizeBridgeUrl } from './bridgeUrl';

/**
 * HTTP middleware for every request the app makes to the bridge.
 *
 * `custom` auth cannot refresh a credential (docs/zapier-facts.md §6), so a 401 becomes an
 * `ExpiredAuthError`: Zapier marks the connection as needing attention, holds the runs, and
 * shows the user our message. Zapier's own 401 → `RefreshAuthError` step only runs for
 * `session`/`oauth2` apps (core `throw-for-stale-auth.js`), so it never pre-empts this.
 */

function bridgeBase(bridgeUrl: unknown): string | null {
  try {
    return normalizeBridgeUrl(bridgeUrl);
  } catch {
    return null;
  }
}

/** Adds `Authorization: Bearer <key>`, only on requests to the connected bridge. */
export const addBridgeApiKey: BeforeRequestMiddleware = (request, _z, bundle) => {
  const apiKey = bundle.authData?.api_key?.trim();
  const base = bridgeBase(bundle.authData?.bridge_url);
  if (apiKey && base && (request.url === base || request.url.startsWith(`${base}/`))) {
    request.headers = {
      ...request.headers,
      Authorization: `Bearer ${apiKey}`,
      Accept: 'application/json',
    };
  }
  return request;
};

function responseText(response: HttpResponse): string | undefined {
  try {
    return response.content;
  } catch {
    return undefined; // a raw response has no `content`; the app never asks for one
  }
}

/**
 * Turns the bridge's `{error, message}` answers into errors a Zapier user understands. 401
 * always throws; other statuses are left to the caller when it asked for
 * `skipThrowForStatus` (unsubscribing from a hook that is already gone, say).
 */
export const explainBridgeErrors: AfterResponseMiddleware = (response, z) => {
  if (response.status < 400) return response;
  const problem = describeBridgeError({
    status: response.status,
    content: responseText(response),
    retryAfter: response.getHeader?.('retry-after') ?? null,
  });
  if (problem.kind === 'auth') throw new z.errors.ExpiredAuthError(problem.message);
  if (response.skipThrowForStatus) return response;
  if (problem.kind === 'throttled') {
    throw new z.errors.ThrottledError(problem.message, problem.retryAfterSeconds);
  }
  throw new z.errors.Error(problem.message, problem.code, problem.status);
};
