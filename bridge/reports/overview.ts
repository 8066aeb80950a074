import { DateTime } from 'luxon';
import { followUpFigures, type FollowUpFigures } from '../../lib/followUp/followUpFigures';
import type { ApiContext } from '../http/apiContext';
import { locationStatus } from '../http/locationStatus';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import { figuresRow } from './followUpReport';

/**
 * What the dashboard shows at a glance, per location (`GET /v1/reports/overview`): is the PBX
 * being read, are deliveries failing, and this week's missed calls (today's first) with what
 * became of each, in the location's own days and weeks.
 */
export interface MissedCallView {
  call_id: string;
  started_at: string;
  today: boolean;
  caller_number: string | null;
  caller_name: string | null;
  caller_withheld: boolean;
  outcome: string | null;
  voicemail_left: boolean;
  branch: string | null;
  source_list: string | null;
  /** Folded into an earlier miss by the dialler cooldown (no `call.missed` of its own). */
  folded: boolean;
  attempts: number;
  return_status: string | null;
  return_due_at: string | null;
  returned_at: string | null;
  returned_via: string | null;
  returned_by: string | null;
  time_to_callback_seconds: number | null;
  callback_attempts: number | null;
  disposition: string | null;
  replied_at: string | null;
}

export interface FiguresSince extends FollowUpFigures {
  /** When the day or week began, in the location's zone. */
  since: string;
}

export interface LocationOverview {
  location: { id: string; name: string; timezone: string };
  status: ReturnType<typeof locationStatus>;
  /** Deliveries of the last 7 days: being retried after a failure, or given up. */
  deliveries: { failing: number; failed: number };
  today: FiguresSince;
  week: FiguresSince;
  /** This week's misses, newest first (at most `MISSED_CALLS_SHOWN`). */
  missed_calls: MissedCallView[];
}

export const MISSED_CALLS_SHOWN = 200;
const WEEK_MS = 7 * 86_400_000;

export function locationOverview(
  store: BridgeStore,
  ctx: Pick<ApiContext, 'pollStatus'>,
  location: Location,
  nowMs: number,
): LocationOverview {
  const local = DateTime.fromMillis(nowMs, { zone: location.timezone });
  const todayMs = local.startOf('day').toMillis();
  const weekMs = local.startOf('week', { useLocaleWeeks: false }).toMillis();
  const weekSince = new Date(weekMs).toISOString();
  const until = new Date(nowMs + 1).toISOString();
  const misses = store.reports.misses(location.id, weekSince, until);
  const today = misses.filter((m) => Date.parse(m.startedAt) >= todayMs);
  const listed = store.reports.missedCalls(location.id, weekSince, until, MISSED_CALLS_SHOWN);
  return {
    location: { id: location.id, name: location.name, timezone: location.timezone },
    status: locationStatus(ctx, location),
    deliveries: store.reports.failingDeliveries(location.id, nowMs - WEEK_MS),
    today: { since: new Date(todayMs).toISOString(), ...followUpFigures(today.map(figuresRow)) },
    week: { since: weekSince, ...followUpFigures(misses.map(figuresRow)) },
    missed_calls: listed.map((m) => ({
      call_id: m.callId,
      started_at: m.startedAt,
      today: Date.parse(m.startedAt) >= todayMs,
      caller_number: m.callerNumber,
      caller_name: m.callerName,
      caller_withheld: m.anonymous,
      outcome: m.outcome,
      voicemail_left: m.voicemailLeft,
      branch: m.branch,
      source_list: m.sourceList,
      folded: !m.fired,
      attempts: m.attempts,
      return_status: m.returnStatus,
      return_due_at: m.returnDueAt === null ? null : new Date(m.returnDueAt).toISOString(),
      returned_at: m.returnedAt,
      returned_via: m.returnedVia,
      returned_by: m.returnedBy,
      time_to_callback_seconds: m.timeToCallbackSeconds,
      callback_attempts: m.callbackAttempts,
      disposition: m.disposition,
      replied_at: m.repliedAt,
    })),
  };
}
