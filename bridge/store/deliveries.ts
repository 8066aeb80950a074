import { hostname } from 'node:os';
import type { SqlDatabase, SqlStatement } from './sql/sqlDatabase';
import { inTransaction, prepareAll } from './database';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

/** A delivery that is due, with what is needed to send it (its subscription is the worker's lane). */
export interface DueDelivery {
  id: number;
  locationId: string;
  eventSeq: number;
  eventId: string;
  eventType: string;
  payload: string;
  subscriptionId: string;
  attempts: number;
  createdAt: number;
  /** When its event occurred (the stored ISO text): whether it is a fresh call (`freshDue`). */
  occurredAt: string;
}

/** What a due delivery is read with (`laneDue`, `freshDue`, the Postgres claims): `dueDeliveries`' columns. */
const DUE_COLUMNS = `d.id, d.location_id, d.event_seq, e.id AS event_id, e.type AS event_type, e.payload,
  e.occurred_at, d.subscription_id, d.attempts, d.created_at`;

/** One attempt's record and the delivery's new status (`DeliveryRepo.recordMany`). */
export interface AttemptRecord {
  id: number;
  result: AttemptResult;
  next: { status: DeliveryStatus; nextAttemptAt?: number };
}

export interface AttemptResult {
  at: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryAttempt extends AttemptResult {
  attempt: number;
}

/**
 * How long a Postgres instance keeps a delivery it took (`claimed_until`): longer than any
 * attempt (the worker's timeout is seconds), short enough that a SIGKILLed instance's
 * deliveries go out again soon after, from another instance, with the same event id.
 */
export const CLAIM_MS = 60_000;

/** Deliveries (one per event and subscription) and the history of their attempts. */
export class DeliveryRepo {
  private readonly sql;
  /**
   * Postgres (several instances): a lane's due deliveries are claimed as they are read, `FOR
   * UPDATE SKIP LOCKED`, so two instances never send the same delivery at once; a claim runs
   * out after `CLAIM_MS` (its instance died) and the delivery is due again.
   */
  private readonly claimLane: SqlStatement | null;
  /** Postgres: `claimLane` for the lane's fresh deliveries only (`freshDue`). */
  private readonly claimFresh: SqlStatement | null;
  /** Postgres: the lane's next due time counts another instance's claims running out. */
  private readonly claimsNextDue: SqlStatement | null;
  /** Postgres: give claims back unsent (`releaseClaims`). */
  private readonly unclaim: SqlStatement | null;
  /** Postgres: a batch of attempt records in one statement (`recordMany`). */
  private readonly recordBatch: SqlStatement | null;
  /** Who claims: this process (shown in `claimed_by` for support questions). */
  private readonly claimant = `${hostname()}-${process.pid}`;

