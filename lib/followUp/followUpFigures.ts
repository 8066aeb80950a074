import type { ReturnStatus } from '../callEvent';
import type { ReturnedVia } from './callbackMatch';

/**
 * The follow-up report's figures (issue "Did the follow-up work?"): one definition each, for
 * the bridge's report, its dashboard and the CLI.
 *
 * - `missed`: unanswered inbound calls from outside numbers, redials the dialler cooldown
 *   folded included; `fired`: those that sent `call.missed`; `folded` the rest.
 * - `returnable`: fired misses with a number to call back (not withheld or unreadable).
 * - `reply_rate`: fired misses the caller replied to (`replied_at`, Update Call Record) per
 *   fired miss.
 * - `callback_rate`: fired misses the team called back and got through (`returned_via`
 *   `callback`) per returnable miss.
 * - `recovery_rate_24h` (lost-lead recovery): fired misses returned either way (a call back, or
 *   the caller rang again and was answered) within 24 hours, per returnable miss.
 * - `time_to_callback_p50_seconds` / `_p90_`: over the returned misses, from the miss to the
 *   call that reached the caller (nearest-rank percentiles).
 * - `repeat_miss_rate`: fired misses that were repeat misses (`is_repeat_miss`) per fired miss.
 * - `after_hours_share`: fired misses outside business hours per fired miss.
 * A rate is null when its denominator is 0. Follow-up states are as they are now: a miss of the
 * period returned after the period counts as returned.
 */
export interface FollowUpMissRow {
  /** It sent `call.missed` (false: folded into an earlier miss by the dialler cooldown). */
  fired: boolean;
  /** A number to call back: neither withheld nor unreadable. */
  number_known: boolean;
  return_status: ReturnStatus | null;
  returned_via: ReturnedVia | null;
  time_to_callback_seconds: number | null;
  replied: boolean;
  repeat: boolean;
  after_hours: boolean;
}

export interface FollowUpFigures {
  missed: number;
  fired: number;
  folded: number;
  returnable: number;
  replied: number;
  reply_rate: number | null;
  returned: number;
  called_back: number;
  callback_rate: number | null;
  recovered_24h: number;
  recovery_rate_24h: number | null;
  awaiting: number;
  not_returned: number;
  time_to_callback_p50_seconds: number | null;
  time_to_callback_p90_seconds: number | null;
  repeat_misses: number;
  repeat_miss_rate: number | null;
  after_hours: number;
  after_hours_share: number | null;
}

/** Lost-lead recovery counts what was returned within a day. */
export const RECOVERY_WINDOW_SECONDS = 24 * 3600;

export function followUpFigures(rows: readonly FollowUpMissRow[]): FollowUpFigures {
  let fired = 0;
  let returnable = 0;
  let replied = 0;
  let calledBack = 0;
  let recovered = 0;
  let awaiting = 0;
  let notReturned = 0;
  let repeat = 0;
  let afterHours = 0;
  const times: number[] = [];
  for (const row of rows) {
    if (!row.fired) continue;
    fired++;
    if (row.replied) replied++;
    if (row.repeat) repeat++;
    if (row.after_hours) afterHours++;
    if (!row.number_known) continue;
    returnable++;
    if (row.return_status === 'awaiting') awaiting++;
    if (row.return_status === 'not_returned') notReturned++;
    if (row.return_status !== 'returned' || row.time_to_callback_seconds === null) continue;
    times.push(row.time_to_callback_seconds);
    if (row.returned_via === 'callback') calledBack++;
    if (row.time_to_callback_seconds <= RECOVERY_WINDOW_SECONDS) recovered++;
  }
  times.sort((a, b) => a - b);
  return {
    missed: rows.length,
    fired,
    folded: rows.length - fired,
    returnable,
    replied,
    reply_rate: rate(replied, fired),
    returned: times.length,
    called_back: calledBack,
    callback_rate: rate(calledBack, returnable),
    recovered_24h: recovered,
    recovery_rate_24h: rate(recovered, returnable),
    awaiting,
    not_returned: notReturned,
    time_to_callback_p50_seconds: percentile(times, 50),
    time_to_callback_p90_seconds: percentile(times, 90),
    repeat_misses: repeat,
    repeat_miss_rate: rate(repeat, fired),
    after_hours: afterHours,
    after_hours_share: rate(afterHours, fired),
  };
}

export function rate(count: number, of: number): number | null {
  return of === 0 ? null : count / of;
}

/**
 * Nearest-rank percentile of values sorted ascending: the smallest value with at least p % of
 * the values at or below it. Null for no values.
 */
export function percentile(sortedAscending: readonly number[], p: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1];
}

/** The buckets of the time-to-callback distribution (the dashboard's chart), upper bounds. */
export const CALLBACK_TIME_BUCKETS: ReadonlyArray<{ label: string; up_to_seconds: number | null }> =
  [
    { label: 'Under 5 min', up_to_seconds: 5 * 60 },
    { label: '5–15 min', up_to_seconds: 15 * 60 },
    { label: '15–60 min', up_to_seconds: 3600 },
    { label: '1–4 h', up_to_seconds: 4 * 3600 },
    { label: '4–24 h', up_to_seconds: 24 * 3600 },
    { label: 'Over 24 h', up_to_seconds: null },
  ];

/** How many returned misses took how long, by `CALLBACK_TIME_BUCKETS` (a bucket includes its bound). */
export function callbackTimeDistribution(
  rows: readonly FollowUpMissRow[],
): Array<{ label: string; up_to_seconds: number | null; count: number }> {
  const out = CALLBACK_TIME_BUCKETS.map((b) => ({ ...b, count: 0 }));
  for (const row of rows) {
    if (!row.fired || !row.number_known || row.return_status !== 'returned') continue;
    const seconds = row.time_to_callback_seconds;
    if (seconds === null) continue;
    const bucket = out.find((b) => b.up_to_seconds === null || seconds <= b.up_to_seconds)!;
    bucket.count++;
  }
  return out;
}
