import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { businessHoursSchema, defaultWeeklySchedule, timeZoneSchema } from './businessHours';
import type { BusinessHoursConfig } from './businessHours';
import { DEFAULT_DIALLER_COOLDOWN_MS } from './diallerCooldown';
import { DEFAULT_REPEAT_WINDOW_MS } from './repeatMisses';
import {
  normaliseSourceListConfig,
  sourceListConfigIssues,
  sourceListConfigShapeSchema,
  type SourceListConfig,
} from './sourceLists';

/**
 * A location's enrichment settings, for the bridge's config and CLI. `country` and `timezone`
 * are the location's own (the bridge keeps them as columns and passes them in); everything
 * else has a default, so `{country, timezone}` alone is a complete location:
 * Monday–Friday 09:00–17:00 in its zone, no source lists, a 7-day repeat window, a
 * 10-minute dialler cooldown and a 30-minute (business time) call-back deadline.
 *
 * Keys unknown here are dropped rather than refused, so the bridge can pass a location's whole
 * settings object; the nested objects (hours, lists) are strict, where a typo would silently
 * change behaviour. Parsing the output again gives the same output.
 */

const countrySchema = z
  .string({ error: 'is required: the ISO 3166 country of the PBX, like "AU"' })
  .trim()
  .refine((c) => /^[A-Za-z]{2}$/.test(c) && isSupportedCountry(c.toUpperCase()), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not an ISO 3166 country code with a phone numbering plan, like "AU" or "US"`,
  })
  .transform((c) => c.toUpperCase());

/** Business hours inside a location: the zone may be left out, it is the location's. */
const locationBusinessHoursSchema = businessHoursSchema.extend({
  timezone: timeZoneSchema.optional(),
});

const MAX_REPEAT_WINDOW_DAYS = 366;
const MAX_COOLDOWN_MINUTES = 24 * 60;
/** A week of business time at most: past that nobody calls it an escalation. */
const MAX_RETURN_DEADLINE_MINUTES = 7 * 24 * 60;
/** Minutes of business time a miss may wait for a call back before `call.unreturned`. */
export const DEFAULT_RETURN_DEADLINE_MINUTES = 30;

export const locationEnrichmentSettingsSchema = z
  .object({
    country: countrySchema,
    timezone: timeZoneSchema,
    /** Left out: Monday–Friday 09:00–17:00 in the location's zone. */
    businessHours: locationBusinessHoursSchema.optional(),
    sourceLists: sourceListConfigShapeSchema.default(() => ({ lists: [], defaultList: null })),
    /** Misses from one number within this many days make a repeat miss. */
    repeatWindowDays: z
      .number({ error: 'must be a number of days, like 7' })
      .positive('must be more than 0 days')
      .max(MAX_REPEAT_WINDOW_DAYS, `must be at most ${MAX_REPEAT_WINDOW_DAYS} days`)
      .default(DEFAULT_REPEAT_WINDOW_MS / 86_400_000),
    /** A redial within this many minutes of an emitted miss is folded into it; 0: never. */
    diallerCooldownMinutes: z
      .number({ error: 'must be a number of minutes, like 10' })
      .min(0, 'must be 0 (off) or more minutes')
      .max(MAX_COOLDOWN_MINUTES, `must be at most ${MAX_COOLDOWN_MINUTES} minutes (a day)`)
      .default(DEFAULT_DIALLER_COOLDOWN_MS / 60_000),
    /**
     * A miss nobody returned within this many minutes of business hours fires
     * `call.unreturned` (lib/followUp/returnDeadline.ts); 0: never.
     */
    returnDeadlineMinutes: z
      .number({ error: 'must be a number of minutes, like 30' })
      .min(0, 'must be 0 (off) or more minutes')
      .max(
        MAX_RETURN_DEADLINE_MINUTES,
        `must be at most ${MAX_RETURN_DEADLINE_MINUTES} minutes (a week of business time)`,
      )
      .default(DEFAULT_RETURN_DEADLINE_MINUTES),
  })
  .superRefine((settings, ctx) => {
    for (const issue of sourceListConfigIssues(settings.sourceLists, settings.country)) {
      ctx.addIssue({
        code: 'custom',
        message: issue.message,
        path: ['sourceLists', ...issue.path],
      });
    }
  })
  .transform((settings) => {
    const hours = settings.businessHours;
    const businessHours: BusinessHoursConfig = {
      timezone: hours?.timezone ?? settings.timezone,
      weekly: hours?.weekly ?? defaultWeeklySchedule(),
      holidays: hours?.holidays ?? [],
    };
    const sourceLists: SourceListConfig = normaliseSourceListConfig(
      settings.sourceLists,
      settings.country,
    );
    return { ...settings, businessHours, sourceLists };
  });

export type LocationEnrichmentSettings = z.output<typeof locationEnrichmentSettingsSchema>;
export type LocationEnrichmentSettingsInput = z.input<typeof locationEnrichmentSettingsSchema>;

/** Parse a location's settings; throws a `ZodError` (use `z.prettifyError`) when invalid. */
export function parseLocationEnrichmentSettings(input: unknown): LocationEnrichmentSettings {
  return locationEnrichmentSettingsSchema.parse(input);
}
