import {
  inBusinessHours,
  parseLocationEnrichmentSettings,
  type LocationEnrichmentSettings,
} from '../lib/enrichment';
import type { BridgeStore } from './store/bridgeStore';
import type { Location } from './store/locations';

/** The settings a location's workflow context comes from, parsed with its country and zone. */
export function enrichmentSettingsOf(location: Location): LocationEnrichmentSettings {
  return parseLocationEnrichmentSettings({
    ...location.settings.enrichment,
    country: location.country,
    timezone: location.timezone,
  });
}

/**
 * Parsed settings per location, parsed again only when the location's settings change (they
 * are read fresh for every commit, and parsing hours and lists on each would cost more than
 * the rules that use them).
 */
export class EnrichmentSettingsCache {
  private readonly parsed = new Map<
    string,
    { key: string; settings: LocationEnrichmentSettings }
  >();

  of(location: Location): LocationEnrichmentSettings {
    const key = JSON.stringify([location.settings.enrichment, location.country, location.timezone]);
    const cached = this.parsed.get(location.id);
    if (cached && cached.key === key) return cached.settings;
    const settings = enrichmentSettingsOf(location);
    this.parsed.set(location.id, { key, settings });
    return settings;
  }
}

/**
 * Change part of a location's enrichment settings (source lists, business hours, windows).
 * The whole result is validated before anything is stored, and what is stored is the input,
 * not the parsed form, so a later change of the location's time zone still applies to its
 * hours. Throws the `ZodError` for the caller to report (400 in the API, exit 2 in the CLI).
 */
export function updateEnrichmentSettings(
  store: BridgeStore,
  location: Location,
  patch: Record<string, unknown>,
): { location: Location; settings: LocationEnrichmentSettings } {
  const raw = { ...location.settings.enrichment, ...patch };
  for (const [key, value] of Object.entries(raw)) if (value === undefined) delete raw[key];
  const settings = parseLocationEnrichmentSettings({
    ...raw,
    country: location.country,
    timezone: location.timezone,
  });
  const updated = store.locations.updateSettings(location.id, { enrichment: raw });
  return { location: updated, settings };
}

/** Business hours as the API and CLI show them, with what they mean right now. */
export function businessHoursView(settings: LocationEnrichmentSettings, now: number) {
  const open = inBusinessHours(now, settings.businessHours);
  return {
    timezone: settings.businessHours.timezone,
    weekly: settings.businessHours.weekly,
    holidays: settings.businessHours.holidays,
    now: {
      in_business_hours: open,
      branch: open ? ('in_hours' as const) : ('after_hours' as const),
    },
  };
}

export function sourceListsView(settings: LocationEnrichmentSettings) {
  return {
    data: settings.sourceLists.lists.map((l) => ({
      id: l.id,
      name: l.name,
      dialed_numbers: l.dialed_numbers,
      default: settings.sourceLists.defaultList === l.id,
    })),
    default_list: settings.sourceLists.defaultList,
  };
}
