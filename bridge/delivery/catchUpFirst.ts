/**
 * A restart's history is caught up before its webhooks are sent: while locations wait in line
 * to catch up their history, delivery keeps only a few requests in flight.
 *
 * Why: a bridge restarted after downtime (or 200 locations added at once) catches up each
 * location's last 15 minutes on its first poll, one location's slices at a time beside the
 * steady polls (bridge/workTurns.ts, the catch-up line), and then owes a webhook for every event
 * of that history. Both run on the one thread. At 200 PBXs × 30 calls/min with three triggers
 * each, the history's ~2,000 webhooks a second took the CPU the catch-up needed: the first round
 * of polls took 34–51 s against 23–27 s without those deliveries, and every location not yet
 * caught up is as stale as the downtime (BENCHMARKS.md, "catch-up first"). Pacing by the loop's
 * lag (loopPace.ts) cannot see this: the turns keep the loop's iterations short, and a fast
 * receiver answers thousands a second from 64 in flight.
 *
 * The signal is the catch-up line itself (bridge/workTurns.ts `catchUpWaitMs`): a catch-up turn
 * that has waited {@link CATCH_UP_WAITING_MS} means several locations are catching up at once.
 * It is transient by construction: each location catches up once, so delivery is held back for
 * the first round only (tens of seconds at 200 locations), never for good. It does not fire for
 * one location catching up after its PBX came back (its slices run one after another, none
 * waits), nor for a steady state short of CPU: there, holding delivery back would only move the
 * backlog from the polls to the webhooks, and the loop's pacing is what applies.
 *
 * Delivery never stops: {@link GIVE_WAY_CONCURRENCY} requests stay in flight, shared by the
 * locations in turn (fairScheduler.ts), so a fresh missed call still goes out. Once no catch-up
 * turn waits that long, the loop's pacing takes over again from its floor (loopPace.ts
 * `restart`), growing back as the loop keeps up.
 */

/** A catch-up turn waiting this long (ms) means several locations are catching up at once. */
export const CATCH_UP_WAITING_MS = 200;

/** Deliveries in flight at most while locations wait to catch up. */
export const GIVE_WAY_CONCURRENCY = 8;

/** Whether delivery gives way: a catch-up turn has waited long enough. */
export function catchUpsWaiting(catchUpWaitingMs: number): boolean {
  return catchUpWaitingMs >= CATCH_UP_WAITING_MS;
}
