import { bySqlDialect, type SqlDatabase } from '../store/sql/sqlDatabase';
import { jsonListRows } from '../store/sql/jsonFields';

/**
 * Which event call id a PBX call number stands for (table `callcontrol_calls`).
 *
 * The stream names a call by its `callid`, the call log by its `CallHistoryId`; the two meet
 * through the call log's `CallId`, which is the stream's `callid` and the `/ActiveCalls` `Id`
 * [inf, docs/3cx-facts.md §1.7, §2.3; the settle engine already assumes the ActiveCalls half].
 * Whichever source sees a call first fixes its event id (`{call_id}:{event}`): the poller's
 * `CallHistoryId`, or, when the stream rings first, an id of the stream's own
 * (bridge/callcontrol/streamCallId.ts); the other source looks the number up here and uses the
 * same id. `CallId` is a small counter that starts again when the PBX restarts, so only a
 * recent link counts (`RECENT_MS`).
 */
export const RECENT_MS = 6 * 3600_000;

export interface CallLink {
  pbxCallId: number;
  callId: string;
  seenAt: number;
  fastVerdict: string | null;
  contradicted: boolean;
}

type Row = Record<string, unknown>;

export class CallLinkRepo {
  constructor(private readonly db: SqlDatabase) {}

  /** The newest link of this call number seen since `now − RECENT_MS`, or null. */
  find(locationId: string, pbxCallId: number, now: number): CallLink | null {
    const row = this.db
      .prepare(
        `SELECT * FROM callcontrol_calls WHERE location_id = ? AND pbx_call_id = ? AND seen_at >= ?
         ORDER BY seen_at DESC LIMIT 1`,
      )
      .get(locationId, pbxCallId, now - RECENT_MS) as Row | undefined;
    return row ? toLink(row) : null;
  }

  /**
   * `find` for many call numbers in one read (on Postgres one round trip, not one per number):
   * the newest recent link of each, by call number (none: absent).
   */
  findEach(locationId: string, pbxCallIds: readonly number[], now: number): Map<number, CallLink> {
    const found = new Map<number, CallLink>();
    if (pbxCallIds.length === 0) return found;
    // Per call number, the same read as `find`: Postgres a LATERAL subquery per number (its
    // own ORDER BY … LIMIT 1), SQLite a correlated subquery picking the row.
    const text = bySqlDialect(this.db, {
      sqlite: `SELECT l.* FROM json_each(?) AS q JOIN callcontrol_calls l ON l.rowid = (
          SELECT rowid FROM callcontrol_calls WHERE location_id = ? AND pbx_call_id = q.value
            AND seen_at >= ? ORDER BY seen_at DESC LIMIT 1)`,
      postgres: `SELECT l.* FROM json_array_elements_text(?::json) AS q(pbx_call_id)
        CROSS JOIN LATERAL (SELECT * FROM callcontrol_calls WHERE location_id = ?
          AND pbx_call_id = CAST(q.pbx_call_id AS BIGINT) AND seen_at >= ?
          ORDER BY seen_at DESC LIMIT 1) AS l`,
    });
    const rows = this.db
      .prepare(text)
      .all(JSON.stringify([...new Set(pbxCallIds)]), locationId, now - RECENT_MS) as Row[];
    for (const row of rows) {
      const link = toLink(row);
      found.set(link.pbxCallId, link);
    }
    return found;
  }

  /** The links of each of these event call ids, in one read: by call id (none: absent). */
  ofCallEach(locationId: string, callIds: readonly string[]): Map<string, CallLink[]> {
    const found = new Map<string, CallLink[]>();
    if (callIds.length === 0) return found;
    const rows = this.db
      .prepare(
        `SELECT * FROM callcontrol_calls WHERE location_id = ?
           AND call_id IN (${jsonListRows(this.db.dialect)})`,
      )
      .all(locationId, JSON.stringify([...new Set(callIds)])) as Row[];
    for (const row of rows) {
      const link = toLink(row);
      const of = found.get(link.callId);
      if (of) of.push(link);
      else found.set(link.callId, [link]);
    }
    return found;
  }

  /** Link a call number to an event call id (kept if it exists). */
  insert(locationId: string, pbxCallId: number, callId: string, now: number): void {
    // Nothing reads its answer: in a transaction on Postgres it goes without a wait.
    this.db.send(
      this.db.prepare(
        `INSERT INTO callcontrol_calls (location_id, pbx_call_id, call_id, seen_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (location_id, pbx_call_id, call_id) DO NOTHING`,
      ),
      locationId,
      pbxCallId,
      callId,
      now,
    );
  }

  setFastVerdict(locationId: string, callId: string, verdict: string): void {
    this.db
      .prepare(
        'UPDATE callcontrol_calls SET fast_verdict = ? WHERE location_id = ? AND call_id = ?',
      )
      .run(verdict, locationId, callId);
  }

  /** Mark the contradiction counted; true the first time. */
  markContradicted(locationId: string, callId: string): boolean {
    const result = this.db
      .prepare(
        'UPDATE callcontrol_calls SET contradicted = 1 WHERE location_id = ? AND call_id = ? AND contradicted = 0',
      )
      .run(locationId, callId);
    return Number(result.changes) > 0;
  }

  /** Drop links no call can use any more. */
  prune(now: number): number {
    const result = this.db
      .prepare('DELETE FROM callcontrol_calls WHERE seen_at < ?')
      .run(now - 4 * RECENT_MS);
    return Number(result.changes);
  }
}

function toLink(row: Row): CallLink {
  return {
    pbxCallId: Number(row.pbx_call_id),
    callId: String(row.call_id),
    seenAt: Number(row.seen_at),
    fastVerdict: (row.fast_verdict as string | null) ?? null,
    contradicted: Number(row.contradicted) === 1,
  };
}
