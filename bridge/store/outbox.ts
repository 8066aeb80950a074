import type { SqlDatabase, SqlStatement } from './sql/sqlDatabase';
import { DELIVERIES_CHANNEL } from '../cluster/channels';
import { type CallEvent, type CallEventType } from '../../lib/callEvent';
import {
  FILTERED_FIELDS,
  filterTerms,
  matchesFilters,
  type EventFilters,
} from '../../lib/eventFilters';
import { eventSchemaFor } from '../schemas/callUpdatedEvent';
import { BoundedPages, DEFAULT_SCAN_CAP, type Condition } from './boundedPages';
import { prepareAll } from './database';
import { beforeCursor, encodeCursor } from './ids';
import { CheckedJsonTexts, parseStoredJson } from './storedJson';
import { jsonListRows } from './sql/jsonFields';
import { storedFilters } from './subscriptions';

export interface StoredEvent {
  seq: number;
  event: CallEvent;
  suppressed: boolean;
  suppressedReason: string | null;
  createdAt: string;
}

/**
 * One item of a feed page as the API writes it: the event's JSON (`CheckedJsonTexts`) and
 * whether the dialler cooldown suppressed it.
 */
export interface FeedEventText {
  text: string;
  suppressed: boolean;
  suppressedReason: string | null;
}

/** The feed's query (`GET /v1/events`). */
export interface FeedQuery {
  type?: CallEventType;
  limit: number;
  cursor?: string | null;
  filters?: EventFilters | null;
  includeSuppressed?: boolean;
}

/**
 * How many events' served text the feed remembers (`CheckedJsonTexts`): the newest page
 * (100) of 50 locations, ~1.5 KB each, ~7.5 MB in all.
 */
export const FEED_TEXTS_REMEMBERED = 5_000;

/** A subscription as `append` matches events with it. */
interface ActiveSubscription {
  id: string;
  filters: EventFilters | null;
  /** Epoch ms: events that occurred before this are not queued for it (`receives`). */
  receivesFrom: number;
}

/**
 * How much earlier than a subscription was made an event may have occurred and still be
 * delivered to it. An event's `occurred_at` is on the PBX's clock (3CX writes its own times:
 * the call log's `StartTime`, docs/3cx-facts.md §1.4, the template's, §4.4), a subscription's
 * `created_at` on the bridge's: a PBX a little behind would otherwise lose the first call
 * after a Zap is turned on. A minute covers a clock kept by NTP (off by seconds at most) with
 * room to spare, and lets a call that began ringing just before the Zap was turned on fire
 * its `call.started`; the history a new location's first poll reads (15 minutes) stays out.
 */
export const PBX_CLOCK_ALLOWANCE_MS = 60_000;

/**
 * A subscription receives only events that occurred once it existed (less the clock
 * allowance): turning a Zap on must not fire it for calls from before, which Zapier's own
 * polling triggers never do (their dedupe table is filled when a Zap is turned on,
 * docs/zapier-facts.md §3) and a REST hook has no dedupe of its own. The events themselves
 * are stored and listed in the feed all the same. A test event is always delivered: a user
 * asked for it.
 */
function receives(subscription: ActiveSubscription, event: CallEvent, occurredAt: number): boolean {
  return event.test === true || !(occurredAt < subscription.receivesFrom);
}

/** `append`'s subscriptions as read once for a commit's events: a fresh map per commit. */
export type SubscriptionCache = Map<string, readonly ActiveSubscription[]>;

interface EventRow {
  seq: number;
  type: string;
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
  private readonly sql;
  /** `GET /v1/events` pages: the filters in SQL on the `events_feed` index (schema.ts). */
  readonly pages: BoundedPages;

  /** Postgres: wake the other instances' delivery workers (bridge/cluster/peerWakeups.ts). */
  private readonly notify: SqlStatement | null;

  /**
   * Postgres: `insert` and `enqueue` in one statement (its data-modifying `WITH` runs to the
   * end whatever the outer query reads: docs/design.md, "Round trips on the hot paths"). The
   * deliveries go to the subscriptions named that are still active (`enqueue`'s rule).
   */
  private readonly insertWithDeliveries: SqlStatement | null;

