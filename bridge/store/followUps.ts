import type { SqlDatabase } from './sql/sqlDatabase';
import type { CallFollowUp, ReturnStatus } from '../../lib/callEvent';
import type { LaterCall, ReturnedVia } from '../../lib/followUp/callbackMatch';
import { jsonListRows, jsonRecordRows, jsonText } from './sql/jsonFields';

/**
 * A missed call's follow-up, kept on its call record (migration 3 in schema.ts): the call-back
 * tracking (bridge/followUp) reads and writes it here; `return_due_at` with its partial index is
 * the durable schedule of `call.unreturned`.
 */
export interface FollowUpState extends CallFollowUp {
  /** `return_due_at` as epoch ms (the scheduler's key). */
  dueAtMs: number | null;
}

/**
 * What the reports need of a miss as it fired (its `call.missed` event's fields), kept beside
 * its follow-up so a period's misses are read from one index (schema.ts, migration 3).
 */
export interface MissContext {
  branch: 'in_hours' | 'after_hours' | null;
  repeat: boolean;
  source_list: string | null;
  dialed_number: string | null;
  voicemail_left: boolean;
  known_contact: boolean;
  anonymous: boolean;
}

/** How a miss that fired starts being followed up (`missStored`). */
export interface FollowUpStart {
  status: Extract<ReturnStatus, 'awaiting' | 'no_number'>;
  dueAtMs: number | null;
}

/** A followed-up miss of one number, for matching call backs. */
export interface TrackedMiss {
  callId: string;
  startedAt: string;
  state: FollowUpState;
}

type Row = Record<string, unknown>;

export class FollowUpRepo {
  constructor(private readonly db: SqlDatabase) {}

  /**
   * What a stored `call.missed` writes on its call, in one statement (a catch-up stores
   * thousands of misses: each statement rewrites the row and the indexes of the columns it
   * sets, BENCHMARKS.md "ingest2"):
   * - `recorded`: what the reports need of the miss and its `call.missed` (fired or folded);
   * - `start`: follow it up (it fired). Only once: a miss already followed up keeps its state
   *   (the same call stored again by the other source).
   */
  missStored(
    locationId: string,
    callId: string,
    miss: {
      recorded: { context: MissContext; event: { seq: number; createdAt: string } } | null;
      start: FollowUpStart | null;
    },
  ): void {
    const sets: string[] = [];
    const values: Array<string | number | null> = [];
    if (miss.recorded) {
      sets.push('miss_context = ?', 'missed_event_seq = ?', 'missed_event_at = ?');
      const { context, event } = miss.recorded;
      values.push(JSON.stringify(context), event.seq, event.createdAt);
    }
    if (miss.start) {
      // Every right-hand side reads the row as it was: `return_status IS NULL` is "not yet
      // followed up" for all three.
      sets.push(
        'return_status = COALESCE(return_status, ?)',
        'return_due_at = CASE WHEN return_status IS NULL THEN ? ELSE return_due_at END',
        'callback_attempts = CASE WHEN return_status IS NULL THEN 0 ELSE callback_attempts END',
      );
      values.push(miss.start.status, miss.start.dueAtMs);
    }
    if (sets.length === 0) return;
    // Nothing reads its answer: on Postgres it goes without a wait (`SqlDatabase.send`). One of
    // three texts, each compiled once (the statement cache).
    this.db.send(
      this.db.prepare(`UPDATE calls SET ${sets.join(', ')} WHERE location_id = ? AND call_id = ?`),
      ...values,
      locationId,
      callId,
    );
  }

  /**
   * The calls among `callIds` as they are stored now (before an ingest changes them): what a
   * call-back match saw of them (bridge/followUp/followUpTracker.ts `afterCallsStored`).
   */
  storedVersions(locationId: string, callIds: readonly string[]): Map<string, LaterCall> {
    const versions = new Map<string, LaterCall>();
    if (callIds.length === 0) return versions;
    const rows = this.db
      .prepare(
        `SELECT call_id, direction, status, outcome, started_at FROM calls
         WHERE location_id = ? AND call_id IN (${jsonListRows(this.db.dialect)})`,
      )
      .all(locationId, JSON.stringify(callIds)) as Row[];
    for (const r of rows) {
      versions.set(String(r.call_id), {
        call_id: String(r.call_id),
        direction: r.direction as LaterCall['direction'],
        status: r.status as LaterCall['status'],
        outcome: (r.outcome as LaterCall['outcome']) ?? null,
        started_at: String(r.started_at),
        extension: null,
      });
    }
    return versions;
  }

  /** Every call with this outside number that started at or after `sinceIso`. */
  callsOf(locationId: string, numberKey: string, sinceIso: string): LaterCall[] {
    return this.callsOfEach(locationId, [{ numberKey, sinceIso }]).get(numberKey) ?? [];
  }

