import { z } from 'zod';
import { DISPOSITIONS, FOLLOW_UP_STATUSES, type CallRecord } from '../../lib/callRecord';
import { callFactsShape, callFollowUpShape } from './callEvent';
import type { SameType } from './typeCheck';

/** `CallRecord` (lib/callRecord.ts) as the API answers it: `GET/PATCH /v1/calls/:id`. */
export const callRecordSchema = z
  .strictObject({
    ...callFactsShape,
    id: z.string().describe('The call id (`call_id`), also the id for Update Call Record.'),
    status: z.enum(['live', 'ended']),
    disposition: z.enum(DISPOSITIONS).nullable(),
    notes: z.string().nullable(),
    tags: z.array(z.string()),
    follow_up_status: z.enum(FOLLOW_UP_STATUSES).nullable(),
    contact_name: z.string().nullable(),
    custom_fields: z.record(z.string(), z.string()),
    replied_at: z
      .string()
      .meta({ format: 'date-time' })
      .nullable()
      .describe('When the caller replied to the follow-up (set by Update Call Record).'),
    ...callFollowUpShape,
    created_at: z.string().meta({ format: 'date-time' }),
    updated_at: z.string().meta({ format: 'date-time' }),
  })
  .meta({
    id: 'CallRecord',
    description:
      "The call's latest event fields, what Update Call Record wrote (disposition, notes, tags, follow-up, contact, custom fields, reply time) and, for a missed call, whether it was returned.",
  });

const _record: SameType<z.output<typeof callRecordSchema>, CallRecord> = true;
void _record;
