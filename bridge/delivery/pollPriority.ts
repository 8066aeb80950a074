/**
 * Polls before the delivery backlog: while the polls wait for the CPU, delivery keeps only a
 * few requests in flight.
 *
 * Why: a bridge restarted after downtime (or 200 locations added at once) catches up each
 * location's last 15 minutes on its first poll and then owes a webhook for every event of that
 * history. Both run on the one thread. At 200 PBXs × 30 calls/min with three triggers each, the
 * backlog's ~2,000 webhooks a second took the CPU the catch-up needed: the first round of polls
 * took 37–41 s against 23–27 s without the deliveries, and the polls' lag p95 was 6.5–8.5 s
 * against issue 16's 6 s (BENCHMARKS.md, "the must-show figures on merged main"). Pacing by the
 * loop's lag (loopPace.ts) cannot see this: the polls' turns keep the loop's iterations short,
 * and a fast receiver answers thousands a second from 64 in flight.
 *
 * The signal is the polls' own queue for the CPU (bridge/workTurns.ts `longestWaitMs`): a turn
 * that has waited {@link POLLS_WAITING_MS} means the polls are short of CPU, whatever took it.
 * It does not fire for a PBX that is slow to answer or down (its poll waits on the network, not
 * in a turn), nor for one location's catch-up alone (its slices run one after another with the
 * loop running between), so an outage somewhere does not slow everyone's webhooks.
 *
 * Delivery never stops: {@link GIVE_WAY_CONCURRENCY} requests stay in flight, shared by the
 * locations in turn (fairScheduler.ts), so a fresh missed call still goes out while the polls
 * catch up; once no turn has waited that long, the loop's pacing takes over again from its floor
 * (loopPace.ts `restart`), growing back as the loop keeps up.
 */

/** A poll's turn waiting this long (ms) means the polls are short of CPU. */
export const POLLS_WAITING_MS = 200;

/** Deliveries in flight at most while the polls are short of CPU. */
export const GIVE_WAY_CONCURRENCY = 8;

/** Whether the polls are short of CPU: their longest-waiting turn has waited long enough. */
export function pollsShortOfCpu(pollsWaitingMs: number): boolean {
  return pollsWaitingMs >= POLLS_WAITING_MS;
}
