/**
 * When to try a failed delivery again: exponential backoff with ±20 % jitter, from
 * `baseMs` doubling up to `maxMs`, for at most `giveUpAfterMs` after the event was stored
 * (hours by default: a Zap that was off for a lunch break still gets its calls).
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 10_000,
  maxMs: 60 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
};

/** The next attempt's time, or null when the delivery should be given up. */
export function nextAttemptAt(
  policy: RetryPolicy,
  attemptsMade: number,
  createdAt: number,
  now: number,
  random: () => number,
  retryAfterMs?: number | null,
): number | null {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = exponential * (0.8 + random() * 0.4);
  const delay = Math.max(jittered, retryAfterMs ?? 0);
  // A whole millisecond: the stores keep epoch ms as integers (Postgres refuses a fraction).
  const at = Math.ceil(now + delay);
  return at - createdAt > policy.giveUpAfterMs ? null : at;
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now; null if absent/garbled. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value.trim()), 3600) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.min(Math.max(0, at - now), 3600_000);
}
