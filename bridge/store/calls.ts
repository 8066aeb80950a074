import type { DatabaseSync } from 'node:sqlite';
import type { CallEnrichment } from '../../lib/callEvent';
import type { CallRecordPatch } from '../../lib/callRecord';
import type { SettledCall } from '../../lib/settledCall';
import { followUpStateOf, type FollowUpState } from './followUps';
import { decodeCursor, encodeCursor } from './ids';

/** A call as stored: its facts, its enrichment and what the workflow wrote back. */
export interface StoredCall {
  seq: number;
  locationId: string;
  callId: string;
  status: 'live' | 'ended';
  facts: SettledCall;
  enrichment: CallEnrichment | null;
  missed: boolean;
  attempts: number;
  disposition: string | null;
  notes: string | null;
  tags: string[];
  followUpStatus: string | null;
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

export class CallRepo {
  constructor(private readonly db: DatabaseSync) {}

  /**
   * Insert a call when first seen, or update its facts: a live call becomes ended, never the
   * reverse, and what the workflow wrote back is never touched here.
   */
  upsert(
    locationId: string,
    input: {
      facts: SettledCall;
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
    this.db
      .prepare(
        `INSERT INTO calls (location_id, call_id, status, direction, outcome, number_key, started_at, ended_at, missed,
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
           missed = MAX(calls.missed, excluded.missed),
           missed_emitted = MAX(calls.missed_emitted, excluded.missed_emitted),
           facts = CASE WHEN excluded.status = 'ended' OR calls.status = 'live' THEN excluded.facts ELSE calls.facts END,
           enrichment = COALESCE(excluded.enrichment, calls.enrichment),
           updated_at = excluded.updated_at`,
      )
      .run(
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
    const row = this.db
      .prepare('SELECT * FROM calls WHERE location_id = ? AND call_id = ?')
      .get(locationId, callId) as CallRow | undefined;
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
    const before = query.cursor ? (decodeCursor(query.cursor) ?? 0) : Number.MAX_SAFE_INTEGER;
    const rows = this.db
      .prepare(
        `SELECT * FROM calls WHERE location_id = ? AND seq < ?
           AND (? IS NULL OR outcome = ?) AND (? IS NULL OR direction = ?) AND (? IS NULL OR status = ?)
           AND (? IS NULL OR number_key = ?)
         ORDER BY seq DESC LIMIT ?`,
      )
      .all(
        locationId,
        before,
        query.outcome ?? null,
        query.outcome ?? null,
        query.direction ?? null,
        query.direction ?? null,
        query.status ?? null,
        query.status ?? null,
        query.numberKey ?? null,
        query.numberKey ?? null,
        query.limit + 1,
      ) as CallRow[];
    const calls = rows.slice(0, query.limit).map(toStoredCall);
    return {
      calls,
      nextCursor: rows.length > query.limit ? encodeCursor(calls[calls.length - 1].seq) : null,
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
    const result = this.db
      .prepare(`UPDATE calls SET ${sets.join(', ')} WHERE location_id = ? AND call_id = ?`)
      .run(...values, locationId, callId);
    return Number(result.changes) > 0 ? this.get(locationId, callId) : null;
  }

  /**
   * One number's misses (folded redials included: each was a call we missed) that started at
   * or after `sinceIso`, oldest first, for the repeat-miss count.
   */
  missesFrom(
    locationId: string,
    numberKey: string,
    sinceIso: string,
    excludingCallId: string,
  ): Array<{
    call_id: string;
    number_key: string;
    started_at: string;
    ended_at: string | null;
    emitted: boolean;
  }> {
    return (
      this.db
        .prepare(
          `SELECT call_id, number_key, started_at, ended_at, missed_emitted FROM calls
           WHERE location_id = ? AND number_key = ? AND missed = 1 AND started_at >= ? AND call_id != ?
           ORDER BY started_at`,
        )
        .all(locationId, numberKey, sinceIso, excludingCallId) as Array<Record<string, unknown>>
    ).map((r) => ({
      call_id: String(r.call_id),
      number_key: String(r.number_key),
      started_at: String(r.started_at),
      ended_at: r.ended_at === null ? null : String(r.ended_at),
      emitted: Number(r.missed_emitted) === 1,
    }));
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
      this.db
        .prepare(
          `SELECT call_id, status, started_at FROM calls
           WHERE location_id = ? AND number_key IS ? AND started_at >= ? AND started_at <= ? AND direction = ?`,
        )
        .all(locationId, query.numberKey, query.fromIso, query.toIso, query.direction) as Array<
        Record<string, unknown>
      >
    ).map((r) => ({
      callId: String(r.call_id),
      status: r.status as 'live' | 'ended',
      startedAt: String(r.started_at),
    }));
  }

  /** The dialler cooldown folded another attempt into this call. */
  addAttempt(locationId: string, callId: string, now: number): void {
    this.db
      .prepare(
        'UPDATE calls SET attempts = attempts + 1, updated_at = ? WHERE location_id = ? AND call_id = ?',
      )
      .run(new Date(now).toISOString(), locationId, callId);
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

function toStoredCall(row: CallRow): StoredCall {
  return {
    seq: Number(row.seq),
    locationId: String(row.location_id),
    callId: String(row.call_id),
    status: row.status as 'live' | 'ended',
    facts: JSON.parse(String(row.facts)) as SettledCall,
    enrichment: row.enrichment ? (JSON.parse(String(row.enrichment)) as CallEnrichment) : null,
    missed: Number(row.missed) === 1,
    attempts: Number(row.attempts),
    disposition: (row.disposition as string | null) ?? null,
    notes: (row.notes as string | null) ?? null,
    tags: JSON.parse(String(row.tags)) as string[],
    followUpStatus: (row.follow_up_status as string | null) ?? null,
    contactId: (row.contact_id as string | null) ?? null,
    contactUrl: (row.contact_url as string | null) ?? null,
    contactName: (row.contact_name as string | null) ?? null,
    customFields: JSON.parse(String(row.custom_fields)) as Record<string, string>,
    repliedAt: (row.replied_at as string | null) ?? null,
    followUp: followUpStateOf(row),
    revision: Number(row.revision ?? 0),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}
