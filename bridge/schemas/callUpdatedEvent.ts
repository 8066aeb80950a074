import { z } from 'zod';
import {
  CALL_RECORD_UPDATE_FIELDS,
  type CallEvent,
  type CallUpdatedEvent,
} from '../../lib/callEvent';
import { callEventSchema } from './callEvent';
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
    updated_at: record.updated_at,
    changed_fields: z
      .array(z.enum(CALL_RECORD_UPDATE_FIELDS))
      .describe('The written-back fields this change altered.'),
  })
  .meta({ id: 'CallUpdatedEvent', description: 'A call record changed (`call.updated`).' });

/** Any event the bridge delivers or lists: `call.updated` has the record's fields besides. */
export const anyCallEventSchema = z.union([callUpdatedEventSchema, callEventSchema]);

const _updated: SameType<z.output<typeof callUpdatedEventSchema>, CallUpdatedEvent> = true;
const _any: SameType<z.output<typeof anyCallEventSchema>, CallEvent | CallUpdatedEvent> = true;
void [_updated, _any];
