import type { SqlDatabase, SqlStatement } from './sql/sqlDatabase';
import type { CallEventType } from '../../lib/callEvent';
import { eventFiltersSchema, type EventFilters } from '../../lib/eventFilters';
import type { SecretBox } from '../secrets/secretBox';
import { inTransaction, prepareAll } from './database';
import { newId } from './ids';
import { jsonListRows } from './sql/jsonFields';
import { parseStoredJson } from './storedJson';

/** `rest_hook`: created by Zapier through the API. `webhook`: a plain, signed webhook from the CLI. */
export type SubscriptionKind = 'rest_hook' | 'webhook';

export interface Subscription {
  id: string;
  locationId: string;
  kind: SubscriptionKind;
  event: CallEventType;
  targetUrl: string;
  filters: EventFilters | null;
  createdAt: string;
  removedAt: string | null;
  removedReason: string | null;
}

interface SubscriptionRow {
  id: string;
  location_id: string;
  kind: SubscriptionKind;
  event: CallEventType;
  target_url: string;
  filters: string | null;
  signing_secret_enc: string | null;
  created_at: string;
  removed_at: string | null;
  removed_reason: string | null;
}

/** What the delivery worker needs of a subscription to send to it. */
export interface SubscriptionTarget {
  id: string;
  locationId: string;
  kind: SubscriptionKind;
  targetUrl: string;
}

/**
 * How many active subscriptions one location may have unless configured otherwise
 * (`BRIDGE_MAX_SUBSCRIPTIONS_PER_LOCATION`): far more than a location's Zaps and webhooks, few
 * enough that one key cannot fan every event out to thousands of targets.
 */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_LOCATION = 100;

/** A location already has as many active subscriptions as it may. */
export class SubscriptionLimitError extends Error {
  constructor(readonly limit: number) {
    super(
      `This location already has ${limit} active subscriptions, the most it may have. Remove those no longer used (turn off old Zaps, \`3cx-bridge webhook remove\`), or raise the limit with BRIDGE_MAX_SUBSCRIPTIONS_PER_LOCATION.`,
    );
    this.name = 'SubscriptionLimitError';
  }
}

/** Subscriptions per location and event type; several for one event all receive it. */
export class SubscriptionRepo {
  private readonly sql;
  /**
   * Postgres: a lock per location for the count-then-insert of `create`. Its transactions are
   * READ COMMITTED, so two instances creating at once would each count the other's row as not
   * there yet and both take the last place; the second now waits for the first to commit and
   * counts its row. SQLite needs none: `BEGIN IMMEDIATE` already serialises writers.
   */
  private readonly capLock: SqlStatement | null;

