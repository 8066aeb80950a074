import { phoneNumberKey } from '../../lib/phoneNumber';
import { pbxInboundCalls, type PbxInboundCall } from '../../lib/threecx/inboundCallReport';
import type { InboundCall } from '../../lib/threecx/xapiTypes';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import type { PeriodCall } from '../store/reports';
import { subscriptionDeliveries, type SubscriptionDeliveries } from './followUpReport';
import type { ReportPeriod } from './reportPeriod';

/**
 * The first-week reconciliation (issue "Did the follow-up work?"): 3CX's own count of
 * unanswered inbound calls for the period (lib/threecx/inboundCallReport.ts, from
 * `GetInboundCalls`) against the bridge's `call.missed` fired and delivered, with the gap
 * explained line by line. Each of 3CX's unanswered calls is matched with the bridge's call of the
 * same id (`CallHistoryId`), or else of the same caller within two minutes, and counted under
 * the one line that says why it did or did not fire; the lines add up exactly:
 *
 *   3CX unanswered − chats − not seen − still settling − answered per the bridge − internal
 *   − folded by the cooldown + misses 3CX counts as answered = fired
 *
 * and per subscription: fired while it existed = delivered + pending + failing + failed +
 * cancelled + left out by its options. Besides: fired misses nobody can call back (withheld,
 * unreadable numbers) and calls to DIDs with no source list, by DID.
 */
export interface GapLine {
  key:
    | 'chats'
    | 'not_seen'
    | 'still_settling'
    | 'answered_per_bridge'
    | 'internal'
    | 'cooldown'
    | 'missed_per_bridge_only';
  /** How the line moves the count: -1 takes calls away, +1 adds them. */
  sign: -1 | 1;
  count: number;
  label: string;
  /** A few of the calls on this line (3CX's ids for calls the bridge did not see). */
  examples: string[];
}

export interface LocationReconciliation {
  location: { id: string; name: string };
  pbx: {
    /** `ReportInboundCalls/Pbx.GetInboundCalls`: which report the count comes from. */
    report: 'GetInboundCalls';
    available: boolean;
    /** Why 3CX's count is missing (a location fed by the CRM journal only, an error). */
    reason: string | null;
    inbound: number | null;
    unanswered: number | null;
  };
  bridge: { missed: number; fired: number; folded: number };
  lines: GapLine[];
  /** The lines add up: 3CX's count, minus and plus each line, is the fired count. */
  balanced: boolean | null;
  subscriptions: SubscriptionDeliveries[];
  numbers: { withheld: number; unreadable: number };
  /** Fired misses to DIDs that map to no source list, by DID (null: the DID is not known). */
  no_source_list: Array<{ dialed_number: string | null; count: number }>;
}

/** Reads 3CX's inbound-call report (the location's 3CX client, shared with its poller). */
export interface InboundCallSource {
  inboundCalls(period: { from: number; to: number }): Promise<InboundCall[]>;
}

const MATCH_WINDOW_MS = 2 * 60_000;
const EXAMPLES = 5;

const LABELS: Record<GapLine['key'], string> = {
  chats: "LiveChat sessions and web meetings: 3CX's report lists them as calls",
  not_seen:
    'Not seen by the bridge: not polled yet, polling failed, or from before the bridge started',
  still_settling: 'Still settling: the bridge waits for the call to end before it fires',
  answered_per_bridge:
    'Answered according to the call log: someone talked to the caller (3CX reported the call unanswered)',
  internal: 'Internal: the caller is one of your extensions, which never fires call.missed',
  cooldown:
    'Folded by the dialler cooldown: a redial within minutes, added to the earlier miss (attempts)',
  missed_per_bridge_only:
    "Missed according to the call log but not in 3CX's unanswered count (3CX counts them answered, or they came through the CRM journal only)",
};

