import type { Logger } from 'pino';
import { CallPoller } from '../../lib/poller/callPoller';
import { DEFAULT_POLL_SETTINGS } from '../../lib/poller/pollTick';
import { createAxiosTransport } from '../threecx/axiosTransport';
import { ThreeCxClient } from '../../lib/threecx/client';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import type { LocationIngest } from './locationIngest';
import type { PollTarget } from './pollScheduler';

/**
 * Wire one location's 3CX client and poller. One client per location and process, because 3CX
 * keeps one active token per API client (docs/3cx-facts.md §1.2).
 */
export function createLocationPoller(
  location: Location,
  deps: {
    store: BridgeStore;
    ingest: LocationIngest;
    now: () => number;
    logger: Logger;
    transport?: HttpTransport;
  },
): PollTarget | null {
  if (!location.pbxUrl || !location.clientId) return null;
  const secret = deps.store.locations.clientSecret(location.id);
  if (!secret) return null;
  const s = location.settings;
  const log = deps.logger.child({ location: location.id });
  const client = new ThreeCxClient({
    pbxUrl: location.pbxUrl,
    clientId: location.clientId,
    clientSecret: secret,
    transport: deps.transport ?? createAxiosTransport({ allowSelfSignedTls: s.allowSelfSignedTls }),
    now: deps.now,
    pbxVersion: location.pbxVersion,
    onEvent: (event) => log.debug({ threecx: event }, '3CX client'),
  });
  const poller = new CallPoller({
    source: client,
    store: deps.ingest,
    now: deps.now,
    settings: {
      ...DEFAULT_POLL_SETTINGS,
      overlapSeconds: s.overlapSeconds,
      includeInternal: s.includeInternal,
      settle: {
        graceSeconds: s.graceSeconds,
        voicemailLeftSeconds: s.voicemailLeftSeconds,
        country: location.country,
        legRules: { dnRoles: s.dnRoles },
      },
    },
    onWarning: (message, error) => log.warn({ err: error }, message),
  });
  let versionKnown = location.pbxVersion !== null;
  return {
    locationId: location.id,
    intervalMs: s.pollIntervalSeconds * 1000,
    client,
    async tick() {
      if (!versionKnown) {
        // The version decides the token's expires_in unit; remember it across restarts.
        const status = await client.systemStatus();
        if (status.Version) deps.store.locations.setPbxVersion(location.id, status.Version);
        versionKnown = true;
      }
      return poller.tick();
    },
  };
}
