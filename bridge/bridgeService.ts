import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { CallEventType } from '../lib/callEvent';
import type { TickReport } from '../lib/poller/callPoller';
import type { SettledCall } from '../lib/settledCall';
import type { HttpTransport } from '../lib/threecx/httpTransport';
import { DeliveryWorker } from './delivery/deliveryWorker';
import { FollowUpTracker } from './followUp/followUpTracker';
import type { RetryPolicy } from './delivery/retrySchedule';
import { buildApi } from './http/buildApi';
import type { ApiContext } from './http/apiContext';
import { threecxTemplateRoutes } from './http/routes/threecxTemplateRoutes';
import type { CallEnricher } from './ingest/callEnricher';
import { LocationIngest } from './ingest/locationIngest';
import { createLocationPoller } from './ingest/locationPoller';
import { PollScheduler } from './ingest/pollScheduler';
import { StoreEnricher } from './ingest/storeEnricher';
import { pollerIsFailing } from './journal/holdDeadline';
import { JournalIngest } from './journal/journalIngest';
import { silentLogger } from './logger';
import { BridgeMetrics } from './metrics';
import { SecretBox } from './secrets/secretBox';
import { BridgeStore } from './store/bridgeStore';
import type { InboundCallSource } from './reports/reconciliation';
import { AdminToken } from './secrets/adminToken';
import { pruneOldRecords } from './store/retention';
import type { Location } from './store/locations';
import packageJson from '../package.json';

export interface BridgeOptions {
  /** SQLite file (`:memory:` for tests). */
  dbPath: string;
  host?: string;
  port?: number;
  /** The address Zapier and subscribers reach the bridge at; `http://host:port` by default. */
  publicUrl?: string;
  /** `BRIDGE_SECRET_KEY`; otherwise a key file beside the database. */
  secretKey?: string;
  secretKeyFile?: string;
  allowLoopbackHttpTargets?: boolean;
  delivery?: { concurrency?: number; timeoutMs?: number; retry?: Partial<RetryPolicy> };
  /** Re-read the location list this often, so `location add` takes effect without a restart. */
  locationRefreshMs?: number;
  /** Release held CRM-template journal entries this often (bridge/journal/holdDeadline.ts). */
  journalSweepMs?: number;
  /** Look for misses past their call-back deadline this often (bridge/followUp). */
  followUpSweepMs?: number;
  /** `BRIDGE_ADMIN_TOKEN`: reads every location's reports and dashboard (docs/api.md). */
  adminToken?: string;
  logger?: Logger;
  /** The clock (tests pass the simulator's). */
  now?: () => number;
  random?: () => number;
  /** Replace the 3CX HTTP transport (tests of faults). */
  transportFor?: (location: Location) => HttpTransport | undefined;
  enricher?: CallEnricher;
  onEvent?: (
    location: Location,
    event: { type: CallEventType; call: SettledCall; suppressed: boolean },
  ) => void;
}

/**
 * The bridge, composed: store, HTTP API, poll scheduler and delivery worker. `start()` runs
 * the timers; tests may instead drive it step by step with `pollNow` and `deliverNow`.
 */
export class BridgeService {
  readonly store: BridgeStore;
  readonly metrics: BridgeMetrics;
  readonly scheduler: PollScheduler;
  readonly worker: DeliveryWorker;
  /** The CRM-template journal: the second event source (bridge/journal). */
  readonly journal: JournalIngest;
  /** Call-back tracking: `call.returned`, `call.unreturned` (bridge/followUp). */
  readonly followUps: FollowUpTracker;
  api!: FastifyInstance;
  url: string | null = null;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly enricher: CallEnricher;
  private readonly ingests = new Map<string, LocationIngest>();
  private readonly pollerFingerprints = new Map<string, string>();
  /** Each location's 3CX client, for the reconciliation's report (shared with its poller). */
  private readonly pbxClients = new Map<string, InboundCallSource>();
  private refreshTimer: NodeJS.Timeout | null = null;
  private journalTimer: NodeJS.Timeout | null = null;
  private followUpTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private started = false;

