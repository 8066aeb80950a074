import { normalisePhoneNumber, type NumberOptions } from './phoneNumber';
import type { QueuePoll } from './queuePoll';
import type { SettledCall } from './settledCall';

/**
 * An abandoned-queue row that names no call: a CSV export of the report has no call id
 * (docs/3cx-facts.md §8), and a PBX before V20 Update 6 has no `CallHistoryId`. It is tied to
 * a call by what both sides show: the queue, the caller and the time.
 */
export interface UnkeyedQueuePoll extends QueuePoll {
  /** The caller as the report shows it (`CallerId`, `Caller ID`). */
  callerId: string;
  /** When the call entered the queue (`CallTime`), epoch ms. */
  callTime: number;
}

/** How far the report's call time may lie before the call's start (clock rounding) or after it. */
const BEFORE_START_MS = 5_000;

/**
 * Each group of rows (one queue visit: same queue, caller and call time) goes to the call
 * that went through that queue, from the same caller (both withheld counts as the same), and
 * was under way at the call time; the closest start wins, and a call takes one visit at most.
 * Rows that match no call are returned, for the caller to count and show.
 */
export function matchQueuePolls(
  polls: readonly UnkeyedQueuePoll[],
  calls: readonly SettledCall[],
  options: NumberOptions = {},
): { byCall: Map<string, QueuePoll[]>; unmatched: UnkeyedQueuePoll[] } {
  const visits = new Map<string, UnkeyedQueuePoll[]>();
  for (const poll of polls) {
    const key = `${poll.queue}\u0000${callerKey(poll.callerId, options)}\u0000${poll.callTime}`;
    const visit = visits.get(key);
    if (visit === undefined) visits.set(key, [poll]);
    else visit.push(poll);
  }
  const candidates = calls
    .filter((c) => c.queue !== null)
    .map((c) => ({
      call: c,
      caller: c.caller_anonymous ? 'withheld' : (c.caller_number ?? ''),
      start: c.started_ms,
      end: c.ended_ms,
    }));
  const taken = new Set<string>();
  const byCall = new Map<string, QueuePoll[]>();
  const unmatched: UnkeyedQueuePoll[] = [];
  for (const rows of visits.values()) {
    const first = rows[0];
    const caller = callerKey(first.callerId, options);
    let best: (typeof candidates)[number] | undefined;
    for (const c of candidates) {
      if (taken.has(c.call.call_id) || c.call.queue !== first.queue || c.caller !== caller)
        continue;
      if (first.callTime < c.start - BEFORE_START_MS || first.callTime > c.end) continue;
      if (
        best === undefined ||
        Math.abs(c.start - first.callTime) < Math.abs(best.start - first.callTime)
      )
        best = c;
    }
    if (best === undefined || caller === '') {
      unmatched.push(...rows);
      continue;
    }
    taken.add(best.call.call_id);
    byCall.set(
      best.call.call_id,
      rows.map(({ callerId: _callerId, callTime: _callTime, ...poll }) => poll),
    );
  }
  return { byCall, unmatched };
}

/** The caller's number, `withheld` for a withheld one, '' when it cannot be matched. */
function callerKey(callerId: string, options: NumberOptions): string {
  const n = normalisePhoneNumber(callerId, options);
  if (n.kind === 'anonymous') return 'withheld';
  return n.number ?? '';
}
