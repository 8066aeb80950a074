import { z } from 'zod';
import type { CallEvent } from './callEvent';

/**
 * Trigger filters that save a no-code user a Filter step. One definition, applied by the
 * bridge before delivering to a subscription (fewer wasted Zap runs) and again by the Zapier
 * app's `perform` (so a hook created before a filter changed still behaves).
 */
export const eventFiltersSchema = z
  .object({
    /** Only calls to numbers mapped to this CRM source list. */
    source_list: z.string().trim().min(1).max(100).optional(),
    /** Only calls that started in business hours, or only after hours. */
    business_hours: z.enum(['in_hours', 'after_hours']).optional(),
    /** Leave out calls where the caller left a voicemail (someone will listen to it). */
    skip_voicemail_left: z.boolean().optional(),
    /** Only a number's first miss in the repeat window, or only repeat misses. */
    repeat: z.enum(['first', 'repeat']).optional(),
    /** Leave out callers the bridge already knows as contacts. */
    exclude_known_contacts: z.boolean().optional(),
  })
  .strict();

export type EventFilters = z.infer<typeof eventFiltersSchema>;

export function matchesFilters(
  event: CallEvent,
  filters: EventFilters | null | undefined,
): boolean {
  return failingFilter(event, filters) === null;
}

/** What the filters look at. */
export type FilteredFields = Pick<
  CallEvent,
  'source_list' | 'branch' | 'voicemail_left' | 'is_repeat_miss' | 'known_contact'
>;

/** The first of the filters that leaves this event out, or null when the event passes them all. */
export function failingFilter(
  event: FilteredFields,
  filters: EventFilters | null | undefined,
): keyof EventFilters | null {
  if (!filters) return null;
  if (filters.source_list !== undefined && event.source_list !== filters.source_list)
    return 'source_list';
  if (filters.business_hours !== undefined && event.branch !== filters.business_hours)
    return 'business_hours';
  if (filters.skip_voicemail_left && event.voicemail_left) return 'skip_voicemail_left';
  if (filters.repeat === 'first' && event.is_repeat_miss) return 'repeat';
  if (filters.repeat === 'repeat' && !event.is_repeat_miss) return 'repeat';
  if (filters.exclude_known_contacts && event.known_contact) return 'exclude_known_contacts';
  return null;
}
