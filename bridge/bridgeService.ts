import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { TickReport } from '../lib/poller/callPoller';
import { activeCallNumbers } from '../lib/threecx/activeCallNumbers';
import type { ThreeCxClient } from '../lib/threecx/client';
import type { HttpTransport } from '../lib/threecx/httpTransport';
import { CallControlService } from './callcontrol/callControlService';
import {
  CLUSTER_JOBS,
  ClusterMembership,
  DEFAULT_LEASE_TIMING,
  type LeaseTiming,
} from './cluster/clusterMembership';
import { DELIVERIES_CHANNEL, PBX_READS_CHANNEL } from './cluster/channels';
import { PbxReadRelay } from './cluster/pbxReadRelay';
import { PeerWakeups } from './cluster/peerWakeups';
import type { StreamTiming } from './callcontrol/locationStream';
import { DeliveryWorker, type DeliveryWorkerOptions } from './delivery/deliveryWorker';
import { StartWindowRate } from './delivery/startRate';
import { FollowUpTracker } from './followUp/followUpTracker';
import { buildApi } from './http/buildApi';
import { httpLimits, type HttpLimits } from './http/httpLimits';
import type { Api } from './http/routeKit';
import { threecxTemplateRoutes } from './http/routes/threecxTemplateRoutes';
import type { CallEnricher } from './ingest/callEnricher';
import { CatchUpWarmUp } from './ingest/catchUpWarmUp';
import { INGEST_BATCH_BOUNDS, LocationIngest } from './ingest/locationIngest';
import { createLocationClient, createLocationPoller } from './ingest/locationPoller';
import { PollScheduler } from './ingest/pollScheduler';
import { WorkTurns } from './workTurns';
import { StoreEnricher } from './ingest/storeEnricher';
import { isPolledOverXapi, pollerIsFailing } from './journal/holdDeadline';
import { JournalIngest } from './journal/journalIngest';
import { silentLogger } from './logger';
import { EVENT_LOG_INTERVAL_MS, EventLog, type LoggedEvent } from './eventLog';
import { BridgeMetrics } from './metrics';
import type { SecretBox } from './secrets/secretBox';
import { BridgeStore } from './store/bridgeStore';
import { PbxReadRepo } from './store/pbxReads';
import { AdminToken } from './secrets/adminToken';
import { pruneOldRecords } from './store/retention';
import type { Location } from './store/locations';
import type { InboundCallSource } from './reports/reconciliation';
import { createThreecxTransport, type ThreecxTransportOptions } from './threecx/threecxTransport';
import packageJson from '../package.json';

const NO_NUMBERS: ReadonlySet<string> = new Set();

/** A location's 3CX client, the transport under it, and what it was made from. */
interface LocationClient {
  fingerprint: string;
  client: ThreeCxClient;
  transport: HttpTransport;
}