export async function reconcile(
  store: BridgeStore,
  location: Location,
  period: ReportPeriod,
  source: InboundCallSource | null,
): Promise<LocationReconciliation> {
  const since = new Date(period.sinceMs).toISOString();
  const until = new Date(period.untilMs).toISOString();
  const misses = store.reports.misses(location.id, since, until);
  const fired = misses.filter((m) => m.fired);
  const bridge = {
    missed: misses.length,
    fired: fired.length,
    folded: misses.length - fired.length,
  };

  let pbx: LocationReconciliation['pbx'] = {
    report: 'GetInboundCalls',
    available: false,
    reason: null,
    inbound: null,
    unanswered: null,
  };
  let lines: GapLine[] = [];
  if (!source) {
    pbx.reason =
      'This location has no XAPI connection (CRM journal only): 3CX’s own count cannot be read.';
  } else {
    try {
      const pbxCalls = pbxInboundCalls(
        await source.inboundCalls({ from: period.sinceMs, to: period.untilMs }),
      );
      const unanswered = pbxCalls.filter((c) => !c.answered);
      pbx = { ...pbx, available: true, inbound: pbxCalls.length, unanswered: unanswered.length };
      lines = gapLines(
        unanswered,
        store.reports.calls(location.id, since, until),
        location.country,
      );
    } catch (error) {
      pbx.reason = `3CX did not answer the report: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const balanced =
    pbx.unanswered === null
      ? null
      : lines.reduce((n, line) => n + line.sign * line.count, pbx.unanswered) === bridge.fired;

  const noList = new Map<string | null, number>();
  for (const miss of fired)
    if (miss.sourceList === null)
      noList.set(miss.dialedNumber, (noList.get(miss.dialedNumber) ?? 0) + 1);
  return {
    location: { id: location.id, name: location.name },
    pbx,
    bridge,
    lines,
    balanced,
    subscriptions: subscriptionDeliveries(store, location, misses, since),
    numbers: {
      withheld: fired.filter((m) => m.numberKey === null && m.anonymous).length,
      unreadable: fired.filter((m) => m.numberKey === null && !m.anonymous).length,
    },
    no_source_list: [...noList.entries()]
      .map(([dialed_number, count]) => ({ dialed_number, count }))
      .sort((a, b) => b.count - a.count),
  };
}

/** Each of 3CX's unanswered calls on the line that explains it, and the bridge's extra misses. */
function gapLines(
  unanswered: readonly PbxInboundCall[],
  calls: readonly PeriodCall[],
  country: string,
): GapLine[] {
  const lines = new Map<GapLine['key'], GapLine>();
  for (const key of Object.keys(LABELS) as Array<GapLine['key']>)
    lines.set(key, {
      key,
      sign: key === 'missed_per_bridge_only' ? 1 : -1,
      count: 0,
      label: LABELS[key],
      examples: [],
    });
  const add = (key: GapLine['key'], example: string) => {
    const line = lines.get(key)!;
    line.count++;
    if (line.examples.length < EXAMPLES) line.examples.push(example);
  };

  const byId = new Map(calls.map((c) => [c.callId, c]));
  const matched = new Set<string>();
  const unmatched: PbxInboundCall[] = [];
  for (const pbxCall of unanswered) {
    const call = byId.get(pbxCall.id);
    if (call && !matched.has(call.callId)) {
      matched.add(call.callId);
      classify(pbxCall, call);
    } else unmatched.push(pbxCall);
  }
  // No id in common (a call the CRM journal stored first keeps the journal's id): the same
  // caller within two minutes, each bridge call used once.
  for (const pbxCall of unmatched) {
    if (pbxCall.chat) {
      add('chats', pbxCall.id);
      continue;
    }
    const key = phoneNumberKey(pbxCall.caller, { country });
    const call = calls.find(
      (c) =>
        !matched.has(c.callId) &&
        key !== null &&
        c.numberKey === key &&
        Math.abs(Date.parse(c.startedAt) - pbxCall.startedAtMs) <= MATCH_WINDOW_MS,
    );
    if (!call) {
      add('not_seen', pbxCall.id);
      continue;
    }
    matched.add(call.callId);
    classify(pbxCall, call);
  }
  for (const call of calls)
    if (call.missed && call.fired && !matched.has(call.callId))
      add('missed_per_bridge_only', call.callId);
  return [...lines.values()];

  function classify(pbxCall: PbxInboundCall, call: PeriodCall): void {
    if (pbxCall.chat) add('chats', pbxCall.id);
    else if (call.status === 'live') add('still_settling', call.callId);
    else if (call.outcome === 'answered') add('answered_per_bridge', call.callId);
    else if (!call.missed) add('internal', call.callId);
    else if (!call.fired) add('cooldown', call.callId);
    // else: fired, and 3CX counts it unanswered too: no gap.
  }
}
