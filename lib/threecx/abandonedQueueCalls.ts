import type { QueuePoll } from '../queuePoll';
import type { UnkeyedQueuePoll } from '../queuePollMatch';
import { parseUtcMillis } from '../utcTime';
import type { AbandonedQueueCall } from './xapiTypes';

/**
 * The abandoned-queue report's rows as queue polls per call (`CallHistoryId`, the call log's
 * grouping key, docs/xapi-schemas.md §2.8). An agent listed twice for one call counts once,
 * with its attempts added up. Rows without a call id (a PBX before V20 Update 6) come back as
 * `unkeyed`, to be matched by caller and time (lib/queuePollMatch.ts); rows without an agent
 * name nobody and are left out. Never throws: rows are 3CX's, read leniently.
 */
export function queuePollsByCall(rows: readonly AbandonedQueueCall[]): Map<string, QueuePoll[]> {
  return readQueuePolls(rows).byCall;
}

export function readQueuePolls(rows: readonly AbandonedQueueCall[]): {
  byCall: Map<string, QueuePoll[]>;
  unkeyed: UnkeyedQueuePoll[];
} {
  const byCall = new Map<string, QueuePoll[]>();
  const unkeyed: UnkeyedQueuePoll[] = [];
  let lastCallTime = NaN;
  for (const row of rows) {
    const callTime = parseUtcMillis(row.CallTime ?? row.CallTimeForCsv);
    if (callTime === callTime) lastCallTime = callTime;
    const agent = text(row.ExtensionDn);
    if (agent === null) continue;
    const poll: QueuePoll = {
      queue: text(row.QueueDn) ?? '',
      queueName: text(row.QueueDisplayName),
      agent,
      agentName: text(row.ExtensionDisplayName),
      attempts: attemptsOf(row.PollingAttempts),
    };
    const callId = text(row.CallHistoryId);
    if (callId !== null) addPoll(byCall, callId, poll);
    else if (lastCallTime === lastCallTime) {
      unkeyed.push({ ...poll, callerId: text(row.CallerId) ?? '', callTime: lastCallTime });
    }
  }
  return { byCall, unkeyed };
}

/** Adds a poll to its call's list, merging a second row for the same agent. */
export function addPoll(byCall: Map<string, QueuePoll[]>, callId: string, poll: QueuePoll): void {
  const polls = byCall.get(callId);
  if (polls === undefined) {
    byCall.set(callId, [poll]);
    return;
  }
  const same = polls.find((p) => p.agent === poll.agent);
  if (same === undefined) polls.push(poll);
  else if (poll.attempts !== null) same.attempts = (same.attempts ?? 0) + poll.attempts;
}

function attemptsOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const t = value.trim();
  return t === '' ? null : t;
}