export interface BridgeOptions {
  /**
   * The store: a SQLite file (`:memory:` for a database that lives as long as the process), or
   * a `postgres://` URL (`BRIDGE_DATABASE_URL`) that several instances share.
   */
  dbPath: string;
  /**
   * The key that seals the database's secrets (3CX client secrets, webhook signing secrets):
   * `loadSecrets` (config.ts) for a database file, `SecretBox.ephemeral()` for `:memory:`.
   */
  secrets: SecretBox;
  host?: string;
  port?: number;
  /** The address Zapier and subscribers reach the bridge at; `http://host:port` by default. */
  publicUrl?: string;
  /**
   * Plain-http subscription targets on this machine (development, tests, the demo); loopback
   * addresses may then be connected to.
   */
  allowLoopbackHttpTargets?: boolean;
  /** Timeouts, the connection cap and rate limits (bridge/http/httpLimits.ts defaults). */
  limits?: Partial<HttpLimits>;
  /** Whose X-Forwarded-For to believe (`BRIDGE_TRUST_PROXY`; buildApi.ts has the default). */
  trustProxy?: string;
  /** `BRIDGE_METRICS_TOKEN`: `/metrics` needs it when set. */
  metricsToken?: string;
  /**
   * Deliver to private, loopback and link-local addresses too: a bridge whose receivers are on
   * its own network (`BRIDGE_ALLOW_PRIVATE_TARGETS=1`). Off by default: a key holder must not
   * reach the bridge's network through it (bridge/delivery/targetAddress.ts).
   */
  allowPrivateTargets?: boolean;
  /** Active subscriptions one location may have (`DEFAULT_MAX_SUBSCRIPTIONS_PER_LOCATION`). */
  maxSubscriptionsPerLocation?: number;
  delivery?: Pick<
    DeliveryWorkerOptions,
    | 'concurrency'
    | 'perLocationConcurrency'
    | 'perTargetConcurrency'
    | 'loopLagTargetMs'
    | 'minConcurrency'
    | 'timeoutMs'
    | 'retry'
    | 'targetHealth'
  >;
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
  /**
   * Replace the 3CX HTTP transport (tests of faults); `options` are those the bridge would make
   * its own with (the benchmarks wrap such a one).
   */
  transportFor?: (
    location: Location,
    options: ThreecxTransportOptions,
  ) => HttpTransport | undefined;
  /**
   * Several instances on one Postgres store: how long a location lease lasts and how often it
   * is renewed (bridge/cluster; `BRIDGE_LEASE_SECONDS`).
   */
  leaseTiming?: LeaseTiming;
  /**
   * Several instances: how long a report waits for the instance polling a location to read
   * its PBX (bridge/cluster/pbxReadRelay.ts; tests shorten it).
   */
  pbxReadAnswerWaitMs?: number;
  /** Call Control stream timings (tests shorten the backoff). */
  callControlTiming?: Partial<StreamTiming>;
  enricher?: CallEnricher;
  /** How the start's catch-ups are held back (tests pass one on their own clock). */
  catchUpWarmUp?: CatchUpWarmUp;
  onEvent?: (location: Location, event: LoggedEvent) => void;
}

/**
 * The bridge, composed: store, HTTP API, poll scheduler and delivery worker, every part made
 * in the constructor. `create()` also makes the API ready; `listen()` serves it; `start()`
 * runs the timers. Tests may instead drive it step by step with `pollNow` and `deliverNow`.
 */
export class BridgeService {
  readonly store: BridgeStore;
  readonly metrics: BridgeMetrics;
  readonly scheduler: PollScheduler;
  /**
   * Every poll's settle-and-store, one at a time, and the parse of every 3CX answer over
   * `SMALL_ANSWER_BYTES` (bridge/workTurns.ts, `ThreecxTransportOptions.bodyTurn`).
   */
  private readonly pollWork = new WorkTurns();
  readonly worker: DeliveryWorker;
  /** The CRM-template journal: the second event source (bridge/journal). */
  readonly journal: JournalIngest;
  /** The 3CX Call Control stream per location: the third source (bridge/callcontrol). */
  readonly callControl: CallControlService;
  /** Call-back tracking: `call.returned`, `call.unreturned` (bridge/followUp). */
  readonly followUps: FollowUpTracker;
  readonly api: Api;
  /** The address `listen()` bound, null until then. */
  url: string | null = null;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly enricher: CallEnricher;
  private readonly ingests = new Map<string, LocationIngest>();
  /** The start's catch-ups held to a share of the loop for its first seconds. */
  private readonly catchUpWarmUp: CatchUpWarmUp;
  private readonly pollerFingerprints = new Map<string, string>();
  /** One 3CX client per location, shared by its poller and its stream (one token per client). */
  private readonly clients = new Map<string, LocationClient>();
  /** The revision of each location as this instance last set it up (`refreshLocations`). */
  private readonly setUpRevisions = new Map<string, number>();
  /** What this instance last stored of each polled location's health (`notePollerHealth`). */
  private readonly storedPollerFailing = new Map<string, boolean>();
  /** Each location's outside numbers on `/ActiveCalls` at its last poll (the follow-up's). */
  private readonly activeNumbers = new Map<string, ReadonlySet<string>>();
  /** Stored events in the log: counts at `info`, one line each at `debug` (bridge/eventLog.ts). */
  private readonly eventLog: EventLog;
  private refreshTimer: NodeJS.Timeout | null = null;
  private eventLogTimer: NodeJS.Timeout | null = null;
  private journalTimer: NodeJS.Timeout | null = null;
  private followUpTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private started = false;
  /**
   * Postgres: this instance's leases (it polls and streams only the locations it holds) and
   * the other instances' wake-ups. Null on SQLite: one instance holds every location.
   */
  readonly cluster: ClusterMembership | null;
  private readonly wakeups: PeerWakeups | null;
  /** Postgres: reads of a PBX for an instance that does not poll it (reports). */
  private readonly pbxReads: PbxReadRelay | null;
  private pruning: Promise<Record<string, number>> | null = null;

