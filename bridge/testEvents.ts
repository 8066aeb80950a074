import { randomUUID } from 'node:crypto';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js';
import mobileExamples from 'libphonenumber-js/examples.mobile.json';
import {
  buildCallEvent,
  buildCallUpdatedEvent,
  TEST_CALL_ID_PREFIX,
  type CallEvent,
  type CallEventType,
} from '../lib/callEvent';
import type { SettledCall } from '../lib/settledCall';
import { recordUrl } from './http/callRecordView';
import { StoreEnricher } from './ingest/storeEnricher';
import { enrichmentSettingsOf } from './locationEnrichment';
import type { BridgeStore } from './store/bridgeStore';
import type { Location } from './store/locations';

/**
 * Test events (`3cx-bridge test-event`, `POST /v1/test-events`): a made-up but realistic call of
 * the location, sent through the real pipeline — enriched with the location's settings, stored
 * in the outbox, delivered to every subscription whose filters it passes, and listed in the feed
 * — so a Zap or a Make scenario can be built and tested before the first real call. It is marked
 * `test: true` and its call id starts with `test_`; it never becomes a call record, so it counts
 * towards no repeat miss and no report.
 */
export interface TestEventRequest {
  event: CallEventType;
  /** The source list whose first number the caller dialled; the location's first one if omitted. */
  sourceList?: string;
}

export interface TestEventResult {
  event: CallEvent;
  /** Subscriptions of this event type at the location. */
  subscriptions: number;
  /** Of those, the ones that will receive it (the others' filters left it out). */
  deliveries: number;
}

export class TestEventError extends Error {}

const enricher = new StoreEnricher();

export function sendTestEvent(
  store: BridgeStore,
  location: Location,
  request: TestEventRequest,
  context: { now: number; publicUrl: string },
): TestEventResult {
  const call = testCall(location, request, context.now);
  // Business hours, next opening and the source list come from the location's own settings.
  const { enrichment } = enricher.enrich(location, call, request.event, context.now, store);
  const facts = buildCallEvent(
    request.event === 'call.updated' ? 'call.ended' : request.event,
    call,
    {
      location: { id: location.id, name: location.name },
      enrichment,
      recordUrl: recordUrl(context.publicUrl, call.call_id),
    },
  );
  const at = new Date(context.now).toISOString();
  const event: CallEvent =
    request.event === 'call.updated'
      ? {
          ...buildCallUpdatedEvent(
            {
              ...facts,
              id: call.call_id,
              status: 'ended',
              disposition: 'called_back',
              notes: 'Test event from the bridge: not a real call.',
              tags: ['test'],
              follow_up_status: 'done',
              contact_name: null,
              custom_fields: {},
              created_at: call.started_at,
              updated_at: at,
            },
            {
              changedFields: ['disposition', 'notes', 'tags', 'follow_up_status'],
              revision: 1,
              at,
            },
          ),
          test: true,
        }
      : { ...facts, test: true };
  return store.transaction(() => {
    const seq = store.events.append(location.id, event, { now: context.now });
    if (seq === null) throw new Error(`test event ${event.id} was already stored`);
    return {
      event,
      subscriptions: store.subscriptions.listActive(location.id, request.event).length,
      deliveries: store.deliveries.history(location.id, seq).length,
    };
  });
}

/** An inbound call from a mobile number of the location's country, to one of its DIDs. */
function testCall(location: Location, request: TestEventRequest, now: number): SettledCall {
  const lists = enrichmentSettingsOf(location).sourceLists.lists;
  const list =
    request.sourceList === undefined
      ? lists.find((l) => l.dialed_numbers.length > 0)
      : lists.find((l) => l.id === request.sourceList);
  if (request.sourceList !== undefined && !list) {
    const known = lists.map((l) => l.id).join(', ') || 'none yet';
    throw new TestEventError(
      `No source list "${request.sourceList}" in ${location.name} (source lists: ${known}).`,
    );
  }
  const example = getExampleNumber(location.country as CountryCode, mobileExamples);
  const caller = example?.number ?? '+61412345678';
  const answered = request.event === 'call.ended';
  const endedAt = now - 2_000;
  const startedAt = endedAt - (answered ? 95_000 : 28_000);
  return {
    call_id: `${TEST_CALL_ID_PREFIX}${randomUUID()}`,
    direction: 'inbound',
    outcome: answered ? 'answered' : 'missed',
    voicemail: false,
    voicemail_left: false,
    voicemail_seconds: 0,
    caller_number: caller,
    caller_number_raw: example?.formatNational() ?? caller,
    caller_anonymous: false,
    caller_name: 'Test Caller',
    callee_number: '101',
    callee_number_raw: '101',
    callee_name: 'Test Extension',
    external_number: caller,
    dialed_number: list?.dialed_numbers[0] ?? null,
    queue: null,
    queue_name: null,
    agents_rung: ['101'],
    answered_by: answered ? '101' : null,
    answered_by_name: answered ? 'Test Extension' : null,
    started_at: new Date(startedAt).toISOString(),
    ended_at: new Date(endedAt).toISOString(),
    ring_seconds: answered ? 8 : 28,
    talk_seconds: answered ? 87 : 0,
    leg_count: 1,
  };
}
