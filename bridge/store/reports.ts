import type { SqlDatabase } from './sql/sqlDatabase';
import type { ReturnStatus } from '../../lib/callEvent';
import type { EventFilters } from '../../lib/eventFilters';
import type { ReturnedVia } from '../../lib/followUp/callbackMatch';
import type { DeliveryStatus } from './deliveries';
import { jsonFlag, jsonText } from './sql/jsonFields';
import type { MissContext } from './followUps';
import { subscriptionsMadeOrder, type SubscriptionKind } from './subscriptions';

/**
 * What the follow-up report, the reconciliation and the dashboard read (bridge/reports): a few
 * queries over one location's calls of a period; the misses from one covering index
 * (`calls_misses_report`), so a month of ten thousand calls is read without touching the rows.
 */
export interface MissRow {
  callId: string;
  startedAt: string;
  /** `call.missed` went out; false: folded into an earlier miss by the dialler cooldown. */
  fired: boolean;
  numberKey: string | null;
  anonymous: boolean;
  returnStatus: ReturnStatus | null;
  returnedVia: ReturnedVia | null;
  timeToCallbackSeconds: number | null;
  repliedAt: string | null;
  branch: 'in_hours' | 'after_hours' | null;
  repeat: boolean;
  sourceList: string | null;
  dialedNumber: string | null;
  voicemailLeft: boolean;
  knownContact: boolean;
  /** The stored `call.missed` (null when folded, or pruned by retention). */
  eventSeq: number | null;
  eventCreatedAt: string | null;
}

export interface DeliveryRow {
  eventSeq: number;
  subscriptionId: string;
  status: DeliveryStatus;
  attempts: number;
}

export interface ReportSubscription {
  id: string;
  kind: SubscriptionKind;
  targetUrl: string;
  filters: EventFilters | null;
  createdAt: string;
  removedAt: string | null;
}

/** A call of the period as the reconciliation compares it with 3CX's report. */
export interface PeriodCall {
  callId: string;
  direction: 'inbound' | 'outbound' | 'internal';
  status: 'live' | 'ended';
  outcome: string | null;
  missed: boolean;
  fired: boolean;
  numberKey: string | null;
  startedAt: string;
}

/** One missed call as the dashboard lists it. */
export interface MissedCallListing {
  callId: string;
  startedAt: string;
  callerNumber: string | null;
  callerName: string | null;
  anonymous: boolean;
  outcome: string | null;
  voicemailLeft: boolean;
  branch: string | null;
  sourceList: string | null;
  fired: boolean;
  attempts: number;
  returnStatus: ReturnStatus | null;
  returnDueAt: number | null;
  returnedAt: string | null;
  returnedVia: ReturnedVia | null;
  returnedBy: string | null;
  timeToCallbackSeconds: number | null;
  callbackAttempts: number | null;
  disposition: string | null;
  repliedAt: string | null;
}

type Row = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' ? v : null);
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Served from the covering partial index `calls_misses_report` alone (schema.ts). */
const MISSES_SQL = `
  SELECT call_id, started_at, missed_emitted, number_key, return_status, returned_via,
         time_to_callback_seconds, replied_at, missed_event_seq, missed_event_at, miss_context
  FROM calls
  WHERE location_id = ? AND started_at >= ? AND started_at < ? AND missed = 1
  ORDER BY started_at`;

export class ReportRepo {
  constructor(private readonly db: SqlDatabase) {}

  /** The misses (fired and folded) that started in `[sinceIso, untilIso)`, oldest first. */
  misses(locationId: string, sinceIso: string, untilIso: string): MissRow[] {
    return (this.db.prepare(MISSES_SQL).all(locationId, sinceIso, untilIso) as Row[]).map((r) => {
      const context = (
        r.miss_context ? JSON.parse(String(r.miss_context)) : {}
      ) as Partial<MissContext>;
      return {
        callId: String(r.call_id),
        startedAt: String(r.started_at),
        fired: Number(r.missed_emitted) === 1,
        numberKey: text(r.number_key),
        anonymous: Boolean(context.anonymous),
        returnStatus: text(r.return_status) as ReturnStatus | null,
        returnedVia: text(r.returned_via) as ReturnedVia | null,
        timeToCallbackSeconds: num(r.time_to_callback_seconds),
        repliedAt: text(r.replied_at),
        branch: context.branch ?? null,
        repeat: Boolean(context.repeat),
        sourceList: context.source_list ?? null,
        dialedNumber: context.dialed_number ?? null,
        voicemailLeft: Boolean(context.voicemail_left),
        knownContact: Boolean(context.known_contact),
        eventSeq: Number(r.missed_emitted) === 1 ? num(r.missed_event_seq) : null,
        eventCreatedAt: text(r.missed_event_at),
      };
    });
  }

