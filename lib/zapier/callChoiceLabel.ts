import type { CallRecord } from '../callRecord';

/**
 * How a call reads in the Update Call Record dropdown, so a person can pick the right one:
 * "Missed call from Jane Citizen (+61412345678) · 2 Mar 2026, 19:30".
 * Times are shown in the Zap's time zone (`bundle.meta.timezone`), else UTC.
 */
const OUTCOME_WORDS: Record<string, string> = {
  answered: 'Answered',
  missed: 'Missed',
  voicemail: 'Voicemail',
  abandoned: 'Abandoned',
};

function formatTime(iso: string, timeZone: string | null | undefined): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options: Intl.DateTimeFormatOptions = {
    dateStyle: 'medium',
    timeStyle: 'short',
  };
  for (const zone of [timeZone, 'UTC']) {
    if (!zone) continue;
    try {
      const text = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: zone }).format(date);
      return zone === 'UTC' ? `${text} UTC` : text;
    } catch {
      // unknown time zone name: fall back to UTC
    }
  }
  return iso;
}

export type CallChoiceFacts = Pick<
  CallRecord,
  | 'status'
  | 'direction'
  | 'outcome'
  | 'caller_name'
  | 'caller_number'
  | 'caller_number_raw'
  | 'callee_name'
  | 'callee_number'
  | 'external_number'
  | 'started_at'
>;

export function callChoiceLabel(call: CallChoiceFacts, timeZone?: string | null): string {
  const what = call.status === 'live' ? 'Live' : (OUTCOME_WORDS[call.outcome ?? ''] ?? 'Ended');
  const outbound = call.direction === 'outbound';
  const name = outbound ? call.callee_name : call.caller_name;
  const number = outbound
    ? (call.external_number ?? call.callee_number)
    : (call.external_number ?? call.caller_number ?? call.caller_number_raw);
  const party =
    name && number && name !== number ? `${name} (${number})` : (name ?? number ?? 'unknown');
  const kind = call.direction === 'internal' ? 'internal call' : 'call';
  return `${what} ${kind} ${outbound ? 'to' : 'from'} ${party} · ${formatTime(call.started_at, timeZone)}`;
}
