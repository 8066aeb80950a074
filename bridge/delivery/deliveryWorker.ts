import type { BridgeMetrics } from '../metrics';
import type { BridgeStore } from '../store/bridgeStore';
import type { AttemptRecord, AttemptResult, DueDelivery } from '../store/deliveries';
import { describeAttemptError } from './attemptError';
import { FairScheduler, limitsFor, type Lane } from './fairScheduler';
import {
  DEFAULT_LOOP_LAG_TARGET_MS,
  DEFAULT_MIN_CONCURRENCY,
  EVENT_LOOP_LAG,
  LoopPacer,
  type LagProbe,
} from './loopPace';
import {
  DEFAULT_RETRY_POLICY,
  nextAttemptAt,
  parseRetryAfter,
  type RetryPolicy,
} from './retrySchedule';
import type { StartWindowRate } from './startRate';
import { PUBLIC_TARGETS_ONLY, type TargetAddressPolicy } from './targetAddress';
import type { TargetHealthOptions, TargetSignal } from './targetHealth';
import { WebhookClient } from './webhookClient';
import { webhookSigner } from './webhookSigning';

/** The worker's state for `/metrics` (bridge/metrics.ts). */
export interface DeliveryState {
  inFlight: number;
  openTargets: number;
  /** How many may be in flight now: `concurrency`, less while the loop lags (loopPace.ts). */
  inFlightCap: number;
  /** The event loop's lag in the last window (ms). */
  loopLagMs: number;
}

