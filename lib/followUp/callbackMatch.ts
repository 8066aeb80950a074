import { toMillis } from '../utcTime';

/**
 * Was a missed call returned? (issue "Did the follow-up work?", docs/design.md "Follow-up")
 *
 * After a miss, the first later call with the same outside number (the E.164 key of
 * lib/phoneNumber.ts, so `0412 345 678` and `+61412345678` are one caller) that connects a
 * person marks the miss returned:
 *
 * - `callback`: an outbound call to the number that the caller answered;
 * - `called_again`: an inbound call from the number that someone answered.
 *
 * Outbound calls to the number before that which did not connect are `callback_attempts`.
 * Inbound calls from the number that were not answered are misses of their own (or folded
 * into this one by the dialler cooldown, lib/enrichment/diallerCooldown.ts): they are not our
 * attempts and do not return anything. Withheld callers have no number and are never matched
 * (the bridge never asks).
 *
 * "Later" and "first" go by when calls started, the same instant a miss is dated by
 * (`missedAtOf`); `returned_at` is the connecting call's start and `time_to_callback_seconds`
 * the time between the two starts: "I rang at 10:02, they rang back at 10:09".
 *
 * Calls are often learnt out of order (a long call reaches the call log only when it ends): a
 * call of the number still in progress that started before the first connecting call may be
 * the real first one, so the answer is `undecided` until it ends. The rule is a pure function
 * of everything known, so asking again with more calls gives the final answer.
 */
export type ReturnedVia = 'callback' | 'called_again';

/** The miss being followed up (a call that fired `call.missed`). */
export interface FollowedMiss {
  call_id: string;
  /** When the miss started: ISO 8601 or epoch ms. */
  started_at: string | number;
}

/** Another call with the same outside number, as far as it is known. */
export interface LaterCall {
  call_id: string;
  direction: 'inbound' | 'outbound' | 'internal';
  started_at: string | number;
  /** `live` until the call has settled; its outcome is not known before. */
  status: 'live' | 'ended';
  /** Null while live. */
  outcome: 'answered' | 'voicemail' | 'abandoned' | 'missed' | null;
  /** Who on our side: the extension that answered (inbound) or dialled (outbound). */
  extension: string | null;
}

export interface CallbackResult {
  returned: {
    call_id: string;
    /** ISO 8601 UTC: when the connecting call started. */
    at: string;
    by: string | null;
    via: ReturnedVia;
    time_to_callback_seconds: number;
  } | null;
  /** Outbound calls to the number after the miss that did not connect (before the return). */
  callback_attempts: number;
  /** A call of the number that started before any connecting one is still in progress. */
  undecided: boolean;
}

export function matchCallback(miss: FollowedMiss, calls: readonly LaterCall[]): CallbackResult {
  return matchCallbacks([miss], calls)[0];
}

/**
 * Whether a call can decide or count towards any miss's match: a call in progress (it holds
 * the answer back), one that connected, or one of ours out to the number (an attempt). Any
 * other call (an unanswered inbound one, an internal one) leaves every miss as it was.
 */
export function movesCallbackMatch(call: Pick<LaterCall, 'direction' | 'status' | 'outcome'>) {
  return (
    call.direction !== 'internal' &&
    (call.status === 'live' || call.outcome === 'answered' || call.direction === 'outbound')
  );
}

/**
 * `matchCallback` for many misses of one number at once, in one pass over the calls sorted
 * once (a number with thousands of misses and calls was quadratic when each miss sorted them
 * all again): each miss's answer is the first call after it that is in progress or connected,
 * and the attempts before that one. Results in the order of `misses`.
 */
export function matchCallbacks(
  misses: readonly FollowedMiss[],
  calls: readonly LaterCall[],
): CallbackResult[] {
  // By start, then by id: two calls starting in the same millisecond still have one order.
  const sorted = calls
    .filter((c) => c.direction !== 'internal')
    .map((c) => ({ call: c, at: toMillis(c.started_at) }))
    .filter((c) => Number.isFinite(c.at))
    .sort((a, b) => a.at - b.at || (a.call.call_id < b.call.call_id ? -1 : 1));
  const n = sorted.length;
  // From each position on: where the first deciding call is (n: none) and the attempts before it.
  const stop = new Int32Array(n + 1);
  const attempts = new Int32Array(n + 1);
  stop[n] = n;
  for (let i = n - 1; i >= 0; i--) {
    const { call } = sorted[i];
    if (call.status === 'live' || call.outcome === 'answered') {
      stop[i] = i;
      attempts[i] = 0;
    } else {
      stop[i] = stop[i + 1];
      attempts[i] = attempts[i + 1] + (call.direction === 'outbound' ? 1 : 0);
    }
  }
  const latestStart = new Map<string, number>();
  for (const { call, at } of sorted)
    latestStart.set(call.call_id, Math.max(at, latestStart.get(call.call_id) ?? -Infinity));
  return misses.map((miss) => {
    const missedAt = toMillis(miss.started_at);
    // The miss's own record among its later calls (not in a store: one row per call id) is
    // left out of its match, which the shared suffix cannot do: match that one on its own.
    if ((latestStart.get(miss.call_id) ?? -Infinity) > missedAt)
      return matchCallbacks(
        [miss],
        calls.filter((c) => c.call_id !== miss.call_id),
      )[0];
    const from = firstAfter(sorted, missedAt);
    const at = stop[from];
    if (at === n) return { returned: null, callback_attempts: attempts[from], undecided: false };
    const { call, at: startedMs } = sorted[at];
    if (call.status === 'live')
      return { returned: null, callback_attempts: attempts[from], undecided: true };
    return {
      returned: {
        call_id: call.call_id,
        at: new Date(startedMs).toISOString(),
        by: call.extension,
        via: call.direction === 'outbound' ? 'callback' : 'called_again',
        time_to_callback_seconds: (startedMs - missedAt) / 1000,
      },
      callback_attempts: attempts[from],
      undecided: false,
    };
  });
}

/** The first position whose call started after `ms` (NaN: none, as no start is after it). */
function firstAfter(sorted: ReadonlyArray<{ at: number }>, ms: number): number {
  if (Number.isNaN(ms)) return sorted.length;
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid].at > ms) high = mid;
    else low = mid + 1;
  }
  return low;
}
