import type { CallEvent, CallEventType, CallUpdatedEvent } from '../callEvent';

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

/** The missed call above, after a Zap wrote back that the team called the caller back. */
export const CALL_UPDATED_SAMPLE = {
  ...MISSED_CALL_SAMPLE,
  id: `${CALL_ID}:call.updated:1`,
  event: 'call.updated',
  occurred_at: '2026-03-02T09:12:40.000Z',
  changed_fields: ['disposition', 'follow_up_status', 'notes'],
  disposition: 'called_back',
  notes: 'Called back at 9:12, booked a quote visit for Thursday.',
  tags: ['sms-sent'],
  follow_up_status: 'done',
  contact_name: 'Jane Citizen',
  custom_fields: {},
  updated_at: '2026-03-02T09:12:40.000Z',
} satisfies CallUpdatedEvent;

export const CALL_EVENT_SAMPLES: Record<CallEventType, CallEvent> = {
  'call.missed': MISSED_CALL_SAMPLE,
  'call.started': CALL_STARTED_SAMPLE,
  'call.ended': CALL_ENDED_SAMPLE,
  'call.updated': CALL_UPDATED_SAMPLE,
};
