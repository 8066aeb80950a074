import type { PollRecord } from './benchBridge';

/** Issue 16's bound on the poll lag at 30 calls/min: p95 ≤ 6 s (each location's own, too). */
export const STALENESS_TARGET_SECONDS = 6;

/**
 * How stale each location's view is at every moment of a window, from the polls the bridge
 * finished: at a moment `t`, `t` − the start of the location's latest poll that had succeeded
 * by `t` (what `GET /v1/status` calls `lag_seconds`), or `t` − `watchedFrom` (when the bridge
 * started) for a location with no successful poll yet. Seconds, every `stepMs` from `from` to
 * `to`, one list per location (in `locationIds`' order): pooled, a p95 over 200 locations
 * would pass with nine of them never polled at all.
 *
 * Worked out afterwards from the poll records, not sampled during the window by a timer in the
 * bridge's own process: such a timer fires late exactly when the bridge is busiest, so the
 * stalest moments got the fewest samples; and a sample read `lastPollAt`, which a failed poll
 * also sets, and skipped the locations not yet polled.
 */
export function stalenessSeconds(
  polls: readonly PollRecord[],
  locationIds: readonly string[],
  window: { from: number; to: number; watchedFrom: number; stepMs: number },
): number[][] {
  const byLocation = new Map<string, PollRecord[]>(locationIds.map((id) => [id, []]));
  for (const poll of polls) if (poll.ok) byLocation.get(poll.locationId)?.push(poll);
  return [...byLocation.values()].map((list) => {
    const values: number[] = [];
    list.sort((a, b) => a.endedAt - b.endedAt);
    let next = 0;
    let freshFrom = window.watchedFrom;
    for (let t = window.from; t < window.to; t += window.stepMs) {
      for (; next < list.length && list[next].endedAt <= t; next++)
        freshFrom = Math.max(freshFrom, list[next].endedAt - list[next].ms);
      values.push((t - freshFrom) / 1000);
    }
    return values;
  });
}
