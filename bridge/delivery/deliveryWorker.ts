import type { BridgeMetrics } from '../metrics';
import type { BridgeStore } from '../store/bridgeStore';
import type { AttemptResult, DueDelivery } from '../store/deliveries';
import {
  DEFAULT_RETRY_POLICY,
  nextAttemptAt,
  parseRetryAfter,
  type RetryPolicy,
} from './retrySchedule';
import { signatureHeaders } from './webhookSigning';

export interface DeliveryWorkerOptions {
  store: BridgeStore;
  now?: () => number;
  random?: () => number;
  /** Deliveries in flight at once, across all subscribers. */
  concurrency?: number;
  /**
   * Deliveries in flight at once to one subscription; half the concurrency by default, so a
   * subscriber that hangs until the timeout never takes every slot from the others.
   */
  perSubscriptionConcurrency?: number;
  /** A subscriber that does not answer within this is a failed attempt (retried). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  metrics?: BridgeMetrics;
  userAgent?: string;
  onResult?: (delivery: DueDelivery, outcome: DeliveryOutcome, result: AttemptResult) => void;
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'gone' | 'failed';

/**
 * Posts stored events to their subscribers. Bounded concurrency; a 2xx marks the delivery
 * done; `410 Gone` (Zapier's "this Zap is off") removes the subscription; anything else is
 * retried with backoff for hours. Every attempt is recorded. A crash mid-delivery leaves the
 * delivery pending, so it is sent again with the same event id (at-least-once).
 *
 * A slow or silent subscriber holds at most its share of the slots, and the loop starts new
 * deliveries as soon as a slot frees or an event is stored, never waiting for a whole batch:
 * one subscriber that hangs until the timeout must not delay another's missed call.
 */
export class DeliveryWorker {
  private readonly store: BridgeStore;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly perSubscription: number;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly inFlightBySubscription = new Map<string, number>();
  private running = false;
  private stopping = false;
  private wake: (() => void) | null = null;
  /** A poke that came while the loop was busy: look again before sleeping. */
  private poked = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.concurrency = options.concurrency ?? 8;
    this.perSubscription = Math.max(
      1,
      Math.min(
        this.concurrency,
        options.perSubscriptionConcurrency ?? Math.floor(this.concurrency / 2),
      ),
    );
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.loop = this.runLoop();
  }

