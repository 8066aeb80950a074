import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import { CallPoller, type CallHistorySource } from '../../lib/poller/callPoller';
import type { CallLeg } from '../../lib/threecx/callLeg';
import type { ActiveCall } from '../../lib/threecx/xapiTypes';
import { DEFAULT_POLL_SETTINGS } from '../../lib/poller/pollTick';
import { createThreecxTransport } from '../threecx/threecxTransport';
import { ThreeCxClient, type ThreeCxClientOptions } from '../../lib/threecx/client';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import type { LocationIngest } from './locationIngest';
import type { PollTarget } from './pollScheduler';
import type { WorkTurns } from '../workTurns';

/**
 * Legs settled between two yields to the event loop: ~5 µs a leg (BENCHMARKS.md §8), so a
 * slice holds the loop for about 10 ms.
 */
export const SETTLE_SLICE_LEGS = 2000;

/**
 * The 3CX client of one location: one per location and process, because 3CX keeps one active
 * token per API client (docs/3cx-facts.md §1.2); the poller and the Call Control stream share it.
 */
export function createLocationClient(
  location: Location,
  secret: string,
  deps: { now: () => number; transport?: HttpTransport; onEvent?: ThreeCxClientOptions['onEvent'] },
): ThreeCxClient {
  return new ThreeCxClient({
    pbxUrl: location.pbxUrl!,
    clientId: location.clientId!,
    clientSecret: secret,
    transport:
      deps.transport ??
      createThreecxTransport({ allowSelfSignedTls: location.settings.allowSelfSignedTls }),
    now: deps.now,
    pbxVersion: location.pbxVersion,
    onEvent: deps.onEvent,
  });
}

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
    /** The location's client, shared with its Call Control stream (one token per API client). */
    client?: ThreeCxClient;
    /** Sees every call-log read (the Call Control stream matches call numbers with it). */
    onCallLog?: (legs: readonly CallLeg[]) => void;
    /** Each `/ActiveCalls` read, as it came (the follow-up's view of calls in progress). */
    onActiveCalls?: (rows: readonly ActiveCall[]) => void;
    /** Where the poll's CPU part waits its turn, shared by every location's poller. */
    workQueue?: WorkTurns;
  },
): PollTarget | null {
  if (!location.pbxUrl || !location.clientId) return null;
  const s = location.settings;
  const log = deps.logger.child({ location: location.id });
  // A shared client holds the secret already: it is opened (decrypted) only to make one here.
  const client = deps.client ?? ownClient(location, deps, log);
  if (!client) return null;
  const { onCallLog, onActiveCalls } = deps;
  const source: CallHistorySource = {
    activeCalls: async () => {
      const rows = await client.activeCalls();
      onActiveCalls?.(rows);
      return rows;
    },
    inboundCalls: (query, fields) => client.inboundCalls(query, fields),
    abandonedQueueCalls: (query) => client.abandonedQueueCalls(query),
    callLog: async (query) => {
      const legs = await client.callLog(query);
      onCallLog?.(legs);
      return legs;
    },
    // The cheap re-read (issue 16): the Call Control index sees the rows of the calls not
    // finished yet, the only ones the poller can still fire events for.
    callLogWanted: async (query, wanted, options) => {
      const legs = await client.callLogWanted(query, wanted, options);
      onCallLog?.(legs);
      return legs;
    },
  };
  const poller = new CallPoller({
    source,
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
    processingTurn: deps.workQueue && ((work, options) => deps.workQueue!.run(work, options)),
    slices: { legs: SETTLE_SLICE_LEGS, yieldToLoop: () => yieldToLoop() },
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

/** A client of the poller's own (none shared), from the location's sealed secret; null without one. */
function ownClient(
  location: Location,
  deps: { store: BridgeStore; now: () => number; transport?: HttpTransport },
  log: Logger,
): ThreeCxClient | null {
  const secret = deps.store.locations.clientSecret(location.id);
  if (!secret) return null;
  return createLocationClient(location, secret, {
    now: deps.now,
    transport: deps.transport,
    onEvent: (event) => log.debug({ threecx: event }, '3CX client'),
  });
}
