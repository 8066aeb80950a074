import type { CallDirection, CallOutcome, SettledCall } from './settledCall';

/**
 * The event contract (docs/design.md "The event contract"): one JSON shape for Zapier hooks and
 * `performList`, Make, plain webhooks and the event feed. snake_case keys, ISO 8601 dates with
 * offset, real booleans, and every key present on every event (null when not known), because
 * Zapier maps fields from a sample and a key missing from one event breaks the Zap (T004/T006).
 */
export const CALL_EVENT_TYPES = ['call.started', 'call.ended', 'call.missed'] as const;
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];

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

/**
 * Which events a call fires once it has settled (docs/design.md "Which events fire"):
 * `call.ended` for every call, `call.missed` for an inbound call from an outside number that
 * was not answered. Internal calls fire nothing unless the location opted in.
 */
export function eventsForSettledCall(
  call: SettledCall,
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
  call: SettledCall,
  options: { includeInternal?: boolean } = {},
): boolean {
  return call.direction !== 'internal' || options.includeInternal === true;
}

function isInternalCaller(call: SettledCall): boolean {
  return (
    !call.caller_anonymous && call.caller_number !== null && !call.caller_number.startsWith('+')
  );
}

/** Build the event a subscriber receives. `recordUrl` points at the call in the bridge. */
export function buildCallEvent(
  event: CallEventType,
  call: SettledCall,
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
  };
}
