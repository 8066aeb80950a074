import { z } from 'zod';
import type { CallEvent, CallFollowUp } from './callEvent';
import { contactUrlSchema } from './contactUrl';

/**
 * The bridge's record of one call: the facts of its latest event plus what the team's
 * workflow wrote back with Update Call Record (docs/design.md "API": calls list/get/patch).
 */
export const DISPOSITIONS = [
  'replied',
  'called_back',
  'left_message',
  'no_answer',
  'booked',
  'not_interested',
  'wrong_number',
  'spam',
  'resolved',
  'other',
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export const FOLLOW_UP_STATUSES = ['open', 'in_progress', 'done', 'not_needed'] as const;
export type FollowUpStatus = (typeof FOLLOW_UP_STATUSES)[number];

/** Human labels, for dropdowns (Zapier choices) and docs. */
export const DISPOSITION_LABELS: Record<Disposition, string> = {
  replied: 'Replied',
  called_back: 'Called Back',
  left_message: 'Left a Message',
  no_answer: 'Tried, No Answer',
  booked: 'Booked / Converted',
  not_interested: 'Not Interested',
  wrong_number: 'Wrong Number',
  spam: 'Spam',
  resolved: 'Resolved',
  other: 'Other',
};

export const FOLLOW_UP_STATUS_LABELS: Record<FollowUpStatus, string> = {
  open: 'Open',
  in_progress: 'In Progress',
  done: 'Done',
  not_needed: 'Not Needed',
};

export interface CallRecord
  extends Omit<CallEvent, 'id' | 'event' | 'occurred_at' | 'test'>, CallFollowUp {
  /** The call id (`call_id`), also the id for Update Call Record. */
  id: string;
  /** `live` until the call settles. */
  status: 'live' | 'ended';
  disposition: Disposition | null;
  notes: string | null;
  tags: string[];
  follow_up_status: FollowUpStatus | null;
  contact_name: string | null;
  custom_fields: Record<string, string>;
  /**
   * When the caller replied to the follow-up (an SMS answered): set by Update Call Record, and
   * to the moment of the update when it sets the disposition `replied` without a time. The
   * reply rate of the follow-up report counts the misses that have it.
   */
  replied_at: string | null;
  created_at: string;
  updated_at: string;
}

const text = (max: number) => z.string().max(max);
const nullableText = (max: number) => text(max).nullable();

/**
 * `PATCH /v1/calls/:id`: every field optional; `null` clears (an empty `tags` list clears the
 * tags). `custom_fields` is merged into the record's: a key set to `null` removes that field,
 * `custom_fields: null` removes them all. Unknown keys are refused so a typo in a Zap never
 * silently does nothing.
 */
export const callRecordPatchSchema = z
  .object({
    disposition: z.enum(DISPOSITIONS).nullable().optional(),
    notes: nullableText(10_000).optional(),
    tags: z.array(text(100).trim().min(1)).max(50).optional(),
    follow_up_status: z.enum(FOLLOW_UP_STATUSES).nullable().optional(),
    contact_id: nullableText(200).optional(),
    contact_url: contactUrlSchema.nullable().optional(),
    contact_name: nullableText(200).optional(),
    custom_fields: z
      .record(text(100).min(1), text(2000).nullable())
      .refine((fields) => Object.keys(fields).length <= 50, 'at most 50 custom fields')
      .nullable()
      .optional(),
    replied_at: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time, like 2026-03-02T09:15:00Z' })
      .nullable()
      .optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'Nothing to update: send at least one field.',
  });

export type CallRecordPatch = z.infer<typeof callRecordPatchSchema>;

/**
 * The patch as it is stored: `replied_at` in UTC, and the moment of the update when the
 * disposition becomes `replied` and the record has no reply time yet (a Zap that only marks the
 * reply still counts towards the reply rate).
 */
export function withReplyTime(
  patch: CallRecordPatch,
  current: Pick<CallRecord, 'replied_at'>,
  nowMs: number,
): CallRecordPatch {
  if (typeof patch.replied_at === 'string')
    return { ...patch, replied_at: new Date(patch.replied_at).toISOString() };
  if (
    patch.disposition === 'replied' &&
    patch.replied_at === undefined &&
    current.replied_at === null
  )
    return { ...patch, replied_at: new Date(nowMs).toISOString() };
  return patch;
}
