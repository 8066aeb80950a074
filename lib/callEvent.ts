import type { CallRecord } from './callRecord';
import type { ReturnedVia } from './followUp/callbackMatch';
import type { CallDirection, CallFacts, CallOutcome, CallWithoutTimes } from './settledCall';

/**
 * The event contract (docs/design.md "The event contract"): one JSON shape for Zapier hooks and
 * `performList`, Make, plain webhooks and the event feed. snake_case keys, ISO 8601 dates with
 * offset, real booleans, and every key present on every event (null when not known), because
 * Zapier maps fields from a sample and a key missing from one event breaks the Zap (T004/T006).
 */
export const CALL_EVENT_TYPES = [
  'call.started',
  'call.ended',
  'call.missed',
  'call.updated',
  'call.returned',
  'call.unreturned',
] as const;
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];

/** The follow-up events (docs/design.md "Follow-up"): a missed call, returned or not in time. */
export const FOLLOW_UP_EVENT_TYPES = ['call.returned', 'call.unreturned'] as const;
export type FollowUpEventType = (typeof FOLLOW_UP_EVENT_TYPES)[number];

export type Branch = 'in_hours' | 'after_hours';

export interface EventLocation {
  id: string;
  name: string;
}

/** What the bridge adds to a call before it becomes an event (issue: workflow context). */
export interface CallEnrichment {
  source_list: string | null;
  in_business_hours: boolean | null;
  branch: Branch | null;
  /** When the location is next open from the call's start (the start itself in hours). */
  next_open_at: string | null;
  missed_count_7d: number;
  is_repeat_miss: boolean;
  last_missed_at: string | null;
  known_contact: boolean;
  contact_id: string | null;
  contact_url: string | null;
  /** The known contact's name, used for `caller_name` when 3CX gave none. */
  contact_name: string | null;
  /** Calls from the same number folded into this one by the dialler cooldown. */
  attempts: number;
}

export interface CallEvent {
  /** `{call_id}:{event}`: stable, so a redelivery carries the same id. */
  id: string;
  event: CallEventType;
  occurred_at: string;
  call_id: string;
  direction: CallDirection;
  /** Null on `call.started`: the call has not ended yet. */
  outcome: CallOutcome | null;
  voicemail: boolean;
  voicemail_left: boolean;
  caller_number: string | null;
  caller_number_raw: string;
  caller_anonymous: boolean;
  caller_name: string | null;
  callee_number: string | null;
  callee_name: string | null;
  external_number: string | null;
  dialed_number: string | null;
  source_list: string | null;
  queue: string | null;
  queue_name: string | null;
  agents_rung: string[];
  answered_by: string | null;
  answered_by_name: string | null;
  started_at: string;
  ended_at: string | null;
  ring_seconds: number | null;
  talk_seconds: number | null;
  voicemail_seconds: number | null;
  in_business_hours: boolean | null;
  branch: Branch | null;
  /**
   * When the location is next open, from the moment the call started: the start itself for an
   * in-hours call, else the next opening (the after-hours branch's morning-task due time).
   */
  next_open_at: string | null;
  missed_count_7d: number;
  is_repeat_miss: boolean;
  last_missed_at: string | null;
  known_contact: boolean;
  contact_id: string | null;
  contact_url: string | null;
  attempts: number;
  location: EventLocation;
  record_url: string | null;
  /**
   * True only for an event sent with `3cx-bridge test-event` or `POST /v1/test-events`: a
   * made-up call, so a Zap or scenario can be tested before the first real one.
   */
  test: boolean;
}

/**
 * Where a missed call's follow-up stands (lib/followUp/callbackMatch.ts):
 * - `awaiting`: nobody has reached the caller yet, the deadline has not passed;
 * - `returned`: a later call with the number connected (`returned_at` …);
 * - `not_returned`: the deadline passed first (`call.unreturned` fired); a later call back
 *   still makes it `returned`;
 * - `no_number`: the caller's number was withheld or unreadable: nobody can call back.
 * Null on calls that are not followed up: answered, outbound and internal calls, and misses the
 * dialler cooldown folded into an earlier one (that one is followed up).
 */