export interface DeliveryWorkerOptions {
  store: BridgeStore;
  now?: () => number;
  random?: () => number;
  /** Deliveries in flight at once, across every location (1024 by default). */
  concurrency?: number;
  /** In flight at once for one location: a quarter of `concurrency` by default (at least 2). */
  perLocationConcurrency?: number;
  /**
   * The most one target (a location's subscribers at one origin) may have in flight: half the
   * location's by default. Its actual limit starts at 4 and follows its latency (targetHealth.ts).
   */
  perTargetConcurrency?: number;
  /**
   * Keep the event loop's lag under this (ms, 25 by default): while it runs later, fewer
   * deliveries may be in flight than `concurrency` (loopPace.ts). 0 turns the pacing off.
   */
  loopLagTargetMs?: number;
  /** However late the loop runs, this many may still be in flight (64 by default). */
  minConcurrency?: number;
  /** What measures the loop's lag (tests inject their own): the event loop's by default. */
  lagProbe?: LagProbe;
  /**
   * At most so many deliveries started a period while the bridge's start window is open
   * (startRate.ts; the bridge passes one on its `CatchUpWarmUp`). None: no such bound.
   */
  startRate?: StartWindowRate;
  /** A subscriber that does not answer within this is a failed attempt (retried). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** The circuit breaker and the adaptive limit of each target (targetHealth.ts). */
  targetHealth?: Partial<TargetHealthOptions>;
  /** Which addresses may be connected to (targetAddress.ts): public ones only by default. */
  addressPolicy?: TargetAddressPolicy;
  metrics?: BridgeMetrics;
  userAgent?: string;
  /** After each attempt; `detail` is the network error as Node gave it, for the log only. */
  onResult?: (
    delivery: DueDelivery,
    outcome: DeliveryOutcome,
    result: AttemptResult,
    detail: string | null,
  ) => void;
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'gone' | 'failed';

/**
 * Deliveries a lane reads from the store at a time: about twice what its target may have in
 * flight (at least 8, at most 128), so a location with a hundred lanes never reads thousands of
 * rows it cannot send yet; one (the probe) while its target's breaker is tripped.
 */
const LANE_BATCH = 128;
/**
 * A call counts as fresh when it occurred at most this long before the worker started, or
 * after: its deliveries go ahead of the lane's backlog (`readFresh`).
 */
const FRESH_BEFORE_START_MS = 60_000;
/** Deliveries started in one turn of the event loop at most (`pump`). */
const PUMP_SLICE = 32;
/** Records written in one transaction at most (more wait for the next). */
const RECORD_BATCH = 512;
/**
 * Deliveries still pending this long after the retry policy would have given them up (their
 * target's breaker kept them from being tried) are given up by a sweep, a batch at a time.
 */
const GIVE_UP_GRACE_MS = 3600_000;
const GIVE_UP_BATCH = 500;
/** How often the worker looks at the store by itself (deliveries added by another process, retries). */
const TICK_MS = 1000;

/**
 * Posts stored events to their subscribers: a `2xx` marks the delivery done; `410 Gone`
 * (Zapier's "this Zap is off") removes the subscription; anything else is retried with backoff
 * for hours. Every attempt is recorded. A crash leaves a delivery pending (its attempt may not
 * be recorded yet), so it is sent again with the same event id: at least once.
 *
 * Built for speed and fairness together (BENCHMARKS.md "Delivery"):
 * - the due deliveries live in memory, one lane per subscription, read from the store a batch
 *   at a time; new events only say which lanes have new work (`DeliveryRepo.newSince`), so a
 *   finished delivery costs no query;
 * - locations take turns and every location and target has a cap (fairScheduler.ts), a target's
 *   cap following its latency, with a circuit breaker for one that keeps failing
 *   (targetHealth.ts): one tenant's silent receiver never holds up another's missed call;
 * - a call that occurred since the start goes ahead of its lane's backlog (`readFresh`): after
 *   downtime a missed call does not wait behind the history the first polls stored;
 * - while the event loop runs late, fewer deliveries may be in flight (loopPace.ts): finished
 *   requests are work on the loop, and a backlog's completions compete with the polls for it;
 * - in the bridge's first seconds, fewer started a second (startRate.ts): a start's backlog
 *   goes to receivers that answer at once, so few are in flight, but each costs both cores;
 * - keep-alive `node:http` connections per origin, each connection checked against the address
 *   policy (webhookClient.ts, targetAddress.ts);
 * - attempts are recorded in batches, one transaction for all that finished together.
 */
export class DeliveryWorker {
  private readonly store: BridgeStore;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly client: WebhookClient;
  private readonly scheduler: FairScheduler;
  /** Null when pacing is off (`loopLagTargetMs: 0`). */
  private readonly pacer: LoopPacer | null;
  private stopProbe: (() => void) | null = null;
  /** Null without a start window. */
  private readonly startRate: StartWindowRate | null;
  /** Wakes the worker when the start's rate gives room again (`pump`). */
  private rateTimer: NodeJS.Timeout | null = null;
  private readonly work = new Set<Promise<void>>();
  private records: Array<AttemptRecord & { lane: Lane }> = [];
  private initialised = false;
  /** Deliveries with a larger id have not been looked at (ids only grow). */
  private seenId = 0;
  /** Events that occurred at or after this (ISO) are fresh calls (`readFresh`). */
  private freshFrom = '';
  /** New deliveries may be in the store (`poke`). */
  private fresh = true;
  private running = false;
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private soonQueued: 'slot' | 'poke' | null = null;
  private flushQueued = false;
  private lastRemovalCheck = -Infinity;
  private lastGiveUpSweep = -Infinity;
  /** `deliverDue`'s round: each delivery at most once. */
  private round: Set<number> | null = null;
  private startedTotal = 0;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.client = new WebhookClient(options.addressPolicy ?? PUBLIC_TARGETS_ONLY);
    const concurrency = options.concurrency ?? 1024;
    const targetLagMs = options.loopLagTargetMs ?? DEFAULT_LOOP_LAG_TARGET_MS;
    this.pacer =
      targetLagMs > 0
        ? new LoopPacer({
            targetLagMs,
            floor: options.minConcurrency ?? DEFAULT_MIN_CONCURRENCY,
            ceiling: concurrency,
          })
        : null;
    this.startRate = options.startRate ?? null;
    this.scheduler = new FairScheduler(
      limitsFor(concurrency, {
        perLocation: options.perLocationConcurrency,
        perTarget: options.perTargetConcurrency,
        health: options.targetHealth,
      }),
      {
        refill: (lane, now) => this.refill(lane, now),
        // Postgres: the dropped deliveries were claimed for `CLAIM_MS`; unclaimed now, another
        // instance whose breaker for the target is closed may send them at once, and this one
        // reads them again when its own breaker lets a probe through.
        dropped: (ids) => this.store.deliveries.releaseClaims(ids),
      },
    );
  }

