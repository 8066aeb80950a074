import type { CallLeg } from '../lib/threecx/callLeg';
import { parseDurationSeconds } from '../lib/duration';
import type { SimCall } from '../sim';

/**
 * Simulated calls written as 3CX's report exports (docs/3cx-facts.md §8), for the replay
 * benchmark and tests: the Call Log export as the console makes it (no unanswered queue polls,
 * PBX-local times day first, `HH:MM:SS`, `Name (DN)` or the number as the trunk wrote it, a
 * totals row), and the Abandoned Queue Calls export.
 */
export const CALL_LOG_HEADER =
  'Call Time,Call ID,From,To,Direction,Status,Ringing,Talking,Cost,Call Activity Details,Sentiment,Summary,Transcription';
export const ABANDONED_HEADER =
  'Queue,Call Time,Caller ID,Agent,Waiting Time,Polling Attempts,Agent State';

export function callLogExportCsv(calls: readonly SimCall[], timeZone: string): string {
  const local = localTimeFormatter(timeZone);
  const legs = calls
    .flatMap((c) => c.legs.filter((l) => !l.queuePoll))
    .sort((a, b) => a.startedAt - b.startedAt);
  const lines = [CALL_LOG_HEADER];
  let ring = 0;
  let talk = 0;
  for (const leg of legs) {
    const r = leg.row;
    const ringing = Math.round(parseDurationSeconds(r.RingingDuration) ?? 0);
    const talking = Math.round(parseDurationSeconds(r.TalkingDuration) ?? 0);
    ring += ringing;
    talk += talking;
    lines.push(
      [
        local(leg.startedAt),
        r.CallHistoryId ?? String(r.CallId),
        partyText(r, 'Source'),
        partyText(r, 'Destination'),
        r.Direction ?? '',
        r.Status ?? '',
        clock(ringing),
        clock(talking),
        (r.CallCost ?? 0).toFixed(2),
        r.Reason ?? '',
        '',
        '',
        '',
      ]
        .map(csvCell)
        .join(','),
    );
  }
  lines.push(`Totals: ${calls.length} calls,,,,,,${clock(ring)},${clock(talk)},0.00,,,,`);
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export function abandonedExportCsv(calls: readonly SimCall[], timeZone: string): string {
  const local = localTimeFormatter(timeZone);
  const lines = [ABANDONED_HEADER];
  for (const call of calls) {
    const visit = call.queueVisit;
    if (visit === null || !visit.abandoned) continue;
    for (const poll of visit.polls) {
      lines.push(
        [
          `${visit.queueName} (${visit.queue})`,
          local(visit.enteredAt),
          call.caller,
          `${poll.agentName} (${poll.agent})`,
          clock(Math.round((visit.leftAt - visit.enteredAt) / 1000)),
          String(poll.attempts),
          'Logged in',
        ]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** An outside party as the number the trunk gave (or `anonymous`); a PBX party as `Name (DN)`. */
function partyText(row: CallLeg, side: 'Source' | 'Destination'): string {
  const type = row[`${side}Type`];
  const dn = row[`${side}Dn`] ?? '';
  const callerId = row[`${side}CallerId`] ?? '';
  const name = row[`${side}DisplayName`] ?? '';
  if (type === 1) return callerId;
  if (name && dn) return `${name} (${dn})`;
  return name || dn;
}

function clock(seconds: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `dd/MM/yyyy HH:mm:ss` in the PBX's zone, as a day-first culture writes it. */
function localTimeFormatter(timeZone: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return (ms) => format.format(ms).replace(',', '');
}