  /**
   * Every delivery of these events (the period's `call.missed`), read by the range of their
   * sequence numbers on the deliveries' own index, not by joining calls and events again.
   */
  deliveriesOf(eventSeqs: readonly number[]): DeliveryRow[] {
    if (eventSeqs.length === 0) return [];
    let low = Infinity;
    let high = -Infinity;
    for (const seq of eventSeqs) {
      if (seq < low) low = seq;
      if (seq > high) high = seq;
    }
    const wanted = new Set(eventSeqs);
    const rows = this.db
      .prepare(
        `SELECT event_seq, subscription_id, status, attempts FROM deliveries
         WHERE event_seq BETWEEN ? AND ?`,
      )
      .all(low, high) as Row[];
    const out: DeliveryRow[] = [];
    for (const r of rows) {
      const eventSeq = Number(r.event_seq);
      if (!wanted.has(eventSeq)) continue;
      out.push({
        eventSeq,
        subscriptionId: String(r.subscription_id),
        status: r.status as DeliveryStatus,
        attempts: Number(r.attempts),
      });
    }
    return out;
  }

  /** The `call.missed` subscriptions that existed at some point after `sinceIso`. */
  missedCallSubscriptions(locationId: string, sinceIso: string): ReportSubscription[] {
    return (
      this.db
        .prepare(
          `SELECT id, kind, target_url, filters, created_at, removed_at FROM subscriptions
           WHERE location_id = ? AND event = 'call.missed' AND (removed_at IS NULL OR removed_at > ?)
           ORDER BY created_at, ${subscriptionsMadeOrder(this.db)}`,
        )
        .all(locationId, sinceIso) as Row[]
    ).map((r) => ({
      id: String(r.id),
      kind: r.kind as SubscriptionKind,
      targetUrl: String(r.target_url),
      filters: r.filters ? (JSON.parse(String(r.filters)) as EventFilters) : null,
      createdAt: String(r.created_at),
      removedAt: text(r.removed_at),
    }));
  }

  /** Every call of the period, for the reconciliation with 3CX's own report. */
  calls(locationId: string, sinceIso: string, untilIso: string): PeriodCall[] {
    return (
      this.db
        .prepare(
          `SELECT call_id, direction, status, outcome, missed, missed_emitted, number_key, started_at
           FROM calls WHERE location_id = ? AND started_at >= ? AND started_at < ?`,
        )
        .all(locationId, sinceIso, untilIso) as Row[]
    ).map((r) => ({
      callId: String(r.call_id),
      direction: r.direction as PeriodCall['direction'],
      status: r.status as PeriodCall['status'],
      outcome: text(r.outcome),
      missed: Number(r.missed) === 1,
      fired: Number(r.missed_emitted) === 1,
      numberKey: text(r.number_key),
      startedAt: String(r.started_at),
    }));
  }

  /** The misses of the period as the dashboard lists them, newest first, at most `limit`. */
  missedCalls(
    locationId: string,
    sinceIso: string,
    untilIso: string,
    limit: number,
  ): MissedCallListing[] {
    const d = this.db.dialect;
    const json = (column: string, key: string) => jsonText(d, column, key);
    return (
      this.db
        .prepare(
          `SELECT call_id, started_at, outcome, missed_emitted, attempts, return_status, return_due_at,
                  returned_at, returned_via, returned_by, time_to_callback_seconds, callback_attempts,
                  disposition, replied_at,
                  ${json('facts', 'caller_number')} AS caller_number,
                  COALESCE(${json('facts', 'caller_name')}, contact_name, ${json('enrichment', 'contact_name')}) AS caller_name,
                  ${jsonFlag(d, 'facts', 'caller_anonymous')} AS anonymous,
                  ${jsonFlag(d, 'facts', 'voicemail_left')} AS voicemail_left,
                  ${json('enrichment', 'branch')} AS branch, ${json('enrichment', 'source_list')} AS source_list
           FROM calls WHERE location_id = ? AND started_at >= ? AND started_at < ? AND missed = 1
           ORDER BY started_at DESC LIMIT ?`,
        )
        .all(locationId, sinceIso, untilIso, limit) as Row[]
    ).map((r) => ({
      callId: String(r.call_id),
      startedAt: String(r.started_at),
      callerNumber: text(r.caller_number),
      callerName: text(r.caller_name),
      anonymous: Number(r.anonymous) === 1,
      outcome: text(r.outcome),
      voicemailLeft: Number(r.voicemail_left) === 1,
      branch: text(r.branch),
      sourceList: text(r.source_list),
      fired: Number(r.missed_emitted) === 1,
      attempts: Number(r.attempts),
      returnStatus: text(r.return_status) as ReturnStatus | null,
      returnDueAt: num(r.return_due_at),
      returnedAt: text(r.returned_at),
      returnedVia: text(r.returned_via) as ReturnedVia | null,
      returnedBy: text(r.returned_by),
      timeToCallbackSeconds: num(r.time_to_callback_seconds),
      callbackAttempts: num(r.callback_attempts),
      disposition: text(r.disposition),
      repliedAt: text(r.replied_at),
    }));
  }

  /** Deliveries of one location that are failing now: pending after a failed attempt, or given up. */
  failingDeliveries(locationId: string, sinceMs: number): { failing: number; failed: number } {
    const row = this.db
      .prepare(
        `SELECT SUM(CASE WHEN status = 'pending' AND attempts > 0 THEN 1 ELSE 0 END) AS failing,
                SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed
         FROM deliveries WHERE location_id = ? AND created_at >= ?`,
      )
      .get(locationId, sinceMs) as Row;
    return { failing: Number(row.failing ?? 0), failed: Number(row.failed ?? 0) };
  }
}
