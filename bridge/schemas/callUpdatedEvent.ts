import { z } from 'zod';
import {
  CALL_RECORD_UPDATE_FIELDS,
  FOLLOW_UP_EVENT_TYPES,
  type CallEvent,
  type CallFollowUpEvent,
  type CallUpdatedEvent,
} from '../../lib/callEvent';
import { callEventSchema, callFollowUpShape } from './callEvent';
import { callRecordSchema } from './callRecord';
import type { SameType } from './typeCheck';

const record = callRecordSchema.shape;

/**
 * `call.updated` (lib/callEvent.ts `CallUpdatedEvent`): the event's fields plus what Update
 * Call Record wrote and which of those fields changed.
 */
export const callUpdatedEventSchema = callEventSchema
  .extend({
    event: z.literal('call.updated'),
    disposition: record.disposition,
    notes: record.notes,
    tags: record.tags,
    follow_up_status: record.follow_up_status,
    contact_name: record.contact_name,
    custom_fields: record.custom_fields,
    replied_at: record.replied_at,
    ...callFollowUpShape,
    updated_at: record.updated_at,
    changed_fields: z
      .array(z.enum(CALL_RECORD_UPDATE_FIELDS))
      .describe('The written-back fields this change altered.'),
  })
  .meta({ id: 'CallUpdatedEvent', description: 'A call record changed (`call.updated`).' });

/** `call.returned` / `call.unreturned` (`CallFollowUpEvent`): the miss and its follow-up. */
export const callFollowUpEventSchema = callEventSchema
  .extend({ event: z.enum(FOLLOW_UP_EVENT_TYPES), ...callFollowUpShape })
  .meta({
    id: 'CallFollowUpEvent',
    description:
      'A missed call was returned (`call.returned`), or not returned by its deadline (`call.unreturned`).',
  });

/**
 * Any event the bridge delivers or lists: `call.updated` has the record's fields besides, the
 * follow-up events the miss's follow-up.
 */
export const anyCallEventSchema = z.union([
  callUpdatedEventSchema,
  callFollowUpEventSchema,
  callEventSchema,
]);

const _updated: SameType<z.output<typeof callUpdatedEventSchema>, CallUpdatedEvent> = true;
const _followUp: SameType<z.output<typeof callFollowUpEventSchema>, CallFollowUpEvent> = true;
const _any: SameType<
  z.output<typeof anyCallEventSchema>,
  CallEvent | CallUpdatedEvent | CallFollowUpEvent
> = true;
void [_updated, _followUp, _any];

/** The schema of one event type's payload: what the outbox checks a stored event against. */
export function eventSchemaFor(
  type: string,
): typeof callUpdatedEventSchema | typeof callFollowUpEventSchema | typeof callEventSchema {
  if (type === 'call.updated') return callUpdatedEventSchema;
  if ((FOLLOW_UP_EVENT_TYPES as readonly string[]).includes(type)) return callFollowUpEventSchema;
  return callEventSchema;
}
