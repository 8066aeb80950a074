import type {
  CallEvent,
  CallEventType,
  CallFollowUp,
  CallFollowUpEvent,
  CallUpdatedEvent,
} from '../callEvent';

/**
 * Static samples for the instant triggers (Zapier check D012): shown when a user skips
 * the trigger test or the location has no calls yet. One realistic call each, with every key of
 * the real payload (`satisfies CallEvent`) and ISO 8601 times with an offset (D023).
 */
const location = { id: 'loc_3k2j8xq4', name: 'Adelaide Office' };
const CALL_ID = '00000000-01db-aef6-c109-60ec00000104';
const RECORD_URL = `https://bridge.example.com/v1/calls/${CALL_ID}`;

export const MISSED_CALL_SAMPLE = {
  id: `${CALL_ID}:call.missed`,
  event: 'call.missed',
  occurred_at: '2026-03-02T09:00:24.500Z',
  call_id: CALL_ID,
  direction: 'inbound',
  outcome: 'missed',
  voicemail: false,
  voicemail_left: false,
  caller_number: '+61412345678',
  caller_number_raw: '0412345678',
  caller_anonymous: false,
  caller_name: 'Jane Citizen',
  callee_number: '800',
  callee_name: 'Sales',
  external_number: '+61412345678',
  dialed_number: '+61881234501',
  source_list: 'sales',
  queue: '800',
  queue_name: 'Sales',
  agents_rung: ['101', '102'],
  answered_by: null,
  answered_by_name: null,
  started_at: '2026-03-02T09:00:00.000Z',
  ended_at: '2026-03-02T09:00:24.500Z',
  ring_seconds: 24.5,
  talk_seconds: 0,
  voicemail_seconds: 0,
  in_business_hours: true,
  branch: 'in_hours',
  next_open_at: '2026-03-02T09:00:00.000Z',
  missed_count_7d: 2,
  is_repeat_miss: true,
  last_missed_at: '2026-02-27T23:14:05.000Z',
  known_contact: true,
  contact_id: 'crm_4821',
  contact_url: 'https://crm.example.com/contacts/4821',
  attempts: 1,
  location,
  record_url: RECORD_URL,
  test: false,
} satisfies CallEvent;

export const CALL_STARTED_SAMPLE = {
  ...MISSED_CALL_SAMPLE,
  id: `${CALL_ID}:call.started`,
  event: 'call.started',
  occurred_at: '2026-03-02T09:00:00.000Z',
  outcome: null,
  ended_at: null,
  ring_seconds: null,
  talk_seconds: null,
  voicemail_seconds: null,
} satisfies CallEvent;

export const CALL_ENDED_SAMPLE = {
  ...MISSED_CALL_SAMPLE,
  id: `${CALL_ID}:call.ended`,
  event: 'call.ended',
  outcome: 'answered',
  answered_by: '102',
  answered_by_name: 'Ben Ortiz',
  ended_at: '2026-03-02T09:04:02.000Z',
  occurred_at: '2026-03-02T09:04:02.000Z',
  ring_seconds: 11,
  talk_seconds: 231,
  missed_count_7d: 1,
  is_repeat_miss: false,
} satisfies CallEvent;

/** The missed call above, called back 8 minutes later by extension 102 (one try did not connect). */
const RETURNED: CallFollowUp = {
  return_status: 'returned',
  return_due_at: '2026-03-02T09:30:00.000Z',
  returned_at: '2026-03-02T09:08:10.000Z',
  returned_by: '102',
  returned_via: 'callback',
  returned_call_id: '00000000-01db-aef6-c109-60ec00000131',
  time_to_callback_seconds: 490,
  callback_attempts: 1,
};

export const CALL_RETURNED_SAMPLE = {
  ...MISSED_CALL_SAMPLE,
  ...RETURNED,
  id: `${CALL_ID}:call.returned`,
  event: 'call.returned',
  occurred_at: '2026-03-02T09:08:10.000Z',
} satisfies CallFollowUpEvent;

/** The missed call above, when its 30 minutes of business hours ran out with nobody through. */
export const CALL_UNRETURNED_SAMPLE = {
  ...MISSED_CALL_SAMPLE,
  return_status: 'not_returned',
  return_due_at: '2026-03-02T09:30:00.000Z',
  returned_at: null,
  returned_by: null,
  returned_via: null,
  returned_call_id: null,
  time_to_callback_seconds: null,
  callback_attempts: 1,
  id: `${CALL_ID}:call.unreturned`,
  event: 'call.unreturned',
  occurred_at: '2026-03-02T09:30:00.000Z',
} satisfies CallFollowUpEvent;

/** The missed call above, after a Zap wrote back that the team called the caller back. */
export const CALL_UPDATED_SAMPLE = {
  ...MISSED_CALL_SAMPLE,
  ...RETURNED,
  id: `${CALL_ID}:call.updated:2`,
  event: 'call.updated',
  occurred_at: '2026-03-02T09:12:40.000Z',
  changed_fields: ['disposition', 'follow_up_status', 'notes'],
  disposition: 'called_back',
  notes: 'Called back at 9:08, booked a quote visit for Thursday.',
  tags: ['sms-sent'],
  follow_up_status: 'done',
  contact_name: 'Jane Citizen',
  custom_fields: {},
  replied_at: '2026-03-02T09:03:15.000Z',
  updated_at: '2026-03-02T09:12:40.000Z',
} satisfies CallUpdatedEvent;

export const CALL_EVENT_SAMPLES: Record<CallEventType, CallEvent> = {
  'call.missed': MISSED_CALL_SAMPLE,
  'call.started': CALL_STARTED_SAMPLE,
  'call.ended': CALL_ENDED_SAMPLE,
  'call.updated': CALL_UPDATED_SAMPLE,
  'call.returned': CALL_RETURNED_SAMPLE,
  'call.unreturned': CALL_UNRETURNED_SAMPLE,
};