  private constructor(private readonly options: BridgeOptions) {
    this.now = options.now ?? Date.now;
    this.catchUpWarmUp = options.catchUpWarmUp ?? new CatchUpWarmUp();
    this.logger = options.logger ?? silentLogger;
    this.eventLog = new EventLog(this.logger, this.now);
    this.store = BridgeStore.open(options.dbPath, options.secrets);
    const shared = this.store.db.dialect === 'postgres';
    this.cluster = shared
      ? new ClusterMembership(this.store.db, {
          timing: options.leaseTiming ?? DEFAULT_LEASE_TIMING,
          logger: this.logger,
        })
      : null;
    this.wakeups = shared
      ? new PeerWakeups(
          options.dbPath,
          {
            [DELIVERIES_CHANNEL]: () => this.worker.poke(),
            [PBX_READS_CHANNEL]: () => this.answerPbxReads(),
          },
          this.logger,
        )
      : null;
    this.pbxReads = this.cluster
      ? new PbxReadRelay({
          reads: new PbxReadRepo(this.store.db),
          me: this.cluster.id,
          polled: () => [...(this.cluster?.heldLocations() ?? [])],
          clientOf: (locationId) => this.clients.get(locationId)?.client ?? null,
          logger: this.logger,
          answerWaitMs: options.pbxReadAnswerWaitMs,
        })
      : null;
    this.metrics = new BridgeMetrics({
      pendingDeliveries: () => this.store.deliveries.pendingCount(),
      deliveryState: () => this.worker.state(),
      defaultMetrics: true,
    });
    this.enricher = options.enricher ?? new StoreEnricher();
    this.callControl = new CallControlService({
      store: this.store,
      registry: this.metrics.registry,
      now: this.now,
      random: options.random,
      logger: this.logger,
      timing: options.callControlTiming,
      eventsStored: () => this.worker.poke(),
    });
    this.scheduler = new PollScheduler({
      now: this.now,
      random: options.random,
      onTick: (locationId, report, seconds) => this.afterTick(locationId, report, seconds),
      onError: (locationId, error, seconds) => {
        this.notePollerHealth(locationId);
        this.metrics.pollFinished(locationId, false, seconds);
        this.logger.warn({ location: locationId, err: errorSummary(error) }, 'poll failed');
      },
    });
    this.worker = new DeliveryWorker({
      ...options.delivery,
      store: this.store,
      now: this.now,
      random: options.random,
      addressPolicy: {
        allowPrivate: options.allowPrivateTargets ?? false,
        allowLoopback: options.allowLoopbackHttpTargets ?? false,
      },
      // The start's window paces the worker's sends too (bridge/delivery/startRate.ts).
      startRate: new StartWindowRate(this.catchUpWarmUp),
      metrics: this.metrics,
      userAgent: `3cx-missed-call-bridge/${packageJson.version}`,
      onResult: (delivery, outcome, result, detail) => {
        const level = outcome === 'delivered' ? 'debug' : 'info';
        this.logger[level](
          {
            location: delivery.locationId,
            event: delivery.eventId,
            subscription: delivery.subscriptionId,
            outcome,
            status: result.statusCode,
            error: result.error,
            // What the socket said (ECONNREFUSED, the certificate problem): for the operator
            // only; key holders see the category (bridge/delivery/attemptError.ts).
            detail: detail ?? undefined,
          },
          'delivery',
        );
      },
    });
    this.followUps = new FollowUpTracker(this.store, {
      publicUrl: () => this.publicUrl(),
      activeNumbers: (location) => this.activeNumbers.get(location.id) ?? NO_NUMBERS,
      eventStored: (type) => this.metrics.eventStored('', type, false, -1),
    });
    this.journal = new JournalIngest({
      store: this.store,
      ingestFor: (location) => this.ingestFor(location),
      now: this.now,
      logger: this.logger,
      eventsStored: () => this.worker.poke(),
      // As the polling instance stored it: the entry may arrive at any instance.
      pollerFailing: (location) => this.store.pollerHealth.isFailing(location.id),
      sweptLocations: () => this.sweptLocations(),
    });
    this.api = buildApi(
      {
        store: this.store,
        metrics: this.metrics,
        now: this.now,
        publicUrl: () => this.publicUrl(),
        version: packageJson.version,
        allowLoopbackHttpTargets: options.allowLoopbackHttpTargets ?? false,
        allowPrivateTargets: options.allowPrivateTargets ?? false,
        maxSubscriptionsPerLocation: options.maxSubscriptionsPerLocation,
        eventsStored: () => this.worker.poke(),
        pollStatus: () => this.scheduler.status(),
        callControlStatus: (locationId) => this.callControl.statusOf(locationId),
        adminToken: AdminToken.fromEnv(options.adminToken),
        inboundCallsOf: (locationId) => this.reportClientFor(locationId),
        pageTurns: this.pollWork.beside(),
        metricsToken: options.metricsToken || null,
      },
      {
        logger: this.logger,
        templateRoutes: threecxTemplateRoutes(this.journal),
        limits: httpLimits(options.limits),
        trustProxy: options.trustProxy,
      },
    );
  }

