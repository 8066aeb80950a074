import type { Env } from './config';
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
  return store.transaction(() => {
    const location =
      store.locations.find(name) ??
      store.locations.create(
        {
          name,
          pbxUrl: env.THREECX_URL,
          clientId: env.THREECX_CLIENT_ID,
          clientSecret: env.THREECX_CLIENT_SECRET,
          country: env.BRIDGE_COUNTRY ?? 'AU',
          timezone: env.BRIDGE_TIMEZONE ?? 'Australia/Sydney',
        },
        now,
      );
    if (env.BRIDGE_API_KEY)
      store.apiKeys.adopt(location.id, env.BRIDGE_API_KEY, 'BRIDGE_API_KEY', now);
    return location;
  });
}
