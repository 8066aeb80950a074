import { phoneNumberKey } from '../phoneNumber';
import { toIsoUtc, toMillis } from '../utcTime';

/**
 * Repeat-miss context, so a workflow can escalate the second miss from a number in a week.
 *
 * - `missed_count_7d`: misses from this number in the window up to and including this one.
 *   The window reaches back exactly `windowMs` (default 7 days) and is inclusive: a miss
 *   exactly 7 days earlier, to the millisecond, still counts ("a second miss within a week"
 *   includes the same time last week). Misses later than this one are not "earlier" and do not
 *   count; the same call id is never counted twice (the store may already hold this call).
 * - `is_repeat_miss`: `missed_count_7d >= 2`.
 * - `last_missed_at`: the latest earlier miss in the window (UTC ISO), or null.
 *
 * A caller without a number key (withheld, `Anonymous`, garbage) is nobody in particular:
 * two anonymous misses are not the same caller, so the count is 1 and never a repeat.
 * Keys from the store are normalised again with the location's country, so a number the
 * store wrote as `0412 345 678` and one written `+61412345678` are the same caller.
 */

export const DEFAULT_REPEAT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** A miss as the store returns it. `missed_at` is when the missed call started. */
export interface EarlierMiss {
  call_id: string;
  number_key: string | null;
  missed_at: string | number;
}

/**
 * A number's earlier misses as a store counted them, instead of each miss: how many other
 * calls of this number were missed in {@link repeatWindow} of this one, and the latest one's
 * start (null: none). A number with 2,000 misses in the window cost 3–4 ms a call to hand over
 * miss by miss (issue 16, BENCHMARKS.md `stall6`); counted in the store's index it costs a
 * fraction of that. The store counts the misses of this call's own number key, never this call.
 */
export interface CountedMisses {
  count: number;
  lastMissedAt: string | null;
}

export interface RepeatMissContext {
  missed_count_7d: number;
  is_repeat_miss: boolean;
  last_missed_at: string | null;
}

export interface RepeatMissSettings {
  /** How far back misses count; default 7 days. */
  windowMs?: number;
  /** ISO 3166 country for national-format keys. */
  country?: string;
}

/**
 * The misses that count for a call at `atMs`: those that started from exactly `windowMs`
 * earlier up to the same instant, both ends inclusive (see the rules above). Call times are
 * whole milliseconds, so a window of a fraction of a millisecond more reaches no further (a
 * setting of days may be fractional); a store counts the misses between the two bounds.
 */
export function repeatWindow(
  atMs: number,
  windowMs: number = DEFAULT_REPEAT_WINDOW_MS,
): { fromMs: number; toMs: number } {
  return { fromMs: atMs - Math.floor(windowMs), toMs: atMs };
}

/** The repeat context of this miss (counted in) among the location's earlier misses. */
export function repeatMisses(
  thisMiss: EarlierMiss,
  earlierMisses: readonly EarlierMiss[] | CountedMisses,
  settings: RepeatMissSettings = {},
): RepeatMissContext {
  const { count, lastMs } = earlierMissesOf(thisMiss, earlierMisses, settings);
  const missed = count + 1;
  return {
    missed_count_7d: missed,
    is_repeat_miss: missed >= 2,
    last_missed_at: lastMs === null ? null : toIsoUtc(lastMs),
  };
}

/**
 * The same history for a call that is not itself a miss (answered, outbound): the misses from
 * its number in the window before it, never a repeat miss itself. Useful on `call.ended`
 * (an answered call from someone who missed twice this week).
 */
export function missHistory(
  thisCall: EarlierMiss,
  earlierMisses: readonly EarlierMiss[] | CountedMisses,
  settings: RepeatMissSettings = {},
): RepeatMissContext {
  const { count, lastMs } = earlierMissesOf(thisCall, earlierMisses, settings);
  return {
    missed_count_7d: count,
    is_repeat_miss: false,
    last_missed_at: lastMs === null ? null : toIsoUtc(lastMs),
  };
}

function earlierMissesOf(
  call: EarlierMiss,
  earlierMisses: readonly EarlierMiss[] | CountedMisses,
  settings: RepeatMissSettings,
): { count: number; lastMs: number | null } {
  const key = phoneNumberKey(call.number_key, { country: settings.country });
  const atMs = toMillis(call.missed_at);
  if (key === null || !Number.isFinite(atMs)) return { count: 0, lastMs: null };
  if (!isMissList(earlierMisses))
    return {
      count: earlierMisses.count,
      lastMs: earlierMisses.lastMissedAt === null ? null : toMillis(earlierMisses.lastMissedAt),
    };
  const { fromMs, toMs } = repeatWindow(atMs, settings.windowMs);
  // One entry per call (a store never repeats a call, but a caller might pass one twice): the
  // latest time wins, so the answer never depends on the order misses come in.
  const byCall = new Map<string, number>();
  for (const miss of earlierMisses) {
    if (miss.call_id === call.call_id) continue;
    const missMs = toMillis(miss.missed_at);
    // Inclusive at both ends: exactly `windowMs` earlier counts, and so does the same instant.
    if (!(missMs >= fromMs && missMs <= toMs)) continue;
    if (phoneNumberKey(miss.number_key, { country: settings.country }) !== key) continue;
    const seen = byCall.get(miss.call_id);
    if (seen === undefined || missMs > seen) byCall.set(miss.call_id, missMs);
  }
  let lastMs: number | null = null;
  for (const ms of byCall.values()) if (lastMs === null || ms > lastMs) lastMs = ms;
  const count = byCall.size;
  return { count, lastMs };
}

function isMissList(
  misses: readonly EarlierMiss[] | CountedMisses,
): misses is readonly EarlierMiss[] {
  return Array.isArray(misses);
}