  /**
   * Deliveries in flight now, targets whose circuit is open, how many may be in flight now
   * and the event loop's lag that set it (for `/metrics`).
   */
  state(): DeliveryState {
    return {
      inFlight: this.scheduler.inFlight,
      openTargets: this.scheduler.openTargets(this.now()),
      inFlightCap: this.scheduler.cap,
      loopLagMs: this.pacer?.lastLagMs ?? 0,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    const pacer = this.pacer;
    if (pacer)
      this.stopProbe = (this.options.lagProbe ?? EVENT_LOOP_LAG).start((lagMs) => {
        const before = this.scheduler.cap;
        this.scheduler.setCap(pacer.observe(lagMs));
        // Room again: start what waited for it now, not at the next completion or tick.
        if (this.scheduler.cap > before && this.running) this.soon('slot');
      });
    this.cycle(true);
  }

  /**
   * Stop taking new deliveries; wait for those in flight (each bounded by the timeout) and give
   * back the claims on those queued unsent.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.stopProbe?.();
    this.stopProbe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.rateTimer) clearTimeout(this.rateTimer);
    this.rateTimer = null;
    await Promise.allSettled([...this.work]);
    this.flush();
    // Deliveries read but not started: on Postgres they are claimed, and a claim left to run
    // out would hold them from the other instances for `CLAIM_MS` (a deploy's rolling restart
    // would delay every queued webhook by a minute). Read afresh on the next start.
    this.scheduler.dropQueued();
    this.initialised = false;
    this.client.close();
    this.stopping = false; // stopped: `deliverDue` may again be driven by hand
  }

  /** New events were stored: deliver now rather than at the next tick. */
  poke(): void {
    this.fresh = true;
    if (this.running) this.soon('poke');
  }

  /**
   * One round: start every due delivery (each at most once) and wait until none is in flight
   * and every attempt is recorded. Tests and the CLI drive delivery with this.
   */
  async deliverDue(): Promise<number> {
    const before = this.startedTotal;
    this.round = new Set();
    try {
      for (;;) {
        if (!this.stopping) {
          this.prepare(this.now());
          this.pump();
        }
        if (this.work.size === 0) {
          this.flush();
          if (this.stopping) break;
          this.prepare(this.now());
          if (this.pump() === 0 && this.work.size === 0) break;
          continue;
        }
        await Promise.race(this.work);
      }
    } finally {
      this.round = null;
    }
    return this.startedTotal - before;
  }

  /** Run a cycle soon (coalesced): after a poke, or when a slot freed. */
  private soon(kind: 'slot' | 'poke'): void {
    if (this.soonQueued === 'poke' || this.soonQueued === kind) return;
    const first = this.soonQueued === null;
    this.soonQueued = kind;
    if (first)
      setImmediate(() => {
        const full = this.soonQueued === 'poke';
        this.soonQueued = null;
        if (this.running) this.cycle(full);
      });
  }

  /** Look at the store if `full`, start what may start, and set the timer for the next look. */
  private cycle(full: boolean): void {
    try {
      const now = this.now();
      if (full) this.prepare(now);
      this.pump();
    } catch {
      // A store error (disk full, locked): the next tick tries again.
    }
    if (full || this.timer === null) this.arm();
  }

  private arm(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    let wait = TICK_MS;
    const now = this.now();
    for (const lane of this.scheduler.lanes())
      if (!lane.listed && lane.wakeAt !== Infinity) wait = Math.min(wait, lane.wakeAt - now);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.fresh = true;
        if (this.running) this.cycle(true);
      },
      Math.max(0, wait),
    );
  }

  /** Bring the lanes up to date with the store: new deliveries, retries now due, removals. */
  private prepare(now: number): void {
    if (!this.initialised) {
      this.freshFrom = new Date(now - FRESH_BEFORE_START_MS).toISOString();
      this.seenId = this.store.deliveries.lastId();
      for (const { subscriptionId, dueAt } of this.store.deliveries.pendingLanes()) {
        const lane = this.laneFor(subscriptionId);
        if (lane) lane.wakeAt = Math.min(lane.wakeAt, dueAt);
      }
      this.initialised = true;
    }
    if (this.fresh) {
      this.fresh = false;
      // `seenId` moves on after the loop: a lane made in it looks at the new ones (`laneFor`).
      let seen = this.seenId;
      const news = this.store.deliveries.newSince(this.seenId, this.freshFrom);
      for (const { subscriptionId, lastId, count, fresh } of news) {
        seen = Math.max(seen, lastId);
        const lane = this.laneFor(subscriptionId);
        if (lane) {
          // Behind them a backlog (a restart's history), or many at once: fresh calls first.
          // None of them fresh (a catch-up's history): nothing to put first, and no query; each
          // of a catch-up's batches read every lane's whole backlog for nothing (BENCHMARKS.md,
          // "fresh2").
          if (fresh > 0 && (count > 1 || lane.hasBacklog || lane.wakeAt <= now))
            this.readFresh(lane, lastId, now);
          lane.freshThrough = Math.max(lane.freshThrough, lastId);
          lane.more = true;
          this.scheduler.wake(lane);
        }
      }
      this.seenId = seen;
    }
    for (const lane of this.scheduler.lanes())
      if (!lane.listed && (lane.more || lane.wakeAt <= now)) this.scheduler.wake(lane);
    // Real time, not the injected clock: removals happen in real time (the API, the CLI).
    if (performance.now() - this.lastRemovalCheck >= TICK_MS) {
      this.lastRemovalCheck = performance.now();
      this.dropRemovedLanes();
    }
    if (performance.now() - this.lastGiveUpSweep >= 60_000) {
      this.lastGiveUpSweep = performance.now();
      this.store.deliveries.giveUpOlderThan(
        now - this.retry.giveUpAfterMs - GIVE_UP_GRACE_MS,
        GIVE_UP_BATCH,
      );
    }
  }

  /** Subscriptions removed elsewhere (the API, the CLI): stop sending what their lanes hold. */
  private dropRemovedLanes(): void {
    const holding = [...this.scheduler.lanes()].filter((l) => l.queued > 0).map((l) => l.id);
    if (holding.length === 0) return;
    const active = this.store.subscriptions.activeAmong(holding);
    for (const id of holding) {
      const lane = this.scheduler.lane(id);
      if (lane && !active.has(id)) this.scheduler.removeLane(lane);
    }
  }

  private laneFor(subscriptionId: string): Lane | null {
    const known = this.scheduler.lane(subscriptionId);
    if (known) return known;
    const target = this.store.subscriptions.target(subscriptionId);
    if (!target || !URL.canParse(target.targetUrl)) return null;
    const lane = this.scheduler.addLane(target, new URL(target.targetUrl));
    // What was stored before the worker looked last is read in order (`refill`).
    lane.freshThrough = this.seenId;
    return lane;
  }

  /**
   * Queue the lane's new deliveries (ids up to `throughId`) of calls that occurred since the
   * worker started (a minute's grace) ahead of what it holds: after downtime a location's
   * first poll stores the history it missed, and a call missed after the restart would
   * otherwise wait behind all of it (docs/design.md, "Delivery"). Each delivery is looked at
   * once (the caller moves `Lane.freshThrough` on); with the breaker tripped the lane sends
   * only its probe.
   */
  private readFresh(lane: Lane, throughId: number, now: number): void {
    if (lane.removed || lane.target.tripped || lane.freshThrough >= throughId) return;
    const held = this.heldFor(lane);
    const found = this.store.deliveries.freshDue(
      lane.id,
      { afterId: lane.freshThrough, throughId, occurredFrom: this.freshFrom },
      now,
      LANE_BATCH,
      held,
    );
    // More than a batch: the rest follow in order (`refill`).
    lane.pushFresh(found, this.freshFrom);
  }

  /** What a read for the lane leaves out: what it holds, and in `deliverDue`'s round what was sent. */
  private heldFor(lane: Lane): ReadonlySet<number> {
    const round = this.round;
    return round ? new Set([...lane.held, ...round]) : lane.held;
  }

  private refill(lane: Lane, now: number): void {
    const held = this.heldFor(lane);
    const want = lane.target.tripped ? 1 : Math.min(LANE_BATCH, Math.max(8, 2 * lane.target.limit));
    const due = this.store.deliveries.laneDue(lane.id, now, want, held);
    for (const delivery of due) lane.push(delivery);
    lane.more = due.length === want;
    lane.wakeAt = lane.more
      ? Infinity
      : (this.store.deliveries.laneNextDue(lane.id, now) ?? Infinity);
  }

  /**
   * Start what the limits allow, at most `PUMP_SLICE` at a time: starting a request costs
   * ~0.1 ms, and hundreds at once (a backlog meeting a thousand free slots) held the event loop
   * for 25–85 ms at a time. The rest start on the next turn, after pending I/O; in the start's
   * window what its rate leaves for the period, the rest when the next period begins. Returns
   * how many started.
   */
  private pump(): number {
    if (this.stopping) return 0;
    // `deliverDue`'s round sends every due delivery: only the worker's own loop is held to the
    // start's rate.
    const rate = this.round === null ? this.startRate : null;
    const room = rate?.room() ?? Infinity;
    const slice = Math.min(PUMP_SLICE, room);
    let started = 0;
    const now = this.now();
    while (started < slice) {
      const next = this.scheduler.next(now);
      if (!next) break;
      this.launch(next.lane, next.delivery);
      started++;
    }
    rate?.took(started);
    if (started < slice) return started;
    if (rate && slice === room) this.afterPeriod(rate);
    else if (this.running) this.soon('slot');
    return started;
  }

  /** The start's rate is used up for this period: look again when the next one begins. */
  private afterPeriod(rate: StartWindowRate): void {
    if (!this.running || this.rateTimer) return;
    this.rateTimer = setTimeout(() => {
      this.rateTimer = null;
      if (this.running) this.cycle(false);
    }, rate.untilNextPeriod());
  }

  private launch(lane: Lane, delivery: DueDelivery): void {
    this.startedTotal++;
    this.round?.add(delivery.id);
    const work = this.attempt(lane, delivery)
      .catch(() => undefined)
      .finally(() => {
        this.scheduler.finished(lane);
        this.work.delete(work);
        if (this.running) this.soon('slot');
      });
    this.work.add(work);
  }

  private async attempt(lane: Lane, delivery: DueDelivery): Promise<void> {
    const at = this.now();
    const started = performance.now();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent ?? '3cx-missed-call-bridge',
    };
    let statusCode: number | null = null;
    let error: string | null = null;
    let detail: string | null = null;
    let retryAfter: number | null = null;
    let signal: TargetSignal;
    try {
      if (lane.subscription.kind === 'webhook') {
        if (lane.signer === undefined) {
          const secret = this.store.subscriptions.signingSecret(lane.id);
          lane.signer = secret ? webhookSigner(secret) : null;
        }
        if (lane.signer)
          Object.assign(headers, lane.signer(delivery.eventId, at, delivery.payload));
      }
      const answer = await this.client.post(
        lane.url,
        headers,
        Buffer.from(delivery.payload),
        this.timeoutMs,
      );
      statusCode = answer.statusCode;
      retryAfter = parseRetryAfter(answer.retryAfter, at);
      if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
      signal = statusCode === 429 || statusCode === 503 ? 'slow-down' : 'answered';
    } catch (err) {
      const described = describeAttemptError(err);
      error = described.category;
      detail = described.detail;
      signal = described.signal;
    }
    const durationMs = performance.now() - started;
    lane.target.finished(signal, durationMs, this.now(), lane.hasBacklog);
    this.settle(lane, delivery, { at, statusCode, error, durationMs }, retryAfter, detail);
  }

  /** Decide what an attempt means for its delivery and queue the record. */
  private settle(
    lane: Lane,
    delivery: DueDelivery,
    result: AttemptResult,
    retryAfter: number | null,
    detail: string | null,
  ): void {
    const now = this.now();
    let outcome: DeliveryOutcome;
    let next: AttemptRecord['next'];
    if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
      outcome = 'delivered';
      next = { status: 'delivered' };
    } else if (result.statusCode === 410) {
      outcome = 'gone';
      next = { status: 'cancelled' };
      // Nothing more goes to it from now on; the record removes the subscription.
      this.scheduler.removeLane(lane);
    } else {
      const at = nextAttemptAt(
        this.retry,
        delivery.attempts + 1,
        delivery.createdAt,
        now,
        this.random,
        retryAfter,
      );
      outcome = at === null ? 'failed' : 'retry';
      next = at === null ? { status: 'failed' } : { status: 'pending', nextAttemptAt: at };
    }
    this.records.push({ id: delivery.id, result, next, lane });
    if (this.records.length >= RECORD_BATCH) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
    this.options.metrics?.deliveryAttempted(
      outcome,
      outcome === 'delivered' ? now - delivery.createdAt : undefined,
    );
    this.options.onResult?.(delivery, outcome, result, detail);
  }

  /**
   * Write the queued records in one transaction. Until then their deliveries stay held, so no
   * lane reads them again; a retry's lane wakes when it falls due.
   */
  private flush(): void {
    this.flushQueued = false;
    if (this.records.length === 0) return;
    const batch = this.records;
    this.records = [];
    let written = true;
    try {
      this.store.transaction(() => {
        this.store.deliveries.recordMany(batch);
        for (const r of batch) {
          if (r.next.status !== 'cancelled') continue;
          const { locationId, id } = r.lane.subscription;
          this.store.subscriptions.remove(
            locationId,
            id,
            'the subscriber answered 410 Gone',
            new Date(r.result.at),
          );
        }
      });
    } catch {
      // A store error (disk full, locked): the deliveries are still pending in the store and
      // are tried again after a pause, not at once.
      written = false;
    }
    const release = () => {
      for (const r of batch) {
        const lane = r.lane;
        lane.held.delete(r.id);
        if (lane.removed) continue;
        if (!written) lane.wakeAt = Math.min(lane.wakeAt, this.now());
        else if (r.next.nextAttemptAt !== undefined)
          lane.wakeAt = Math.min(lane.wakeAt, r.next.nextAttemptAt);
      }
    };
    // Not written: the deliveries are still pending (due) in the store; they stay held for a
    // pause so that a store that keeps failing does not resend them in a tight loop.
    if (written) release();
    else setTimeout(release, TICK_MS).unref();
    if (this.running) this.arm();
  }
}
