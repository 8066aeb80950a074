import { randomUUID } from 'node:crypto';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js';
import mobileExamples from 'libphonenumber-js/examples.mobile.json';
import {
  buildCallEvent,
  buildCallFollowUpEvent,
  buildCallUpdatedEvent,
  NO_FOLLOW_UP,
  TEST_CALL_ID_PREFIX,
  type CallEvent,
  type CallEventType,
  type CallFollowUp,
} from '../lib/callEvent';
import type { CallRecord } from '../lib/callRecord';
import type { CallFacts } from '../lib/settledCall';
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
  // The event itself for a call's own events; a record's events start from its ended call.
  const own = request.event === 'call.started' || request.event === 'call.missed';
  const facts = buildCallEvent(own ? request.event : 'call.ended', call, {
    location: { id: location.id, name: location.name },
    enrichment,
    recordUrl: recordUrl(context.publicUrl, call.call_id),
  });
  const at = new Date(context.now).toISOString();
  const record = testRecord(facts, call, request.event, context.now);
  const event: CallEvent =
    request.event === 'call.updated'
      ? {
          ...buildCallUpdatedEvent(record, {
            changedFields: ['disposition', 'notes', 'tags', 'follow_up_status'],
            revision: 1,
            at,
          }),
          test: true,
        }
      : request.event === 'call.returned'
        ? { ...buildCallFollowUpEvent('call.returned', record, record.returned_at!), test: true }
        : request.event === 'call.unreturned'
          ? { ...buildCallFollowUpEvent('call.unreturned', record, at), test: true }
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

/**
 * The made-up call's record: called back and written back for `call.updated`; followed up for
 * the follow-up events (returned by a call back 12 minutes after the miss, or not returned when
 * its 30 minutes ran out).
 */
function testRecord(
  facts: CallEvent,
  call: CallFacts,
  event: CallEventType,
  now: number,
): CallRecord {
  const { id: _id, event: _event, occurred_at: _at, test: _test, ...callFacts } = facts;
  const startedAt = Date.parse(call.started_at);
  const iso = (ms: number) => new Date(ms).toISOString();
  let followUp: CallFollowUp = NO_FOLLOW_UP;
  if (event === 'call.returned' || event === 'call.unreturned') {
    const returned = event === 'call.returned';
    followUp = {
      return_status: returned ? 'returned' : 'not_returned',
      return_due_at: iso(startedAt + 30 * 60_000),
      returned_at: returned ? iso(startedAt + 12 * 60_000) : null,
      returned_by: returned ? '101' : null,
      returned_via: returned ? 'callback' : null,
      returned_call_id: returned ? `${TEST_CALL_ID_PREFIX}${randomUUID()}` : null,
      time_to_callback_seconds: returned ? 12 * 60 : null,
      callback_attempts: returned ? 1 : 0,
    };
  }
  const updated = event === 'call.updated';
  return {
    ...callFacts,
    ...followUp,
    id: call.call_id,
    status: 'ended',
    disposition: updated ? 'called_back' : null,
    notes: updated ? 'Test event from the bridge: not a real call.' : null,
    tags: updated ? ['test'] : [],
    follow_up_status: updated ? 'done' : null,
    contact_name: null,
    custom_fields: {},
    replied_at: null,
    created_at: call.started_at,
    updated_at: iso(now),
  };
}

/** An inbound call from a mobile number of the location's country, to one of its DIDs. */
function testCall(location: Location, request: TestEventRequest, now: number): CallFacts {
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
  // A follow-up event is about a miss from a while ago: long enough for its call back, or for
  // its 30-minute deadline to have passed.
  const endedAt =
    now -
    (request.event === 'call.returned' || request.event === 'call.unreturned'
      ? 40 * 60_000
      : 2_000);
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
