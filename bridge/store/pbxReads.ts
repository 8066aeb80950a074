import { PBX_READS_CHANNEL } from '../cluster/channels';
import { jsonListRows } from './sql/jsonFields';
import { DB_NOW_MS } from './sql/dbNow';
import { prepareAll, type SqlDatabase } from './sql/sqlDatabase';

/** A read of a location's PBX one instance asked and another took. */
export interface PbxRead {
  id: number;
  locationId: string;
  fromMs: number;
  toMs: number;
}

export type PbxReadAnswer =
  | { status: 'pending' | 'running' }
  | { status: 'done'; result: string }
  | { status: 'failed'; error: string }
  | { status: 'gone' };

/**
 * Reads of a PBX asked by an instance that does not poll it, for the one that does (Postgres
 * only; `pbx_reads`, pgSchema.ts migration 2): 3CX keeps one token per API client
 * (docs/3cx-facts.md §1.2), so a second instance fetching its own would cut the polling
 * instance's token off. Today the one read is the reconciliation report's inbound calls.
 */
export class PbxReadRepo {
  private readonly sql;

  constructor(private readonly db: SqlDatabase) {
    this.sql = prepareAll(db, {
      ask: `INSERT INTO pbx_reads (location_id, from_ms, to_ms, asked_at) VALUES (?, ?, ?, ${DB_NOW_MS})
         RETURNING id`,
      notify: `SELECT pg_notify('${PBX_READS_CHANNEL}', ?)`,
      take: `UPDATE pbx_reads SET status = 'running', taken_by = ?
         WHERE id IN (
           SELECT id FROM pbx_reads WHERE status = 'pending'
             AND location_id IN (${jsonListRows(db.dialect)})
           ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
         RETURNING id, location_id, from_ms, to_ms`,
      finish: `UPDATE pbx_reads SET status = ?, result = ?, error = ? WHERE id = ?`,
      answer: `SELECT status, result, error FROM pbx_reads WHERE id = ?`,
      forget: `DELETE FROM pbx_reads WHERE id = ?`,
      // An asker that died leaves its read; one that waits gives up long before this.
      forgetOld: `DELETE FROM pbx_reads WHERE asked_at < ${DB_NOW_MS} - ?`,
    });
  }

  /** Ask for a read and wake the instances; the read's id. */
  ask(locationId: string, fromMs: number, toMs: number): number {
    return this.db.transaction(() => {
      const id = Number(this.sql.ask.get(locationId, fromMs, toMs)!.id);
      this.wake(locationId);
      return id;
    });
  }

  /** Wake the instances (again): the one polling the location takes what waits for it. */
  wake(locationId: string): void {
    this.sql.notify.get(locationId);
  }

  /** Take up to `limit` reads waiting for `locations` (the ones `me` polls). */
  take(me: string, locations: readonly string[], limit = 8): PbxRead[] {
    if (locations.length === 0) return [];
    return this.sql.take.all(me, JSON.stringify(locations), limit).map((r) => ({
      id: Number(r.id),
      locationId: String(r.location_id),
      fromMs: Number(r.from_ms),
      toMs: Number(r.to_ms),
    }));
  }

  finish(id: number, outcome: { result: string } | { error: string }): void {
    if ('result' in outcome) this.sql.finish.run('done', outcome.result, null, id);
    else this.sql.finish.run('failed', null, outcome.error, id);
  }

  answer(id: number): PbxReadAnswer {
    const row = this.sql.answer.get(id);
    if (!row) return { status: 'gone' };
    if (row.status === 'done') return { status: 'done', result: String(row.result) };
    if (row.status === 'failed') return { status: 'failed', error: String(row.error) };
    return { status: row.status === 'running' ? 'running' : 'pending' };
  }

  forget(id: number): void {
    this.sql.forget.run(id);
  }

  forgetOlderThan(ms: number): void {
    this.sql.forgetOld.run(ms);
  }
}