  constructor(
    private readonly db: SqlDatabase,
    private readonly secrets: SecretBox,
  ) {
    const made = subscriptionsMadeOrder(db);
    this.capLock =
      db.dialect === 'postgres'
        ? db.prepare(`SELECT pg_advisory_xact_lock(hashtextextended('subscriptions ' || ?, 0))`)
        : null;
    this.sql = prepareAll(db, {
      insert: `INSERT INTO subscriptions (id, location_id, kind, event, target_url, filters, signing_secret_enc, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      byId: 'SELECT * FROM subscriptions WHERE id = ? AND location_id = ?',
      active: `SELECT * FROM subscriptions WHERE location_id = ? AND removed_at IS NULL ORDER BY created_at, ${made}`,
      activeFor: `SELECT * FROM subscriptions WHERE location_id = ? AND event = ? AND removed_at IS NULL ORDER BY created_at, ${made}`,
      signingSecret: 'SELECT signing_secret_enc FROM subscriptions WHERE id = ?',
      target:
        'SELECT id, location_id, kind, target_url FROM subscriptions WHERE id = ? AND removed_at IS NULL',
      activeAmong: `SELECT id FROM subscriptions WHERE removed_at IS NULL
         AND id IN (${jsonListRows(db.dialect)})`,
      countActive:
        'SELECT COUNT(*) AS n FROM subscriptions WHERE location_id = ? AND removed_at IS NULL',
      remove:
        'UPDATE subscriptions SET removed_at = ?, removed_reason = ? WHERE id = ? AND location_id = ? AND removed_at IS NULL',
      cancelPending: `UPDATE deliveries SET status = 'cancelled' WHERE subscription_id = ? AND status = 'pending'`,
    });
  }

  create(
    input: {
      locationId: string;
      kind: SubscriptionKind;
      event: CallEventType;
      targetUrl: string;
      filters?: EventFilters | null;
      signingSecret?: string | null;
    },
    now: Date,
    options: { maxActive?: number } = {},
  ): Subscription {
    const id = newId('hook');
    const filters =
      input.filters && Object.keys(input.filters).length > 0 ? JSON.stringify(input.filters) : null;
    const maxActive = options.maxActive ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_LOCATION;
    // Counted and added in one write transaction under the location's lock, so two requests
    // at once (on one instance or two) cannot both take the last place.
    inTransaction(this.db, () => {
      this.capLock?.get(input.locationId);
      const active = this.sql.countActive.get(input.locationId) as { n: number };
      if (Number(active.n) >= maxActive) throw new SubscriptionLimitError(maxActive);
      this.sql.insert.run(
        id,
        input.locationId,
        input.kind,
        input.event,
        input.targetUrl,
        filters,
        input.signingSecret ? this.secrets.seal(input.signingSecret) : null,
        now.toISOString(),
      );
    });
    return this.get(input.locationId, id)!;
  }

  /** An active subscription's target, whatever its location (the delivery worker's lookup). */
  target(id: string): SubscriptionTarget | null {
    const row = this.sql.target.get(id) as
      { id: string; location_id: string; kind: SubscriptionKind; target_url: string } | undefined;
    return row
      ? { id: row.id, locationId: row.location_id, kind: row.kind, targetUrl: row.target_url }
      : null;
  }

  /** Which of these subscriptions are still active (the worker drops the lanes of the others). */
  activeAmong(ids: readonly string[]): Set<string> {
    if (ids.length === 0) return new Set();
    const rows = this.sql.activeAmong.all(JSON.stringify(ids)) as Array<{ id: string }>;
    return new Set(rows.map((r) => r.id));
  }

  /** Only within the location: another location's id is simply not found. */
  get(locationId: string, id: string): Subscription | null {
    const row = this.sql.byId.get(id, locationId) as SubscriptionRow | undefined;
    return row ? toSubscription(row) : null;
  }

  listActive(locationId: string, event?: CallEventType): Subscription[] {
    const rows = (event === undefined
      ? this.sql.active.all(locationId)
      : this.sql.activeFor.all(locationId, event)) as unknown as SubscriptionRow[];
    return rows.map(toSubscription);
  }

  /** The decrypted signing secret of a webhook subscription (`whsec_…`), null for REST hooks. */
  signingSecret(id: string): string | null {
    const row = this.sql.signingSecret.get(id) as { signing_secret_enc: string | null } | undefined;
    return row?.signing_secret_enc ? this.secrets.open(row.signing_secret_enc) : null;
  }

  /** Soft delete, so delivery history still names the target. Pending deliveries are cancelled. */
  remove(locationId: string, id: string, reason: string, now: Date): boolean {
    const result = this.sql.remove.run(now.toISOString(), reason, id, locationId);
    if (Number(result.changes) === 0) return false;
    this.sql.cancelPending.run(id);
    return true;
  }
}

/** The order subscriptions were made in, where their `created_at` ties (SQLite's rowid). */
export function subscriptionsMadeOrder(db: SqlDatabase): string {
  return db.dialect === 'sqlite' ? 'rowid' : 'seq';
}

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    locationId: row.location_id,
    kind: row.kind,
    event: row.event,
    targetUrl: row.target_url,
    filters: row.filters
      ? parseStoredJson(eventFiltersSchema, row.filters, {
          table: 'subscriptions',
          row: `id=${row.id}`,
          column: 'filters',
        })
      : null,
    createdAt: row.created_at,
    removedAt: row.removed_at,
    removedReason: row.removed_reason,
  };
}