  constructor(private readonly db: SqlDatabase) {
    const postgres = db.dialect === 'postgres';
    this.claimLane = postgres
      ? db.prepare(`UPDATE deliveries d SET claimed_by = ?, claimed_until = ?
         FROM events e
         WHERE d.id IN (
             SELECT id FROM deliveries
             WHERE subscription_id = ? AND status = 'pending' AND next_attempt_at <= ?
               AND (claimed_until IS NULL OR claimed_until < ?)
             ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
           AND e.seq = d.event_seq
         RETURNING ${DUE_COLUMNS}, d.next_attempt_at`)
      : null;
    this.claimFresh = postgres
      ? db.prepare(`UPDATE deliveries d SET claimed_by = ?, claimed_until = ?
         FROM events e
         WHERE d.id IN (
             SELECT fd.id FROM deliveries fd JOIN events fe ON fe.seq = fd.event_seq
             WHERE fd.subscription_id = ? AND fd.status = 'pending' AND fd.next_attempt_at <= ?
               AND (fd.claimed_until IS NULL OR fd.claimed_until < ?)
               AND fd.id > ? AND fd.id <= ? AND fe.occurred_at >= ?
             ORDER BY fd.id LIMIT ? FOR UPDATE OF fd SKIP LOCKED)
           AND e.seq = d.event_seq
         RETURNING ${DUE_COLUMNS}`)
      : null;
    this.claimsNextDue = postgres
      ? db.prepare(`SELECT MIN(CASE WHEN claimed_until > ? THEN claimed_until ELSE next_attempt_at END) AS at
         FROM deliveries
         WHERE subscription_id = ? AND status = 'pending' AND (next_attempt_at > ? OR claimed_until > ?)`)
      : null;
    this.unclaim = postgres
      ? db.prepare(`UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL
         WHERE claimed_by = ? AND status = 'pending'
           AND id IN (SELECT json_array_elements_text(?::json)::bigint)`)
      : null;
    // What `record` does, for many records at once (the same reads and writes, in one
    // statement): each attempt numbered from the delivery's count, the status updated while
    // pending, the claim given back. A data-modifying CTE runs to completion whether or not
    // the outer query reads it (docs/design.md, "The store": round trips on Postgres).
    this.recordBatch = postgres
      ? db.prepare(`WITH r AS (
             SELECT * FROM json_to_recordset(?::json) AS r(id bigint, at bigint, status_code integer,
               error text, duration_ms integer, status text, next_attempt_at bigint)),
           numbered AS (SELECT d.id, d.attempts + 1 AS attempt FROM deliveries d JOIN r ON r.id = d.id),
           inserted AS (
             INSERT INTO delivery_attempts (delivery_id, attempt, attempted_at, status_code, error, duration_ms)
             SELECT r.id, n.attempt, r.at, r.status_code, r.error, r.duration_ms FROM r JOIN numbered n ON n.id = r.id)
         UPDATE deliveries d SET attempts = n.attempt, status = r.status,
             next_attempt_at = COALESCE(r.next_attempt_at, d.next_attempt_at),
             last_status_code = r.status_code, last_error = r.error,
             delivered_at = CASE WHEN r.status = 'delivered' THEN r.at ELSE d.delivered_at END,
             claimed_by = NULL, claimed_until = NULL
           FROM r JOIN numbered n ON n.id = r.id
           WHERE d.id = r.id AND d.status = 'pending'`)
      : null;
    this.sql = prepareAll(db, {
      // One subscription's due deliveries, oldest first, on the `deliveries_lane` index.
      laneDue: `SELECT ${DUE_COLUMNS}
         FROM deliveries d
         JOIN events e ON e.seq = d.event_seq
         WHERE d.subscription_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ?
         ORDER BY d.next_attempt_at, d.id LIMIT ?`,
      // The lane's deliveries stored in an id range whose event occurred since a time, by id
      // (`freshDue`); the range keeps each delivery looked at once.
      freshDue: `SELECT ${DUE_COLUMNS}
         FROM deliveries d
         JOIN events e ON e.seq = d.event_seq
         WHERE d.subscription_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ?
           AND d.id > ? AND d.id <= ? AND e.occurred_at >= ?
         ORDER BY d.id LIMIT ?`,
      laneNextDue: `SELECT MIN(next_attempt_at) AS at FROM deliveries
         WHERE subscription_id = ? AND status = 'pending' AND next_attempt_at > ?`,
      // Per lane, how many of the new deliveries are fresh calls' (`newSince`): one look-up of
      // each new delivery's event, once per look at the store, instead of a `freshDue` read
      // for every lane that got any.
      newSince: `SELECT d.subscription_id, MAX(d.id) AS last, COUNT(*) AS n,
           SUM(CASE WHEN e.occurred_at >= ? THEN 1 ELSE 0 END) AS fresh
         FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.id > ?
         GROUP BY d.subscription_id`,
      lastId: 'SELECT MAX(id) AS id FROM deliveries',
      pendingLanes: `SELECT subscription_id, MIN(next_attempt_at) AS at FROM deliveries
         WHERE status = 'pending' GROUP BY subscription_id`,
      giveUp: `UPDATE deliveries SET status = 'failed', last_error = 'not sent: the target kept failing'
         WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND created_at < ?
                      ORDER BY created_at LIMIT ?)`,
      attempts: 'SELECT attempts FROM deliveries WHERE id = ?',
      insertAttempt:
        'INSERT INTO delivery_attempts (delivery_id, attempt, attempted_at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)',
      update: `UPDATE deliveries SET attempts = ?, status = ?, next_attempt_at = COALESCE(?, next_attempt_at),
             last_status_code = ?, last_error = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
             ${db.dialect === 'postgres' ? ', claimed_by = NULL, claimed_until = NULL' : ''}
           WHERE id = ? AND status = 'pending'`,
      ofEvent:
        'SELECT id, subscription_id, status FROM deliveries WHERE location_id = ? AND event_seq = ? ORDER BY id',
      attemptsOf:
        'SELECT attempt, attempted_at, status_code, error, duration_ms FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt',
      pendingCount: `SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'`,
      countsByStatus: 'SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status',
    });
  }