  /** The feed's events as written to a page, checked once per row and text. */
  private readonly feedTextsRead = new CheckedJsonTexts({
    table: 'events',
    key: 'seq',
    column: 'payload',
    capacity: FEED_TEXTS_REMEMBERED,
  });

  constructor(
    private readonly db: SqlDatabase,
    options: { scanCap?: number } = {},
  ) {
    // Sent with the commit of the caller's transaction, once (`atCommit`), so a woken
    // instance finds the rows.
    this.notify =
      db.dialect === 'postgres'
        ? db.prepare(`SELECT pg_notify('${DELIVERIES_CHANNEL}', '')`)
        : null;
    this.pages = new BoundedPages(db, {
      table: 'events',
      index: 'events_feed',
      columns: 'seq, type, payload, suppressed, suppressed_reason, created_at',
      scanCap: options.scanCap ?? DEFAULT_SCAN_CAP,
    });
    // The filtered fields (lib/eventFilters.ts) are stored beside the payload for the feed.
    const insert = `INSERT INTO events (location_id, id, type, call_id, occurred_at, payload, suppressed, suppressed_reason,
                                   created_at, ${FILTERED_FIELDS.join(', ')})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ${FILTERED_FIELDS.map(() => '?').join(', ')})
         ON CONFLICT (location_id, id) DO NOTHING RETURNING seq`;
    this.insertWithDeliveries =
      db.dialect === 'postgres'
        ? db.prepare(
            `WITH e AS (${insert}),
             d AS (INSERT INTO deliveries (location_id, event_seq, subscription_id, status, next_attempt_at, created_at)
               SELECT s.location_id, e.seq, s.id, 'pending', CAST(? AS BIGINT), CAST(? AS BIGINT)
               FROM e JOIN subscriptions s ON s.location_id = ? AND s.removed_at IS NULL
                 AND s.id IN (${jsonListRows(db.dialect)}))
             SELECT seq FROM e`,
          )
        : null;
    this.sql = prepareAll(db, {
      insert,
      subscriptionsFor:
        'SELECT id, filters, created_at FROM subscriptions WHERE location_id = ? AND event = ? AND removed_at IS NULL',
      // Only while the subscription is active: the subscriptions are read once per ingest
      // commit (bridge/ingest/locationIngest.ts), and one removed since queues nothing more.
      enqueue: `INSERT INTO deliveries (location_id, event_seq, subscription_id, status, next_attempt_at, created_at)
       SELECT location_id, CAST(? AS BIGINT), id, 'pending', CAST(? AS BIGINT), CAST(? AS BIGINT)
       FROM subscriptions WHERE id = ? AND location_id = ? AND removed_at IS NULL`,
      get: 'SELECT seq, type, payload, suppressed, suppressed_reason, created_at FROM events WHERE location_id = ? AND id = ?',
    });
  }

  /** The new event's sequence number, or null when this event id was already stored. */
  append(
    locationId: string,
    event: CallEvent,
    options: {
      suppressedReason?: string | null;
      now: number;
      /**
       * The subscriptions already read, by location and event type: an ingest commit reads
       * and parses each location's once for all its batches (bridge/ingest/locationIngest.ts).
       */
      subscriptions?: SubscriptionCache;
    },
  ): number | null {
    const suppressed = options.suppressedReason ? 1 : 0;
    const row = [
      locationId,
      event.id,
      event.event,
      event.call_id,
      event.occurred_at,
      JSON.stringify(event),
      suppressed,
      options.suppressedReason ?? null,
      new Date(options.now).toISOString(),
      ...FILTERED_FIELDS.map((field) => sqlValue(event[field])),
    ];
    // A suppressed event (dialler cooldown) is stored, never delivered.
    const occurredAt = Date.parse(event.occurred_at);
    const targets = suppressed
      ? []
      : this.subscriptionsFor(locationId, event.event, options.subscriptions)
          .filter((sub) => receives(sub, event, occurredAt) && matchesFilters(event, sub.filters))
          .map((sub) => sub.id);
    if (this.insertWithDeliveries && targets.length > 0) {
      // Postgres: the event and its deliveries in one statement, one round trip.
      const inserted = this.insertWithDeliveries.get(
        ...row,
        options.now,
        options.now,
        locationId,
        JSON.stringify(targets),
      );
      if (inserted === undefined) return null;
      if (this.notify) this.db.atCommit(this.notify);
      return Number(inserted.seq);
    }
    const inserted = this.sql.insert.get(...row);
    if (inserted === undefined) return null;
    const seq = Number(inserted.seq);
    // Nothing reads what the deliveries' inserts answer: on Postgres they would go without a
    // wait (`SqlDatabase.send`; docs/design.md, "Round trips on the hot paths").
    for (const id of targets)
      this.db.send(this.sql.enqueue, seq, options.now, options.now, id, locationId);
    if (targets.length > 0 && this.notify) this.db.atCommit(this.notify);
    return seq;
  }

