import type { PlainOutputField } from 'zapier-platform-core';
import type { CallEvent, CallFollowUp } from '../callEvent';

/**
 * Labels and types of a call event's fields in the Zap editor (lib/callEvent.ts, docs/design.md
 * "The event contract"). Nested objects use Zapier's flattened `parent__child` keys
 * (`location__id`), lists of values `list: true` (CLI README "Output Fields").
 *
 * Keys here, keys of the static samples and keys of the real payload must be the same set
 * (checks D024, T004, T006): test/zapier/samples.test.ts holds them together.
 * `required` marks the fields that are never null on any event.
 */
type FlatKey<T> = {
  [K in keyof T & string]: T[K] extends readonly unknown[]
    ? K
    : T[K] extends object
      ? `${K}__${keyof T[K] & string}`
      : K;
}[keyof T & string];

/** Every flattened key of a call event, so a field added to `CallEvent` fails to compile here. */
export type CallEventFieldKey = FlatKey<CallEvent>;

type FieldSpec = Omit<PlainOutputField, 'key'>;

const text = (label: string, required = false): FieldSpec => ({
  label,
  type: 'string',
  ...(required ? { required } : {}),
});
const when = (label: string, required = false): FieldSpec => ({
  label,
  type: 'datetime',
  ...(required ? { required } : {}),
});
const yesNo = (label: string): FieldSpec => ({ label, type: 'boolean', required: true });
const seconds = (label: string): FieldSpec => ({ label, type: 'number' });
const count = (label: string): FieldSpec => ({ label, type: 'integer', required: true });

export const CALL_EVENT_FIELD_SPECS: Record<CallEventFieldKey, FieldSpec> = {
  id: text('Event ID', true),
  event: text('Event Type (call.missed / call.returned / call.updated …)', true),
  occurred_at: when('Event Time', true),
  call_id: text('Call ID', true),
  direction: text('Direction (inbound / outbound / internal)', true),
  outcome: text('Outcome (answered / missed / voicemail / abandoned)'),
  voicemail: yesNo('Reached Voicemail'),
  voicemail_left: yesNo('Voicemail Message Left'),
  caller_number: text('Caller Number (E.164)'),
  caller_number_raw: text('Caller Number (as 3CX Sent It)', true),
  caller_anonymous: yesNo('Caller Number Withheld'),
  caller_name: text('Caller Name'),
  callee_number: text('Called Number or Extension'),
  callee_name: text('Called Name'),
  external_number: text('Outside Party Number (E.164)'),
  dialed_number: text('Dialed Number (DID)'),
  source_list: text('Source List'),
  queue: text('Queue Number'),
  queue_name: text('Queue Name'),
  agents_rung: { label: 'Extensions Rung', type: 'string', list: true, required: true },
  answered_by: text('Answered By (Extension)'),
  answered_by_name: text('Answered By (Name)'),
  started_at: when('Started At', true),
  ended_at: when('Ended At'),
  ring_seconds: seconds('Ring Time (seconds)'),
  talk_seconds: seconds('Talk Time (seconds)'),
  voicemail_seconds: seconds('Voicemail Length (seconds)'),
  in_business_hours: { label: 'In Business Hours', type: 'boolean' },
  branch: text('Hours Branch (in_hours / after_hours)'),
  next_open_at: when('Next Open At (Business Hours)'),
  missed_count_7d: count('Missed Calls From This Number (Last 7 Days by Default)'),
  is_repeat_miss: yesNo('Repeat Miss'),
  last_missed_at: when('Previous Missed Call At'),
  known_contact: yesNo('Known Contact'),
  contact_id: text('Contact ID (CRM)'),
  contact_url: text('Contact URL (CRM)'),
  attempts: count('Call Attempts'),
  location__id: text('Location ID', true),
  location__name: text('Location Name', true),
  record_url: text('Call Record URL'),
  test: yesNo('Test Event (Sent by test-event, Not a Real Call)'),
};

export function outputFieldsFrom<K extends string>(
  specs: Record<K, FieldSpec>,
): PlainOutputField[] {
  return (Object.keys(specs) as K[]).map((key) => ({ key, ...specs[key] }));
}

export const CALL_EVENT_OUTPUT_FIELDS: PlainOutputField[] =
  outputFieldsFrom(CALL_EVENT_FIELD_SPECS);

/** A missed call's follow-up (Missed Call Returned / Not Returned, Call Updated, the record). */
export const CALL_FOLLOW_UP_FIELD_SPECS: Record<keyof CallFollowUp, FieldSpec> = {
  return_status: text('Call-Back Status (awaiting / returned / not_returned / no_number)'),
  return_due_at: when('Call Back Due By'),
  returned_at: when('Returned At'),
  returned_by: text('Returned By (Extension)'),
  returned_via: text('Returned Via (callback / called_again)'),
  returned_call_id: text('Returning Call ID'),
  time_to_callback_seconds: seconds('Time to Call Back (seconds)'),
  callback_attempts: { label: 'Call-Back Attempts That Did Not Connect', type: 'integer' },
};

/** Missed Call Returned and Missed Call Not Returned: the missed call and its follow-up. */
export const CALL_FOLLOW_UP_OUTPUT_FIELDS: PlainOutputField[] = outputFieldsFrom({
  ...CALL_EVENT_FIELD_SPECS,
  ...CALL_FOLLOW_UP_FIELD_SPECS,
});