  /**
   * Up to `limit` of one subscription's deliveries due by `now`, oldest first, leaving out those
   * in `held` (the worker has them already: queued, in flight or being recorded).
   */
  laneDue(
    subscriptionId: string,
    now: number,
    limit: number,
    held: ReadonlySet<number>,
  ): DueDelivery[] {
    const rows = (
      this.claimLane
        ? // Postgres: claimed as read; what this instance holds is claimed already.
          this.claimLane
            .all(this.claimant, now + CLAIM_MS, subscriptionId, now, now, limit)
            .sort(
              (a, b) =>
                Number(a.next_attempt_at) - Number(b.next_attempt_at) ||
                Number(a.id) - Number(b.id),
            )
        : this.sql.laneDue.all(subscriptionId, now, limit + held.size)
    ) as Array<Record<string, unknown>>;
    return dueDeliveries(rows, limit, held);
  }

  /**
   * Up to `limit` of one subscription's due deliveries with an id in (`afterId`, `throughId`]
   * whose event occurred at or after `occurredFrom` (an ISO time, compared as the stored text),
   * by id, leaving out those in `held`: a lane's fresh calls, read ahead of a restart's backlog
   * (docs/design.md, "Delivery"). On Postgres claimed as read, as `laneDue`'s are.
   */
  freshDue(
    subscriptionId: string,
    range: { afterId: number; throughId: number; occurredFrom: string },
    now: number,
    limit: number,
    held: ReadonlySet<number>,
  ): DueDelivery[] {
    const { afterId, throughId, occurredFrom } = range;
    const rows = (
      this.claimFresh
        ? this.claimFresh
            .all(
              this.claimant,
              now + CLAIM_MS,
              subscriptionId,
              now,
              now,
              afterId,
              throughId,
              occurredFrom,
              limit,
            )
            .sort((a, b) => Number(a.id) - Number(b.id))
        : this.sql.freshDue.all(
            subscriptionId,
            now,
            afterId,
            throughId,
            occurredFrom,
            limit + held.size,
          )
    ) as Array<Record<string, unknown>>;
    return dueDeliveries(rows, limit, held);
  }

  /**
   * Give back this instance's claims on deliveries it read but will not send now (their
   * target's breaker opened, or the subscription went): due again at once, for any instance,
   * instead of when the claim would have run out (`CLAIM_MS`). Nothing to do on SQLite.
   */
  releaseClaims(ids: readonly number[]): void {
    if (this.unclaim && ids.length > 0) this.unclaim.run(this.claimant, JSON.stringify(ids));
  }

  /** When one subscription's next delivery after `now` is due; null when none is pending. */
  laneNextDue(subscriptionId: string, now: number): number | null {
    const row = (
      this.claimsNextDue
        ? this.claimsNextDue.get(now, subscriptionId, now, now)
        : this.sql.laneNextDue.get(subscriptionId, now)
    ) as { at: number | null };
    return row.at === null ? null : Number(row.at);
  }

  /**
   * Deliveries stored since `afterId` (ids only grow), by subscription: which lanes have new
   * work (the last id and how many), without reading the deliveries themselves, and how many
   * of them are fresh calls' (their event occurred at or after `occurredFrom`, as `freshDue`).
   */
  newSince(
    afterId: number,
    occurredFrom: string,
  ): Array<{ subscriptionId: string; lastId: number; count: number; fresh: number }> {
    return (
      this.sql.newSince.all(occurredFrom, afterId) as Array<{
        subscription_id: string;
        last: number;
        n: number;
        fresh: number | string;
      }>
    ).map((r) => ({
      subscriptionId: r.subscription_id,
      lastId: Number(r.last),
      count: Number(r.n),
      fresh: Number(r.fresh),
    }));
  }

  lastId(): number {
    const row = this.sql.lastId.get() as { id: number | null };
    return Number(row.id ?? 0);
  }

  /** Every subscription with a pending delivery and its earliest due time (the worker's start). */
  pendingLanes(): Array<{ subscriptionId: string; dueAt: number }> {
    return (this.sql.pendingLanes.all() as Array<{ subscription_id: string; at: number }>).map(
      (r) => ({ subscriptionId: r.subscription_id, dueAt: Number(r.at) }),
    );
  }

  /**
   * Give up pending deliveries stored before `createdBefore` (oldest first, at most `limit`):
   * those a circuit breaker kept from being tried until past the retry policy's limit.
   */
  giveUpOlderThan(createdBefore: number, limit: number): number {
    return Number(this.sql.giveUp.run(createdBefore, limit).changes);
  }

