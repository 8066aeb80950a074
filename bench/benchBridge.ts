import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallEventType } from '../lib/callEvent';
import type { TickReport } from '../lib/poller/callPoller';
import {
  createThreecxTransport,
  type ThreecxTransportOptions,
} from '../bridge/threecx/threecxTransport';
import type { HttpTransport } from '../lib/threecx/httpTransport';
import { BridgeService, type BridgeOptions } from '../bridge/bridgeService';
import type { LocationSettings } from '../bridge/locationSettings';
import { SecretBox } from '../bridge/secrets/secretBox';
import type { HttpLimits } from '../bridge/http/httpLimits';
import { benchPostgresDatabase, benchStoreKind, RoundTrips } from './benchPostgres';

/** One poll as the scheduler timed it (the same figure `bridge_poll_duration_seconds` gets). */
/**
 * Rate limits off: a benchmark that measures what the bridge takes sends far more than a key's
 * 600 requests a minute, and the 429s past the limit (answered in microseconds) would flatter
 * every figure.
 */
export const NO_RATE_LIMITS: Partial<HttpLimits> = {
  perKeyPerMinute: 0,
  perTemplateKeyPerMinute: 0,
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
  /** A processing turn of a poll reading history (its own line: bridge/workTurns.ts). */
  catchUp?: boolean;
}

/**
 * One turn in the polls' line (bridge/workTurns.ts), for the per-second timeline
 * (bench/locationsTimeline.ts): whose poll it was, what kind, and when it was asked for, began
 * and ended (epoch ms, sub-millisecond: `performance.timeOrigin + performance.now()`).
 */
export interface TurnSpan {
  /** The location whose poll asked for it (null: asked outside a scheduled poll). */
  locationId: string | null;
  /** A 3CX answer's parse (`bodyTurn`), a steady poll's settle-and-store, or a catch-up's. */
  kind: 'parse' | 'steady' | 'catchUp';
  askedAt: number;
  startedAt: number;
  endedAt: number;
}

/** Epoch milliseconds with `performance.now()`'s resolution. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** One HTTP request to 3CX, timed around the bridge's own transport. */
export interface RequestRecord {
  locationId: string;
  kind: 'token' | 'systemStatus' | 'activeCalls' | 'callLog' | 'inboundCalls' | 'other';
  startedAt: number;
  ms: number;
  status: number | null;
  rows: number;
  /** Finer than `kind`: which read of a poll this was (`requestDetail`). */
  detail: string;
}

