import type { SqlDatabase } from '../store/sql/sqlDatabase';
import type { CallFacts } from '../../lib/settledCall';
import { settledCallSchema } from '../schemas/callEvent';
import { prepareAll } from '../store/database';
import { jsonListRows, jsonRecordRows } from '../store/sql/jsonFields';
import { compileStoredJsonSchemas, parseStoredJson } from '../store/storedJson';

/**
 * - `held`: waiting until `release_at` for the poller's version of the call (a location
 *   polled over XAPI); no events yet.
 * - `released`: its events went out under `events_call_id` (its own `journal-…` id, or the id
 *   of the poller's call it matched while that call was still live).
 * - `superseded`: the poller reported the call (`matched_call_id`); the journal adds nothing.
 */
export type JournalEntryStatus = 'held' | 'released' | 'superseded';

export interface StoredJournalEntry {
  locationId: string;
  /** The journal's own call id (`journal-…`, bridge/journal/journalCallId.ts). */
  callId: string;
  status: JournalEntryStatus;
  call: CallFacts;
  releaseAt: number;
  eventsCallId: string | null;
  /** The poller's call this entry turned out to be. */
  matchedCallId: string | null;
  receivedAt: string;
}

type Row = Record<string, unknown>;

// The entry's call is checked with the compiled schema (bridge/store/storedJson.ts).
compileStoredJsonSchemas(settledCallSchema);

/** The columns an entry is read from (`toEntry`). */
const ENTRY_COLUMNS = [
  'location_id',
  'call_id',
  'status',
  'call',
  'release_at',
  'events_call_id',
  'matched_call_id',
  'received_at',
];

/** The `journal_entries` table: every journal entry a location received, and what became of it. */
export class JournalEntryRepo {
  private readonly sql;

  constructor(db: SqlDatabase) {
    this.sql = prepareAll(db, {
      insert: `INSERT INTO journal_entries (location_id, call_id, status, direction, number_key, started_at, call, body,
                                      received_at, release_at)
         VALUES (?, ?, 'held', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (location_id, call_id) DO NOTHING`,
      get: 'SELECT * FROM journal_entries WHERE location_id = ? AND call_id = ?',
      due: `SELECT * FROM journal_entries WHERE status = 'held' AND release_at <= ?
           ORDER BY release_at LIMIT ?`,
      dueAmong: `SELECT * FROM journal_entries WHERE status = 'held' AND release_at <= ?
           AND location_id IN (${jsonListRows(db.dialect)})
           ORDER BY release_at LIMIT ?`,
      releasedBetween: `SELECT * FROM journal_entries
           WHERE location_id = ? AND number_key IS NOT DISTINCT FROM ? AND started_at >= ? AND started_at <= ?
             AND direction = ? AND status = 'released'
             AND (matched_call_id IS NULL OR matched_call_id = ?)`,
      // `releasedBetween` for many poller calls at once: the same conditions, one row of the
      // JSON parameter per call, each answer row tagged with the call it is for.
      releasedBetweenEach: (() => {
        const q = jsonRecordRows(
          db.dialect,
          {
            alias: 'q',
            fields: ['claimable_by', 'direction', 'number_key', 'from_iso', 'to_iso'],
          },
          {
            table: 'journal_entries',
            alias: 'j',
            columns: ENTRY_COLUMNS,
            where: (
              f,
            ) => `j.location_id = ? AND j.number_key IS NOT DISTINCT FROM ${f('number_key')}
               AND j.started_at >= ${f('from_iso')} AND j.started_at <= ${f('to_iso')}
               AND j.direction = ${f('direction')} AND j.status = 'released'
               AND (j.matched_call_id IS NULL OR j.matched_call_id = ${f('claimable_by')})`,
          },
        );
        return `SELECT ${q.field('claimable_by')} AS asker, ${ENTRY_COLUMNS.map((c) => `j.${c}`).join(', ')}
           FROM ${q.from}`;
      })(),
      claim: 'UPDATE journal_entries SET matched_call_id = ? WHERE location_id = ? AND call_id = ?',
      resolve: `UPDATE journal_entries SET status = ?, events_call_id = ?,
           matched_call_id = COALESCE(?, matched_call_id), resolved_at = ?
         WHERE location_id = ? AND call_id = ?`,
    });
  }