  /**
   * Record many attempts in one transaction (the worker batches them). On Postgres in one
   * statement per batch: three statements per attempt were three round trips, each of which
   * the event loop waits for (docs/design.md, "The store"). A batch naming a delivery twice is
   * recorded in turn, as `record` would.
   */
  recordMany(records: readonly AttemptRecord[]): void {
    inTransaction(this.db, () => {
      const batch = this.recordBatch;
      if (batch === null) {
        for (const r of records) this.record(r.id, r.result, r.next);
        return;
      }
      for (const part of withoutRepeats(records)) {
        batch.run(
          JSON.stringify(
            part.map((r) => ({
              id: r.id,
              at: r.result.at,
              status_code: r.result.statusCode,
              error: r.result.error,
              duration_ms: Math.round(r.result.durationMs),
              status: r.next.status,
              next_attempt_at: r.next.nextAttemptAt ?? null,
            })),
          ),
        );
      }
    });
  }

  /** Record one attempt and the delivery's new status, atomically. */
  record(
    id: number,
    result: AttemptResult,
    next: { status: DeliveryStatus; nextAttemptAt?: number },
  ): void {
    // Both writes or neither: an attempt recorded without its status update would leave the
    // delivery due again at once, and the subscriber would get it every second.
    inTransaction(this.db, () => {
      const current = this.sql.attempts.get(id) as { attempts: number } | undefined;
      if (!current) return;
      const attempt = current.attempts + 1;
      this.sql.insertAttempt.run(
        id,
        attempt,
        result.at,
        result.statusCode,
        result.error,
        Math.round(result.durationMs),
      );
      this.sql.update.run(
        attempt,
        next.status,
        next.nextAttemptAt ?? null,
        result.statusCode,
        result.error,
        next.status,
        result.at,
        id,
      );
    });
  }

  /** Every delivery of one event with its attempts: what happened, for support questions. */
  history(
    locationId: string,
    eventSeq: number,
  ): Array<{
    id: number;
    subscriptionId: string;
    status: DeliveryStatus;
    attempts: DeliveryAttempt[];
  }> {
    const deliveries = this.sql.ofEvent.all(locationId, eventSeq) as Array<{
      id: number;
      subscription_id: string;
      status: DeliveryStatus;
    }>;
    const attempts = this.sql.attemptsOf;
    return deliveries.map((d) => ({
      id: d.id,
      subscriptionId: d.subscription_id,
      status: d.status,
      attempts: (attempts.all(d.id) as Array<Record<string, unknown>>).map((a) => ({
        attempt: Number(a.attempt),
        at: Number(a.attempted_at),
        statusCode: a.status_code === null ? null : Number(a.status_code),
        error: a.error === null ? null : String(a.error),
        durationMs: Number(a.duration_ms),
      })),
    }));
  }

  /** Deliveries waiting for an attempt: one read of the partial index, for the gauge. */
  pendingCount(): number {
    const row = this.sql.pendingCount.get() as { n: number };
    return Number(row.n);
  }

  countsByStatus(): Record<DeliveryStatus, number> {
    const counts: Record<DeliveryStatus, number> = {
      pending: 0,
      delivered: 0,
      failed: 0,
      cancelled: 0,
    };
    for (const row of this.sql.countsByStatus.all() as Array<{
      status: DeliveryStatus;
      n: number;
    }>) {
      counts[row.status] = Number(row.n);
    }
    return counts;
  }
}

/**
 * The records in runs where no delivery appears twice (in order): one statement numbers each
 * delivery's attempt once, so a second record of the same delivery goes in the next run.
 */
function withoutRepeats(records: readonly AttemptRecord[]): AttemptRecord[][] {
  const runs: AttemptRecord[][] = [];
  let run: AttemptRecord[] = [];
  let ids = new Set<number>();
  for (const r of records) {
    if (ids.has(r.id)) {
      runs.push(run);
      run = [];
      ids = new Set();
    }
    run.push(r);
    ids.add(r.id);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Rows of due deliveries as the worker holds them: at most `limit`, none of those in `held`. */
function dueDeliveries(
  rows: ReadonlyArray<Record<string, unknown>>,
  limit: number,
  held: ReadonlySet<number>,
): DueDelivery[] {
  const out: DueDelivery[] = [];
  for (const r of rows) {
    if (held.has(Number(r.id))) continue;
    out.push({
      id: Number(r.id),
      locationId: String(r.location_id),
      eventSeq: Number(r.event_seq),
      eventId: String(r.event_id),
      eventType: String(r.event_type),
      payload: String(r.payload),
      subscriptionId: String(r.subscription_id),
      attempts: Number(r.attempts),
      createdAt: Number(r.created_at),
      occurredAt: String(r.occurred_at),
    });
    if (out.length === limit) break;
  }
  return out;
}
