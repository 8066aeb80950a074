import type { PlainInputField } from 'zapier-platform-core';
import type { CallEventType } from '../callEvent';
import { eventFiltersSchema, type EventFilters } from '../eventFilters';
import { readBoolean, readChoice, readText } from './inputValues';

/**
 * Optional trigger fields that save a no-code user a Filter step (and a task per unwanted
 * call). They map one to one onto `EventFilters` (lib/eventFilters.ts), which the bridge applies
 * before delivering and the trigger's `perform` applies again.
 *
 * Which filters a trigger offers: a voicemail and a repeat miss only mean something for a call
 * that was missed, so those two are on Missed Call (and its Returned / Not Returned) only; Call Started fires while the call still
 * rings, when neither is known. Source list, hours and known contacts fit all three.
 */
export type TriggerFilterKey = keyof EventFilters;

const FIELDS: Record<TriggerFilterKey, PlainInputField> = {
  source_list: {
    key: 'source_list',
    label: 'Source List',
    dynamic: 'source_list.id.name',
    helpText:
      'Only calls to phone numbers mapped to this CRM source list in the bridge. Leave empty for calls to any number.',
  },
  business_hours: {
    key: 'business_hours',
    label: 'Business Hours',
    choices: [
      { value: 'in_hours', label: 'Business Hours Only', sample: 'in_hours' },
      { value: 'after_hours', label: 'After Hours Only', sample: 'after_hours' },
    ],
    helpText:
      "Only calls that started during the location's business hours, or only those after hours (hours and time zone are set per location in the bridge). Leave empty for both.",
  },
  skip_voicemail_left: {
    key: 'skip_voicemail_left',
    label: 'Skip Calls With a Voicemail',
    type: 'boolean',
    helpText:
      'Yes: do not trigger when the caller left a voicemail message, because someone will listen to it. Callers who only heard the greeting still trigger.',
  },
  repeat: {
    key: 'repeat',
    label: 'First or Repeat Misses',
    choices: [
      { value: 'first', label: 'First Miss Only', sample: 'first' },
      { value: 'repeat', label: 'Repeat Misses Only', sample: 'repeat' },
    ],
    helpText:
      "A repeat miss is a missed call from a number that already missed a call in the location's repeat window (the last 7 days unless the bridge's administrator changed it). Use First Miss Only for the first SMS and Repeat Misses Only to escalate. Leave empty for both.",
  },
  exclude_known_contacts: {
    key: 'exclude_known_contacts',
    label: 'Skip Known Contacts',
    type: 'boolean',
    helpText:
      'Yes: do not trigger for callers the bridge already knows as contacts (set by Update Call Record or the 3CX contact lookup).',
  },
};

const MISSED_CALL_FILTERS: readonly TriggerFilterKey[] = [
  'source_list',
  'business_hours',
  'skip_voicemail_left',
  'repeat',
  'exclude_known_contacts',
];

export const TRIGGER_FILTERS: Record<CallEventType, readonly TriggerFilterKey[]> = {
  'call.missed': MISSED_CALL_FILTERS,
  // A follow-up event carries the missed call's fields: the same options pick the same calls.
  'call.returned': MISSED_CALL_FILTERS,
  'call.unreturned': MISSED_CALL_FILTERS,
  'call.started': ['source_list', 'business_hours', 'exclude_known_contacts'],
  'call.ended': ['source_list', 'business_hours', 'exclude_known_contacts'],
  // A record changes because the team did something about the call: who the caller is no
  // longer decides whether that matters.
  'call.updated': ['source_list', 'business_hours'],
};

export function triggerFilterFields(event: CallEventType): PlainInputField[] {
  return TRIGGER_FILTERS[event].map((key) => ({ ...FIELDS[key], required: false }));
}

/**
 * The `EventFilters` a trigger's fields ask for. Only the trigger's own filters are read, so a
 * stale value from another trigger's field never applies. Throws a readable error on a value
 * the bridge would refuse.
 */
export function filtersFromInput(
  event: CallEventType,
  inputData: Record<string, unknown>,
): EventFilters {
  const offered = new Set(TRIGGER_FILTERS[event]);
  const wanted: EventFilters = {};
  const label = (key: TriggerFilterKey) => String(FIELDS[key].label);
  if (offered.has('source_list')) {
    const value = readText(inputData.source_list);
    if (value !== undefined) wanted.source_list = value;
  }
  if (offered.has('business_hours')) {
    const value = readChoice(
      inputData.business_hours,
      ['in_hours', 'after_hours'] as const,
      label('business_hours'),
    );
    if (value !== undefined) wanted.business_hours = value;
  }
  if (offered.has('skip_voicemail_left')) {
    if (readBoolean(inputData.skip_voicemail_left, label('skip_voicemail_left')))
      wanted.skip_voicemail_left = true;
  }
  if (offered.has('repeat')) {
    const value = readChoice(inputData.repeat, ['first', 'repeat'] as const, label('repeat'));
    if (value !== undefined) wanted.repeat = value;
  }
  if (offered.has('exclude_known_contacts')) {
    if (readBoolean(inputData.exclude_known_contacts, label('exclude_known_contacts'))) {
      wanted.exclude_known_contacts = true;
    }
  }
  return eventFiltersSchema.parse(wanted);
}

/** The same filters as query parameters of `GET /v1/events` (docs/api.md). */
export function filtersAsQuery(filters: EventFilters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(filters)) {
    if (value !== undefined) query[key] = String(value);
  }
  return query;
}
