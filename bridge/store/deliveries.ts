import { hostname } from 'node:os';
import type { SqlDatabase, SqlStatement } from './sql/sqlDatabase';
import { inTransaction, prepareAll } from './database';
import type { SubscriptionKind } from './subscriptions';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

/** A delivery that is due, with what is needed to send it. */
export interface DueDelivery {
  id: number;
  locationId: string;
  eventSeq: number;
  eventId: string;
  eventType: string;
  payload: string;
  subscriptionId: string;
  kind: SubscriptionKind;
  targetUrl: string;
  attempts: number;
  createdAt: number;
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
   * Postgres (several instances): due deliveries are claimed as they are read, `FOR UPDATE
   * SKIP LOCKED`, so two instances never send the same delivery at once.
   */
  private readonly claimDue: SqlStatement | null;
  /** Who claims: this process (shown in `claimed_by` for support questions). */
  private readonly claimant = `${hostname()}-${process.pid}`;

  constructor(private readonly db: SqlDatabase) {
    this.claimDue =
      db.dialect === 'postgres'
        ? db.prepare(`UPDATE deliveries d SET claimed_by = ?, claimed_until = ?
         FROM events e, subscriptions s
         WHERE d.id IN (
             SELECT id FROM deliveries
             WHERE status = 'pending' AND next_attempt_at <= ?
               AND (claimed_until IS NULL OR claimed_until < ?)
               AND subscription_id NOT IN (SELECT json_array_elements_text(?::json))
             ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
           AND e.seq = d.event_seq AND s.id = d.subscription_id
         RETURNING d.id, d.location_id, d.event_seq, e.id AS event_id, e.type AS event_type, e.payload,
                   d.subscription_id, s.kind, s.target_url, d.attempts, d.created_at, d.next_attempt_at`)
        : null;
    this.sql = prepareAll(db, {
      due: `SELECT d.id, d.location_id, d.event_seq, e.id AS event_id, e.type AS event_type, e.payload,
                d.subscription_id, s.kind, s.target_url, d.attempts, d.created_at
         FROM deliveries d
         JOIN events e ON e.seq = d.event_seq
         JOIN subscriptions s ON s.id = d.subscription_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?
           AND d.subscription_id NOT IN (SELECT value FROM json_each(?))
         ORDER BY d.next_attempt_at, d.id LIMIT ?`,
      nextDueAt: `SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'`,
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
   * Pending deliveries due by `now`, oldest first, leaving out those `excluding` (in flight) and
   * those of `busySubscriptions` (subscriptions that already have their share of the worker).
   */
  due(
    now: number,
    limit: number,
    excluding: ReadonlySet<number>,
    busySubscriptions: ReadonlySet<string> = new Set(),
  ): DueDelivery[] {
    const busy = JSON.stringify([...busySubscriptions]);
    const rows = (
      this.claimDue
        ? // Those this instance has in flight are claimed already: not read again.
          this.claimDue
            .all(this.claimant, now + CLAIM_MS, now, now, busy, limit)
            .sort(
              (a, b) =>
                Number(a.next_attempt_at) - Number(b.next_attempt_at) ||
                Number(a.id) - Number(b.id),
            )
        : this.sql.due.all(now, busy, limit + excluding.size)
    ) as Array<Record<string, unknown>>;
    const out: DueDelivery[] = [];
    for (const r of rows) {
      if (excluding.has(Number(r.id))) continue;
      out.push({
        id: Number(r.id),
        locationId: String(r.location_id),
        eventSeq: Number(r.event_seq),
        eventId: String(r.event_id),
        eventType: String(r.event_type),
        payload: String(r.payload),
        subscriptionId: String(r.subscription_id),
        kind: r.kind as SubscriptionKind,
        targetUrl: String(r.target_url),
        attempts: Number(r.attempts),
        createdAt: Number(r.created_at),
      });
      if (out.length === limit) break;
    }
    return out;
  }

  /** When the next due delivery is, to sleep until then; null when none is pending. */
  nextDueAt(): number | null {
    const row = this.sql.nextDueAt.get() as {
      at: number | null;
    };
    return row.at;
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
