import { buildCallEvent, CALL_EVENT_TYPES } from '../../lib/callEvent';
import type { SettledCall } from '../../lib/settledCall';
import { CALL_EVENT_OUTPUT_FIELDS } from '../../lib/zapier/callEventFields';
import { CALL_EVENT_SAMPLES } from '../../lib/zapier/callEventSamples';
import { CALL_RECORD_OUTPUT_FIELDS, CALL_RECORD_SAMPLE } from '../../lib/zapier/callRecordFields';
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

const settledCall: SettledCall = {
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

describe('samples, output fields and the real payload', () => {
  it.each(CALL_EVENT_TYPES)('%s: the sample has exactly the keys of a real event', (type) => {
    const real = buildCallEvent(type, settledCall, {
      location: { id: 'loc_1', name: 'Adelaide Office' },
      recordUrl: 'https://bridge.example.com/v1/calls/x',
    });
    expect(flatKeys(CALL_EVENT_SAMPLES[type])).toEqual(flatKeys(real));
    expect(fieldKeys(CALL_EVENT_OUTPUT_FIELDS)).toEqual(flatKeys(real));
    expect(CALL_EVENT_SAMPLES[type].event).toBe(type);
  });

  it('each call trigger uses its own event sample and the shared output fields', () => {
    const byKey = {
      missed_call: 'call.missed',
      call_started: 'call.started',
      call_ended: 'call.ended',
    } as const;
    for (const [key, type] of Object.entries(byKey)) {
      const operation = App.triggers[key as keyof typeof byKey].operation;
      expect(operation.sample).toBe(CALL_EVENT_SAMPLES[type]);
      expect(operation.outputFields).toBe(CALL_EVENT_OUTPUT_FIELDS);
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
