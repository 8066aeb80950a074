import { outcomeOf } from '../../lib/callOutcome';
import { normalisePhoneNumber } from '../../lib/phoneNumber';
import type { CallDirection, CallFacts } from '../../lib/settledCall';
import { toIsoUtc } from '../../lib/utcTime';
import { isVoicemailLeft } from '../../lib/voicemailLeft';
import { journalCallId } from './journalCallId';
import type { JournalEntry } from './journalEntry';

/**
 * A journal entry as a call's facts (`CallFacts`), so it takes exactly the poller's path from here on
 * (enrichment, outbox, delivery). The journal knows less than the call log: one agent, no
 * voicemail detail (a voicemail comes as `Missed` [inf docs/3cx-facts.md §4.4]), no DID, no queue name.
 * What it does not know is left empty, never guessed.
 */
export function journalCall(entry: JournalEntry, options: { country: string }): CallFacts {
  const outside = normalisePhoneNumber(entry.number, { country: options.country });
  const direction = directionOf(entry, outside.kind === 'internal');
  const answered = entry.callType === 'inbound' || entry.callType === 'outbound';
  const agent = entry.agent;

  const start = entry.startedAt;
  const duration = entry.durationSeconds;
  let end = entry.endedAt ?? start + (duration ?? 0) * 1000;
  if (end < start) end = start;
  const established = answered && entry.establishedAt !== null ? entry.establishedAt : null;
  const totalSeconds = (end - start) / 1000;
  // `[Duration]` of an answered call is its talk time [unv]; of a missed one, not talk at all.
  const talkSeconds = answered
    ? (duration ?? (established !== null ? Math.max(0, (end - established) / 1000) : 0))
    : 0;
  const ringSeconds =
    established !== null
      ? Math.max(0, (established - start) / 1000)
      : Math.max(0, totalSeconds - talkSeconds);

  const agentParty = {
    number: agent,
    raw: agent ?? '',
    name: entry.agentName,
  };
  const outsideParty = {
    number: outside.number,
    raw: outside.raw,
    name: entry.name,
  };
  const [caller, callee] =
    direction === 'outbound' ? [agentParty, outsideParty] : [outsideParty, agentParty];
  // The extension that placed an outbound call did not "ring" (as in lib/callParties.ts).
  const agentsRung = direction !== 'outbound' && agent !== null ? [agent] : [];
  // `ReportCall` has no voicemail detail: a voicemail comes as `Missed` [inf docs/3cx-facts.md §4.4].
  const voicemailSeconds: number | null = null;

  return {
    call_id: journalCallId({
      startedAt: start,
      agent,
      numberKey: outside.number,
      numberRaw: entry.number,
      direction,
    }),
    direction,
    outcome: outcomeOf({
      direction,
      answered,
      voicemail: voicemailSeconds !== null,
      agentsRung: agentsRung.length,
    }),
    voicemail: voicemailSeconds !== null,
    voicemail_left: isVoicemailLeft(voicemailSeconds),
    voicemail_seconds: 0,
    caller_number: caller.number,
    caller_number_raw: caller.raw,
    caller_anonymous: direction !== 'outbound' && outside.kind === 'anonymous',
    caller_name: caller.name,
    callee_number: callee.number,
    callee_number_raw: callee.raw,
    callee_name: callee.name,
    external_number: outside.kind === 'external' ? outside.number : null,
    dialed_number: null,
    queue: entry.queue,
    queue_name: null,
    agents_rung: agentsRung,
    answered_by: !answered ? null : direction === 'outbound' ? outside.number : agent,
    answered_by_name: answered && direction !== 'outbound' ? entry.agentName : null,
    started_at: toIsoUtc(start),
    ended_at: toIsoUtc(end),
    ring_seconds: Math.round(ringSeconds),
    talk_seconds: Math.round(talkSeconds),
    // No call-log legs: the journal reports the call as a whole.
    leg_count: 0,
  };
}

/**
 * `[CallDirection]` when 3CX sent it [unv], else what `[CallType]` implies [obs tkd]. A call
 * journaled with an extension as its number is internal (3CX journals external calls only
 * [inf §4.1], but a wrong guess must not turn a colleague into a customer).
 */
function directionOf(entry: JournalEntry, internalNumber: boolean): CallDirection {
  if (internalNumber) return 'internal';
  if (entry.direction !== null) return entry.direction;
  return entry.callType === 'inbound' || entry.callType === 'missed' ? 'inbound' : 'outbound';
}