  /**
   * The followed-up misses still open (awaiting a call back, or past their deadline: a later
   * call may still return them) of each question's number that started at or after `fromIso`
   * and before `beforeIso` (the `calls_open_misses` index, schema.ts migration 11), in one read
   * (on Postgres one round trip, not one per number): each question's answer, in the
   * questions' order, as it would be at this moment.
   */
  openMissesOfEach(
    locationId: string,
    questions: ReadonlyArray<{ numberKey: string; fromIso: string; beforeIso: string }>,
  ): TrackedMiss[][] {
    return this.missesOfEach(
      locationId,
      questions,
      'calls_open_misses',
      (q) => `c.number_key = ${q('number_key')} AND c.started_at >= ${q('from_iso')}
        AND c.started_at < ${q('before_iso')}
        AND c.return_status IN ('awaiting', 'not_returned') AND c.missed = 1`,
    );
  }

  /**
   * The returned misses of each question's number that started at or after `fromIso` and
   * before `beforeIso`, returned by a call that started at or after `returnedFromIso`: those a
   * change to the number's calls from then on may move (`calls_returned_misses`, migration 11);
   * in one read, as `openMissesOfEach`.
   */
  returnedMissesOfEach(
    locationId: string,
    questions: ReadonlyArray<{
      numberKey: string;
      fromIso: string;
      beforeIso: string;
      returnedFromIso: string;
    }>,
  ): TrackedMiss[][] {
    // SQLite would read `calls_missed_by_number` (it fits more of the conditions): every miss
    // of the number in the horizon, each row looked up, where this index finds the few
    // returned since the change.
    return this.missesOfEach(
      locationId,
      questions,
      'calls_returned_misses',
      (q) => `c.number_key = ${q('number_key')} AND c.returned_at >= ${q('returned_from')}
        AND c.return_status = 'returned' AND c.started_at >= ${q('from_iso')}
        AND c.started_at < ${q('before_iso')} AND c.missed = 1`,
    );
  }

  /** One read of many numbers' misses: `conditions` on the calls `c` of each question `q`. */
  private missesOfEach(
    locationId: string,
    questions: ReadonlyArray<{
      numberKey: string;
      fromIso: string;
      beforeIso: string;
      returnedFromIso?: string;
    }>,
    index: string,
    conditions: (q: (name: string) => string) => string,
  ): TrackedMiss[][] {
    const answers = questions.map((): TrackedMiss[] => []);
    if (questions.length === 0) return answers;
    const stateColumns = STATE_COLUMNS.split(', ');
    const q = jsonRecordRows(
      this.db.dialect,
      { alias: 'q', fields: ['ask', 'number_key', 'from_iso', 'before_iso', 'returned_from'] },
      {
        table: 'calls',
        alias: 'c',
        columns: ['call_id', 'started_at', ...stateColumns],
        where: (f) => `c.location_id = ? AND ${conditions(f)}`,
        index,
      },
    );
    const columns = stateColumns.map((column) => `c.${column}`).join(', ');
    const rows = this.db
      .prepare(
        `SELECT ${q.field('ask')} AS ask, c.call_id, c.started_at, ${columns} FROM ${q.from}`,
      )
      .all(
        JSON.stringify(
          questions.map((question, i) => ({
            ask: String(i),
            number_key: question.numberKey,
            from_iso: question.fromIso,
            before_iso: question.beforeIso,
            returned_from: question.returnedFromIso ?? null,
          })),
        ),
        locationId,
      ) as Row[];
    for (const r of rows) answers[Number(r.ask)]?.push(trackedMissOf(r));
    return answers;
  }

  /** `callsOf` for many numbers in one read: each number's calls, by number. */
  callsOfEach(
    locationId: string,
    questions: ReadonlyArray<{ numberKey: string; sinceIso: string }>,
  ): Map<string, LaterCall[]> {
    const answers = new Map<string, LaterCall[]>(questions.map((q) => [q.numberKey, []]));
    if (questions.length === 0) return answers;
    const q = jsonRecordRows(
      this.db.dialect,
      { alias: 'q', fields: ['number_key', 'since'] },
      {
        table: 'calls',
        alias: 'c',
        columns: ['number_key', 'call_id', 'direction', 'status', 'outcome', 'started_at', 'facts'],
        where: (f) =>
          `c.location_id = ? AND c.number_key = ${f('number_key')} AND c.started_at >= ${f('since')}`,
      },
    );
    const rows = this.db
      .prepare(
        `SELECT c.number_key, c.call_id, c.direction, c.status, c.outcome, c.started_at,
                ${jsonText(this.db.dialect, 'c.facts', 'answered_by')} AS answered_by,
                ${jsonText(this.db.dialect, 'c.facts', 'caller_number')} AS caller_number
         FROM ${q.from}`,
      )
      .all(
        JSON.stringify(questions.map((x) => ({ number_key: x.numberKey, since: x.sinceIso }))),
        locationId,
      ) as Row[];
    for (const r of rows) answers.get(String(r.number_key))?.push(laterCallOf(r));
    return answers;
  }