  /** The bridge with its API ready (routes and the OpenAPI document built), not yet listening. */
  static async create(options: BridgeOptions): Promise<BridgeService> {
    const bridge = new BridgeService(options);
    await bridge.api.ready();
    bridge.refreshLocations();
    return bridge;
  }

  /**
   * The address record URLs and contact links use: the configured public URL, else the one
   * listened on ('' before `listen()`).
   */
  publicUrl(): string {
    return this.options.publicUrl || this.url || '';
  }

  /** Listen for HTTP; the public URL defaults to the address listened on. */
  async listen(): Promise<string> {
    const address = await this.api.listen({
      host: this.options.host ?? '127.0.0.1',
      port: this.options.port ?? 8787,
    });
    this.url = address;
    return address;
  }

  /** Start polling and delivering. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // Before the first poll: the window is the start's (bridge/ingest/catchUpWarmUp.ts).
    this.catchUpWarmUp.start();
    this.scheduler.start();
    this.callControl.start();
    this.worker.start();
    if (this.cluster) {
      void this.wakeups?.start();
      this.leaseTimer = setInterval(
        () => this.refreshLocations(),
        (this.options.leaseTiming ?? DEFAULT_LEASE_TIMING).renewMs,
      );
      this.leaseTimer.unref();
    }
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
    void this.pruneOldRecords();
    this.retentionTimer = setInterval(() => void this.pruneOldRecords(), 6 * 3600_000);
    this.retentionTimer.unref();
    this.eventLogTimer = setInterval(() => this.logEventCounts(), EVENT_LOG_INTERVAL_MS);
    this.eventLogTimer.unref();
  }

  /** Log each location's stored events since the last such lines, at `info` (bridge/eventLog.ts). */
  logEventCounts(): void {
    this.eventLog.eventCounts();
  }

  /**
   * Drop delivery history, old events and settled journal entries past their retention, in
   * small batches with the event loop running between them (bridge/store/retention.ts).
   */
  async pruneOldRecords(): Promise<Record<string, number>> {
    if (this.pruning) return this.pruning;
    // Several instances: the one holding the retention lease prunes for all.
    if (this.cluster && !this.cluster.runs(CLUSTER_JOBS.retention)) return {};
    this.pruning = (async () => {
      try {
        const removed = await pruneOldRecords(this.store.db, this.now());
        if (Object.values(removed).some((n) => n > 0))
          this.logger.info({ removed }, 'old records pruned');
        return removed;
      } catch (error) {
        this.logger.warn({ err: errorSummary(error) }, 'pruning old records failed');
        return {};
      } finally {
        this.pruning = null;
      }
    })();
    return this.pruning;
  }

