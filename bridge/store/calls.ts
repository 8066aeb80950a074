import type { SqlDatabase } from './sql/sqlDatabase';
import { z } from 'zod';
import type { CallEnrichment } from '../../lib/callEvent';
import {
  DISPOSITIONS,
  FOLLOW_UP_STATUSES,
  type CallRecordPatch,
  type Disposition,
  type FollowUpStatus,
} from '../../lib/callRecord';
import type { CallFacts } from '../../lib/settledCall';
import { callEnrichmentSchema, settledCallSchema } from '../schemas/callEvent';
import { BoundedPages, DEFAULT_SCAN_CAP, type Condition } from './boundedPages';
import { prepareAll } from './database';
import { followUpStateOf, type FollowUpState } from './followUps';
import { beforeCursor, encodeCursor } from './ids';
import { compileStoredJsonSchemas, CorruptRowError, parseStoredJson } from './storedJson';
import { jsonRecordRows } from './sql/jsonFields';

/** A call as stored: its facts, its enrichment and what the workflow wrote back. */
export interface StoredCall {
  seq: number;
  locationId: string;
  callId: string;
  status: 'live' | 'ended';
  facts: CallFacts;
  enrichment: CallEnrichment | null;
  missed: boolean;
  attempts: number;
  disposition: Disposition | null;
  notes: string | null;
  tags: string[];
  followUpStatus: FollowUpStatus | null;
  contactId: string | null;
  contactUrl: string | null;
  contactName: string | null;
  customFields: Record<string, string>;
  repliedAt: string | null;
  /** A miss's call-back tracking (bridge/store/followUps.ts). */
  followUp: FollowUpState;
  /** How many `call.updated` events the record has had. */
  revision: number;
  createdAt: string;
  updatedAt: string;
}

type CallRow = Record<string, unknown>;

/** An emitted miss of a number, as the dialler cooldown reads it. */
export interface NumberMiss {
  call_id: string;
  number_key: string;
  started_at: string;
  ended_at: string | null;
}

/**
 * What the enrichment of one call asks of its number's misses: lib/enrichment/enrichCall.ts's
 * `MissHistoryQuestion` in the store's ISO texts, with the asking call. The misses other than this call that started in
 * [`countFromIso`, `countToIso`], counted, and the emitted ones that may fold it (`fold`: those
 * that started in [`sinceIso`, `startedByIso`] and ended, or without an end started, at or after
 * `endedFromIso`; null: none).
 */
export interface StoredMissQuestion {
  /** The call asking: its own row is left out, and the answer is filed under it. */
  callId: string;
  numberKey: string;
  countFromIso: string;
  countToIso: string;
  fold: { sinceIso: string; startedByIso: string; endedFromIso: string } | null;
}

/** The answer to a {@link StoredMissQuestion}. */
export interface MissHistory {
  count: number;
  /** The latest counted miss's start (its `started_at` as stored), or null. */
  lastMissedAt: string | null;
  emitted: NumberMiss[];
}

export class CallRepo {
  private readonly sql;
  /** `GET /v1/calls` pages: the filters in SQL on the `calls_feed` index (schema.ts). */
  readonly pages: BoundedPages;
  /** The same for one outside number (`?number=`, Find Call): `calls_number_feed`. */
  readonly numberPages: BoundedPages;

