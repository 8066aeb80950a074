import type { DueDelivery } from '../store/deliveries';
import type { SubscriptionTarget } from '../store/subscriptions';
import { DEFAULT_TARGET_HEALTH, TargetHealth, type TargetHealthOptions } from './targetHealth';
import type { WebhookSigner } from './webhookSigning';

/**
 * Which delivery goes next, so that no location starves another and no target starves its
 * siblings (docs/api.md "Delivery"):
 *
 * - **Lanes.** Each subscription is a lane: its due deliveries, oldest first (the calls since a
 *   restart ahead of its backlog: deliveryWorker.ts `readFresh`), a bounded number
 *   of them in memory (the rest stay in the store and are read when the lane runs low).
 * - **Locations take turns.** The locations with work form a ring; each turn starts one
 *   delivery of the next location, from the next of its lanes that may start one. A location
 *   with ten thousand deliveries waiting gets one turn like a location with one.
 * - **Three limits.** In flight at once: `concurrency` in all, `perLocation` for one
 *   location, and per target (a location's subscribers at one origin) a limit that follows the
 *   target's latency up to `perTarget` (targetHealth.ts). `perLocation` below `concurrency`
 *   means a location whose targets all hang until the timeout still leaves slots free for
 *   every other location; `perTarget` below `perLocation` does the same for a location's
 *   other targets.
 * - **A cap that moves.** The worker lowers the overall limit while the event loop lags
 *   (loopPace.ts, `setCap`); each location's limit shrinks with it in proportion (at least
 *   one), so under the lower cap a location whose targets all hang still holds only its share
 *   and the others keep their turns.
 * - **Open circuits.** A target whose breaker is open sends nothing: its lanes let go of what
 *   they hold (still pending in the store) and sleep until the breaker lets a probe through, so
 *   a black-holed receiver costs neither slots nor reads.
 */
export interface SchedulerLimits {
  concurrency: number;
  perLocation: number;
  perTarget: number;
  health: Omit<TargetHealthOptions, 'maxLimit'>;
}

/** The default limits for a given overall concurrency (docs/api.md "Delivery"). */
export function limitsFor(
  concurrency: number,
  overrides: {
    perLocation?: number;
    perTarget?: number;
    health?: Partial<TargetHealthOptions>;
  } = {},
): SchedulerLimits {
  const perLocation = Math.max(
    1,
    Math.min(concurrency, overrides.perLocation ?? Math.max(2, Math.floor(concurrency / 4))),
  );
  const perTarget = Math.max(
    1,
    Math.min(perLocation, overrides.perTarget ?? Math.floor(perLocation / 2)),
  );
  return {
    concurrency,
    perLocation,
    perTarget,
    health: { ...DEFAULT_TARGET_HEALTH, ...overrides.health },
  };
}

/** One location's turn-taking state. */
export interface LocationShare {
  readonly locationId: string;
  inFlight: number;
  /** Its lanes that may have work, in turn order. */
  readonly lanes: Lane[];
  cursor: number;
  listed: boolean;
}

/** One subscription's deliveries, as the worker holds them. */
export class Lane {
  /** Ids the worker holds (queued, in flight or being recorded): never read again meanwhile. */
  readonly held = new Set<number>();
  private queue: DueDelivery[] = [];
  private head = 0;
  /** The store may hold due deliveries of this lane that are not in memory. */
  more = false;
  /** Deliveries up to this id were looked at for fresh ones (the worker's `readFresh`). */
  freshThrough = 0;
  /** When the earliest delivery of this lane not in memory falls due (Infinity: none known). */
  wakeAt = Infinity;
  listed = false;
  removed = false;
  inFlight = 0;
  /** The webhook signer (null for REST hooks), made on first use. */
  signer: WebhookSigner | null | undefined = undefined;

  constructor(
    readonly subscription: SubscriptionTarget,
    readonly url: URL,
    readonly target: TargetHealth,
    readonly share: LocationShare,
  ) {}

