import { z } from 'zod';
import {
  CALL_EVENT_TYPES,
  RETURN_STATUSES,
  RETURNED_VIA,
  type CallEnrichment,
  type CallEvent,
  type CallFollowUp,
} from '../../lib/callEvent';
import type { CallFacts } from '../../lib/settledCall';
import type { SameType } from './typeCheck';

/**
 * The event contract's shapes (lib/callEvent.ts, lib/settledCall.ts) as zod schemas, for the
 * two places the bridge needs them at run time: reading stored JSON back (bridge/store: a row
 * that does not match is reported as corrupt, never passed on) and the API's response schemas
 * (the OpenAPI document). The interfaces in lib/ stay the definition; the `SameType` checks
 * below fail the build when a field is added there and not here.
 *
 * Objects are strict: a key the contract does not know is an error, not silently dropped.
 * Times are ISO 8601 text; they are not re-parsed here (the hot path reads many of them).
 */
const isoTime = z.string().meta({ format: 'date-time' });
const direction = z.enum(['inbound', 'outbound', 'internal']);
const outcome = z.enum(['answered', 'voicemail', 'abandoned', 'missed']);
const branch = z.enum(['in_hours', 'after_hours']);

export const settledCallSchema = z.strictObject({
  call_id: z.string(),
  direction,
  outcome,
  voicemail: z.boolean(),
  voicemail_left: z.boolean(),
  voicemail_seconds: z.number(),
  caller_number: z.string().nullable(),
  caller_number_raw: z.string(),
  caller_anonymous: z.boolean(),
  caller_name: z.string().nullable(),
  callee_number: z.string().nullable(),
  callee_number_raw: z.string(),
  callee_name: z.string().nullable(),
  external_number: z.string().nullable(),
  dialed_number: z.string().nullable(),
  queue: z.string().nullable(),
  queue_name: z.string().nullable(),
  agents_rung: z.array(z.string()),
  answered_by: z.string().nullable(),
  answered_by_name: z.string().nullable(),
  started_at: isoTime,
  ended_at: isoTime,
  ring_seconds: z.number(),
  talk_seconds: z.number(),
  leg_count: z.number(),
});

export const callEnrichmentSchema = z.strictObject({
  source_list: z.string().nullable(),
  in_business_hours: z.boolean().nullable(),
  branch: branch.nullable(),
  next_open_at: isoTime.nullable(),
  missed_count_7d: z.number(),
  is_repeat_miss: z.boolean(),
  last_missed_at: isoTime.nullable(),
  known_contact: z.boolean(),
  contact_id: z.string().nullable(),
  contact_url: z.string().nullable(),
  contact_name: z.string().nullable(),
  attempts: z.number(),
});

const settled = settledCallSchema.shape;

/** The fields every event and every call record share (the call's facts and context). */
export const callFactsShape = {
  call_id: settled.call_id,
  direction,
  outcome: outcome.nullable().describe('Null on `call.started`: the call has not ended yet.'),
  voicemail: settled.voicemail,
  voicemail_left: settled.voicemail_left,
  caller_number: settled.caller_number,
  caller_number_raw: settled.caller_number_raw,
  caller_anonymous: settled.caller_anonymous,
  caller_name: settled.caller_name,
  callee_number: settled.callee_number,
  callee_name: settled.callee_name,
  external_number: settled.external_number,
  dialed_number: settled.dialed_number,
  source_list: z.string().nullable(),
  queue: settled.queue,
  queue_name: settled.queue_name,
  agents_rung: settled.agents_rung,
  answered_by: settled.answered_by,
  answered_by_name: settled.answered_by_name,
  started_at: isoTime,
  ended_at: isoTime.nullable(),
  ring_seconds: z.number().nullable(),
  talk_seconds: z.number().nullable(),
  voicemail_seconds: z.number().nullable(),
  ...callEnrichmentSchema.omit({ contact_name: true, attempts: true, source_list: true }).shape,
  attempts: z.number(),
  location: z.strictObject({ id: z.string(), name: z.string() }),
  record_url: z.string().nullable(),
};

export const callEventSchema = z
  .strictObject({
    id: z.string().describe('`{call_id}:{event}`: a redelivery carries the same id.'),
    event: z.enum(CALL_EVENT_TYPES),
    occurred_at: isoTime,
    ...callFactsShape,
    test: z
      .boolean()
      .default(false) // events stored before test events existed have no `test`
      .describe('True only for a made-up call sent with `test-event` (`POST /v1/test-events`).'),
  })
  .meta({
    id: 'CallEvent',
    description:
      'One event: the same shape for REST hooks, plain webhooks and the event feed. Every key is present; unknown values are null.',
  });

/** A missed call's follow-up (`CallFollowUp`): on call records and the follow-up events. */
export const callFollowUpShape = {
  return_status: z
    .enum(RETURN_STATUSES)
    .nullable()
    .describe(
      'awaiting, returned, not_returned (the deadline passed first) or no_number (withheld); null when the call is not a followed-up miss.',
    ),
  return_due_at: isoTime
    .nullable()
    .describe("When call.unreturned falls due: the location's deadline in business time."),
  returned_at: isoTime.nullable().describe('When the call that reached the caller started.'),
  returned_by: z
    .string()
    .nullable()
    .describe('The extension that called back, or answered the caller’s next call.'),
  returned_via: z.enum(RETURNED_VIA).nullable(),
  returned_call_id: z.string().nullable(),
  time_to_callback_seconds: z.number().nullable(),
  callback_attempts: z
    .number()
    .nullable()
    .describe('Calls back to the number that did not connect, before one did.'),
};

const _settledCall: SameType<z.output<typeof settledCallSchema>, CallFacts> = true;
const _enrichment: SameType<z.output<typeof callEnrichmentSchema>, CallEnrichment> = true;
const _event: SameType<z.output<typeof callEventSchema>, CallEvent> = true;
const _followUp: SameType<z.output<z.ZodObject<typeof callFollowUpShape>>, CallFollowUp> = true;
void [_settledCall, _enrichment, _event, _followUp];
