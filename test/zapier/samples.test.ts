import {
  buildCallEvent,
  buildCallFollowUpEvent,
  buildCallUpdatedEvent,
  CALL_EVENT_TYPES,
  NO_FOLLOW_UP,
  type CallEvent,
  type CallEventType,
} from '../../lib/callEvent';
import type { CallRecord } from '../../lib/callRecord';
import type { CallFacts } from '../../lib/settledCall';
import {
  CALL_EVENT_OUTPUT_FIELDS,
  CALL_FOLLOW_UP_OUTPUT_FIELDS,
} from '../../lib/zapier/callEventFields';
import { CALL_EVENT_SAMPLES } from '../../lib/zapier/callEventSamples';
import { outputFieldsFor } from '../../lib/zapier/callEventHook';
import {
  CALL_RECORD_OUTPUT_FIELDS,
  CALL_RECORD_SAMPLE,
  CALL_UPDATED_OUTPUT_FIELDS,
} from '../../lib/zapier/callRecordFields';
import { flattenSample } from '../../scripts/zapier/publishingChecks';
import App from '../../index';

/**
 * Static samples, output fields and what the bridge really sends must name the same fields
 * (Zapier checks D024, T004, T006): a field in the sample but not in live data breaks a Zap
 * that mapped it.
 */
const flatKeys = (value: object, leaves: string[] = []) =>
  [...flattenSample(value as never, new Set(leaves)).keys()].sort();
const fieldKeys = (fields: { key: string }[]) => fields.map((f) => f.key).sort();

const settledCall: CallFacts = {
  call_id: '00000000-01db-aef6-c109-60ec00000999',
  direction: 'inbound',
  outcome: 'missed',
  voicemail: false,
  voicemail_left: false,
  voicemail_seconds: 0,
  caller_number: '+61412345678',
  caller_number_raw: '0412345678',
  caller_anonymous: false,
  caller_name: null,
  callee_number: '8001',
  callee_number_raw: '8001',
  callee_name: 'Sales',
  external_number: '+61412345678',
  dialed_number: '+61881234501',
  queue: '8001',
  queue_name: 'Sales',
  agents_rung: ['101'],
  answered_by: null,
  answered_by_name: null,
  started_at: '2026-03-02T09:00:00.000Z',
  ended_at: '2026-03-02T09:00:30.000Z',
  ring_seconds: 30,
  talk_seconds: 0,
  leg_count: 3,
};

/**
 * An event as the bridge builds it; `call.updated` from the record a Zap just changed, the
 * follow-up events from the record of a miss that was called back.
 */
function realEvent(type: CallEventType): CallEvent {
  const context = {
    location: { id: 'loc_1', name: 'Adelaide Office' },
    recordUrl: 'https://bridge.example.com/v1/calls/x',
  };
  if (type === 'call.started' || type === 'call.ended' || type === 'call.missed')
    return buildCallEvent(type, settledCall, context);
  const {
    id: _id,
    event: _e,
    occurred_at: _o,
    test: _t,
    ...facts
  } = buildCallEvent('call.ended', settledCall, context);
  const record: CallRecord = {
    ...facts,
    ...NO_FOLLOW_UP,
    return_status: 'returned',
    returned_at: '2026-03-02T09:04:00.000Z',
    returned_by: '101',
    returned_via: 'callback',
    returned_call_id: 'call-2',
    time_to_callback_seconds: 240,
    callback_attempts: 0,
    id: settledCall.call_id,
    status: 'ended',
    disposition: 'called_back',
    notes: null,
    tags: [],
    follow_up_status: null,
    contact_name: null,
    custom_fields: {},
    replied_at: null,
    created_at: '2026-03-02T09:00:00.000Z',
    updated_at: '2026-03-02T09:05:00.000Z',
  };
  if (type === 'call.updated')
    return buildCallUpdatedEvent(record, {
      changedFields: ['disposition'],
      revision: 1,
      at: '2026-03-02T09:05:00.000Z',
    });
  return buildCallFollowUpEvent(type, record, '2026-03-02T09:04:00.000Z');
}

describe('samples, output fields and the real payload', () => {
  it.each(CALL_EVENT_TYPES)('%s: the sample has exactly the keys of a real event', (type) => {
    const real = realEvent(type);
    const leaves = ['custom_fields'];
    expect(flatKeys(CALL_EVENT_SAMPLES[type], leaves)).toEqual(flatKeys(real, leaves));
    expect(fieldKeys(outputFieldsFor(type))).toEqual(flatKeys(real, leaves));
    expect(CALL_EVENT_SAMPLES[type].event).toBe(type);
    expect(real.test).toBe(false);
  });

  it('each call trigger uses its own event sample and output fields', () => {
    const byKey = {
      missed_call: ['call.missed', CALL_EVENT_OUTPUT_FIELDS],
      call_started: ['call.started', CALL_EVENT_OUTPUT_FIELDS],
      call_ended: ['call.ended', CALL_EVENT_OUTPUT_FIELDS],
      call_updated: ['call.updated', CALL_UPDATED_OUTPUT_FIELDS],
      missed_call_returned: ['call.returned', CALL_FOLLOW_UP_OUTPUT_FIELDS],
      missed_call_not_returned: ['call.unreturned', CALL_FOLLOW_UP_OUTPUT_FIELDS],
    } as const;
    for (const [key, [type, fields]] of Object.entries(byKey)) {
      const operation = App.triggers[key as keyof typeof byKey].operation;
      expect(operation.sample).toBe(CALL_EVENT_SAMPLES[type]);
      expect(operation.outputFields).toBe(fields);
    }
  });

  it('Update Call Record: sample keys are its output fields', () => {
    expect(flatKeys(CALL_RECORD_SAMPLE, ['custom_fields', 'tags', 'agents_rung'])).toEqual(
      fieldKeys(CALL_RECORD_OUTPUT_FIELDS),
    );
  });

  it('labels spell out units and nested keys use Zapier’s flattening', () => {
    const labels = Object.fromEntries(CALL_EVENT_OUTPUT_FIELDS.map((f) => [f.key, f.label]));
    expect(labels.ring_seconds).toBe('Ring Time (seconds)');
    expect(labels.talk_seconds).toBe('Talk Time (seconds)');
    expect(labels.location__name).toBe('Location Name');
    expect(CALL_EVENT_OUTPUT_FIELDS.find((f) => f.key === 'agents_rung')?.list).toBe(true);
  });
});