  /**
   * Store a miss's follow-up as it is now. Returns the follow-up as the call now reads
   * (`followUpStateOf`): `stored`'s deadline (not written here) with `state`'s match, so the
   * caller need not read the row back.
   */
  save(
    locationId: string,
    callId: string,
    state: CallFollowUp,
    stored: FollowUpState,
  ): FollowUpState {
    this.db
      .prepare(
        `UPDATE calls SET return_status = ?, returned_at = ?, returned_by = ?, returned_via = ?,
           returned_call_id = ?, time_to_callback_seconds = ?, callback_attempts = ?
         WHERE location_id = ? AND call_id = ?`,
      )
      .run(
        state.return_status,
        state.returned_at,
        state.returned_by,
        state.returned_via,
        state.returned_call_id,
        state.time_to_callback_seconds,
        state.callback_attempts,
        locationId,
        callId,
      );
    return {
      return_status: state.return_status,
      return_due_at: stored.return_due_at,
      returned_at: state.returned_at,
      returned_by: state.returned_by,
      returned_via: state.returned_via,
      returned_call_id: state.returned_call_id,
      time_to_callback_seconds: state.time_to_callback_seconds,
      callback_attempts: state.callback_attempts,
      dueAtMs: stored.dueAtMs,
    };
  }

  /**
   * Misses awaiting a call back whose deadline has passed, soonest first, from every location
   * or only from `among` (the locations this instance holds the lease of, with several
   * instances): one read of the partial index `calls_return_due`.
   */
  due(
    nowMs: number,
    limit: number,
    among: readonly string[] | null = null,
  ): Array<{ locationId: string; callId: string; dueAtMs: number }> {
    if (among !== null && among.length === 0) return [];
    const rows =
      among === null
        ? this.db
            .prepare(
              `SELECT location_id, call_id, return_due_at FROM calls
               WHERE return_status = 'awaiting' AND return_due_at <= ?
               ORDER BY return_due_at LIMIT ?`,
            )
            .all(nowMs, limit)
        : this.db
            .prepare(
              `SELECT location_id, call_id, return_due_at FROM calls
               WHERE return_status = 'awaiting' AND return_due_at <= ?
                 AND location_id IN (${jsonListRows(this.db.dialect)})
               ORDER BY return_due_at LIMIT ?`,
            )
            .all(nowMs, JSON.stringify(among), limit);
    return (rows as Row[]).map((r) => ({
      locationId: String(r.location_id),
      callId: String(r.call_id),
      dueAtMs: Number(r.return_due_at),
    }));
  }

  /** When the next miss falls due, to sleep until then; null when none is awaiting. */
  nextDueAt(): number | null {
    const row = this.db
      .prepare(`SELECT MIN(return_due_at) AS at FROM calls WHERE return_status = 'awaiting'`)
      .get() as { at: number | null };
    return row.at === null ? null : Number(row.at);
  }

  /** The call's next `call.updated` number: its revision, counted up on the record. */
  nextRevision(locationId: string, callId: string): number {
    const row = this.db
      .prepare(
        'UPDATE calls SET revision = revision + 1 WHERE location_id = ? AND call_id = ? RETURNING revision',
      )
      .get(locationId, callId) as { revision: number } | undefined;
    if (!row) throw new Error(`no call ${callId} to number a change of`);
    return Number(row.revision);
  }
}

/** A call as a call-back match reads it (`callsOf`). */
function laterCallOf(r: Row): LaterCall {
  const direction = r.direction as LaterCall['direction'];
  const extension = direction === 'outbound' ? r.caller_number : r.answered_by;
  return {
    call_id: String(r.call_id),
    direction,
    status: r.status as LaterCall['status'],
    outcome: (r.outcome as LaterCall['outcome']) ?? null,
    started_at: String(r.started_at),
    extension: typeof extension === 'string' ? extension : null,
  };
}

function trackedMissOf(r: Row): TrackedMiss {
  return { callId: String(r.call_id), startedAt: String(r.started_at), state: followUpStateOf(r) };
}

/** The follow-up columns, as `followUpStateOf` reads them. */
export const STATE_COLUMNS =
  'return_status, return_due_at, returned_at, returned_by, returned_via, returned_call_id, time_to_callback_seconds, callback_attempts';

/** A row's follow-up columns (any query that selected `STATE_COLUMNS`, or `*`). */
export function followUpStateOf(row: Row): FollowUpState {
  const dueAtMs =
    row.return_due_at === null || row.return_due_at === undefined
      ? null
      : Number(row.return_due_at);
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    return_status: (text(row.return_status) as ReturnStatus | null) ?? null,
    return_due_at: dueAtMs === null ? null : new Date(dueAtMs).toISOString(),
    returned_at: text(row.returned_at),
    returned_by: text(row.returned_by),
    returned_via: text(row.returned_via) as ReturnedVia | null,
    returned_call_id: text(row.returned_call_id),
    time_to_callback_seconds: number(row.time_to_callback_seconds),
    callback_attempts: number(row.callback_attempts),
    dueAtMs,
  };
}
