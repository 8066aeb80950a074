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

/** The event fields the filters test: the bridge stores each beside the event to filter in SQL. */
export const FILTERED_FIELDS = [
  'source_list',
  'branch',
  'voicemail_left',
  'is_repeat_miss',
  'known_contact',
] as const;
export type FilteredField = (typeof FILTERED_FIELDS)[number];

/** One condition of a filter: the event's `field` must equal `value`. */
export interface FilterTerm {
  /** The trigger option this condition comes from. */
  filter: keyof EventFilters;
  field: FilteredField;
  value: string | boolean;
}

/**
 * What the filters mean, once: every filter is "this field has this value" (an event with the
 * field null matches no value). Matching in memory (`matchesFilters`) and in the bridge's SQL
 * (the event feed) both read these terms.
 */
export function filterTerms(filters: EventFilters | null | undefined): FilterTerm[] {
  if (!filters) return [];
  const terms: FilterTerm[] = [];
  if (filters.source_list !== undefined)
    terms.push({ filter: 'source_list', field: 'source_list', value: filters.source_list });
  if (filters.business_hours !== undefined)
    terms.push({ filter: 'business_hours', field: 'branch', value: filters.business_hours });
  if (filters.skip_voicemail_left)
    terms.push({ filter: 'skip_voicemail_left', field: 'voicemail_left', value: false });
  if (filters.repeat !== undefined)
    terms.push({ filter: 'repeat', field: 'is_repeat_miss', value: filters.repeat === 'repeat' });
  if (filters.exclude_known_contacts)
    terms.push({ filter: 'exclude_known_contacts', field: 'known_contact', value: false });
  return terms;
}

export function matchesFilters(
  event: CallEvent,
  filters: EventFilters | null | undefined,
): boolean {
  return failingFilter(event, filters) === null;
}

/** The first of the filters that leaves this event out, or null when the event passes them all. */
export function failingFilter(
  event: Pick<CallEvent, FilteredField>,
  filters: EventFilters | null | undefined,
): keyof EventFilters | null {
  for (const term of filterTerms(filters)) if (event[term.field] !== term.value) return term.filter;
  return null;
}