  get id(): string {
    return this.subscription.id;
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Deliveries waiting for this lane's target: in memory, or in the store. */
  get hasBacklog(): boolean {
    return this.queued > 0 || this.more;
  }

  push(delivery: DueDelivery): void {
    this.queue.push(delivery);
    this.held.add(delivery.id);
  }

  /**
   * Queue fresh calls' deliveries (their event occurred at or after `freshFrom`) ahead of the
   * queued ones that are not fresh (a restart's backlog), behind those that are: among fresh
   * calls the lane stays oldest first.
   */
  pushFresh(deliveries: readonly DueDelivery[], freshFrom: string): void {
    let at = this.head;
    while (at < this.queue.length && this.queue[at].occurredAt >= freshFrom) at++;
    this.queue.splice(at, 0, ...deliveries);
    for (const delivery of deliveries) this.held.add(delivery.id);
  }

  shift(): DueDelivery {
    const delivery = this.queue[this.head++];
    if (this.head >= 64 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return delivery;
  }

  /**
   * Empty the queue (the subscription is gone, or its target's breaker opened); the ids are no
   * longer held. Returns them: on Postgres they are claimed, and the claims go back at once.
   */
  clear(): number[] {
    const dropped: number[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      this.held.delete(this.queue[i].id);
      dropped.push(this.queue[i].id);
    }
    this.queue = [];
    this.head = 0;
    this.more = false;
    return dropped;
  }
}

export interface SchedulerHooks {
  /** Read more of the lane's due deliveries from the store into it. */
  refill(lane: Lane, now: number): void;
  /** Queued deliveries were dropped unsent (`Lane.clear`): give back what holds them. */
  dropped?(ids: readonly number[]): void;
}

export class FairScheduler {
  inFlight = 0;
  /** In flight at once in all now: `limits.concurrency`, or less while the loop lags. */
  private capNow: number;
  /** In flight at once for one location now: `limits.perLocation` scaled as the cap is. */
  private perLocationNow: number;
  private readonly lanesById = new Map<string, Lane>();
  private readonly shares = new Map<string, LocationShare>();
  private readonly targets = new Map<string, TargetHealth>();
  private readonly ring: LocationShare[] = [];
  private cursor = 0;

  constructor(
    readonly limits: SchedulerLimits,
    private readonly hooks: SchedulerHooks,
  ) {
    this.capNow = limits.concurrency;
    this.perLocationNow = limits.perLocation;
  }

  /** The overall limit now. */
  get cap(): number {
    return this.capNow;
  }

  /**
   * Lower (or restore) the overall limit, within 1 and `limits.concurrency`. Deliveries already
   * in flight finish; no new one starts until they are under it. A location's limit keeps its
   * ratio to the overall one, so that `perLocation`'s promise (a location that hangs leaves the
   * others room) holds under any cap.
   */
  setCap(cap: number): void {
    const { concurrency, perLocation } = this.limits;
    this.capNow = Math.max(1, Math.min(concurrency, Math.floor(cap)));
    this.perLocationNow = Math.max(
      1,
      Math.min(perLocation, Math.floor((perLocation * this.capNow) / concurrency)),
    );
  }

  lane(subscriptionId: string): Lane | undefined {
    return this.lanesById.get(subscriptionId);
  }

  lanes(): IterableIterator<Lane> {
    return this.lanesById.values();
  }

  /** The lane of a subscription; its target is the location's subscribers at the URL's origin. */
  addLane(subscription: SubscriptionTarget, url: URL): Lane {
    const existing = this.lanesById.get(subscription.id);
    if (existing) return existing;
    let share = this.shares.get(subscription.locationId);
    if (!share) {
      share = {
        locationId: subscription.locationId,
        inFlight: 0,
        lanes: [],
        cursor: 0,
        listed: false,
      };
      this.shares.set(subscription.locationId, share);
    }
    const key = `${subscription.locationId} ${url.origin}`;
    let target = this.targets.get(key);
    if (!target) {
      target = new TargetHealth({ ...this.limits.health, maxLimit: this.limits.perTarget });
      this.targets.set(key, target);
    }
    const lane = new Lane(subscription, url, target, share);
    this.lanesById.set(subscription.id, lane);
    return lane;
  }

  /** The subscription is gone: its lane takes no more turns. */
  removeLane(lane: Lane): void {
    lane.removed = true;
    this.drop(lane);
    this.lanesById.delete(lane.id);
  }

  /**
   * Empty every lane (the worker is stopping): what they held goes back (`dropped`) for
   * another instance, or this one when it starts again, to read from the store.
   */
  dropQueued(): void {
    for (const lane of this.lanesById.values()) this.drop(lane);
  }

  /** The lane may have work: give it turns. */
  wake(lane: Lane): void {
    if (lane.removed || lane.listed) return;
    lane.listed = true;
    lane.share.lanes.push(lane);
    if (!lane.share.listed) {
      lane.share.listed = true;
      this.ring.push(lane.share);
    }
  }

  /** Targets whose circuit is open now (for the status gauge). */
  openTargets(now: number): number {
    let open = 0;
    for (const target of this.targets.values()) if (target.isOpen(now)) open++;
    return open;
  }

  /**
   * The next delivery to start, already counted as in flight; null when none may start now
   * (nothing due, or every location or target with work is at its limit).
   */
  next(now: number): { lane: Lane; delivery: DueDelivery } | null {
    if (this.inFlight >= this.capNow) return null;
    const ring = this.ring;
    for (let visited = 0; visited < ring.length;) {
      if (this.cursor >= ring.length) this.cursor = 0;
      const share = ring[this.cursor];
      if (share.lanes.length === 0) {
        // Nothing left to do: out of the ring until a lane wakes again.
        share.listed = false;
        ring.splice(this.cursor, 1);
        continue;
      }
      this.cursor++;
      visited++;
      if (share.inFlight >= this.perLocationNow) continue;
      const lane = this.nextLane(share, now);
      if (!lane) continue;
      const delivery = lane.shift();
      lane.inFlight++;
      lane.target.started(now);
      share.inFlight++;
      this.inFlight++;
      return { lane, delivery };
    }
    return null;
  }

  /** A delivery `next` gave out has finished (its record may still be on its way). */
  finished(lane: Lane): void {
    lane.inFlight--;
    lane.share.inFlight--;
    this.inFlight--;
  }

  private drop(lane: Lane): void {
    const ids = lane.clear();
    if (ids.length > 0) this.hooks.dropped?.(ids);
  }

  /** The location's next lane (in turn) that may start a delivery now. */
  private nextLane(share: LocationShare, now: number): Lane | null {
    const lanes = share.lanes;
    for (let visited = 0; visited < lanes.length;) {
      if (share.cursor >= lanes.length) share.cursor = 0;
      const lane = lanes[share.cursor];
      if (lane.target.isOpen(now)) {
        // Open: hold nothing, read nothing, until a probe may go.
        this.drop(lane);
        lane.wakeAt = lane.target.reopenAt;
      } else if (!lane.removed && lane.queued === 0 && (lane.more || lane.wakeAt <= now))
        this.hooks.refill(lane, now);
      if (lane.removed || lane.queued === 0) {
        lane.listed = false;
        lanes.splice(share.cursor, 1);
        // Nothing held and nothing due, ever: forget the lane (its target's health stays);
        // new deliveries make it again.
        if (!lane.more && lane.wakeAt === Infinity && lane.held.size === 0)
          this.lanesById.delete(lane.id);
        continue;
      }
      share.cursor++;
      visited++;
      if (lane.target.canStart(now)) return lane;
    }
    return null;
  }
}