  /** Stop taking new deliveries; wait for those in flight (each is bounded by the timeout). */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.poke();
    await this.loop;
    await Promise.allSettled(this.inFlight.values());
    this.stopping = false; // stopped: `deliverDue` may again be driven by hand
  }

  /** New events were stored (or a slot freed): deliver now rather than at the next check. */
  poke(): void {
    this.poked = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /**
   * One round: start every due delivery (within the concurrency and each subscription's share)
   * and wait until none is in flight or due. Tests and the CLI drive delivery with this.
   */
  async deliverDue(): Promise<number> {
    let started = 0;
    const tried = new Set<number>(); // once per round, even if a store error left it pending
    for (;;) {
      started += this.startDue(tried);
      if (this.inFlight.size === 0 || this.stopping) break;
      await Promise.race(this.inFlight.values());
    }
    await Promise.allSettled(this.inFlight.values());
    return started;
  }

  /** Start due deliveries while slots are free (none once stopping); returns how many. */
  private startDue(tried?: Set<number>): number {
    let started = 0;
    for (;;) {
      const free = this.concurrency - this.inFlight.size;
      if (free <= 0 || this.stopping) return started;
      const busy = new Set<string>();
      for (const [subscription, count] of this.inFlightBySubscription)
        if (count >= this.perSubscription) busy.add(subscription);
      const skip = new Set([...this.inFlight.keys(), ...(tried ?? [])]);
      const due = this.store.deliveries.due(this.now(), free, skip, busy);
      if (due.length === 0) return started;
      for (const delivery of due) {
        const count = this.inFlightBySubscription.get(delivery.subscriptionId) ?? 0;
        if (count >= this.perSubscription) continue; // its share filled up within this batch
        this.inFlightBySubscription.set(delivery.subscriptionId, count + 1);
        tried?.add(delivery.id);
        started++;
        const work = this.deliver(delivery).then(
          () => this.finished(delivery, true),
          // A store error (disk full, locked): the delivery stays pending and is tried again
          // after the loop's pause, not at once.
          () => this.finished(delivery, false),
        );
        this.inFlight.set(delivery.id, work);
      }
    }
  }

  /** A delivery left the pool: free its slot, and let the loop fill it. */
  private finished(delivery: DueDelivery, recorded: boolean): void {
    this.inFlight.delete(delivery.id);
    const left = (this.inFlightBySubscription.get(delivery.subscriptionId) ?? 1) - 1;
    if (left > 0) this.inFlightBySubscription.set(delivery.subscriptionId, left);
    else this.inFlightBySubscription.delete(delivery.subscriptionId);
    if (recorded) this.poke();
  }

  private async runLoop(): Promise<void> {
    while (this.running) {
      this.poked = false;
      let wait = 1000;
      try {
        this.startDue();
        // Deliveries in flight are still pending, so a due time in the past means "wait for a
        // slot": a finishing delivery pokes the loop.
        const nextDue = this.store.deliveries.nextDueAt();
        if (nextDue !== null && nextDue > this.now()) wait = Math.min(1000, nextDue - this.now());
      } catch {
        // A store error (disk full, locked): try again after the pause below.
      }
      if (!this.running) break;
      if (this.poked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async deliver(delivery: DueDelivery): Promise<void> {
    const at = this.now();
    const started = performance.now();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent ?? '3cx-missed-call-bridge',
    };
    if (delivery.kind === 'webhook') {
      const secret = this.store.subscriptions.signingSecret(delivery.subscriptionId);
      if (secret)
        Object.assign(headers, signatureHeaders(secret, delivery.eventId, at, delivery.payload));
    }
    let statusCode: number | null = null;
    let error: string | null = null;
    let retryAfter: number | null = null;
    try {
      const response = await fetch(delivery.targetUrl, {
        method: 'POST',
        headers,
        body: delivery.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      statusCode = response.status;
      retryAfter = parseRetryAfter(response.headers.get('retry-after'), at);
      await response.body?.cancel().catch(() => undefined);
      if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
    } catch (err) {
      error = describeFetchError(err, this.timeoutMs);
    }
    const result: AttemptResult = {
      at,
      statusCode,
      error,
      durationMs: performance.now() - started,
    };
    const outcome = this.settle(delivery, result, retryAfter);
    this.options.metrics?.deliveryAttempted(
      outcome,
      outcome === 'delivered' ? this.now() - delivery.createdAt : undefined,
    );
    this.options.onResult?.(delivery, outcome, result);
  }

  private settle(
    delivery: DueDelivery,
    result: AttemptResult,
    retryAfter: number | null,
  ): DeliveryOutcome {
    const now = this.now();
    if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
      this.store.deliveries.record(delivery.id, result, { status: 'delivered' });
      return 'delivered';
    }
    if (result.statusCode === 410) {
      this.store.transaction(() => {
        this.store.deliveries.record(delivery.id, result, { status: 'cancelled' });
        this.store.subscriptions.remove(
          delivery.locationId,
          delivery.subscriptionId,
          'the subscriber answered 410 Gone',
          new Date(now),
        );
      });
      return 'gone';
    }
    const next = nextAttemptAt(
      this.retry,
      delivery.attempts + 1,
      delivery.createdAt,
      now,
      this.random,
      retryAfter,
    );
    if (next === null) {
      this.store.deliveries.record(delivery.id, result, { status: 'failed' });
      return 'failed';
    }
    this.store.deliveries.record(delivery.id, result, { status: 'pending', nextAttemptAt: next });
    return 'retry';
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `no answer within ${timeoutMs} ms`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
