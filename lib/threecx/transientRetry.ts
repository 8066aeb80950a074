import { isThreeCxError, type ThreeCxError } from './errors';

/**
 * Retrying what is likely a blip: a 502/503 from the PBX or its proxy (a restart, an update)
 * and a connection reset mid-request. Not a 500 (3CX uses it for a malformed parameter,
 * docs/3cx-facts.md §1.7), not a 504 (the report is too big: the window is halved instead), not a
 * refused connection or a timeout (the PBX is down or far away: fail fast and let the poller's
 * own schedule try again).
 */
const TRANSIENT_STATUSES = new Set([502, 503]);
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE']);

export function isTransient(error: ThreeCxError): boolean {
  if (error.status !== null) return TRANSIENT_STATUSES.has(error.status);
  return error.networkCode !== null && TRANSIENT_NETWORK_CODES.has(error.networkCode);
}

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Delay before the first retry; doubles each time. */
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  onRetry?: (attempt: number, error: ThreeCxError, delayMs: number) => void;
}

export async function withTransientRetry<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isThreeCxError(error) || !isTransient(error) || retry >= policy.maxRetries) throw error;
      const delayMs = policy.baseDelayMs * 2 ** retry;
      policy.onRetry?.(retry + 1, error, delayMs);
      await policy.sleep(delayMs);
    }
  }
}
