/**
 * How many deliveries one target (a location's subscribers at one origin) may have in flight,
 * and whether it is worth trying at all.
 *
 * - **Concurrency that follows latency.** A receiver that takes 200 ms to answer needs many
 *   requests in flight to take hundreds of events a second; one that answers at once gains
 *   nothing from more. The limit starts small and grows by one per answer while the target has
 *   a backlog and its answers come back about as fast as its quickest (more requests are being
 *   served side by side, not queued); it halves when the target times out, refuses connections
 *   or asks to slow down (429, 503). So a slow receiver is not capped at `limit / latency`
 *   events a second, and a struggling one is not piled on.
 * - **A circuit breaker.** After `breakerThreshold` attempts in a row that time out or cannot
 *   connect, the target is *open*: nothing is sent to it for a cool-down (doubling up to
 *   `maxCooldownMs`), then one probe is let through; an answer closes it, another failure opens
 *   it again. Deliveries due meanwhile wait in the store (given up 24 hours after they were
 *   stored, like any other), so a black-holed receiver costs no connections and no slots.
 */
export interface TargetHealthOptions {
  initialLimit: number;
  maxLimit: number;
  breakerThreshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
}

export const DEFAULT_TARGET_HEALTH: Omit<TargetHealthOptions, 'maxLimit'> = {
  initialLimit: 4,
  breakerThreshold: 5,
  cooldownMs: 30_000,
  maxCooldownMs: 10 * 60_000,
};

/** How an attempt went, as far as the target's capacity is concerned. */
export type TargetSignal =
  /** A 2xx or another status that is the receiver's answer (it is up). */
  | 'answered'
  /** 429 or 503: up, but asking for less. */
  | 'slow-down'
  /** Timed out, could not connect, TLS failed. */
  | 'unreachable'
  /** Never tried (refused by the address policy): says nothing about the target. */
  | 'refused';

/** How long the quickest recent answer is remembered before it is measured afresh. */
const MIN_RTT_WINDOW_MS = 10_000;

export class TargetHealth {
  limit: number;
  inFlight = 0;
  private failuresInARow = 0;
  private openUntil = 0;
  private cooldownMs: number;
  private probing = false;
  private minRttMs = Infinity;
  private minRttAt = 0;

  constructor(private readonly options: TargetHealthOptions) {
    this.limit = Math.max(1, Math.min(options.initialLimit, options.maxLimit));
    this.cooldownMs = options.cooldownMs;
  }

  /**
   * Open and cooling down: deliveries are not sent. (Once a probe is on its way the others wait
   * for its answer instead: `canStart` is false until it comes.)
   */
  isOpen(now: number): boolean {
    return this.openUntil > now;
  }

  /** When a probe may go (0: the breaker is closed). */
  get reopenAt(): number {
    return this.openUntil;
  }

  /** True while the breaker is open or half open (for status and tests). */
  get tripped(): boolean {
    return this.openUntil > 0;
  }

  /** Whether one more delivery may start now. */
  canStart(now: number): boolean {
    if (this.openUntil > 0) {
      // Half open: one probe at a time once the cool-down has passed.
      return this.openUntil <= now && !this.probing && this.inFlight === 0;
    }
    return this.inFlight < this.limit;
  }

  started(now: number): void {
    this.inFlight++;
    if (this.openUntil > 0 && this.openUntil <= now) this.probing = true;
  }

  /**
   * An attempt finished. `backlog`: more deliveries for this target were waiting, so the limit
   * was what held them back.
   */
  finished(signal: TargetSignal, rttMs: number, now: number, backlog: boolean): void {
    const busy = this.inFlight * 2 >= this.limit; // using its limit, not held back by another cap
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (signal === 'refused') {
      this.probing = false;
      return;
    }
    if (signal === 'unreachable') {
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.failuresInARow++;
      if (this.probing) {
        this.probing = false;
        this.cooldownMs = Math.min(this.options.maxCooldownMs, this.cooldownMs * 2);
        this.openUntil = now + this.cooldownMs;
      } else if (this.failuresInARow >= this.options.breakerThreshold && this.openUntil === 0) {
        this.openUntil = now + this.cooldownMs;
      }
      return;
    }
    // The target answered: it is up.
    this.failuresInARow = 0;
    if (this.openUntil > 0) {
      this.openUntil = 0;
      this.probing = false;
      this.cooldownMs = this.options.cooldownMs;
      this.limit = Math.max(1, Math.min(this.options.initialLimit, this.options.maxLimit));
      return;
    }
    if (signal === 'slow-down') {
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      return;
    }
    if (now - this.minRttAt > MIN_RTT_WINDOW_MS || rttMs < this.minRttMs) {
      this.minRttMs = rttMs;
      this.minRttAt = now;
    }
    // Answers as quick as the quickest: the target serves requests side by side, so more
    // of them in flight means more per second rather than a longer queue.
    const notQueueing = rttMs <= this.minRttMs * 2 + 20;
    if (backlog && busy && notQueueing)
      this.limit = Math.min(this.options.maxLimit, this.limit + 1);
  }
}
