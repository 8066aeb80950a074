import type { DatabaseSync } from 'node:sqlite';
import type { CallEvent, CallEventType } from '../../lib/callEvent';
import { matchesFilters, type EventFilters } from '../../lib/eventFilters';
import { decodeCursor, encodeCursor } from './ids';

export interface StoredEvent {
  seq: number;
  event: CallEvent;
  suppressed: boolean;
  suppressedReason: string | null;
  createdAt: string;
}

interface EventRow {
  seq: number;
  payload: string;
  suppressed: number;
  suppressed_reason: string | null;
  created_at: string;
}

/**
 * The transactional outbox: an event is written together with one pending delivery per
 * matching subscription, inside the caller's transaction (the one that also advances the
 * poller), so an event the poller has moved past is never lost and never delivered twice as
 * two different events. Event ids are unique per location: appending one twice is a no-op.
 */
export class EventOutbox {
  constructor(private readonly db: DatabaseSync) {}

  /** The new event's sequence number, or null when this event id was already stored. */
  append(
    locationId: string,
    event: CallEvent,
    options: { suppressedReason?: string | null; now: number },
  ): number | null {
    const suppressed = options.suppressedReason ? 1 : 0;
    const result = this.db
      .prepare(
        `INSERT INTO events (location_id, id, type, call_id, occurred_at, payload, suppressed, suppressed_reason, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (location_id, id) DO NOTHING`,
      )
      .run(
        locationId,
        event.id,
        event.event,
        event.call_id,
        event.occurred_at,
        JSON.stringify(event),
        suppressed,
        options.suppressedReason ?? null,
        new Date(options.now).toISOString(),
      );
    if (Number(result.changes) === 0) return null;
    const seq = Number(result.lastInsertRowid);
    if (suppressed) return seq;
    const subscriptions = this.db
      .prepare(
        'SELECT id, filters FROM subscriptions WHERE location_id = ? AND event = ? AND removed_at IS NULL',
      )
      .all(locationId, event.event) as Array<{ id: string; filters: string | null }>;
    const enqueue = this.db.prepare(
      `INSERT INTO deliveries (location_id, event_seq, subscription_id, status, next_attempt_at, created_at)
       VALUES (?, ?, ?, 'pending', ?, ?)`,
    );
    for (const sub of subscriptions) {
      const filters = sub.filters ? (JSON.parse(sub.filters) as EventFilters) : null;
      if (matchesFilters(event, filters))
        enqueue.run(locationId, seq, sub.id, options.now, options.now);
    }
    return seq;
  }

  get(locationId: string, eventId: string): StoredEvent | null {
    const row = this.db
      .prepare(
        'SELECT seq, payload, suppressed, suppressed_reason, created_at FROM events WHERE location_id = ? AND id = ?',
      )
      .get(locationId, eventId) as EventRow | undefined;
    return row ? toStored(row) : null;
  }

  /**
   * Newest first: the feed behind `GET /v1/events` (Zapier `performList`, Make polling).
   * Suppressed events (dialler cooldown) only when asked for.
   */
  feed(
    locationId: string,
    query: {
      type?: CallEventType;
      limit: number;
      cursor?: string | null;
      filters?: EventFilters | null;
      includeSuppressed?: boolean;
    },
  ): { events: StoredEvent[]; nextCursor: string | null } {
    let before = query.cursor ? (decodeCursor(query.cursor) ?? 0) : Number.MAX_SAFE_INTEGER;
    const out: StoredEvent[] = [];
    const batch = Math.min(500, Math.max(query.limit * 4, 50));
    const statement = this.db.prepare(
      `SELECT seq, payload, suppressed, suppressed_reason, created_at FROM events
       WHERE location_id = ? AND seq < ? AND (? IS NULL OR type = ?) AND (? = 1 OR suppressed = 0)
       ORDER BY seq DESC LIMIT ?`,
    );
    // Filters apply to the payload: read in batches until the page is full (bounded scan).
    for (let scanned = 0; out.length < query.limit && scanned < 5000; scanned += batch) {
      const rows = statement.all(
        locationId,
        before,
        query.type ?? null,
        query.type ?? null,
        query.includeSuppressed ? 1 : 0,
        batch,
      ) as unknown as EventRow[];
      for (const row of rows) {
        before = row.seq;
        const stored = toStored(row);
        if (matchesFilters(stored.event, query.filters)) out.push(stored);
        if (out.length === query.limit) break;
      }
      // A short batch is the end of the feed, unless the page filled before its last row.
      if (rows.length < batch && out.length < query.limit) {
        before = 0;
        break;
      }
    }
    const nextCursor =
      out.length === query.limit && before > 1 ? encodeCursor(out[out.length - 1].seq) : null;
    return { events: out, nextCursor };
  }
}

function toStored(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    event: JSON.parse(row.payload) as CallEvent,
    suppressed: row.suppressed === 1,
    suppressedReason: row.suppressed_reason,
    createdAt: row.created_at,
  };
}