  /** The active subscriptions of one event type, their filters parsed. */
  private subscriptionsFor(
    locationId: string,
    type: string,
    cache: SubscriptionCache | undefined,
  ): readonly ActiveSubscription[] {
    const key = `${locationId} ${type}`;
    const cached = cache?.get(key);
    if (cached) return cached;
    const rows = this.sql.subscriptionsFor.all(locationId, type) as Array<{
      id: string;
      filters: string | null;
      created_at: string;
    }>;
    const subscriptions = rows.map((sub) => ({
      id: sub.id,
      filters: storedFilters(sub),
      receivesFrom: Date.parse(sub.created_at) - PBX_CLOCK_ALLOWANCE_MS,
    }));
    cache?.set(key, subscriptions);
    return subscriptions;
  }

  get(locationId: string, eventId: string): StoredEvent | null {
    const row = this.sql.get.get(locationId, eventId) as EventRow | undefined;
    return row ? toStored(row) : null;
  }

  /**
   * Newest first: the feed behind `GET /v1/events` (Zapier `performList`, Make polling).
   * Suppressed events (dialler cooldown) only when asked for.
   */
  feed(locationId: string, query: FeedQuery): { events: StoredEvent[]; nextCursor: string | null } {
    const { rows, nextCursor } = this.feedRows(locationId, query);
    return { events: rows.map(toStored), nextCursor };
  }

  /**
   * `feed`'s page as the API writes it: each event's JSON text, `JSON.stringify` of what
   * `feed` answers, checked as `feed` checks it but once per row and text
   * (`CheckedJsonTexts`): the feed's clients read its newest page over and over.
   */
  feedTexts(
    locationId: string,
    query: FeedQuery,
  ): { events: FeedEventText[]; nextCursor: string | null } {
    const { rows, nextCursor } = this.feedRows(locationId, query);
    return {
      events: rows.map((row) => ({
        text: this.feedTextsRead.served(row.seq, eventSchemaFor(row.type), row.payload),
        suppressed: row.suppressed === 1,
        suppressedReason: row.suppressed_reason,
      })),
      nextCursor,
    };
  }

  private feedRows(
    locationId: string,
    query: FeedQuery,
  ): { rows: EventRow[]; nextCursor: string | null } {
    const conditions: Condition[] = [];
    if (query.type !== undefined) conditions.push({ sql: 'type = ?', params: [query.type] });
    if (!query.includeSuppressed) conditions.push({ sql: 'suppressed = 0', params: [] });
    // The filters' own terms, each a column of the same name (`FILTERED_FIELDS`).
    for (const term of filterTerms(query.filters))
      conditions.push({ sql: `${term.field} = ?`, params: [sqlValue(term.value)] });
    const { rows, nextBefore } = this.pages.page([locationId], {
      before: beforeCursor(query.cursor),
      limit: query.limit,
      conditions,
    });
    return {
      rows: rows as unknown as EventRow[],
      nextCursor: nextBefore === null ? null : encodeCursor(nextBefore),
    };
  }
}

/** SQLite has no booleans: a filtered field as stored (0/1, text or null). */
function sqlValue(value: string | boolean | null): string | number | null {
  return typeof value === 'boolean' ? Number(value) : value;
}

function toStored(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    // The row's type says which shape its payload has (`call.updated` carries the record too,
    // the follow-up events the miss's follow-up).
    event: parseStoredJson(eventSchemaFor(row.type), row.payload, {
      table: 'events',
      row: `seq=${row.seq}`,
      column: 'payload',
    }),
    suppressed: row.suppressed === 1,
    suppressedReason: row.suppressed_reason,
    createdAt: row.created_at,
  };
}
