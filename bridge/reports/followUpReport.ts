import { failingFilter, type EventFilters } from '../../lib/eventFilters';
import {
  callbackTimeDistribution,
  followUpFigures,
  type FollowUpFigures,
  type FollowUpMissRow,
} from '../../lib/followUp/followUpFigures';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import type { MissRow } from '../store/reports';
import {
  groupIndex,
  groupLabel,
  groupStarts,
  type ReportGroup,
  type ReportPeriod,
} from './reportPeriod';

/**
 * `GET /v1/reports/follow-up` and `3cx-bridge report`: did the follow-up work? Per location the
 * figures of lib/followUp/followUpFigures.ts for the period and for each day or week of it (in
 * the location's zone), and what became of `call.missed` at each subscription. For the
 * bridge's admin, every location and all of them together.
 */
export interface LabelledFigures extends FollowUpFigures {
  /** The local date the day or week starts on (`YYYY-MM-DD`). */
  label: string;
}

export interface GroupFigures extends LabelledFigures {
  start: string;
}

/** What became of the period's `call.missed` events at one subscription (a Zap, a webhook). */
export interface SubscriptionDeliveries {
  id: string;
  kind: 'rest_hook' | 'webhook';
  /** Only the host: a hook URL's path is as good as a password. */
  target_host: string;
  filters: EventFilters;
  removed_at: string | null;
  /** Fired while the subscription existed. */
  offered: number;
  delivered: number;
  /** Waiting for their first attempt. */
  pending: number;
  /** Tried and failed, being retried. */
  failing: number;
  /** Given up after a day of retries. */
  failed: number;
  /** Still pending when the subscription was removed. */
  cancelled: number;
  /** Left out by the subscription's own options (the trigger's filters). */
  filtered_out: number;
  filtered_by: Partial<Record<keyof EventFilters, number>>;
  /** Of those left out by `source_list`: calls to a DID that maps to no source list at all. */
  no_source_list: number;
}

export type CallbackTimeDistribution = ReturnType<typeof callbackTimeDistribution>;

export interface LocationFollowUpReport {
  location: { id: string; name: string; timezone: string };
  totals: FollowUpFigures;
  groups: GroupFigures[];
  /** How long the returned misses took to return (the dashboard's chart). */
  time_to_callback: CallbackTimeDistribution;
  subscriptions: SubscriptionDeliveries[];
}

export interface FollowUpReport {
  period: { since: string; until: string; group: ReportGroup };
  locations: LocationFollowUpReport[];
  /** Every location together (the admin's report); null for one location's key. */
  all_locations: {
    totals: FollowUpFigures;
    groups: LabelledFigures[];
    time_to_callback: CallbackTimeDistribution;
  } | null;
}

export function followUpReport(
  store: BridgeStore,
  locations: readonly Location[],
  period: ReportPeriod,
  group: ReportGroup,
  options: { acrossLocations: boolean },
): FollowUpReport {
  const since = new Date(period.sinceMs).toISOString();
  const until = new Date(period.untilMs).toISOString();
  const all: FollowUpMissRow[] = [];
  const byLabel = new Map<string, FollowUpMissRow[]>();
  const reports = locations.map((location) => {
    const misses = store.reports.misses(location.id, since, until);
    const starts = groupStarts(period, group, location.timezone);
    const buckets = starts.map(() => [] as FollowUpMissRow[]);
    const rows = misses.map((miss) => {
      const row = figuresRow(miss);
      buckets[groupIndex(starts, Date.parse(miss.startedAt))]?.push(row);
      return row;
    });
    const groups = starts.map((start, i) => {
      const label = groupLabel(start, location.timezone);
      if (options.acrossLocations) {
        const together = byLabel.get(label) ?? [];
        together.push(...buckets[i]);
        byLabel.set(label, together);
      }
      return { label, start: new Date(start).toISOString(), ...followUpFigures(buckets[i]) };
    });
    all.push(...rows);
    return {
      location: { id: location.id, name: location.name, timezone: location.timezone },
      totals: followUpFigures(rows),
      groups,
      time_to_callback: callbackTimeDistribution(rows),
      subscriptions: subscriptionDeliveries(store, location, misses, since),
    };
  });
  return {
    period: { since, until, group },
    locations: reports,
    all_locations: options.acrossLocations
      ? {
          totals: followUpFigures(all),
          groups: [...byLabel.entries()]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([label, rows]) => ({ label, ...followUpFigures(rows) })),
          time_to_callback: callbackTimeDistribution(all),
        }
      : null,
  };
}

export function figuresRow(miss: MissRow): FollowUpMissRow {
  return {
    fired: miss.fired,
    number_known: miss.numberKey !== null,
    return_status: miss.returnStatus,
    returned_via: miss.returnedVia,
    time_to_callback_seconds: miss.timeToCallbackSeconds,
    replied: miss.repliedAt !== null,
    repeat: miss.repeat,
    after_hours: miss.branch === 'after_hours',
  };
}

/**
 * Per `call.missed` subscription: of the fired misses of the period stored while it existed,
 * how many it was sent (and how that went) and how many its own filters left out, and why.
 */
export function subscriptionDeliveries(
  store: BridgeStore,
  location: Location,
  misses: readonly MissRow[],
  since: string,
): SubscriptionDeliveries[] {
  const fired = misses.filter((m) => m.fired && m.eventSeq !== null);
  const deliveries = new Map<string, { status: string; attempts: number }>();
  for (const d of store.reports.deliveriesOf(fired.map((m) => m.eventSeq!)))
    deliveries.set(`${d.subscriptionId}:${d.eventSeq}`, d);
  return store.reports.missedCallSubscriptions(location.id, since).map((sub) => {
    const out: SubscriptionDeliveries = {
      id: sub.id,
      kind: sub.kind,
      target_host: hostOf(sub.targetUrl),
      filters: sub.filters ?? {},
      removed_at: sub.removedAt,
      offered: 0,
      delivered: 0,
      pending: 0,
      failing: 0,
      failed: 0,
      cancelled: 0,
      filtered_out: 0,
      filtered_by: {},
      no_source_list: 0,
    };
    for (const miss of fired) {
      const storedAt = miss.eventCreatedAt!;
      if (storedAt < sub.createdAt || (sub.removedAt !== null && storedAt >= sub.removedAt))
        continue;
      out.offered++;
      const delivery = deliveries.get(`${sub.id}:${miss.eventSeq}`);
      if (delivery) {
        if (delivery.status === 'delivered') out.delivered++;
        else if (delivery.status === 'failed') out.failed++;
        else if (delivery.status === 'cancelled') out.cancelled++;
        else if (delivery.status === 'pending') {
          if (delivery.attempts > 0) out.failing++;
          else out.pending++;
        }
        continue;
      }
      const reason = failingFilter(
        {
          source_list: miss.sourceList,
          branch: miss.branch,
          voicemail_left: miss.voicemailLeft,
          is_repeat_miss: miss.repeat,
          known_contact: miss.knownContact,
        },
        sub.filters,
      );
      // No delivery and no filter against it: the delivery history was pruned (retention).
      if (reason === null) continue;
      out.filtered_out++;
      out.filtered_by[reason] = (out.filtered_by[reason] ?? 0) + 1;
      if (reason === 'source_list' && miss.sourceList === null) out.no_source_list++;
    }
    return out;
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