  /** Graceful: stop polling (a running poll finishes its transaction), let deliveries in flight finish, close. */
  async stop(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.journalTimer) clearInterval(this.journalTimer);
    if (this.followUpTimer) clearInterval(this.followUpTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.eventLogTimer) clearInterval(this.eventLogTimer);
    await this.pruning; // a batch in progress finishes before the database closes
    await this.journal.idle();
    await this.pbxReads?.idle();
    await this.callControl.stop();
    await this.scheduler.stop();
    // Its locations' leases go back now: another instance takes them at its next round.
    this.cluster?.stop();
    await this.wakeups?.stop();
    await this.worker.stop();
    await this.api.close();
    // After the last poll and stream commit: their events are in the last counts.
    this.eventLog.eventCounts();
    this.store.close();
  }

  /**
   * Add pollers for new locations, drop those of removed ones. With several instances
   * (Postgres), renew this instance's leases first: it polls and streams only the locations it
   * holds (the API serves every location on every instance).
   *
   * Runs every lease round (seconds), so it reads only each location's revision: a location
   * whose row has not changed since this instance set it up is neither read again nor its
   * secret opened (hundreds of locations cost one small query, not hundreds plus a decryption
   * each). A changed row (settings, connection, secret) is read and set up again: a new poller
   * when its polling fingerprint changed, a new client when its connection did.
   */
  refreshLocations(): void {
    let held: ReadonlySet<string> | null = null;
    if (this.cluster) {
      try {
        held = this.cluster.renew();
      } catch (error) {
        // The leases outlive one failed round; keep what was held.
        held = this.cluster.heldLocations();
        this.logger.warn({ err: errorSummary(error) }, 'renewing location leases failed');
      }
    }
    const revisions = this.store.locations
      .revisions()
      .filter((l) => held === null || held.has(l.id));
    const wanted = new Set(revisions.map((l) => l.id));
    for (const status of this.scheduler.status()) {
      if (!wanted.has(status.locationId)) {
        this.scheduler.remove(status.locationId);
        this.ingests.delete(status.locationId);
        this.clients.delete(status.locationId);
        this.activeNumbers.delete(status.locationId);
      }
    }
    for (const id of this.setUpRevisions.keys())
      if (!wanted.has(id)) {
        this.setUpRevisions.delete(id);
        this.storedPollerFailing.delete(id);
      }
    this.callControl.retain(wanted);
    const known = new Set(this.scheduler.status().map((s) => s.locationId));
    for (const { id, revision } of revisions) {
      if (this.setUpRevisions.get(id) === revision) continue;
      const location = this.store.locations.get(id);
      if (!location) continue; // removed since the list was read
      this.setUpRevisions.set(id, location.revision);
      const ingest = this.ingestFor(location);
      const pbx = this.clientFor(location);
      this.callControl.ensure(location, pbx && { ...pbx, ingest });
      // A changed connection (a new client) or polling setting needs a new poller; the rest is
      // read live.
      const fingerprint = pollerFingerprint(location, pbx);
      if (known.has(location.id) && this.pollerFingerprints.get(location.id) === fingerprint)
        continue;
      this.pollerFingerprints.set(location.id, fingerprint);
      const target = createLocationPoller(location, {
        store: this.store,
        ingest,
        now: this.now,
        logger: this.logger,
        client: pbx?.client,
        workQueue: this.pollWork,
        onCallLog: (legs) => this.callControl.observeCallLog(location.id, legs),
        onActiveCalls: (rows) =>
          this.activeNumbers.set(location.id, activeCallNumbers(rows, location.country)),
      });
      if (target) this.scheduler.add(target);
    }
  }

  /** The location's shared 3CX client (null without a PBX connection). */
  private clientFor(location: Location): LocationClient | null {
    const entry = this.connect(location, this.clients.get(location.id));
    if (entry) this.clients.set(location.id, entry);
    else this.clients.delete(location.id);
    return entry;
  }

  /**
   * A 3CX client for the location (`known` when its connection is the same), null without a
   * PBX connection. Opens the sealed client secret: only when the location changed.
   */
  private connect(location: Location, known: LocationClient | undefined): LocationClient | null {
    const secret =
      location.pbxUrl && location.clientId ? this.store.locations.clientSecret(location.id) : null;
    if (!secret) return null;
    // The secret by its digest: a rotated one (`location connect`) makes a new client; the
    // fingerprint stays in memory and never holds the secret itself.
    const fingerprint = JSON.stringify([
      location.pbxUrl,
      location.clientId,
      location.settings.allowSelfSignedTls,
      createHash('sha256').update(secret).digest('base64'),
    ]);
    if (known?.fingerprint === fingerprint) return known;
    const log = this.logger.child({ location: location.id });
    const transportOptions: ThreecxTransportOptions = {
      allowSelfSignedTls: location.settings.allowSelfSignedTls,
      bodyTurn: (work) => this.pollWork.run(async () => work()),
    };
    const transport =
      this.options.transportFor?.(location, transportOptions) ??
      createThreecxTransport(transportOptions);
    const client = createLocationClient(location, secret, {
      now: this.now,
      transport,
      onEvent: (event) => log.debug({ threecx: event }, '3CX client'),
    });
    return { fingerprint, client, transport };
  }

  /**
   * What a report of the location reads 3CX's own count through (the reconciliation report):
   * this instance's client when it polls the location; with several instances, the instance
   * that polls it, asked through the store (one token per API client: pbxReadRelay.ts). Null
   * without a PBX connection.
   */
  private reportClientFor(locationId: string): InboundCallSource | null {
    const polled = this.clients.get(locationId);
    if (polled) return polled.client;
    if (!this.pbxReads || this.cluster?.holds(locationId)) return null;
    const location = this.store.locations.get(locationId);
    return location && isPolledOverXapi(location) ? this.pbxReads.sourceFor(locationId) : null;
  }

  /** Answer the PBX reads other instances asked of the locations this one polls (on a wake-up). */
  answerPbxReads(): void {
    try {
      this.pbxReads?.answerWaiting();
    } catch (error) {
      this.logger.warn({ err: errorSummary(error) }, 'taking PBX reads failed');
    }
  }

  /**
   * The locations whose sweeps (journal holds, follow-up deadlines) this instance runs: those
   * it holds the lease of; null (every location) with one instance on SQLite.
   */
  private sweptLocations(): readonly string[] | null {
    return this.cluster ? [...this.cluster.heldLocations()] : null;
  }

  /**
   * Store whether the location's poller is failing (holdDeadline.ts `pollerIsFailing`) when
   * that changed: any instance's journal hold reads it.
   */
  private notePollerHealth(locationId: string): void {
    const failing = pollerIsFailing(this.scheduler.statusOf(locationId));
    if (this.storedPollerFailing.get(locationId) === failing) return;
    try {
      this.store.pollerHealth.set(locationId, failing, this.now());
      this.storedPollerFailing.set(locationId, failing);
    } catch (error) {
      // The location was removed meanwhile (foreign key), or the store is down: next poll.
      this.logger.warn(
        { location: locationId, err: errorSummary(error) },
        'storing poller health failed',
      );
    }
  }

  /** The ingest (outbox writer) of a location: the poller's and the journal's. */
  ingestFor(location: Location): LocationIngest {
    let ingest = this.ingests.get(location.id);
    if (!ingest) {
      ingest = new LocationIngest(location, this.store, this.enricher, {
        now: this.now,
        publicUrl: () => this.publicUrl(),
        metrics: this.metrics,
        correlate: (events) =>
          this.journal.correlatePollerEvents(
            location.id,
            this.callControl.correlatePollerEvents(location.id, events),
          ),
        afterStored: (loc, stored, now, before) =>
          this.followUps.afterCallsStored(loc, stored, now, before),
        // Catch-up batches sized to a time each (10 ms; on SQLite 5 in the start's window): the
        // event loop's p99 stays near that (issue 16).
        batchBudgetMs: INGEST_BATCH_BOUNDS[this.store.db.dialect].budgetMs,
        warmUp: this.catchUpWarmUp,
        eventsStored: () => this.worker.poke(),
        onEvent: (event) => {
          this.eventLog.stored(location, event);
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
      const stored = this.followUps.sweep(this.now(), undefined, this.sweptLocations());
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
    this.notePollerHealth(locationId);
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

function pollerFingerprint(location: Location, connection: LocationClient | null): string {
  // The stream's settings are read by the stream (bridge/callcontrol), not the poller.
  const {
    enrichment: _enrichment,
    callControl: _callControl,
    fastSettleQuietSeconds: _quiet,
    ...polling
  } = location.settings;
  return JSON.stringify([connection?.fingerprint ?? null, location.country, polling]);
}

function errorSummary(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