/**
 * What the benchmarks observe inside the bridge without changing it: every poll, stored event
 * and delivery attempt as `BridgeMetrics` sees them (exact values, not histogram buckets), and
 * every request to 3CX through a wrapper around the bridge's 3CX transport.
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
  /** The store's Postgres round trips (`BENCH_STORE=postgres`); null on SQLite. */
  roundTrips: RoundTrips | null = null;

  /**
   * Each poll's processing turn (bridge/workTurns.ts): how long it waited for its turn, and how
   * long its CPU work held it, both ms.
   */
  turnWaits: TimedValue[] = [];
  turnWork: TimedValue[] = [];
  /** How long each 3CX answer waited for its parse's turn (`bodyTurn`), ms. */
  answerWaits: TimedValue[] = [];
  /** Every turn of the polls' line, with its location (`TurnSpan`). */
  turnSpans: TurnSpan[] = [];
  /**
   * Every store transaction (epoch ms): the delivery worker's record flushes apart, the others
   * with the location whose poll ran them (null: neither).
   */
  transactions: Array<{ at: number; ms: number; by: string | null }> = [];
  /** Each successful poll's events and legs, by its end (`Date.now()`). */
  ticks: Array<{ locationId: string; endedAt: number; events: number; legs: number }> = [];

  reset(): void {
    this.polls = [];
    this.requests = [];
    this.turnWaits = [];
    this.turnWork = [];
    this.answerWaits = [];
    this.turnSpans = [];
    this.transactions = [];
    this.ticks = [];
    this.settleDelays = [];
    this.eventsStored = 0;
    this.deliveryLatencies = [];
    this.deliveryOutcomes = {};
    this.roundTrips?.reset();
  }

  attach(bridge: BridgeService): void {
    this.roundTrips = RoundTrips.attach(bridge.store.db);
    // The polls' turns, timed around the bridge's own queue (a private member: the bridge
    // exposes no figure for it, and the bench must not change what it measures).
    const turns = bridge['pollWork'];
    const run = turns.run.bind(turns);
    // Whose poll a turn belongs to: each scheduled poll runs in its location's context.
    const pollOf = new AsyncLocalStorage<string>();
    // (A private member, as `pollWork` above.)
    const scheduler = bridge.scheduler as unknown as {
      run(slot: { target: { locationId: string } }): Promise<unknown>;
    };
    const runPoll = scheduler.run.bind(scheduler);
    scheduler.run = (slot) => pollOf.run(slot.target.locationId, () => runPoll(slot));
    // Store transactions: a delivery flush is the worker's (its callbacks may run in a poll's
    // context, so it is marked while it runs), the rest the poll's whose context they ran in.
    const worker = bridge.worker as unknown as { flush(): void };
    const flush = worker.flush.bind(worker);
    let flushing = false;
    worker.flush = () => {
      flushing = true;
      try {
        flush();
      } finally {
        flushing = false;
      }
    };
    const store = bridge.store;
    const transaction = store.transaction.bind(store);
    store.transaction = <R>(work: () => R): R => {
      const at = epochNow();
      try {
        return transaction(work);
      } finally {
        this.transactions.push({
          at,
          ms: epochNow() - at,
          by: flushing ? 'delivery' : (pollOf.getStore() ?? null),
        });
      }
    };
    const options = (
      bridge.scheduler as unknown as {
        options: { onTick?: (locationId: string, report: TickReport, seconds: number) => void };
      }
    ).options;
    const onTick = options.onTick;
    options.onTick = (locationId, report, seconds) => {
      this.ticks.push({
        locationId,
        endedAt: Date.now(),
        events: report.events.length,
        legs: report.legs,
      });
      onTick?.(locationId, report, seconds);
    };
    const span = <T>(kind: TurnSpan['kind'], work: () => Promise<T>) => {
      const askedAt = epochNow();
      const locationId = pollOf.getStore() ?? null;
      return async () => {
        const startedAt = epochNow();
        try {
          return await work();
        } finally {
          this.turnSpans.push({ locationId, kind, askedAt, startedAt, endedAt: epochNow() });
        }
      };
    };
    // The options pass through: a poll's second turn jumps the line (`continuation`), and a
    // probe that dropped them made the bench's polls wait in line twice.
    turns.run = <T>(
      work: () => Promise<T>,
      options?: { continuation?: boolean; catchUp?: boolean },
    ): Promise<T> => {
      const asked = performance.now();
      // A 3CX answer's parse (`ThreecxTransportOptions.bodyTurn`) asks with no options: counted
      // apart, so the processing turns' figures stay the polls' settle-and-store.
      if (options === undefined)
        return run(
          span('parse', async () => {
            this.answerWaits.push({ at: Date.now(), ms: performance.now() - asked });
            return work();
          }),
        );
      const kind = options.catchUp === true ? 'catchUp' : 'steady';
      return run(
        span(kind, async () => {
          const started = performance.now();
          const catchUp = options.catchUp === true;
          this.turnWaits.push({ at: Date.now(), ms: started - asked, catchUp });
          try {
            return await work();
          } finally {
            this.turnWork.push({ at: Date.now(), ms: performance.now() - started, catchUp });
          }
        }),
        options,
      );
    };
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

  transport(locationId: string, options: ThreecxTransportOptions = {}): HttpTransport {
    const inner = createThreecxTransport(options);
    const poll: PollReads = { lightPass: null };
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
            detail: requestDetail(request.url, poll),
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

/** What a location's poll has read so far (a poll starts with `/ActiveCalls`). */
interface PollReads {
  /** The light pass's path (its period), if this poll made one. */
  lightPass: string | null;
}

/**
 * Which read a request is, for counting a poll's requests by purpose: the call log's light pass
 * (`$select`); after it, the whole window again or only the periods of the rows wanted
 * (lib/threecx/client.ts `callLogWanted`); a whole read with no light pass (a first or
 * catch-up poll); each with its pages read on (`$skip` > 0) counted apart.
 */
function requestDetail(url: string, poll: PollReads): string {
  const kind = requestKind(url);
  if (kind === 'activeCalls') poll.lightPass = null;
  if (url.includes('GetAbandonedQueueCallsData')) return 'abandonedQueueCalls';
  if (kind !== 'callLog') return kind;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const on = Number(query.get('$skip') ?? 0) > 0 ? ', read on' : '';
  if (query.has('$select')) {
    poll.lightPass = path;
    return `callLog light pass${on}`;
  }
  if (poll.lightPass === null) return `callLog whole, no light pass${on}`;
  if (path === poll.lightPass) return `callLog whole window after the light pass${on}`;
  return `callLog wanted periods${on}`;
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
 * The real bridge on an SQLite file in a temporary directory (or, with `BENCH_STORE=postgres`,
 * on a fresh database of an embedded Postgres on 127.0.0.1: bench/benchPostgres.ts), one location per PBX URL (each
 * with its own API client id when `clientIdFor` says so), and one subscription per event type
 * pointing at the receiver. Nothing runs until the caller calls `bridge.start()` (or polls).
 */
export async function startBenchBridge(options: {
  /** One location each; null = a location fed by the CRM-template journal only. */
  pbxUrls: Array<string | null>;
  /** Where the subscriptions point; with several, the i-th event type's goes to the i-th (cycling). */
  receiverUrl: string | string[];
  events: readonly CallEventType[];
  /**
   * When the subscriptions were made (default: now). A subscription receives only the events
   * that occurred once it existed (bridge/store/outbox.ts `receives`): a bench whose traffic is
   * back-dated gives an earlier time to model subscriptions made before that traffic (a bridge
   * restarted after downtime), rather than Zaps turned on with a location that is new.
   */
  subscribedAt?: Date;
  clientIdFor?: (index: number) => { clientId: string; clientSecret: string };
  settings?: Partial<LocationSettings>;
  bridge?: Partial<BridgeOptions>;
}): Promise<BenchBridge> {
  const dir = mkdtempSync(join(tmpdir(), '3cx-bridge-bench-'));
  const probe = new BridgeProbe();
  const postgres = benchStoreKind() === 'postgres' ? await benchPostgresDatabase() : null;
  const bridge = await BridgeService.create({
    dbPath: postgres?.url ?? join(dir, 'bridge.db'),
    secrets: SecretBox.ephemeral(),
    host: '127.0.0.1',
    port: 0,
    allowLoopbackHttpTargets: true,
    transportFor: (location, options) => probe.transport(location.id, options),
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
        options.subscribedAt ?? now(),
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
      postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