  private constructor(private readonly options: BridgeOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    const keyFile =
      options.secretKeyFile ??
      (options.dbPath === ':memory:' ? undefined : join(options.dbPath, '..', 'secret.key'));
    const secrets =
      keyFile || options.secretKey
        ? SecretBox.load({ envKey: options.secretKey, keyFile: keyFile ?? '' })
        : SecretBox.fromKey(Buffer.alloc(32, 7));
    this.store = BridgeStore.open(options.dbPath, secrets);
    this.metrics = new BridgeMetrics({
      pendingDeliveries: () => this.store.deliveries.pendingCount(),
      defaultMetrics: true,
    });
    this.enricher = options.enricher ?? new StoreEnricher();
    this.scheduler = new PollScheduler({
      now: this.now,
      random: options.random,
      onTick: (locationId, report, seconds) => this.afterTick(locationId, report, seconds),
      onError: (locationId, error, seconds) => {
        this.metrics.pollFinished(locationId, false, seconds);
        this.logger.warn({ location: locationId, err: errorSummary(error) }, 'poll failed');
      },
    });
    this.worker = new DeliveryWorker({
      store: this.store,
      now: this.now,
      random: options.random,
      concurrency: options.delivery?.concurrency,
      timeoutMs: options.delivery?.timeoutMs,
      retry: options.delivery?.retry,
      metrics: this.metrics,
      userAgent: `3cx-missed-call-bridge/${packageJson.version}`,
      onResult: (delivery, outcome, result) => {
        const level = outcome === 'delivered' ? 'debug' : 'info';
        this.logger[level](
          {
            location: delivery.locationId,
            event: delivery.eventId,
            subscription: delivery.subscriptionId,
            outcome,
            status: result.statusCode,
            error: result.error,
          },
          'delivery',
        );
      },
    });
    this.followUps = new FollowUpTracker(this.store, {
      publicUrl: () => this.context.publicUrl,
      eventStored: (type) => this.metrics.eventStored('', type, false, -1),
    });
    this.journal = new JournalIngest({
      store: this.store,
      ingestFor: (location) => this.ingestFor(location),
      now: this.now,
      logger: this.logger,
      eventsStored: () => this.worker.poke(),
      pollerFailing: (location) => pollerIsFailing(this.scheduler.statusOf(location.id)),
    });
  }

  static async create(options: BridgeOptions): Promise<BridgeService> {
    const bridge = new BridgeService(options);
    const context: ApiContext = {
      store: bridge.store,
      metrics: bridge.metrics,
      now: bridge.now,
      publicUrl: options.publicUrl ?? '',
      version: packageJson.version,
      allowLoopbackHttpTargets: options.allowLoopbackHttpTargets ?? false,
      eventsStored: () => bridge.worker.poke(),
      pollStatus: () => bridge.scheduler.status(),
      adminToken: AdminToken.fromEnv(options.adminToken),
      inboundCallsOf: (locationId) => bridge.pbxClients.get(locationId) ?? null,
    };
    bridge.context = context;
    bridge.api = await buildApi(context, {
      logger: bridge.logger,
      extraRoutes: [threecxTemplateRoutes(bridge.journal)],
    });
    bridge.refreshLocations();
    return bridge;
  }

  private context!: ApiContext;

  /** Listen for HTTP; the public URL defaults to the address listened on. */
  async listen(): Promise<string> {
    const address = await this.api.listen({
      host: this.options.host ?? '127.0.0.1',
      port: this.options.port ?? 8787,
    });
    this.url = address;
    if (!this.options.publicUrl) this.context.publicUrl = address;
    return address;
  }

  /** Start polling and delivering. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.scheduler.start();
    this.worker.start();
    const every = this.options.locationRefreshMs ?? 30_000;
    this.refreshTimer = setInterval(() => this.refreshLocations(), every);
    this.refreshTimer.unref();
    this.journalTimer = setInterval(
      () => void this.journalSweep(),
      this.options.journalSweepMs ?? 5000,
    );
    this.journalTimer.unref();
    this.followUpTimer = setInterval(
      () => this.followUpSweep(),
      this.options.followUpSweepMs ?? 10_000,
    );
    this.followUpTimer.unref();
    this.pruneOldRecords();
    this.retentionTimer = setInterval(() => this.pruneOldRecords(), 6 * 3600_000);
    this.retentionTimer.unref();
  }

  /** Drop delivery history, old events and settled journal entries past their retention. */
  pruneOldRecords(): Record<string, number> {
    try {
      const removed = this.store.transaction(() => pruneOldRecords(this.store.db, this.now()));
      if (Object.values(removed).some((n) => n > 0))
        this.logger.info({ removed }, 'old records pruned');
      return removed;
    } catch (error) {
      this.logger.warn({ err: errorSummary(error) }, 'pruning old records failed');
      return {};
    }
  }

