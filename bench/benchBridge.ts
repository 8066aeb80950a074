import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallEventType } from '../lib/callEvent';
import { createAxiosTransport } from '../bridge/threecx/axiosTransport';
import type { HttpTransport } from '../lib/threecx/httpTransport';
import { BridgeService, type BridgeOptions } from '../bridge/bridgeService';
import type { LocationSettings } from '../bridge/locationSettings';
import { SecretBox } from '../bridge/secrets/secretBox';
import type { HttpLimits } from '../bridge/http/httpLimits';

/** One poll as the scheduler timed it (the same figure `bridge_poll_duration_seconds` gets). */
/**
 * Rate limits off: a benchmark that measures what the bridge takes sends far more than a key's
 * 600 requests a minute, and the 429s past the limit (answered in microseconds) would flatter
 * every figure.
 */
export const NO_RATE_LIMITS: Partial<HttpLimits> = {
  perKeyPerMinute: 0,
  perAddressPerMinute: 0,
  failedAuthPerMinute: 0,
};

export interface PollRecord {
  locationId: string;
  ok: boolean;
  /** `Date.now()` when the poll ended; it started `ms` earlier. */
  endedAt: number;
  ms: number;
}

/** A figure and when (`Date.now()`) it was observed. */
export interface TimedValue {
  at: number;
  ms: number;
}

/** One HTTP request to 3CX, timed around the bridge's own transport. */
export interface RequestRecord {
  locationId: string;
  kind: 'token' | 'systemStatus' | 'activeCalls' | 'callLog' | 'inboundCalls' | 'other';
  startedAt: number;
  ms: number;
  status: number | null;
  rows: number;
}

/**
 * What the benchmarks observe inside the bridge without changing it: every poll, stored event
 * and delivery attempt as `BridgeMetrics` sees them (exact values, not histogram buckets), and
 * every request to 3CX through a wrapper around the bridge's axios transport.
 */
export class BridgeProbe {
  polls: PollRecord[] = [];
  requests: RequestRecord[] = [];
  /** `call.ended` events: ms from hang-up to stored (what `bridge_settle_delay_seconds` gets). */
  settleDelays: TimedValue[] = [];
  eventsStored = 0;
  /** Delivered: ms from stored to 2xx (what `bridge_delivery_latency_seconds` gets). */
  deliveryLatencies: TimedValue[] = [];
  deliveryOutcomes: Record<string, number> = {};

  reset(): void {
    this.polls = [];
    this.requests = [];
    this.settleDelays = [];
    this.eventsStored = 0;
    this.deliveryLatencies = [];
    this.deliveryOutcomes = {};
  }

  attach(bridge: BridgeService): void {
    const metrics = bridge.metrics;
    const pollFinished = metrics.pollFinished.bind(metrics);
    metrics.pollFinished = (location, ok, seconds) => {
      this.polls.push({ locationId: location, ok, endedAt: Date.now(), ms: seconds * 1000 });
      pollFinished(location, ok, seconds);
    };
    const eventStored = metrics.eventStored.bind(metrics);
    metrics.eventStored = (location, type, suppressed, msSinceHangUp) => {
      this.eventsStored++;
      if (type === 'call.ended' && msSinceHangUp >= 0)
        this.settleDelays.push({ at: Date.now(), ms: msSinceHangUp });
      eventStored(location, type, suppressed, msSinceHangUp);
    };
    const deliveryAttempted = metrics.deliveryAttempted.bind(metrics);
    metrics.deliveryAttempted = (result, latencyMs) => {
      this.deliveryOutcomes[result] = (this.deliveryOutcomes[result] ?? 0) + 1;
      if (result === 'delivered' && latencyMs !== undefined)
        this.deliveryLatencies.push({ at: Date.now(), ms: latencyMs });
      deliveryAttempted(result, latencyMs);
    };
  }

