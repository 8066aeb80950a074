import type { SqlDatabase } from './sql/sqlDatabase';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { inTransaction } from './database';

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

/**
 * Rows deleted per transaction. Each batch is found through an index on the row's age
 * (schema.ts migration 7) and the event loop runs between batches, so pruning a large backlog
 * never blocks polling or the API for long (at 1M calls stored it once took 21.5 s in one
 * transaction: BENCHMARKS.md "Store"). A batch of 1,000 events held the loop ~5–10 ms at 1M
 * calls, the first ~30 ms, and a bridge's first prune runs in its first seconds, beside every
 * location's first poll: a piece of it was in most stalls over 50 ms there (issue 16;
 * BENCHMARKS.md "stall2", 2026-12-04).
 */
export const PRUNE_BATCH = 250;

const OLD_DELIVERIES = `SELECT id FROM deliveries
  WHERE status != 'pending' AND created_at < ? ORDER BY created_at LIMIT ?`;

/**
 * One batch of each kind, oldest first (parameters: the cutoff, the batch size), in the order
 * they run. Each finds its rows through an index on their age (test/integration/storeQueryPlans
 * checks SQLite's plan for each).
 */
export const PRUNE_SQL = {
  // Attempts first, then their deliveries: the same rows, in one transaction.
  deliveries: [
    `DELETE FROM delivery_attempts WHERE delivery_id IN (${OLD_DELIVERIES})`,
    `DELETE FROM deliveries WHERE id IN (${OLD_DELIVERIES})`,
  ],
  events: [
    `DELETE FROM events WHERE seq IN (SELECT seq FROM events
       WHERE created_at < ?
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = events.seq AND d.status = 'pending')
       ORDER BY created_at LIMIT ?)`,
  ],
  journal_entries: [
    `DELETE FROM journal_entries WHERE rowid IN (SELECT rowid FROM journal_entries
       WHERE status != 'held' AND received_at < ? ORDER BY received_at LIMIT ?)`,
  ],
} as const;

/** The same on Postgres, which has no rowid: a journal entry is named by its key. */
export const PRUNE_SQL_POSTGRES: Record<keyof typeof PRUNE_SQL, readonly string[]> = {
  ...PRUNE_SQL,
  journal_entries: [
    `DELETE FROM journal_entries WHERE (location_id, call_id) IN (SELECT location_id, call_id
       FROM journal_entries WHERE status != 'held' AND received_at < ? ORDER BY received_at LIMIT ?)`,
  ],
};

/**
 * Delete what is past its retention, oldest first, in batches of `batch` rows. A delivery's
 * attempts go with it, and an event's (finished, younger than the event) deliveries with the
 * event (`ON DELETE CASCADE`). Returns how many rows of each kind went.
 */
export async function pruneOldRecords(
  db: SqlDatabase,
  now: number,
  policy: RetentionPolicy = DEFAULT_RETENTION,
  batch = PRUNE_BATCH,
): Promise<Record<string, number>> {
  const day = 86_400_000;
  const deliveryCutoff = now - policy.deliveryDays * day;
  const eventCutoff = new Date(now - policy.eventDays * day).toISOString();
  const journalCutoff = new Date(now - policy.journalDays * day).toISOString();
  const cutoffs: Record<keyof typeof PRUNE_SQL, string | number> = {
    deliveries: deliveryCutoff,
    events: eventCutoff,
    journal_entries: journalCutoff,
  };
  const steps = (Object.keys(PRUNE_SQL) as Array<keyof typeof PRUNE_SQL>).map((table) => ({
    table,
    sql: (db.dialect === 'sqlite' ? PRUNE_SQL : PRUNE_SQL_POSTGRES)[table],
    cutoff: cutoffs[table],
  }));
  const removed: Record<string, number> = { delivery_attempts: 0 };
  // Not in the caller's turn: `start()` begins the first prune, and its turn already holds
  // the scheduler's, the streams' and the delivery worker's starts.
  await yieldToLoop();
  for (const step of steps) {
    const statements = step.sql.map((sql) => db.prepare(sql));
    removed[step.table] = 0;
    for (;;) {
      const counts = inTransaction(db, () =>
        statements.map((statement) => Number(statement.run(step.cutoff, batch).changes)),
      );
      const n = counts[counts.length - 1];
      removed[step.table] += n;
      if (counts.length > 1) removed.delivery_attempts += counts[0];
      if (n < batch) break;
      await yieldToLoop();
    }
  }
  return removed;
}
