import type { CallDirection } from '../../lib/settledCall';
import { parseUtcMillis, toIsoUtc } from '../../lib/utcTime';

/**
 * When the journal and the poller report the same call. 3CX gives the journal no call id
 * (docs/3cx-facts.md §4.4), so a call is recognised by what both sources know: the direction, the
 * outside number (normalised E.164; both withheld counts as equal) and the start time.
 *
 * The tolerance is ±90 s: the journal's `[CallStartTimeUTC]` and the call log's first leg
 * describe the same moment, but come from different parts of the PBX and are rounded
 * differently (the journal to the second); 90 s absorbs that and an IVR or queue segment the
 * two may start at, while a redial by the same caller normally comes later than that (and is
 * folded by the dialler cooldown anyway). When several calls qualify, the closest start wins.
 */
export const SAME_CALL_TOLERANCE_MS = 90_000;

export interface CallSighting {
  direction: CallDirection;
  /** `external_number` of the call: E.164, or null when withheld. */
  numberKey: string | null;
  startedAt: string;
}

/** The window of start times (ISO, as the store keeps them) that may be the same call. */
export function sameCallWindow(startedAt: string): { fromIso: string; toIso: string } {
  const ms = parseUtcMillis(startedAt);
  return {
    fromIso: toIsoUtc(ms - SAME_CALL_TOLERANCE_MS),
    toIso: toIsoUtc(ms + SAME_CALL_TOLERANCE_MS),
  };
}

export function isSameCall(a: CallSighting, b: CallSighting): boolean {
  return (
    a.direction === b.direction &&
    a.numberKey === b.numberKey &&
    Math.abs(parseUtcMillis(a.startedAt) - parseUtcMillis(b.startedAt)) <= SAME_CALL_TOLERANCE_MS
  );
}

/** The candidate that started closest to `startedAt`, or null. */
export function closestStart<T extends { startedAt: string }>(
  candidates: readonly T[],
  startedAt: string,
): T | null {
  const ms = parseUtcMillis(startedAt);
  let best: T | null = null;
  let bestGap = Infinity;
  for (const c of candidates) {
    const gap = Math.abs(parseUtcMillis(c.startedAt) - ms);
    if (gap < bestGap) {
      best = c;
      bestGap = gap;
    }
  }
  return best;
}