  constructor(
    private readonly db: SqlDatabase,
    options: { scanCap?: number } = {},
  ) {
    this.pages = new BoundedPages(db, {
      table: 'calls',
      index: 'calls_feed',
      columns: '*',
      scanCap: options.scanCap ?? DEFAULT_SCAN_CAP,
    });
    this.numberPages = new BoundedPages(db, {
      table: 'calls',
      index: 'calls_number_feed',
      scope: ['location_id', 'number_key'],
      columns: '*',
      scanCap: options.scanCap ?? DEFAULT_SCAN_CAP,
    });
    this.sql = prepareAll(db, {
      upsert: `INSERT INTO calls (location_id, call_id, status, direction, outcome, number_key, started_at, ended_at, missed,
                            missed_emitted, facts, enrichment, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (location_id, call_id) DO UPDATE SET
           status = CASE WHEN calls.status = 'ended' THEN 'ended' ELSE excluded.status END,
           direction = excluded.direction,
           outcome = CASE WHEN excluded.status = 'ended' OR calls.status = 'live' THEN excluded.outcome ELSE calls.outcome END,
           number_key = excluded.number_key,
           -- A live call was stored from the legs seen so far; its settled start is earlier
           -- when its first leg reached the log later (repeat-miss windows use this column).
           started_at = CASE WHEN excluded.status = 'ended' OR calls.status = 'live' THEN excluded.started_at ELSE calls.started_at END,
           ended_at = CASE WHEN excluded.status = 'ended' OR calls.status = 'live' THEN excluded.ended_at ELSE calls.ended_at END,
           missed = CASE WHEN excluded.missed > calls.missed THEN excluded.missed ELSE calls.missed END,
           missed_emitted = CASE WHEN excluded.missed_emitted > calls.missed_emitted
             THEN excluded.missed_emitted ELSE calls.missed_emitted END,
           facts = CASE WHEN excluded.status = 'ended' OR calls.status = 'live' THEN excluded.facts ELSE calls.facts END,
           enrichment = COALESCE(excluded.enrichment, calls.enrichment),
           updated_at = excluded.updated_at`,
      get: 'SELECT * FROM calls WHERE location_id = ? AND call_id = ?',
      // A batch's questions about its numbers' misses (`missHistoryOfEach`), each part read
      // from the covering `calls_missed_by_number` index (schema.ts migration 8): the count
      // and the latest start in each call's repeat window, then the emitted misses that may
      // fold each call, then which of the batch's calls are stored as misses, and of which
      // number. Started-at texts are `toIsoUtc`'s (lib/utcTime.ts), whose order is time order.
      missHistoryOfEach: (() => {
        const fields = [
          'ask',
          'call_id',
          'number_key',
          'count_from',
          'count_to',
          'since',
          'started_by',
          'ended_from',
        ];
        const counted = jsonRecordRows(
          db.dialect,
          { alias: 'q', fields },
          {
            table: 'calls',
            alias: 'c',
            columns: ['started_at'],
            where: (f) => `c.location_id = ? AND c.number_key = ${f('number_key')} AND c.missed = 1
               AND c.started_at >= ${f('count_from')} AND c.started_at <= ${f('count_to')}
               AND c.call_id != ${f('call_id')}`,
            index: 'calls_missed_by_number',
            fieldsOnce: true,
          },
        );
        const folding = jsonRecordRows(
          db.dialect,
          { alias: 'q', fields },
          {
            table: 'calls',
            alias: 'c',
            columns: ['call_id', 'number_key', 'started_at', 'ended_at'],
            where: (f) => `c.location_id = ? AND c.number_key = ${f('number_key')} AND c.missed = 1
               AND c.started_at >= ${f('since')} AND c.started_at <= ${f('started_by')}
               AND (c.started_at >= ${f('ended_from')} OR c.ended_at >= ${f('ended_from')})
               AND c.missed_emitted = 1 AND c.call_id != ${f('call_id')}`,
            index: 'calls_missed_by_number',
            fieldsOnce: true,
          },
        );
        // By key, one lookup per call: a list in `IN (…)` let Postgres hash the location's calls.
        const stored = jsonRecordRows(
          db.dialect,
          { alias: 'b', fields: ['call_id'] },
          {
            table: 'calls',
            alias: 'c',
            columns: ['call_id', 'number_key', 'missed'],
            where: (f) => `c.location_id = ? AND c.call_id = ${f('call_id')}`,
          },
        );
        const none = 'CAST(NULL AS TEXT)';
        return `SELECT 'count' AS part, ${counted.field('ask')} AS asker, COUNT(*) AS n,
             ${none} AS call_id, ${none} AS number_key, MAX(c.started_at) AS started_at,
             ${none} AS ended_at
           FROM ${counted.from}
           GROUP BY ${counted.field('ask')}
         UNION ALL
         SELECT 'fold', ${folding.field('ask')}, NULL, c.call_id, c.number_key, c.started_at,
             c.ended_at
           FROM ${folding.from}
         UNION ALL
         SELECT 'stored', ${none}, c.missed, c.call_id, c.number_key, ${none}, ${none}
           FROM ${stored.from}`;
      })(),
      startedBetween: `SELECT call_id, status, started_at FROM calls
           WHERE location_id = ? AND number_key IS NOT DISTINCT FROM ? AND started_at >= ? AND started_at <= ? AND direction = ?`,
      addAttempt:
        'UPDATE calls SET attempts = attempts + 1, updated_at = ? WHERE location_id = ? AND call_id = ?',
    });
  }

