import type { LocationPollStatus } from '../ingest/pollScheduler';
import type { Location } from '../store/locations';

/**
 * How long a journal entry waits for the poller's version of the same call.
 *
 * The poller knows more (voicemail and whether a message was left, every agent rung, the DID
 * and queue name: the call log's legs), so when a location is polled over XAPI its version is
 * the one to send. 3CX posts the journal the moment the call ends, while the poller settles it
 * only once the call has left `/ActiveCalls`, its legs are logged and the grace period is over
 * (docs/design.md "Settle"), at its next poll. So the entry is held for
 *
 *     grace + 2 × poll interval + 30 s     (10 + 2 × 5 + 30 = 50 s with the defaults)
 *
 * from when it arrived: one poll interval to see the call gone, one more for a leg that lands
 * late (docs/3cx-facts.md §6), 30 s for a slow PBX. If the poller has not produced the call by then
 * (PBX unreachable, XAPI lagging or licence lapsed), the journal's version goes out: the
 * journal can make a missed call's follow-up earlier than a failing poller, never later.
 *
 * A location without XAPI (no PBX URL, or no client credentials: no poller, as in
 * bridge/ingest/locationPoller.ts) has only the journal: no hold.
 */
export function journalHoldMs(location: Location): number | null {
  if (!isPolledOverXapi(location)) return null;
  const s = location.settings;
  return (s.graceSeconds + 2 * s.pollIntervalSeconds + 30) * 1000;
}

/**
 * The poller is not going to produce the call in time: its last two polls failed (a poll that
 * hangs ends as a failure at the report timeout). Then a journal entry is not held at all (the
 * PBX's API is down, overloaded or its licence lapsed, and the journal is the source that
 * works): the follow-up goes out in milliseconds, not at the 50 s deadline, and the poller, once
 * back, adds its detail to the same call without new events (journalIngest.ts). One failure is
 * not enough: a single 502 or timeout is retried at the next poll, well within the hold.
 *
 * The polling instance stores the answer when it changes (bridge/store/pollerHealth.ts): with
 * several instances the entry may reach one that does not poll the location, and its hold
 * must follow the poller that does.
 */
export function pollerIsFailing(status: LocationPollStatus | null): boolean {
  return status !== null && status.consecutiveErrors >= 2;
}

/** The bridge polls this location's call log (the same test as `createLocationPoller`). */
export function isPolledOverXapi(location: Location): boolean {
  return location.pbxUrl !== null && location.clientId !== null && location.hasClientSecret;
}
