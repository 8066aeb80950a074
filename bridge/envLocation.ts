import type { Env } from './config';
import { countryAndZoneIssues } from './locationSettings';
import type { BridgeStore } from './store/bridgeStore';
import type { Location } from './store/locations';

/**
 * Container configuration: a location described by environment variables is created on start
 * (and left alone afterwards, so changes made with the CLI stick). `BRIDGE_API_KEY` lets a
 * deployment keep the same key across fresh databases.
 *
 * THREECX_URL, THREECX_CLIENT_ID, THREECX_CLIENT_SECRET, BRIDGE_LOCATION_NAME (default
 * "Main Office"), BRIDGE_COUNTRY (default AU), BRIDGE_TIMEZONE (default Australia/Sydney),
 * BRIDGE_API_KEY (optional).
 */
export function ensureEnvLocation(store: BridgeStore, env: Env, now: Date): Location | null {
  if (!env.THREECX_URL) return null;
  if (!env.THREECX_CLIENT_ID || !env.THREECX_CLIENT_SECRET) {
    throw new Error(
      'THREECX_URL is set, so THREECX_CLIENT_ID and THREECX_CLIENT_SECRET must be set too.',
    );
  }
  const name = env.BRIDGE_LOCATION_NAME ?? 'Main Office';
  const country = env.BRIDGE_COUNTRY ?? 'AU';
  const timezone = env.BRIDGE_TIMEZONE ?? 'Australia/Sydney';
  return store.transaction(() => {
    const location =
      store.locations.find(name) ??
      store.locations.create(
        {
          name,
          pbxUrl: env.THREECX_URL,
          clientId: env.THREECX_CLIENT_ID,
          clientSecret: env.THREECX_CLIENT_SECRET,
          ...checkedCountryAndZone(country, timezone),
        },
        now,
      );
    if (env.BRIDGE_API_KEY)
      store.apiKeys.adopt(location.id, env.BRIDGE_API_KEY, 'BRIDGE_API_KEY', now);
    return location;
  });
}

/**
 * The environment's country and time zone, refused before the location is stored: it is
 * created once and left alone afterwards, so a misspelt zone would fail every poll for good.
 */
function checkedCountryAndZone(country: string, timezone: string) {
  const issues = countryAndZoneIssues(country, timezone);
  if (issues.length > 0)
    throw new Error(
      issues
        .map((i) => `${i.field === 'country' ? 'BRIDGE_COUNTRY' : 'BRIDGE_TIMEZONE'}: ${i.message}`)
        .join('\n') + '\nFix it and start again: the location is created only once it is valid.',
    );
  return { country, timezone };
}

/**
 * What an operator must hear about the environment's location on start: without a usable API
 * key nobody (no Zap, no CRM template) can reach it. The key itself is never printed here, as
 * container logs are collected: the operator sets `BRIDGE_API_KEY` or creates one with the CLI.
 */
export function envLocationWarnings(store: BridgeStore, location: Location | null): string[] {
  if (location === null) return [];
  const usable = store.apiKeys.list(location.id).filter((k) => k.revokedAt === null);
  if (usable.length > 0) return [];
  return [
    `Location "${location.name}" (${location.id}) has no API key, so Zapier and the 3CX CRM template cannot reach it. ` +
      `Run \`npx 3cx-bridge key create --location ${location.id}\` once where the database is (the key is shown once), ` +
      'or set BRIDGE_API_KEY to a key made by `key create` and restart.',
  ];
}