  /**
   * Insert a call when first seen, or update its facts: a live call becomes ended, never the
   * reverse, and what the workflow wrote back is never touched here.
   */
  upsert(
    locationId: string,
    input: {
      facts: CallFacts;
      status: 'live' | 'ended';
      enrichment: CallEnrichment | null;
      /** An unanswered inbound call from outside (fired `call.missed` or folded into another). */
      missed: boolean;
      /** Its `call.missed` went out (not folded by the dialler cooldown). */
      missedEmitted: boolean;
    },
    now: number,
  ): void {
    const iso = new Date(now).toISOString();
    const f = input.facts;
    // Nothing reads its answer: on Postgres it goes without a wait (`SqlDatabase.send`).
    this.db.send(
      this.sql.upsert,
      locationId,
      f.call_id,
      input.status,
      f.direction,
      input.status === 'ended' ? f.outcome : null,
      f.external_number,
      f.started_at,
      input.status === 'ended' ? f.ended_at : null,
      input.missed ? 1 : 0,
      input.missedEmitted ? 1 : 0,
      JSON.stringify(f),
      input.enrichment ? JSON.stringify(input.enrichment) : null,
      iso,
      iso,
    );
  }

  get(locationId: string, callId: string): StoredCall | null {
    const row = this.sql.get.get(locationId, callId) as CallRow | undefined;
    return row ? toStoredCall(row) : null;
  }

  /** Newest first (by first sight), with optional filters; an opaque cursor pages back. */
  list(
    locationId: string,
    query: {
      limit: number;
      cursor?: string | null;
      outcome?: string;
      direction?: string;
      status?: string;
      /** Only calls with this outside party (E.164 `number_key`): Find Call by number. */
      numberKey?: string;
    },
  ): { calls: StoredCall[]; nextCursor: string | null } {
    const conditions: Condition[] = [];
    for (const column of ['outcome', 'direction', 'status'] as const) {
      const value = query[column];
      if (value !== undefined) conditions.push({ sql: `${column} = ?`, params: [value] });
    }
    const page = { before: beforeCursor(query.cursor), limit: query.limit, conditions };
    // One number's calls are a few among many: read them through their own index.
    const { rows, nextBefore } =
      query.numberKey === undefined
        ? this.pages.page([locationId], page)
        : this.numberPages.page([locationId, query.numberKey], page);
    return {
      calls: rows.map(toStoredCall),
      nextCursor: nextBefore === null ? null : encodeCursor(nextBefore),
    };
  }

  /** Update Call Record. Returns null when the call is not this location's. */
  patch(
    locationId: string,
    callId: string,
    patch: CallRecordPatch,
    now: number,
  ): StoredCall | null {
    const sets: string[] = [];
    const values: Array<string | number | null> = [];
    const set = (column: string, value: string | number | null) => {
      sets.push(`${column} = ?`);
      values.push(value);
    };
    if (patch.disposition !== undefined) set('disposition', patch.disposition);
    if (patch.notes !== undefined) set('notes', patch.notes);
    if (patch.tags !== undefined) set('tags', JSON.stringify([...new Set(patch.tags)]));
    if (patch.follow_up_status !== undefined) set('follow_up_status', patch.follow_up_status);
    if (patch.contact_id !== undefined) set('contact_id', patch.contact_id);
    if (patch.contact_url !== undefined) set('contact_url', patch.contact_url);
    if (patch.contact_name !== undefined) set('contact_name', patch.contact_name);
    if (patch.replied_at !== undefined) set('replied_at', patch.replied_at);
    if (patch.custom_fields !== undefined) {
      const current = this.get(locationId, callId);
      if (!current) return null;
      set(
        'custom_fields',
        JSON.stringify(mergeCustomFields(current.customFields, patch.custom_fields)),
      );
    }
    set('updated_at', new Date(now).toISOString());
    // The columns set vary with the patch: compiled per call (an API write, not a hot path).
    const result = this.db
      .prepare(`UPDATE calls SET ${sets.join(', ')} WHERE location_id = ? AND call_id = ?`)
      .run(...values, locationId, callId);
    return Number(result.changes) > 0 ? this.get(locationId, callId) : null;
  }