  transport(locationId: string): HttpTransport {
    const inner = createAxiosTransport();
    return {
      request: async (request) => {
        const startedAt = Date.now();
        const t = performance.now();
        let status: number | null = null;
        let rows = 0;
        try {
          const response = await inner.request(request);
          status = response.status;
          const value = (response.body as { value?: unknown } | null)?.value;
          if (Array.isArray(value)) rows = value.length;
          return response;
        } finally {
          this.requests.push({
            locationId,
            kind: requestKind(request.url),
            startedAt,
            ms: performance.now() - t,
            status,
            rows,
          });
        }
      },
    };
  }
}

function requestKind(url: string): RequestRecord['kind'] {
  if (url.includes('/connect/token')) return 'token';
  if (url.includes('GetCallLogData')) return 'callLog';
  if (url.includes('GetInboundCalls')) return 'inboundCalls';
  if (url.includes('ActiveCalls')) return 'activeCalls';
  if (url.includes('SystemStatus')) return 'systemStatus';
  return 'other';
}

export interface BenchBridge {
  bridge: BridgeService;
  probe: BridgeProbe;
  url: string;
  locations: Array<{ id: string; apiKey: string }>;
  close(): Promise<void>;
}

/** Does this bridge build serve the CRM-template journal (`POST /3cx/journal`)? */
export function hasJournalRoute(bench: BenchBridge): boolean {
  return bench.bridge.api.hasRoute({ method: 'POST', url: '/3cx/journal' });
}

/**
 * The real bridge on an SQLite file in a temporary directory, one location per PBX URL (each
 * with its own API client id when `clientIdFor` says so), and one subscription per event type
 * pointing at the receiver. Nothing runs until the caller calls `bridge.start()` (or polls).
 */
export async function startBenchBridge(options: {
  /** One location each; null = a location fed by the CRM-template journal only. */
  pbxUrls: Array<string | null>;
  /** Where the subscriptions point; with several, the i-th event type's goes to the i-th (cycling). */
  receiverUrl: string | string[];
  events: readonly CallEventType[];
  clientIdFor?: (index: number) => { clientId: string; clientSecret: string };
  settings?: Partial<LocationSettings>;
  bridge?: Partial<BridgeOptions>;
}): Promise<BenchBridge> {
  const dir = mkdtempSync(join(tmpdir(), '3cx-bridge-bench-'));
  const probe = new BridgeProbe();
  const bridge = await BridgeService.create({
    dbPath: join(dir, 'bridge.db'),
    secrets: SecretBox.ephemeral(),
    host: '127.0.0.1',
    port: 0,
    allowLoopbackHttpTargets: true,
    transportFor: (location) => probe.transport(location.id),
    ...options.bridge,
  });
  probe.attach(bridge);
  const url = await bridge.listen();
  const now = () => new Date((options.bridge?.now ?? Date.now)());
  const locations: Array<{ id: string; apiKey: string }> = [];
  options.pbxUrls.forEach((pbxUrl, i) => {
    const client =
      pbxUrl === null
        ? { clientId: null, clientSecret: null }
        : (options.clientIdFor?.(i) ?? { clientId: 'bridge', clientSecret: 'bridge-secret' });
    const location = bridge.store.locations.create(
      {
        name: `PBX ${i + 1}`,
        pbxUrl,
        ...client,
        country: 'AU',
        timezone: 'Australia/Adelaide',
        settings: options.settings ?? {},
      },
      now(),
    );
    const receivers = [options.receiverUrl].flat();
    options.events.forEach((event, e) => {
      bridge.store.subscriptions.create(
        {
          locationId: location.id,
          kind: 'rest_hook',
          event,
          targetUrl: `${receivers[e % receivers.length]}?location=${i}`,
        },
        now(),
      );
    });
    const { key } = bridge.store.apiKeys.create(location.id, 'bench', now());
    locations.push({ id: location.id, apiKey: key });
  });
  bridge.refreshLocations();
  return {
    bridge,
    probe,
    url,
    locations,
    async close() {
      await bridge.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
