import type { Bundle, ZObject } from 'zapier-platform-core';
import type { CallEvent, CallEventType } from '../callEvent';
import { matchesFilters, type EventFilters } from '../eventFilters';
import { callBridge } from './bridgeRequest';
import { CALL_EVENT_OUTPUT_FIELDS, CALL_FOLLOW_UP_OUTPUT_FIELDS } from './callEventFields';
import { CALL_EVENT_SAMPLES } from './callEventSamples';
import { CALL_UPDATED_OUTPUT_FIELDS } from './callRecordFields';
import { filtersAsQuery, filtersFromInput, triggerFilterFields } from './triggerFilters';

/**
 * The mechanics shared by the call triggers (Missed Call, Call Started, Call Ended, Call
 * Updated, Missed Call Returned, Missed Call Not Returned): REST-hook triggers on the
 * bridge's `/v1/hooks` (docs/api.md), one subscription per Zap (several Zaps on one event each
 * get it), `performList` from the event feed so a Zap editor test shows a real event of exactly
 * the hook's shape (D006, T006), and the trigger's filters applied on both paths.
 */

/** `POST /v1/hooks` answer; stored by Zapier as `bundle.subscribeData`. */
export interface HookSubscription {
  id: string;
  event: CallEventType;
  target_url: string;
  filters?: EventFilters;
  created_at?: string;
}

function readFilters(z: ZObject, bundle: Bundle, event: CallEventType): EventFilters {
  try {
    return filtersFromInput(event, bundle.inputData ?? {});
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new z.errors.Error(`Check this trigger's fields: ${why}`, 'invalid_filters');
  }
}

export async function subscribeToCallEvent(
  z: ZObject,
  bundle: Bundle,
  event: CallEventType,
): Promise<HookSubscription> {
  if (!bundle.targetUrl) {
    throw new z.errors.Error('Zapier gave no target URL to subscribe.', 'no_target_url');
  }
  const { data } = await callBridge<HookSubscription>(z, bundle, {
    method: 'POST',
    path: '/v1/hooks',
    body: { target_url: bundle.targetUrl, event, filters: readFilters(z, bundle, event) },
  });
  if (!data || typeof data.id !== 'string') {
    throw new z.errors.Error(
      'The bridge accepted the subscription but returned no subscription id, so Zapier could not turn it off later. Update the bridge.',
      'no_subscription_id',
    );
  }
  return data;
}

/**
 * `DELETE /v1/hooks/:id`. A `404` means the bridge already dropped it (after a `410 Gone` from
 * Zapier, or by an admin): the Zap can still be turned off.
 */
export async function unsubscribeFromCallEvent(
  z: ZObject,
  bundle: Bundle,
): Promise<{ id: string | null; removed: boolean }> {
  const id = bundle.subscribeData?.id;
  if (typeof id !== 'string' || id === '') return { id: null, removed: false };
  const { status } = await callBridge<unknown>(z, bundle, {
    method: 'DELETE',
    path: `/v1/hooks/${encodeURIComponent(id)}`,
    acceptStatuses: [404],
  });
  return { id, removed: status !== 404 };
}

function isCallEvent(value: unknown): value is CallEvent {
  const v = value as CallEvent | null;
  return (
    !!v &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    typeof v.id === 'string' &&
    typeof v.event === 'string' &&
    typeof v.call_id === 'string'
  );
}

/**
 * The event the bridge POSTed. Zapier's docs describe `cleanedRequest` both as the parsed JSON
 * body and as `{method, querystring, headers, content}`; either is accepted, and a
 * `querystring` key Zapier may add is dropped so the keys stay those of the event (T006).
 */
export function deliveredEvents(cleanedRequest: unknown): CallEvent[] {
  let body = cleanedRequest as Record<string, unknown> | unknown[] | null | undefined;
  if (
    body &&
    !Array.isArray(body) &&
    typeof body === 'object' &&
    !('id' in body) &&
    body.content &&
    typeof body.content === 'object'
  ) {
    body = body.content as Record<string, unknown>;
  }
  const items = Array.isArray(body) ? body : [body];
  return items.filter(isCallEvent).map((item) => {
    const { querystring: _querystring, ...event } = item as CallEvent & { querystring?: unknown };
    return event as CallEvent;
  });
}

/**
 * `perform`: the delivered event as a one-item array, or `[]` when it is not this trigger's
 * event or the trigger's filters exclude it (a hook subscribed before the filters changed, or
 * an older bridge that ignores them).
 */
export function performCallEventHook(
  z: ZObject,
  bundle: Bundle,
  event: CallEventType,
): CallEvent[] {
  const filters = readFilters(z, bundle, event);
  return deliveredEvents(bundle.cleanedRequest).filter(
    (item) => item.event === event && matchesFilters(item, filters),
  );
}

const DEFAULT_LIST_LIMIT = 10;
const MAX_LIST_LIMIT = 100; // docs/api.md: `limit` 1–100

/** `performList`: recent real events from `GET /v1/events`, newest first, filtered the same way. */
export async function listRecentCallEvents(
  z: ZObject,
  bundle: Bundle,
  event: CallEventType,
): Promise<CallEvent[]> {
  const filters = readFilters(z, bundle, event);
  const wanted = bundle.meta?.limit;
  const limit =
    typeof wanted === 'number' && wanted > 0
      ? Math.min(wanted, MAX_LIST_LIMIT)
      : DEFAULT_LIST_LIMIT;
  const { data } = await callBridge<{ data?: unknown[] }>(z, bundle, {
    path: '/v1/events',
    params: { event, limit, ...filtersAsQuery(filters) },
  });
  const events = Array.isArray(data?.data) ? data.data : [];
  return events
    .filter(isCallEvent)
    .filter((item) => item.event === event && matchesFilters(item, filters));
}

/**
 * What a trigger's Zap can map: the call's fields; for Call Updated its record's too, for the
 * follow-up triggers the miss's follow-up.
 */
export function outputFieldsFor(event: CallEventType) {
  if (event === 'call.updated') return CALL_UPDATED_OUTPUT_FIELDS;
  if (event === 'call.returned' || event === 'call.unreturned') return CALL_FOLLOW_UP_OUTPUT_FIELDS;
  return CALL_EVENT_OUTPUT_FIELDS;
}

/** The `operation` of a call-event trigger. */
export function callEventHookOperation(event: CallEventType) {
  return {
    type: 'hook' as const,
    inputFields: triggerFilterFields(event),
    performSubscribe: (z: ZObject, bundle: Bundle) => subscribeToCallEvent(z, bundle, event),
    performUnsubscribe: unsubscribeFromCallEvent,
    perform: (z: ZObject, bundle: Bundle) => performCallEventHook(z, bundle, event),
    performList: (z: ZObject, bundle: Bundle) => listRecentCallEvents(z, bundle, event),
    sample: CALL_EVENT_SAMPLES[event] as unknown as Record<string, unknown>,
    outputFields: outputFieldsFor(event),
  };
}