  /** Store a new entry as held; false when this call was journaled before (nothing changes). */
  insert(
    locationId: string,
    entry: { call: CallFacts; body: unknown; releaseAt: number },
    now: number,
  ): boolean {
    const c = entry.call;
    const result = this.sql.insert.run(
      locationId,
      c.call_id,
      c.direction,
      c.external_number,
      c.started_at,
      JSON.stringify(c),
      JSON.stringify(entry.body ?? null),
      new Date(now).toISOString(),
      entry.releaseAt,
    );
    return Number(result.changes) > 0;
  }

  get(locationId: string, callId: string): StoredJournalEntry | null {
    const row = this.sql.get.get(locationId, callId) as Row | undefined;
    return row ? toEntry(row) : null;
  }

  /**
   * Held entries whose hold has run out, oldest deadline first: of every location, or only of
   * `among` (the locations this instance holds the lease of, with several instances).
   */
  due(now: number, limit = 500, among: readonly string[] | null = null): StoredJournalEntry[] {
    const rows =
      among === null
        ? this.sql.due.all(now, limit)
        : among.length === 0
          ? []
          : this.sql.dueAmong.all(now, JSON.stringify(among), limit);
    return (rows as Row[]).map(toEntry);
  }

  /**
   * Released entries of one direction and outside number that started in a window and are not
   * yet claimed by another poller call: the journal calls a poller call may turn out to be.
   */
  releasedBetween(
    locationId: string,
    query: {
      direction: string;
      numberKey: string | null;
      fromIso: string;
      toIso: string;
      claimableBy: string;
    },
  ): StoredJournalEntry[] {
    return (
      this.sql.releasedBetween.all(
        locationId,
        query.numberKey,
        query.fromIso,
        query.toIso,
        query.direction,
        query.claimableBy,
      ) as Row[]
    ).map(toEntry);
  }

  /**
   * `releasedBetween` for each of a batch's poller calls in one read (on Postgres one round
   * trip, not one per call): each question's answer by its `claimableBy`, as `releasedBetween`
   * would give it at this moment.
   */
  releasedBetweenEach(
    locationId: string,
    questions: ReadonlyArray<{
      direction: string;
      numberKey: string | null;
      fromIso: string;
      toIso: string;
      claimableBy: string;
    }>,
  ): Map<string, StoredJournalEntry[]> {
    const answers = new Map<string, StoredJournalEntry[]>(
      questions.map((q) => [q.claimableBy, []]),
    );
    if (questions.length === 0) return answers;
    const asked = JSON.stringify(
      questions.map((q) => ({
        claimable_by: q.claimableBy,
        direction: q.direction,
        number_key: q.numberKey,
        from_iso: q.fromIso,
        to_iso: q.toIso,
      })),
    );
    for (const row of this.sql.releasedBetweenEach.all(asked, locationId) as Row[])
      answers.get(String(row.asker))?.push(toEntry(row));
    return answers;
  }

  /** Its events went out under `eventsCallId`; `matchedCallId` when that is a poller call's. */
  markReleased(
    locationId: string,
    callId: string,
    ids: { eventsCallId: string; matchedCallId: string | null },
    now: number,
  ): void {
    this.resolve(locationId, callId, 'released', ids, now);
  }

  markSuperseded(locationId: string, callId: string, matchedCallId: string, now: number): void {
    this.resolve(locationId, callId, 'superseded', { eventsCallId: null, matchedCallId }, now);
  }

  /** A poller call turned out to be this released journal call: it is that call's only match. */
  claim(locationId: string, callId: string, pollerCallId: string): void {
    this.sql.claim.run(pollerCallId, locationId, callId);
  }

  private resolve(
    locationId: string,
    callId: string,
    status: JournalEntryStatus,
    ids: { eventsCallId: string | null; matchedCallId: string | null },
    now: number,
  ): void {
    this.sql.resolve.run(
      status,
      ids.eventsCallId,
      ids.matchedCallId,
      new Date(now).toISOString(),
      locationId,
      callId,
    );
  }
}

function toEntry(row: Row): StoredJournalEntry {
  return {
    locationId: String(row.location_id),
    callId: String(row.call_id),
    status: row.status as JournalEntryStatus,
    call: parseStoredJson(settledCallSchema, row.call, {
      table: 'journal_entries',
      row: `location_id=${String(row.location_id)} call_id=${String(row.call_id)}`,
      column: 'call',
    }),
    releaseAt: Number(row.release_at),
    eventsCallId: (row.events_call_id as string | null) ?? null,
    matchedCallId: (row.matched_call_id as string | null) ?? null,
    receivedAt: String(row.received_at),
  };
}
