import { parseDurationSeconds } from '../../duration';
import type { UnkeyedQueuePoll } from '../../queuePollMatch';
import { cell, findColumns, type ColumnIndex } from './exportColumns';
import { readExportParty } from './exportParty';
import type { PbxLocalTime } from './pbxLocalTime';

/**
 * A row of 3CX's Abandoned Queue Calls report as exported to CSV (`Queue, Call Time,
 * Caller ID, Agent, Waiting Time, Polling Attempts, Agent State`, docs/3cx-facts.md §8): one
 * agent a queue polled for a call whose caller hung up. The export has no call id, so each
 * row is matched to a call by queue, caller and time (lib/queuePollMatch.ts).
 */
export const ABANDONED_COLUMNS = {
  queue: { names: ['Queue'], required: true },
  callTime: { names: ['Call Time', 'Time'], required: true },
  callerId: { names: ['Caller ID', 'Caller', 'CallerId'], required: true },
  agent: { names: ['Agent', 'Extension'], required: true },
  waitingTime: { names: ['Waiting Time', 'Wait Time'], required: false },
  pollingAttempts: { names: ['Polling Attempts', 'Attempts'], required: true },
  agentState: { names: ['Agent State', 'State'], required: false },
} as const;

export type AbandonedColumns = ColumnIndex<keyof typeof ABANDONED_COLUMNS>;

export type AbandonedRowResult =
  | { kind: 'poll'; poll: UnkeyedQueuePoll }
  | { kind: 'footer' }
  | { kind: 'problem'; column: string; message: string };

export function abandonedColumns(header: readonly string[]): AbandonedColumns {
  return findColumns(header, ABANDONED_COLUMNS);
}

export function readAbandonedRow(
  cells: readonly string[],
  columns: AbandonedColumns,
  time: PbxLocalTime,
): AbandonedRowResult {
  const queueText = cell(cells, columns.queue);
  if (queueText === '') {
    if (cells.some((c) => /^\s*totals?\b/i.test(c))) return { kind: 'footer' };
    return { kind: 'problem', column: 'Queue', message: 'is empty' };
  }
  const queue = readExportParty(queueText);
  const agent = readExportParty(cell(cells, columns.agent));
  if (agent.dn === '' && agent.callerId === '') {
    return {
      kind: 'problem',
      column: 'Agent',
      message: `${JSON.stringify(cell(cells, columns.agent))} names no extension (Name (DN))`,
    };
  }
  const timeText = cell(cells, columns.callTime);
  const callTime = time.toUtcMillis(timeText);
  if (callTime !== callTime) {
    return {
      kind: 'problem',
      column: 'Call Time',
      message: `${JSON.stringify(timeText)} is not a ${time.dateOrder} date-time`,
    };
  }
  const attemptsText = cell(cells, columns.pollingAttempts);
  const attempts = attemptsText === '' ? null : Number(attemptsText);
  if (attempts !== null && !(Number.isInteger(attempts) && attempts >= 0)) {
    return {
      kind: 'problem',
      column: 'Polling Attempts',
      message: `${JSON.stringify(attemptsText)} is not a whole number`,
    };
  }
  const wait = cell(cells, columns.waitingTime);
  if (wait !== '' && parseDurationSeconds(wait) === null) {
    return {
      kind: 'problem',
      column: 'Waiting Time',
      message: `${JSON.stringify(wait)} is not a duration (HH:MM:SS)`,
    };
  }
  return {
    kind: 'poll',
    poll: {
      queue: queue.dn || queue.displayName,
      queueName: queue.displayName || null,
      agent: agent.dn || agent.callerId,
      agentName: agent.displayName || null,
      attempts,
      callerId: cell(cells, columns.callerId),
      callTime,
    },
  };
}
