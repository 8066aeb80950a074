import * as zapier from 'zapier-platform-core';
import App from '../../index';
import type { CallEvent } from '../../lib/callEvent';
import { deliveredEvents, performCallEventHook } from '../../lib/zapier/callEventHook';
import { CALL_EVENT_SAMPLES, MISSED_CALL_SAMPLE } from '../../lib/zapier/callEventSamples';
import { shownError } from './zapierErrors';
import {
  filtersAsQuery,
  filtersFromInput,
  triggerFilterFields,
} from '../../lib/zapier/triggerFilters';

/**
 * What a hook trigger's `perform` does with an event the bridge POSTed: no network involved,
 * the event arrives in `bundle.cleanedRequest`.
 */
const appTester = zapier.createAppTester(App);
const missed = (changes: Partial<CallEvent> = {}): CallEvent => ({
  ...MISSED_CALL_SAMPLE,
  ...changes,
});
const authData = { bridge_url: 'https://bridge.example.com', api_key: 'cxb_test' };

function performMissedCall(event: unknown, inputData: Record<string, unknown> = {}) {
  return appTester((z, bundle) => performCallEventHook(z, bundle, 'call.missed'), {
    authData,
    inputData,
    cleanedRequest: event,
  });
}

describe('a delivered call event', () => {
  it('is returned as a one-item array, unchanged', async () => {
    const event = missed();
    expect(await performMissedCall(event)).toEqual([event]);
  });

  it('is run through the real trigger definition', async () => {
    const { perform } = App.triggers.missed_call.operation as {
      perform: (z: zapier.ZObject, b: zapier.Bundle) => unknown;
    };
    const results = await appTester(perform, {
      authData,
      cleanedRequest: missed(),
    });
    expect(results).toEqual([missed()]);
  });

  it.each([
    ['another source list', { source_list: 'support' }, { source_list: 'sales' }],
    [
      'after hours only, call in hours',
      { branch: 'in_hours' as const },
      { business_hours: 'after_hours' },
    ],
    ['skip voicemails, voicemail left', { voicemail_left: true }, { skip_voicemail_left: true }],
    ['skip voicemails mapped as "yes"', { voicemail_left: true }, { skip_voicemail_left: 'yes' }],
    ['first miss only, repeat miss', { is_repeat_miss: true }, { repeat: 'first' }],
    ['repeat misses only, first miss', { is_repeat_miss: false }, { repeat: 'repeat' }],
    ['skip known contacts, known', { known_contact: true }, { exclude_known_contacts: 'true' }],
  ])('is dropped by the trigger’s filters: %s', async (_what, changes, inputData) => {
    expect(await performMissedCall(missed(changes), inputData)).toEqual([]);
  });

  it.each([
    ['its source list', { source_list: 'sales' }, { source_list: 'sales' }],
    ['in hours', { branch: 'in_hours' as const }, { business_hours: 'in_hours' }],
    ['no voicemail left', { voicemail_left: false }, { skip_voicemail_left: true }],
    ['a filter switched off', { voicemail_left: true }, { skip_voicemail_left: false }],
    ['first miss', { is_repeat_miss: false }, { repeat: 'first' }],
    ['unknown caller', { known_contact: false }, { exclude_known_contacts: true }],
  ])('passes the trigger’s filters: %s', async (_what, changes, inputData) => {
    expect(await performMissedCall(missed(changes), inputData)).toHaveLength(1);
  });

  it('is dropped when it is another trigger’s event', async () => {
    expect(await performMissedCall(CALL_EVENT_SAMPLES['call.ended'])).toEqual([]);
  });

  it('ignores filter fields the trigger does not offer (a repeat filter on Call Ended)', async () => {
    const ended = { ...CALL_EVENT_SAMPLES['call.ended'], is_repeat_miss: true };
    const results = await appTester((z, bundle) => performCallEventHook(z, bundle, 'call.ended'), {
      authData,
      inputData: { repeat: 'first' },
      cleanedRequest: ended,
    });
    expect(results).toEqual([ended]);
  });

  it('explains an impossible filter value', async () => {
    expect(
      await shownError(performMissedCall(missed(), { business_hours: 'weekends' })),
    ).toMatchObject({
      name: 'AppError',
      message:
        'Check this trigger\'s fields: Business Hours: "weekends" is not one of in_hours, after_hours.',
    });
  });

  it('accepts the body wrapped as {method, headers, content} and drops Zapier’s querystring key', () => {
    const event = missed();
    expect(deliveredEvents({ method: 'POST', headers: {}, content: event })).toEqual([event]);
    expect(deliveredEvents({ ...event, querystring: {} })).toEqual([event]);
    expect(deliveredEvents('not json')).toEqual([]);
    expect(deliveredEvents({ hello: 'world' })).toEqual([]);
  });
});

describe('trigger filter fields', () => {
  it('Missed Call offers all five; Call Started and Call Ended the three that apply before or whatever the outcome', () => {
    const keys = (e: Parameters<typeof triggerFilterFields>[0]) =>
      triggerFilterFields(e).map((f) => f.key);
    expect(keys('call.missed')).toEqual([
      'source_list',
      'business_hours',
      'skip_voicemail_left',
      'repeat',
      'exclude_known_contacts',
    ]);
    expect(keys('call.started')).toEqual([
      'source_list',
      'business_hours',
      'exclude_known_contacts',
    ]);
    expect(keys('call.ended')).toEqual(['source_list', 'business_hours', 'exclude_known_contacts']);
    expect(triggerFilterFields('call.missed').every((f) => f.required === false)).toBe(true);
  });

  it('map to EventFilters and to the event feed’s query', () => {
    const filters = filtersFromInput('call.missed', {
      source_list: ' sales ',
      business_hours: 'after_hours',
      skip_voicemail_left: 'no',
      repeat: '',
      exclude_known_contacts: true,
    });
    expect(filters).toEqual({
      source_list: 'sales',
      business_hours: 'after_hours',
      exclude_known_contacts: true,
    });
    expect(filtersAsQuery(filters)).toEqual({
      source_list: 'sales',
      business_hours: 'after_hours',
      exclude_known_contacts: 'true',
    });
    expect(filtersFromInput('call.started', {})).toEqual({});
  });
});
