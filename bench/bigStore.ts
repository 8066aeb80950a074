import type { DatabaseSync } from 'node:sqlite';
import { sqliteOf } from '../bridge/store/sql/sqliteDatabase';
import { buildCallEvent, NO_ENRICHMENT, type CallEnrichment } from '../lib/callEvent';
import type { BridgeStore } from '../bridge/store/bridgeStore';
import { syntheticCall } from './syntheticEvents';

const DAY_MS = 86_400_000;

/** What a filled store holds (bench/bigStoreBench.ts). */
export interface BigStoreFill {
  calls: number;
  events: number;
  deliveries: number;
  /** The outside number with many misses in the repeat-miss window. */
  hotNumber: string;
  hotMisses: number;
}

/**
 * Fill one location with `calls` call records spread over the last year (newest now), as the
 * bridge would have stored them: the rows are copies of one call, event and delivery written by
 * the store's own code, with ids, times, numbers and outcomes varied in SQL (a million rows
 * through the repositories would take longer than the benchmark). Events exist for the last
 * 100 days (retention keeps 90: the rest is for the prune to find), deliveries with one attempt
 * each for the last 35 days (30 kept). One number has a miss every ten calls of the last week.
 * Every miss is followed up and was not returned.
 */
export function fillBigStore(
  store: BridgeStore,
  locationId: string,
  subscriptionIds: Record<string, string>,
  calls: number,
  now: number,
): BigStoreFill {
  const db = sqliteOf(store.db);
  const hotNumber = '+61412999999';
  // One template of each row, written by the store itself.
  const call = { ...syntheticCall(0, now - DAY_MS), call_id: 'template-call' };
  const enrichment: CallEnrichment = {
    ...NO_ENRICHMENT,
    source_list: 'sales',
    in_business_hours: true,
    branch: 'in_hours',
    missed_count_7d: 1,
  };

  store.calls.upsert(
    locationId,
    { facts: call, status: 'ended', enrichment, missed: true, missedEmitted: true },
    now - DAY_MS,
  );
  for (const type of ['call.started', 'call.ended', 'call.missed'] as const) {
    const event = buildCallEvent(type, call, {
      location: { id: locationId, name: 'Busy office' },
      enrichment,
      recordUrl: `https://bridge.example.com/v1/calls/${call.call_id}`,
    });
    store.events.append(locationId, event, { now: now - DAY_MS });
  }
  const span = 365 * DAY_MS;
  const step = span / calls;
  // i = 0 … calls-1, oldest first; a call's start in ms.
  const startMs = `(${now} - ${span} + i * ${step})`;
  const iso = (ms: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms}) / 1000.0, 'unixepoch')`;
  const hot = `(${startMs} > ${now - 7 * DAY_MS} AND i % 10 = 0)`;
  const missed = `(i % 3 = 0 OR ${hot})`;
  db.exec('DROP TABLE IF EXISTS temp.n');
  db.exec('CREATE TEMP TABLE n (i INTEGER PRIMARY KEY)');
  db.exec(`WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < ${calls - 1})
           INSERT INTO temp.n SELECT i FROM r`);
  const t = `'big-' || i`;
  inChunks(db, calls, (from, to) => {
    cloneRows(db, 'calls', `call_id = 'template-call'`, `i >= ${from} AND i < ${to}`, {
      seq: 'NULL',
      call_id: t,
      started_at: iso(startMs),
      ended_at: iso(`${startMs} + 30000`),
      created_at: iso(startMs),
      updated_at: iso(startMs),
      number_key: `CASE WHEN ${hot} THEN '${hotNumber}' ELSE '+6141' || printf('%07d', i % 200000) END`,
      missed: `CASE WHEN ${missed} THEN 1 ELSE 0 END`,
      missed_emitted: `CASE WHEN ${missed} THEN 1 ELSE 0 END`,
      outcome: `CASE WHEN ${missed} THEN 'missed' ELSE 'answered' END`,
      // Every miss is followed up, as the bridge does; none of these was called back (the hot
      // number's thousand misses are all open: any call of it may still return them).
      return_status: `CASE WHEN ${missed} THEN 'not_returned' ELSE NULL END`,
      return_due_at: `CASE WHEN ${missed} THEN CAST(${startMs} AS INTEGER) + 3600000 ELSE NULL END`,
      callback_attempts: `CASE WHEN ${missed} THEN 0 ELSE NULL END`,
    });
  });
  // Events for the last 100 days: started and ended for every call, missed for the misses.
  const eventsFrom = Math.max(0, Math.floor(calls - (100 * DAY_MS) / step));
  for (const type of ['call.started', 'call.ended', 'call.missed']) {
    const only = type === 'call.missed' ? ` AND ${missed}` : '';
    inChunks(db, calls, (from, to) => {
      if (to <= eventsFrom) return;
      cloneRows(
        db,
        'events',
        `id = 'template-call:${type}'`,
        `i >= ${Math.max(from, eventsFrom)} AND i < ${to}${only}`,
        {
          seq: 'NULL',
          id: `${t} || ':${type}'`,
          call_id: t,
          occurred_at: iso(`${startMs} + 30000`),
          created_at: iso(`${startMs} + 40000`),
        },
      );
    });
  }
  // Deliveries (delivered, one attempt) for the last 35 days' events.
  const deliveriesFrom = `'${new Date(now - 35 * DAY_MS).toISOString()}'`;
  for (const [type, subscriptionId] of Object.entries(subscriptionIds)) {
    db.exec(`INSERT INTO deliveries (location_id, event_seq, subscription_id, status, attempts,
               next_attempt_at, created_at, delivered_at, last_status_code)
             SELECT location_id, seq, '${subscriptionId}', 'delivered', 1,
               CAST(unixepoch(created_at, 'subsec') * 1000 AS INTEGER),
               CAST(unixepoch(created_at, 'subsec') * 1000 AS INTEGER),
               CAST(unixepoch(created_at, 'subsec') * 1000 AS INTEGER), 200
             FROM events WHERE location_id = '${locationId}' AND type = '${type}'
               AND created_at >= ${deliveriesFrom} AND call_id LIKE 'big-%'`);
  }
  db.exec(`INSERT INTO delivery_attempts (delivery_id, attempt, attempted_at, status_code, error, duration_ms)
           SELECT id, 1, created_at + 50, 200, NULL, 50 FROM deliveries
           WHERE location_id = '${locationId}' AND id NOT IN (SELECT delivery_id FROM delivery_attempts)`);
  db.exec('DROP TABLE temp.n');
  // No `ANALYZE` by default: the bridge never runs it (nor `PRAGMA optimize`), so a store grown
  // over a year has no sqlite_stat1 and the planner chooses with its defaults; statistics only
  // the benchmark's store had would choose its plans for it. BENCH_BIGSTORE_ANALYZE=1 for the
  // old behaviour (to compare).
  if (process.env.BENCH_BIGSTORE_ANALYZE === '1') db.exec('ANALYZE');
  const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
  return {
    calls: count(`SELECT COUNT(*) AS n FROM calls WHERE location_id = '${locationId}'`),
    events: count(`SELECT COUNT(*) AS n FROM events WHERE location_id = '${locationId}'`),
    deliveries: count(`SELECT COUNT(*) AS n FROM deliveries WHERE location_id = '${locationId}'`),
    hotNumber,
    hotMisses: count(
      `SELECT COUNT(*) AS n FROM calls WHERE location_id = '${locationId}' AND number_key = '${hotNumber}' AND missed = 1`,
    ),
  };
}

/** Run `work` over [0, total) in slices, one transaction each. */
function inChunks(db: DatabaseSync, total: number, work: (from: number, to: number) => void) {
  const size = 100_000;
  for (let from = 0; from < total; from += size) {
    db.exec('BEGIN');
    work(from, Math.min(total, from + size));
    db.exec('COMMIT');
  }
}

/** Copy the template row of `table` once per number `i` in `temp.n` that `where` keeps. */
function cloneRows(
  db: DatabaseSync,
  table: string,
  template: string,
  where: string,
  overrides: Record<string, string>,
): void {
  const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map(
    (c) => c.name,
  );
  const values = columns.map((c) => overrides[c] ?? `tpl.${c}`);
  db.exec(`INSERT INTO ${table} (${columns.join(', ')})
           SELECT ${values.join(', ')}
           FROM temp.n CROSS JOIN (SELECT * FROM ${table} WHERE ${template}) AS tpl
           WHERE ${where}`);
}