  /** Graceful: stop polling (a running poll finishes its transaction), let deliveries in flight finish, close. */
  async stop(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.journalTimer) clearInterval(this.journalTimer);
    if (this.followUpTimer) clearInterval(this.followUpTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.journal.idle();
    await this.scheduler.stop();
    await this.worker.stop();
    await this.api.close();
    this.store.close();
  }

  /** Add pollers for new locations, drop those of removed ones. */
  refreshLocations(): void {
    const locations = this.store.locations.list();
    const wanted = new Set(locations.map((l) => l.id));
    for (const status of this.scheduler.status()) {
      if (!wanted.has(status.locationId)) {
        this.scheduler.remove(status.locationId);
        this.ingests.delete(status.locationId);
        this.pbxClients.delete(status.locationId);
      }
    }
    const known = new Set(this.scheduler.status().map((s) => s.locationId));
    for (const location of locations) {
      const ingest = this.ingestFor(location);
      // A changed connection or polling setting needs a new poller; the rest is read live.
      const fingerprint = pollerFingerprint(location);
      if (known.has(location.id) && this.pollerFingerprints.get(location.id) === fingerprint)
        continue;
      this.pollerFingerprints.set(location.id, fingerprint);
      const target = createLocationPoller(location, {
        store: this.store,
        ingest,
        now: this.now,
        logger: this.logger,
        transport: this.options.transportFor?.(location),
      });
      if (target) this.scheduler.add(target);
      if (target?.client) this.pbxClients.set(location.id, target.client);
      else this.pbxClients.delete(location.id);
    }
  }

  /** The ingest (outbox writer) of a location: the poller's and the journal's. */
  ingestFor(location: Location): LocationIngest {
    let ingest = this.ingests.get(location.id);
    if (!ingest) {
      ingest = new LocationIngest(location, this.store, this.enricher, {
        now: this.now,
        publicUrl: () => this.context.publicUrl,
        metrics: this.metrics,
        correlate: (events) => this.journal.correlatePollerEvents(location.id, events),
        afterStored: (loc, stored, now) => this.followUps.afterCallsStored(loc, stored, now),
        eventsStored: () => this.worker.poke(),
        onEvent: (event) => {
          this.logger.info(
            {
              location: location.name,
              event: event.type,
              call: event.call.call_id,
              outcome: event.type === 'call.started' ? undefined : event.call.outcome,
              caller: event.call.caller_number ?? event.call.caller_number_raw,
              suppressed: event.suppressed || undefined,
            },
            `${event.type}${event.suppressed ? ' (suppressed: dialler cooldown)' : ''}`,
          );
          this.options.onEvent?.(location, event);
        },
      });
      this.ingests.set(location.id, ingest);
    }
    return ingest;
  }

  async pollNow(locationId: string): Promise<TickReport> {
    return this.scheduler.pollNow(locationId);
  }

  /** Release the journal entries whose hold has run out (the timer's job; tests call it). */
  async journalSweep(): Promise<number> {
    try {
      return await this.journal.sweep();
    } catch (error) {
      this.logger.warn({ err: errorSummary(error) }, 'journal sweep failed');
      return 0;
    }
  }

  /**
   * Fire `call.unreturned` for the misses past their deadline (the timer's job; tests call it
   * with the simulator's clock). The schedule is the database: a restart loses nothing.
   */
  followUpSweep(): number {
    try {
      const stored = this.followUps.sweep(this.now());
      if (stored > 0) this.worker.poke();
      return stored;
    } catch (error) {
      this.logger.warn({ err: errorSummary(error) }, 'follow-up sweep failed');
      return 0;
    }
  }

  async deliverNow(): Promise<number> {
    return this.worker.deliverDue();
  }

  private afterTick(locationId: string, report: TickReport, seconds: number): void {
    this.metrics.pollFinished(locationId, true, seconds);
    if (report.problems.length > 0) {
      this.logger.warn(
        {
          location: locationId,
          problems: report.problems.slice(0, 5),
          count: report.problems.length,
        },
        'call-log rows skipped',
      );
    }
    if (report.events.length > 0) this.worker.poke();
  }
}

function pollerFingerprint(location: Location): string {
  const { enrichment: _enrichment, ...polling } = location.settings;
  return JSON.stringify([location.pbxUrl, location.clientId, location.country, polling]);
}

function errorSummary(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