export const RETURN_STATUSES = ['awaiting', 'returned', 'not_returned', 'no_number'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export const RETURNED_VIA = ['callback', 'called_again'] as const satisfies readonly ReturnedVia[];

/** A missed call's follow-up, on its record and on the follow-up events. */
export interface CallFollowUp {
  return_status: ReturnStatus | null;
  /** When `call.unreturned` falls due: the location's deadline in business time after the miss. */
  return_due_at: string | null;
  /** When the call that reached the caller started. */
  returned_at: string | null;
  /** The extension that called back, or that answered the caller's next call. */
  returned_by: string | null;
  returned_via: ReturnedVia | null;
  /** The call that reached the caller (its own record). */
  returned_call_id: string | null;
  /** From the miss to the call that reached the caller, both at their start. */
  time_to_callback_seconds: number | null;
  /** Calls back to the number that did not connect, before one did. */
  callback_attempts: number | null;
}

export const NO_FOLLOW_UP: CallFollowUp = {
  return_status: null,
  return_due_at: null,
  returned_at: null,
  returned_by: null,
  returned_via: null,
  returned_call_id: null,
  time_to_callback_seconds: null,
  callback_attempts: null,
};

/** The fields of the record Update Call Record writes (`PATCH /v1/calls/:id`). */
export const CALL_RECORD_WRITABLE_FIELDS = [
  'disposition',
  'notes',
  'tags',
  'follow_up_status',
  'contact_id',
  'contact_url',
  'contact_name',
  'custom_fields',
  'replied_at',
] as const;
export type CallRecordWritableField = (typeof CALL_RECORD_WRITABLE_FIELDS)[number];

/** The fields the call-back tracking writes (bridge/followUp). */
export const CALL_FOLLOW_UP_FIELDS = [
  'return_status',
  'return_due_at',
  'returned_at',
  'returned_by',
  'returned_via',
  'returned_call_id',
  'time_to_callback_seconds',
  'callback_attempts',
] as const satisfies ReadonlyArray<keyof CallFollowUp>;

/** The fields of the call's record that change after the call: what `call.updated` names. */
export const CALL_RECORD_UPDATE_FIELDS = [
  ...CALL_RECORD_WRITABLE_FIELDS,
  ...CALL_FOLLOW_UP_FIELDS,
] as const;
export type CallRecordUpdateField = (typeof CALL_RECORD_UPDATE_FIELDS)[number];

/**
 * `call.updated`: the call's record changed (Update Call Record, the call-back tracking). The
 * call's facts as in `call.ended` (or `call.started` while it is live), plus the record as it
 * is now and which of its fields changed. One event per change; `id` is
 * `{call_id}:call.updated:{revision}`, the revision counted on the call's record.
 */
export interface CallUpdatedEvent
  extends
    CallEvent,
    CallFollowUp,
    Pick<
      CallRecord,
      | 'disposition'
      | 'notes'
      | 'tags'
      | 'follow_up_status'
      | 'contact_name'
      | 'custom_fields'
      | 'replied_at'
      | 'updated_at'
    > {
  event: 'call.updated';
  changed_fields: CallRecordUpdateField[];
}

/**
 * `call.returned` / `call.unreturned`: a missed call was returned (a later call with the number
 * connected), or nobody had returned it when the location's deadline passed. The missed call's
 * fields, exactly as `call.missed` had them (so a trigger filters them the same way), plus its
 * follow-up. Once per miss each: `id` is `{call_id}:call.returned` / `{call_id}:call.unreturned`.
 */
export interface CallFollowUpEvent extends CallEvent, CallFollowUp {
  event: FollowUpEventType;
}

export const NO_ENRICHMENT: CallEnrichment = {
  source_list: null,
  in_business_hours: null,
  branch: null,
  next_open_at: null,
  missed_count_7d: 0,
  is_repeat_miss: false,
  last_missed_at: null,
  known_contact: false,
  contact_id: null,
  contact_url: null,
  contact_name: null,
  attempts: 1,
};

export function callEventId(callId: string, event: CallEventType): string {
  return `${callId}:${event}`;
}

/** The call id of an event sent with `test-event`: no real call has it (3CX ids are GUIDs). */
export const TEST_CALL_ID_PREFIX = 'test_';

/** A record changes many times: each change is its own event, numbered per call (its revision). */
export function callUpdatedEventId(callId: string, revision: number): string {
  return `${callId}:call.updated:${revision}`;
}

/**
 * Which events a call fires once it has settled (docs/design.md "Which events fire"):
 * `call.ended` for every call, `call.missed` for an inbound call from an outside number that
 * was not answered. Internal calls fire nothing unless the location opted in.
 */
export function eventsForSettledCall(
  call: CallWithoutTimes,
  options: { includeInternal?: boolean } = {},
): CallEventType[] {
  if (call.direction === 'internal') return options.includeInternal ? ['call.ended'] : [];
  const events: CallEventType[] = ['call.ended'];
  if (call.direction === 'inbound' && call.outcome !== 'answered' && !isInternalCaller(call))
    events.push('call.missed');
  return events;
}

/** `call.started` fires for external calls, and internal ones only when the location opted in. */
export function firesCallStarted(
  call: CallWithoutTimes,
  options: { includeInternal?: boolean } = {},
): boolean {
  return call.direction !== 'internal' || options.includeInternal === true;
}

function isInternalCaller(call: CallWithoutTimes): boolean {
  return (
    !call.caller_anonymous && call.caller_number !== null && !call.caller_number.startsWith('+')
  );
}

/** Build the event a subscriber receives. `recordUrl` points at the call in the bridge. */
export function buildCallEvent(
  event: CallEventType,
  call: CallFacts,
  context: { location: EventLocation; enrichment?: CallEnrichment; recordUrl?: string | null },
): CallEvent {
  const e = context.enrichment ?? NO_ENRICHMENT;
  const started = event === 'call.started';
  return {
    id: callEventId(call.call_id, event),
    event,
    occurred_at: started ? call.started_at : call.ended_at,
    call_id: call.call_id,
    direction: call.direction,
    outcome: started ? null : call.outcome,
    voicemail: started ? false : call.voicemail,
    voicemail_left: started ? false : call.voicemail_left,
    caller_number: call.caller_number,
    caller_number_raw: call.caller_number_raw,
    caller_anonymous: call.caller_anonymous,
    caller_name: call.caller_name ?? e.contact_name,
    callee_number: call.callee_number,
    callee_name: call.callee_name,
    external_number: call.external_number,
    dialed_number: call.dialed_number,
    source_list: e.source_list,
    queue: call.queue,
    queue_name: call.queue_name,
    agents_rung: call.agents_rung,
    answered_by: started ? null : call.answered_by,
    answered_by_name: started ? null : call.answered_by_name,
    started_at: call.started_at,
    ended_at: started ? null : call.ended_at,
    ring_seconds: started ? null : call.ring_seconds,
    talk_seconds: started ? null : call.talk_seconds,
    voicemail_seconds: started ? null : call.voicemail_seconds,
    in_business_hours: e.in_business_hours,
    branch: e.branch,
    // Records enriched before the field existed have none.
    next_open_at: e.next_open_at ?? null,
    missed_count_7d: e.missed_count_7d,
    is_repeat_miss: e.is_repeat_miss,
    last_missed_at: e.last_missed_at,
    known_contact: e.known_contact,
    contact_id: e.contact_id,
    contact_url: e.contact_url,
    attempts: e.attempts,
    location: context.location,
    record_url: context.recordUrl ?? null,
    test: false,
  };
}

/**
 * The `call.updated` event for a record as it is now (`CallRecord`, lib/callRecord.ts): the
 * call's facts, what the workflow wrote back, its follow-up, and which of those fields this
 * change touched.
 */
export function buildCallUpdatedEvent(
  record: CallRecord,
  change: { changedFields: CallRecordUpdateField[]; revision: number; at: string },
): CallUpdatedEvent {
  // The record is the call's facts plus what was written back: all of it goes into the event.
  const { id: _callId, status: _status, created_at: _createdAt, ...factsAndRecord } = record;
  return {
    ...factsAndRecord,
    id: callUpdatedEventId(record.call_id, change.revision),
    event: 'call.updated',
    occurred_at: change.at,
    test: false,
    changed_fields: change.changedFields,
  };
}

/**
 * The `call.returned` / `call.unreturned` event of a miss, from its record as it is now: the
 * call's facts as `call.missed` carried them (the same fields a trigger filters on) and its
 * follow-up. What the workflow wrote back stays on the record (and in `call.updated`).
 */
export function buildCallFollowUpEvent(
  type: FollowUpEventType,
  record: CallRecord,
  occurredAt: string,
): CallFollowUpEvent {
  const {
    id: _id,
    status: _status,
    disposition: _disposition,
    notes: _notes,
    tags: _tags,
    follow_up_status: _followUpStatus,
    contact_name: _contactName,
    custom_fields: _customFields,
    replied_at: _repliedAt,
    created_at: _createdAt,
    updated_at: _updatedAt,
    ...factsAndFollowUp
  } = record;
  return {
    ...factsAndFollowUp,
    id: callEventId(record.call_id, type),
    event: type,
    occurred_at: occurredAt,
    test: false,
  };
}

/** The record fields that differ between two versions of a record, in contract order. */
export function changedRecordFields(
  before: Pick<CallRecord, CallRecordUpdateField>,
  after: Pick<CallRecord, CallRecordUpdateField>,
): CallRecordUpdateField[] {
  return CALL_RECORD_UPDATE_FIELDS.filter(
    (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
  );
}
