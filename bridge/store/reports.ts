import type { DatabaseSync } from 'node:sqlite';
import type { ReturnStatus } from '../../lib/callEvent';
import type { EventFilters } from '../../lib/eventFilters';
import type { ReturnedVia } from '../../lib/followUp/callbackMatch';
import type { DeliveryStatus } from './deliveries';
import type { SubscriptionKind } from './subscriptions';

/**
 * What the follow-up report, the reconciliation and the dashboard read (bridge/reports): a few
 * wide queries over one location's calls of a period, by the index `calls_by_time`, with the
 * JSON fields they need extracted by SQLite rather than parsed row by row.
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

const MISSES_SQL = `
  SELECT c.call_id, c.started_at, c.missed_emitted, c.number_key, c.return_status, c.returned_via,
         c.time_to_callback_seconds, c.replied_at,
         c.enrichment ->> '$.branch' AS branch, c.enrichment ->> '$.is_repeat_miss' AS repeat,
         c.enrichment ->> '$.source_list' AS source_list,
         c.enrichment ->> '$.known_contact' AS known_contact,
         c.facts ->> '$.voicemail_left' AS voicemail_left,
         c.facts ->> '$.caller_anonymous' AS anonymous,
         c.facts ->> '$.dialed_number' AS dialed_number,
         e.seq AS event_seq, e.created_at AS event_created_at
  FROM calls c
  LEFT JOIN events e ON c.missed_emitted = 1 AND e.location_id = c.location_id
                    AND e.id = c.call_id || ':call.missed'
  WHERE c.location_id = ? AND c.started_at >= ? AND c.started_at < ? AND c.missed = 1
  ORDER BY c.started_at`;

export class ReportRepo {
  constructor(private readonly db: DatabaseSync) {}

  /** The misses (fired and folded) that started in `[sinceIso, untilIso)`, oldest first. */
  misses(locationId: string, sinceIso: string, untilIso: string): MissRow[] {
    return (this.db.prepare(MISSES_SQL).all(locationId, sinceIso, untilIso) as Row[]).map((r) => ({
      callId: String(r.call_id),
      startedAt: String(r.started_at),
      fired: Number(r.missed_emitted) === 1,
      numberKey: text(r.number_key),
      anonymous: Number(r.anonymous) === 1,
      returnStatus: text(r.return_status) as ReturnStatus | null,
      returnedVia: text(r.returned_via) as ReturnedVia | null,
      timeToCallbackSeconds: num(r.time_to_callback_seconds),
      repliedAt: text(r.replied_at),
      branch: text(r.branch) as MissRow['branch'],
      repeat: Number(r.repeat) === 1,
      sourceList: text(r.source_list),
      dialedNumber: text(r.dialed_number),
      voicemailLeft: Number(r.voicemail_left) === 1,
      knownContact: Number(r.known_contact) === 1,
      eventSeq: num(r.event_seq),
      eventCreatedAt: text(r.event_created_at),
    }));
  }

  /** Every delivery of the period's `call.missed` events. */
  missedCallDeliveries(locationId: string, sinceIso: string, untilIso: string): DeliveryRow[] {
    return (
      this.db
        .prepare(
          `SELECT d.event_seq, d.subscription_id, d.status, d.attempts
           FROM calls c
           JOIN events e ON e.location_id = c.location_id AND e.id = c.call_id || ':call.missed'
           JOIN deliveries d ON d.event_seq = e.seq
           WHERE c.location_id = ? AND c.started_at >= ? AND c.started_at < ?
             AND c.missed = 1 AND c.missed_emitted = 1`,
        )
        .all(locationId, sinceIso, untilIso) as Row[]
    ).map((r) => ({
      eventSeq: Number(r.event_seq),
      subscriptionId: String(r.subscription_id),
      status: r.status as DeliveryStatus,
      attempts: Number(r.attempts),
    }));
  }

  /** The `call.missed` subscriptions that existed at some point after `sinceIso`. */
  missedCallSubscriptions(locationId: string, sinceIso: string): ReportSubscription[] {
    return (
      this.db
        .prepare(
          `SELECT id, kind, target_url, filters, created_at, removed_at FROM subscriptions
           WHERE location_id = ? AND event = 'call.missed' AND (removed_at IS NULL OR removed_at > ?)
           ORDER BY created_at, rowid`,
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
    return (
      this.db
        .prepare(
          `SELECT call_id, started_at, outcome, missed_emitted, attempts, return_status, return_due_at,
                  returned_at, returned_via, returned_by, time_to_callback_seconds, callback_attempts,
                  disposition, replied_at,
                  facts ->> '$.caller_number' AS caller_number,
                  COALESCE(facts ->> '$.caller_name', contact_name, enrichment ->> '$.contact_name') AS caller_name,
                  facts ->> '$.caller_anonymous' AS anonymous,
                  facts ->> '$.voicemail_left' AS voicemail_left,
                  enrichment ->> '$.branch' AS branch, enrichment ->> '$.source_list' AS source_list
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
        `SELECT SUM(status = 'pending' AND attempts > 0) AS failing, SUM(status = 'failed') AS failed
         FROM deliveries WHERE location_id = ? AND created_at >= ?`,
      )
      .get(locationId, sinceMs) as Row;
    return { failing: Number(row.failing ?? 0), failed: Number(row.failed ?? 0) };
  }
}
