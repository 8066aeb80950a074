import { parseDurationSeconds } from '../../lib/duration';
import type { Row } from '../odata/rowValues';
import { bindArguments, type BoundValue, type ParameterSpec } from '../odata/functionCall';
import { XapiError } from '../odata/odataError';
import type { SimServices } from './simServices';

/**
 * The report functions the bridge reads, bound to their entity sets:
 * `ReportCallLogData/Pbx.GetCallLogData(…)` with 11 required parameters (docs/3cx-facts.md §1.3,
 * docs/xapi-schemas.md §1.1) and `ReportInboundCalls/Pbx.GetInboundCalls(…)` with 4 (docs/xapi-schemas.md §1.3) and
 * `ReportAbandonedQueueCalls/Pbx.GetAbandonedQueueCallsData(…)` with 4 (§1.4).
 *
 * The filters whose codes 3CX does not document (`sourceType`, `destinationType`, `callsType`,
 * `callTimeFilterType`, docs/3cx-facts.md §7 q1) are accepted and type-checked but do not
 * filter: only `0`, the value clients send, has a known meaning. `hidePcalls=true` leaves out
 * the queue polls nobody answered, as real logs do (docs/3cx-facts.md §8).
 */
export interface ReportFunction {
  entitySet: string;
  name: string;
  parameters: readonly ParameterSpec[];
  /** `@odata.context` suffix. */
  context: string;
  /**
   * The date-time property `rows` come in ascending order of, if any (odata/collectionQuery.ts
   * `answerCollection`): the PBX keeps legs and calls indexed by start (sim/simPbx.ts).
   */
  naturalOrder?: string;
  rows(s: SimServices, args: Record<string, BoundValue>): Row[];
}

const DAY_MS = 86400_000;

export const GET_CALL_LOG_DATA: ReportFunction = {
  entitySet: 'ReportCallLogData',
  name: 'Pbx.GetCallLogData',
  parameters: [
    { name: 'periodFrom', type: 'date-time' },
    { name: 'periodTo', type: 'date-time' },
    { name: 'sourceType', type: 'int32' },
    { name: 'sourceFilter', type: 'string' },
    { name: 'destinationType', type: 'int32' },
    { name: 'destinationFilter', type: 'string' },
    { name: 'callsType', type: 'int32' },
    { name: 'callTimeFilterType', type: 'int32' },
    { name: 'callTimeFilterFrom', type: 'string' },
    { name: 'callTimeFilterTo', type: 'string' },
    { name: 'hidePcalls', type: 'boolean' },
  ],
  context: 'Collection(Pbx.CallLogData)',
  naturalOrder: 'StartTime',
  rows(s, args) {
    const [from, to] = period(s, args);
    const source = textFilter(args.sourceFilter, [
      'SourceDn',
      'SourceCallerId',
      'SourceDisplayName',
    ]);
    const destination = textFilter(args.destinationFilter, [
      'DestinationDn',
      'DestinationCallerId',
      'DestinationDisplayName',
    ]);
    const rows = s.pbx.callLog(from, to, { hidePcalls: args.hidePcalls === true });
    return (rows as unknown as Row[]).filter((r) => source(r) && destination(r));
  },
};

export const GET_INBOUND_CALLS: ReportFunction = {
  entitySet: 'ReportInboundCalls',
  name: 'Pbx.GetInboundCalls',
  parameters: [
    { name: 'periodFrom', type: 'date-time' },
    { name: 'periodTo', type: 'date-time' },
    { name: 'trunkDns', type: 'string' },
    { name: 'callsType', type: 'int32' },
  ],
  context: 'Collection(Pbx.InboundCall)',
  naturalOrder: 'StartTime',
  rows(s, args) {
    const [from, to] = period(s, args);
    const trunkDns = String(args.trunkDns ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    return s.pbx.inboundCalls(from, to, trunkDns) as unknown as Row[];
  },
};

export const GET_ABANDONED_QUEUE_CALLS: ReportFunction = {
  entitySet: 'ReportAbandonedQueueCalls',
  name: 'Pbx.GetAbandonedQueueCallsData',
  parameters: [
    { name: 'periodFrom', type: 'date-time' },
    { name: 'periodTo', type: 'date-time' },
    { name: 'queueDns', type: 'string' },
    { name: 'waitInterval', type: 'string' },
  ],
  context: 'Collection(Pbx.AbandonedQueueCalls)',
  rows(s, args) {
    const [from, to] = period(s, args);
    // One queue's DN [obs luxzg], or a list separated by spaces [3p bonv]; commas accepted too.
    const queueDns = String(args.queueDns ?? '')
      .split(/[\s,]+/)
      .filter(Boolean);
    // `'0:00:0'`, the console's default, is no minimum wait (docs/xapi-schemas.md §1.4).
    const minWait = parseDurationSeconds(String(args.waitInterval ?? '')) ?? 0;
    return s.pbx.abandonedQueueCalls(from, to, queueDns, minWait) as unknown as Row[];
  },
};

/**
 * [periodFrom, periodTo) in epoch ms. A range longer than the PBX copes with times out behind
 * nginx: 504 (docs/3cx-facts.md §1.3 [obs luxzg]).
 */
function period(s: SimServices, args: Record<string, BoundValue>): [number, number] {
  const from = args.periodFrom as number;
  const to = args.periodTo as number;
  if (to - from > s.maxPeriodDays * DAY_MS) {
    throw new XapiError(504, `The period is longer than ${s.maxPeriodDays} days`);
  }
  return [from, to];
}

/** Free-text filter on one side of a leg [inf]: empty matches everything. */
function textFilter(value: BoundValue, fields: readonly string[]): (row: Row) => boolean {
  const needle = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (needle === '') return () => true;
  return (row) =>
    fields.some(
      (f) => typeof row[f] === 'string' && (row[f] as string).toLowerCase().includes(needle),
    );
}

export function bindReportArguments(
  fn: ReportFunction,
  args: Parameters<typeof bindArguments>[1],
): Record<string, BoundValue> {
  return bindArguments(fn.name, args, fn.parameters);
}
