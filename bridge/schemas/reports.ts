import { z } from 'zod';
import { eventFiltersSchema } from '../../lib/eventFilters';
import type { FollowUpFigures } from '../../lib/followUp/followUpFigures';
import type { FollowUpReport } from '../reports/followUpReport';
import type { LocationOverview } from '../reports/overview';
import type { LocationReconciliation } from '../reports/reconciliation';
import { statusAnswer } from '../http/routes/meRoutes';
import type { SameType } from './typeCheck';

/** The answers of `/v1/reports/*` (bridge/reports), for validation and the OpenAPI document. */
const isoTime = z.string().meta({ format: 'date-time' });
const count = z.number().int();
const ratio = z.number().nullable();
const seconds = z.number().nullable();

export const followUpFiguresShape = {
  missed: count.describe('Unanswered inbound calls from outside numbers, redials folded included.'),
  fired: count.describe('Of those, the ones that sent call.missed.'),
  folded: count.describe('Redials the dialler cooldown folded into an earlier miss.'),
  returnable: count.describe('Fired misses with a number to call back.'),
  replied: count,
  reply_rate: ratio.describe('Replied per fired miss.'),
  returned: count.describe('Returned misses: a later call with the number connected.'),
  called_back: count.describe('Returned by the team calling back.'),
  callback_rate: ratio.describe('Called back and got through, per returnable miss.'),
  recovered_24h: count,
  recovery_rate_24h: ratio.describe(
    'Lost-lead recovery: returned either way within 24 hours, per returnable miss.',
  ),
  awaiting: count,
  not_returned: count.describe('The call-back deadline passed with nobody through (so far).'),
  time_to_callback_p50_seconds: seconds,
  time_to_callback_p90_seconds: seconds,
  repeat_misses: count,
  repeat_miss_rate: ratio,
  after_hours: count,
  after_hours_share: ratio,
};
const figures = z.strictObject(followUpFiguresShape).meta({ id: 'FollowUpFigures' });

const filterCounts = z.strictObject({
  source_list: count.optional(),
  business_hours: count.optional(),
  skip_voicemail_left: count.optional(),
  repeat: count.optional(),
  exclude_known_contacts: count.optional(),
});

const subscriptionDeliveries = z.strictObject({
  id: z.string(),
  kind: z.enum(['rest_hook', 'webhook']),
  target_host: z.string(),
  filters: eventFiltersSchema,
  removed_at: isoTime.nullable(),
  offered: count,
  delivered: count,
  pending: count,
  failing: count,
  failed: count,
  cancelled: count,
  filtered_out: count,
  filtered_by: filterCounts,
  no_source_list: count,
});

const distribution = z.array(
  z.strictObject({ label: z.string(), up_to_seconds: z.number().nullable(), count }),
);

export const followUpReportSchema = z
  .strictObject({
    period: z.strictObject({ since: isoTime, until: isoTime, group: z.enum(['day', 'week']) }),
    locations: z.array(
      z.strictObject({
        location: z.strictObject({ id: z.string(), name: z.string(), timezone: z.string() }),
        totals: figures,
        groups: z.array(
          z.strictObject({ label: z.string(), start: isoTime, ...followUpFiguresShape }),
        ),
        time_to_callback: distribution,
        subscriptions: z.array(subscriptionDeliveries),
      }),
    ),
    all_locations: z
      .strictObject({
        totals: figures,
        groups: z.array(z.strictObject({ label: z.string(), ...followUpFiguresShape })),
        time_to_callback: distribution,
      })
      .nullable(),
  })
  .meta({ id: 'FollowUpReport' });

const reconciliation = z.strictObject({
  location: z.strictObject({ id: z.string(), name: z.string() }),
  pbx: z.strictObject({
    report: z.literal('GetInboundCalls'),
    available: z.boolean(),
    reason: z.string().nullable(),
    inbound: count.nullable(),
    unanswered: count.nullable().describe("3CX's own count of unanswered inbound calls."),
  }),
  bridge: z.strictObject({ missed: count, fired: count, folded: count }),
  lines: z.array(
    z.strictObject({
      key: z.enum([
        'chats',
        'not_seen',
        'still_settling',
        'answered_per_bridge',
        'internal',
        'cooldown',
        'missed_per_bridge_only',
      ]),
      sign: z.union([z.literal(-1), z.literal(1)]),
      count,
      label: z.string(),
      examples: z.array(z.string()),
    }),
  ),
  balanced: z.boolean().nullable(),
  subscriptions: z.array(subscriptionDeliveries),
  numbers: z.strictObject({ withheld: count, unreadable: count }),
  no_source_list: z.array(z.strictObject({ dialed_number: z.string().nullable(), count })),
});

export const reconciliationReportSchema = z
  .strictObject({
    period: z.strictObject({ since: isoTime, until: isoTime }),
    locations: z.array(reconciliation),
  })
  .meta({ id: 'ReconciliationReport' });

const missedCallView = z.strictObject({
  call_id: z.string(),
  started_at: isoTime,
  today: z.boolean(),
  caller_number: z.string().nullable(),
  caller_name: z.string().nullable(),
  caller_withheld: z.boolean(),
  outcome: z.string().nullable(),
  voicemail_left: z.boolean(),
  branch: z.string().nullable(),
  source_list: z.string().nullable(),
  folded: z.boolean(),
  attempts: count,
  return_status: z.string().nullable(),
  return_due_at: isoTime.nullable(),
  returned_at: isoTime.nullable(),
  returned_via: z.string().nullable(),
  returned_by: z.string().nullable(),
  time_to_callback_seconds: seconds,
  callback_attempts: count.nullable(),
  disposition: z.string().nullable(),
  replied_at: isoTime.nullable(),
});

const locationOverview = z.strictObject({
  location: z.strictObject({ id: z.string(), name: z.string(), timezone: z.string() }),
  status: statusAnswer,
  deliveries: z.strictObject({ failing: count, failed: count }),
  today: z.strictObject({ since: isoTime, ...followUpFiguresShape }),
  week: z.strictObject({ since: isoTime, ...followUpFiguresShape }),
  missed_calls: z.array(missedCallView),
});

export const overviewSchema = z
  .strictObject({ generated_at: isoTime, admin: z.boolean(), locations: z.array(locationOverview) })
  .meta({ id: 'Overview' });

const _figures: SameType<z.output<typeof figures>, FollowUpFigures> = true;
const _report: SameType<z.output<typeof followUpReportSchema>, FollowUpReport> = true;
const _reconciliation: SameType<z.output<typeof reconciliation>, LocationReconciliation> = true;
const _overview: SameType<z.output<typeof locationOverview>, LocationOverview> = true;
void [_figures, _report, _reconciliation, _overview];