  /**
   * Each question's answer (`StoredMissQuestion`), in the questions' order, as it is at this
   * moment, in one read (on Postgres one round trip for a batch): a number's misses are
   * counted in the index, not handed over row by row. Misses include folded redials: each was
   * a call we missed. With it, which of `batchCallIds` are stored as misses and their number
   * (`storedMisses`): a batch's stale answers (bridge/ingest/storeEnricher.ts).
   */
  missHistoryOfEach(
    locationId: string,
    questions: readonly StoredMissQuestion[],
    batchCallIds: readonly string[] = [],
  ): { answers: MissHistory[]; storedMisses: Map<string, string> } {
    const answers = questions.map((): MissHistory => ({
      count: 0,
      lastMissedAt: null,
      emitted: [],
    }));
    const storedMisses = new Map<string, string>();
    if (questions.length === 0 && batchCallIds.length === 0) return { answers, storedMisses };
    const asked = JSON.stringify(
      questions.map((q, i) => ({
        ask: String(i),
        call_id: q.callId,
        number_key: q.numberKey,
        count_from: q.countFromIso,
        count_to: q.countToIso,
        since: q.fold?.sinceIso ?? null,
        started_by: q.fold?.startedByIso ?? null,
        ended_from: q.fold?.endedFromIso ?? null,
      })),
    );
    const rows = this.sql.missHistoryOfEach.all(
      asked,
      locationId,
      asked,
      locationId,
      JSON.stringify(batchCallIds.map((id) => ({ call_id: id }))),
      locationId,
    ) as CallRow[];
    for (const r of rows) {
      if (r.part === 'stored') {
        // Found by their key: `missed = 1` in SQL would read the location's misses instead.
        if (Number(r.n) === 1 && r.number_key !== null)
          storedMisses.set(String(r.call_id), String(r.number_key));
        continue;
      }
      const answer = answers[Number(r.asker)];
      if (r.part === 'count') {
        answer.count = Number(r.n);
        answer.lastMissedAt = r.started_at === null ? null : String(r.started_at);
      } else
        answer.emitted.push({
          call_id: String(r.call_id),
          number_key: String(r.number_key),
          started_at: String(r.started_at),
          ended_at: r.ended_at === null ? null : String(r.ended_at),
        });
    }
    return { answers, storedMisses };
  }

  /**
   * Calls of one direction and outside number (`number_key`; null = withheld) that started
   * between two instants: the candidates when the CRM-template journal and the poller report
   * the same call (bridge/journal/callCorrelation.ts).
   */
  startedBetween(
    locationId: string,
    query: { direction: string; numberKey: string | null; fromIso: string; toIso: string },
  ): Array<{ callId: string; status: 'live' | 'ended'; startedAt: string }> {
    return (
      this.sql.startedBetween.all(
        locationId,
        query.numberKey,
        query.fromIso,
        query.toIso,
        query.direction,
      ) as Array<Record<string, unknown>>
    ).map((r) => ({
      callId: String(r.call_id),
      status: r.status as 'live' | 'ended',
      startedAt: String(r.started_at),
    }));
  }

  /** The dialler cooldown folded another attempt into this call. */
  addAttempt(locationId: string, callId: string, now: number): void {
    this.sql.addAttempt.run(new Date(now).toISOString(), locationId, callId);
  }
}

/** `null` removes every custom field; a key set to `null` removes that one (docs/api.md). */
function mergeCustomFields(
  current: Record<string, string>,
  patch: Record<string, string | null> | null,
): Record<string, string> {
  if (patch === null) return {};
  const merged: Record<string, string> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

const tagsSchema = z.array(z.string());
const customFieldsSchema = z.record(z.string(), z.string());
compileStoredJsonSchemas(settledCallSchema, callEnrichmentSchema, tagsSchema, customFieldsSchema);
const statusSchema = z.enum(['live', 'ended']);
const dispositionSchema = z.enum(DISPOSITIONS).nullable();
const followUpSchema = z.enum(FOLLOW_UP_STATUSES).nullable();

/** A row as the repository's callers see it; its JSON and enum columns parsed, never cast. */
function toStoredCall(row: CallRow): StoredCall {
  const key = `location_id=${String(row.location_id)} call_id=${String(row.call_id)}`;
  const at = (column: string) => ({ table: 'calls', row: key, column });
  const column = <S extends z.ZodType>(schema: S, name: string): z.output<S> => {
    const result = schema.safeParse(row[name]);
    if (!result.success)
      throw new CorruptRowError('calls', key, name, result.error.issues[0].message);
    return result.data;
  };
  return {
    seq: Number(row.seq),
    locationId: String(row.location_id),
    callId: String(row.call_id),
    status: column(statusSchema, 'status'),
    facts: parseStoredJson(settledCallSchema, row.facts, at('facts')),
    enrichment:
      row.enrichment === null
        ? null
        : parseStoredJson(callEnrichmentSchema, row.enrichment, at('enrichment')),
    missed: Number(row.missed) === 1,
    attempts: Number(row.attempts),
    disposition: column(dispositionSchema, 'disposition'),
    notes: (row.notes as string | null) ?? null,
    tags: parseStoredJson(tagsSchema, row.tags, at('tags')),
    followUpStatus: column(followUpSchema, 'follow_up_status'),
    contactId: (row.contact_id as string | null) ?? null,
    contactUrl: (row.contact_url as string | null) ?? null,
    contactName: (row.contact_name as string | null) ?? null,
    customFields: parseStoredJson(customFieldsSchema, row.custom_fields, at('custom_fields')),
    repliedAt: (row.replied_at as string | null) ?? null,
    followUp: followUpStateOf(row),
    revision: Number(row.revision ?? 0),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}
