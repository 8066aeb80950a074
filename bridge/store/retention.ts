import type { SqlDatabase } from './sql/sqlDatabase';

/**
 * How long the bridge keeps what it no longer needs. Call records (with what the team wrote
 * back) are business data and stay; delivery attempts, finished deliveries, old events and
 * settled journal entries are only for troubleshooting and would grow without bound.
 * Events stay long enough for Zapier's `performList` and for support questions; nothing
 * still pending delivery is ever removed.
 */
export interface RetentionPolicy {
  deliveryDays: number;
  eventDays: number;
  journalDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  deliveryDays: 30,
  eventDays: 90,
  journalDays: 30,
};

export function pruneOldRecords(
  db: SqlDatabase,
  now: number,
  policy: RetentionPolicy = DEFAULT_RETENTION,
): Record<string, number> {
  const day = 86_400_000;
  const deliveryCutoff = now - policy.deliveryDays * day;
  const eventCutoff = new Date(now - policy.eventDays * day).toISOString();
  const journalCutoff = new Date(now - policy.journalDays * day).toISOString();
  const changes = (sql: string, ...params: Array<string | number>) =>
    Number(db.prepare(sql).run(...params).changes);
  return {
    delivery_attempts: changes(
      `DELETE FROM delivery_attempts WHERE attempted_at < ?
         AND delivery_id IN (SELECT id FROM deliveries WHERE status != 'pending')`,
      deliveryCutoff,
    ),
    deliveries: changes(
      `DELETE FROM deliveries WHERE status != 'pending' AND created_at < ?`,
      deliveryCutoff,
    ),
    events: changes(
      `DELETE FROM events WHERE created_at < ?
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = events.seq AND d.status = 'pending')`,
      eventCutoff,
    ),
    journal_entries: changes(
      `DELETE FROM journal_entries WHERE status != 'held' AND received_at < ?`,
      journalCutoff,
    ),
  };
}
