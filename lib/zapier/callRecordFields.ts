import type { PlainOutputField } from 'zapier-platform-core';
import type { CallEvent, CallUpdatedEvent } from '../callEvent';
import type { CallRecord } from '../callRecord';
import {
  CALL_EVENT_FIELD_SPECS,
  CALL_FOLLOW_UP_FIELD_SPECS,
  outputFieldsFrom,
  type CallEventFieldKey,
} from './callEventFields';
import { CALL_RETURNED_SAMPLE } from './callEventSamples';

/**
 * What Update Call Record returns: the bridge's call record (lib/callRecord.ts), i.e. the call's
 * latest event fields without `id`/`event`/`occurred_at`, plus what workflows wrote back.
 */
type RecordOnlyKey = Exclude<keyof CallRecord, CallEventFieldKey | 'location'> | 'id';
type RecordFieldKey =
  Exclude<CallEventFieldKey, 'id' | 'event' | 'occurred_at' | 'test'> | RecordOnlyKey;
type FieldSpec = Omit<PlainOutputField, 'key'>;

const {
  id: _eventId,
  event: _event,
  occurred_at: _occurredAt,
  test: _test,
  ...eventSpecs
} = CALL_EVENT_FIELD_SPECS;

/** What workflows write back, as Update Call Record, Find Call and Call Updated show it. */
const WRITTEN_BACK_SPECS = {
  disposition: { label: 'Disposition', type: 'string' },
  notes: { label: 'Notes', type: 'string' },
  tags: { label: 'Tags', type: 'string', list: true, required: true },
  follow_up_status: { label: 'Follow-Up Status', type: 'string' },
  contact_name: { label: 'Contact Name (CRM)', type: 'string' },
  custom_fields: { label: 'Custom Fields', dict: true },
  replied_at: { label: 'Caller Replied At', type: 'datetime' },
  updated_at: { label: 'Record Updated At', type: 'datetime', required: true },
} satisfies Partial<Record<RecordFieldKey, FieldSpec>>;

const CALL_RECORD_FIELD_SPECS: Record<RecordFieldKey, FieldSpec> = {
  id: { label: 'Call ID', type: 'string', required: true },
  status: { label: 'Call Status (live / ended)', type: 'string', required: true },
  ...eventSpecs,
  ...WRITTEN_BACK_SPECS,
  ...CALL_FOLLOW_UP_FIELD_SPECS,
  created_at: { label: 'Record Created At', type: 'datetime', required: true },
};

export const CALL_RECORD_OUTPUT_FIELDS: PlainOutputField[] =
  outputFieldsFrom(CALL_RECORD_FIELD_SPECS);

/** Call Updated: the event's fields, the record as it is now, and which fields changed. */
const CALL_UPDATED_FIELD_SPECS: Record<
  CallEventFieldKey | Exclude<keyof CallUpdatedEvent, keyof CallEvent>,
  FieldSpec
> = {
  ...CALL_EVENT_FIELD_SPECS,
  changed_fields: {
    label: 'Changed Fields (disposition, notes, tags, returned_at…)',
    type: 'string',
    list: true,
    required: true,
  },
  ...WRITTEN_BACK_SPECS,
  ...CALL_FOLLOW_UP_FIELD_SPECS,
};

export const CALL_UPDATED_OUTPUT_FIELDS: PlainOutputField[] =
  outputFieldsFrom(CALL_UPDATED_FIELD_SPECS);

const { id: _id, event: _e, occurred_at: _o, test: _t, ...missedCallFacts } = CALL_RETURNED_SAMPLE;

/** A missed call after the team called back (D012 sample for Update Call Record). */
export const CALL_RECORD_SAMPLE = {
  ...missedCallFacts,
  id: CALL_RETURNED_SAMPLE.call_id,
  status: 'ended',
  disposition: 'called_back',
  notes: 'Called back at 9:12, booked a quote visit for Thursday.',
  tags: ['sms-sent', 'quote'],
  follow_up_status: 'done',
  contact_name: 'Jane Citizen',
  custom_fields: {},
  replied_at: null,
  created_at: '2026-03-02T09:00:00.000Z',
  updated_at: '2026-03-02T09:12:40.000Z',
} satisfies CallRecord;
