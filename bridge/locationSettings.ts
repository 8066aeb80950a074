import { z } from 'zod';
import { DEFAULT_VOICEMAIL_LEFT_SECONDS } from '../lib/voicemailLeft';
import { parseLocationEnrichmentSettings } from '../lib/enrichment';

/**
 * A location's own settings (one 3CX system): how often to poll, how long to wait before a
 * call counts as settled, what counts as a voicemail left. Stored as JSON on the location;
 * every field has a default so a location needs none of them.
 */
export const locationSettingsSchema = z
  .object({
    pollIntervalSeconds: z.number().min(1).max(3600).default(5),
    graceSeconds: z.number().min(0).max(600).default(10),
    voicemailLeftSeconds: z.number().min(0).max(600).default(DEFAULT_VOICEMAIL_LEFT_SECONDS),
    overlapSeconds: z.number().min(60).max(86_400).default(600),
    includeInternal: z.boolean().default(false),
    /**
     * The 3CX Call Control event stream (bridge/callcontrol/): `auto` listens when the API
     * client has Call Control access and polls alone otherwise; `on` insists (and reports a
     * missing access as an error); `off` never listens.
     */
    callControl: z.enum(['auto', 'on', 'off']).default('auto'),
    /**
     * Quiet time after the last monitored participant of an unanswered call is removed before
     * the stream's fast `call.missed` (a transfer or a second device re-rings within it).
     */
    fastSettleQuietSeconds: z.number().min(0.2).max(30).default(1.5),
    /** On-premise PBXs often have self-signed certificates (docs/3cx-facts.md §6). */
    allowSelfSignedTls: z.boolean().default(false),
    /** This PBX's own DN roles for the leg rules, e.g. `{"999": "voicemail"}`. */
    dnRoles: z
      .record(
        z.string(),
        z.enum(['external', 'extension', 'queue', 'ring_group', 'ivr', 'voicemail', 'system']),
      )
      .default({}),
    /**
     * Workflow context: business hours, source lists, repeat window, dialler cooldown
     * (lib/enrichment/locationEnrichmentSettings.ts validates it with the location's country
     * and time zone).
     */
    enrichment: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type LocationSettings = z.infer<typeof locationSettingsSchema>;

export function parseLocationSettings(json: unknown): LocationSettings {
  return locationSettingsSchema.parse(json ?? {});
}

/**
 * What is wrong with a new location's country and time zone, checked the way the enrichment
 * rules will use them (`parseLocationEnrichmentSettings`), so that a location is never stored
 * with values every poll would then fail on. Empty when both are fine.
 */
export function countryAndZoneIssues(
  country: string,
  timezone: string,
): Array<{ field: 'country' | 'timezone'; message: string }> {
  try {
    parseLocationEnrichmentSettings({ country, timezone });
    return [];
  } catch (error) {
    const issues = (error as z.ZodError).issues;
    if (!issues) throw error;
    return issues.map((i) => ({
      field: i.path[0] === 'country' ? 'country' : 'timezone',
      message: i.message,
    }));
  }
}
