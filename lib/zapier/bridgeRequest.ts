import type { Bundle, ZObject } from 'zapier-platform-core';
import { describeBridgeError } from './bridgeErrors';
import { BridgeUrlError, bridgeApiUrl, normalizeBridgeUrl } from './bridgeUrl';

/**
 * One request to the connected bridge's API (docs/api.md). The app never talks to 3CX or to
 * anything else: every trigger, dropdown and action goes through here, and the middleware in
 * bridgeMiddleware.ts adds the key and explains error answers.
 */
export interface BridgeRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** An API path such as `/v1/me`; ids in it must already be URL-encoded. */
  path: string;
  params?: Record<string, string | number | boolean | undefined>;
  body?: Record<string, unknown>;
  /**
   * Error statuses the caller handles itself (e.g. `404` when unsubscribing a hook the bridge
   * already removed). A 401 is never handed back: the connection needs fixing.
   */
  acceptStatuses?: number[];
}

export interface BridgeResponse<T> {
  status: number;
  data: T;
}

/** Zapier request options take only string query values; undefined means "leave out". */
function queryParams(params: BridgeRequest['params']): Record<string, string> | undefined {
  if (!params) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) out[key] = String(value);
  }
  return out;
}

/**
 * node-fetch reports an unreachable host as a `FetchError` (type `system`, with the socket's
 * `code`) or a timeout (type `request-timeout`). Zapier's own errors pass through untouched.
 */
function isNetworkError(err: unknown): err is Error & { code?: string; type?: string } {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { type?: string };
  return e.name === 'FetchError' || e.type === 'system' || e.type === 'request-timeout';
}

function networkErrorMessage(base: string, err: Error & { code?: string; type?: string }): string {
  const why =
    err.type === 'request-timeout'
      ? 'it did not answer in time'
      : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
        ? 'that host name was not found'
        : err.code === 'ECONNREFUSED'
          ? 'the connection was refused (is the bridge running on that address and port?)'
          : err.code && /CERT|SSL|TLS/.test(err.code)
            ? `its HTTPS certificate was not accepted (${err.code})`
            : (err.code ?? err.message);
  return `Could not reach the bridge at ${base}: ${why}. Check the Bridge URL in your Zapier connection and that the bridge is reachable from the internet.`;
}

export async function callBridge<T>(
  z: ZObject,
  bundle: Bundle,
  request: BridgeRequest,
): Promise<BridgeResponse<T>> {
  let base: string;
  let url: string;
  try {
    base = normalizeBridgeUrl(bundle.authData?.bridge_url);
    url = bridgeApiUrl(base, request.path);
  } catch (err) {
    if (err instanceof BridgeUrlError) throw new z.errors.Error(err.message, 'invalid_bridge_url');
    throw err;
  }

  const accept = request.acceptStatuses ?? [];
  let response;
  try {
    response = await z.request({
      url,
      method: request.method ?? 'GET',
      params: queryParams(request.params),
      ...(request.body !== undefined
        ? { body: request.body, headers: { 'Content-Type': 'application/json' } }
        : {}),
      skipThrowForStatus: accept.length > 0,
    });
  } catch (err) {
    if (isNetworkError(err))
      throw new z.errors.Error(networkErrorMessage(base, err), 'unreachable');
    throw err;
  }

  if (response.status >= 400 && !accept.includes(response.status)) {
    // Only reached with acceptStatuses set: the middleware threw for every other request.
    const problem = describeBridgeError({ status: response.status, content: response.content });
    throw new z.errors.Error(problem.message, problem.code, problem.status);
  }
  if (response.status < 300 && response.status !== 204 && response.data === undefined) {
    throw new z.errors.Error(
      `The Bridge URL ${base} answered, but not like a 3CX bridge (no JSON from ${request.path}). Check the Bridge URL in your Zapier connection: it is the address where the bridge is reachable, such as https://bridge.example.com.`,
      'not_a_bridge',
    );
  }
  return { status: response.status, data: response.data as T };
}
