import type { TickReport } from '../../lib/poller/callPoller';
import type { InboundCallSource } from '../reports/reconciliation';

/** Anything the scheduler can poll: one location's poller. */
export interface PollTarget {
  locationId: string;
  intervalMs: number;
  tick(): Promise<TickReport>;
  /** The location's 3CX client, for its other reports (one token per API client). */
  client?: InboundCallSource;
}

export interface LocationPollStatus {
  locationId: string;
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  consecutiveErrors: number;
  /** How stale the bridge's view of this PBX is: seconds since the last successful poll. */
  lagSeconds: number | null;
  /**
   * How far back each poll still reads because calls are in progress (the watermark is held
   * at the oldest live call): large during long calls, by design, not a health signal.
   */
  windowHeldSeconds: number | null;
  nextPollAt: string | null;
  polling: boolean;
}

interface Slot {
  target: PollTarget;
  timer: NodeJS.Timeout | null;
  running: Promise<unknown> | null;
  status: LocationPollStatus;
}

const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Runs every location's poller on its own interval, with up to 10 % jitter (so 200 PBXs added
 * at once do not poll in lock-step) and exponential backoff on errors. Each location has its own
 * timer and promise: a slow or failing PBX never delays another.
 */
export class PollScheduler {
  private readonly slots = new Map<string, Slot>();
  private running = false;

  constructor(
    private readonly options: {
      now?: () => number;
      random?: () => number;
      onTick?: (locationId: string, report: TickReport, seconds: number) => void;
      onError?: (locationId: string, error: unknown, seconds: number) => void;
    } = {},
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  add(target: PollTarget): void {
    this.remove(target.locationId);
    const slot: Slot = {
      target,
      timer: null,
      running: null,
      status: {
        locationId: target.locationId,
        lastPollAt: null,
        lastSuccessAt: null,
        lastError: null,
        consecutiveErrors: 0,
        lagSeconds: null,
        windowHeldSeconds: null,
        nextPollAt: null,
        polling: false,
      },
    };
    this.slots.set(target.locationId, slot);
    // Spread the first polls over one interval.
    if (this.running)
      this.schedule(slot, (this.options.random ?? Math.random)() * target.intervalMs);
  }

  remove(locationId: string): void {
    const slot = this.slots.get(locationId);
    if (!slot) return;
    if (slot.timer) clearTimeout(slot.timer);
    this.slots.delete(locationId);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Spread the first polls over a whole interval: the scheduler keeps each location's phase
    // from then on, so polls bunched at start would stay bunched (200 PBXs, BENCHMARKS.md).
    const random = this.options.random ?? Math.random;
    for (const slot of this.slots.values()) this.schedule(slot, random() * slot.target.intervalMs);
  }

  /** Stop scheduling and wait for polls in flight (their commit is one transaction anyway). */
  async stop(): Promise<void> {
    this.running = false;
    const inFlight: Array<Promise<unknown>> = [];
    for (const slot of this.slots.values()) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
      if (slot.running) inFlight.push(slot.running);
    }
    await Promise.allSettled(inFlight);
  }

  status(): LocationPollStatus[] {
    return [...this.slots.values()].map((s) => this.view(s));
  }

  /** One location's status; null when it is not polled. */
  statusOf(locationId: string): LocationPollStatus | null {
    const slot = this.slots.get(locationId);
    return slot ? this.view(slot) : null;
  }

  private view(slot: Slot): LocationPollStatus {
    const last = slot.status.lastSuccessAt;
    return {
      ...slot.status,
      lagSeconds:
        last === null ? null : Math.max(0, Math.round((this.now - Date.parse(last)) / 1000)),
    };
  }

  /** Poll one location now (tests, the CLI); waits for a poll already running instead. */
  async pollNow(locationId: string): Promise<TickReport> {
    const slot = this.slots.get(locationId);
    if (!slot) throw new Error(`No poller for location ${locationId}`);
    if (slot.running) await slot.running.catch(() => undefined);
    return this.run(slot);
  }

  private schedule(slot: Slot, delayMs: number): void {
    if (!this.running || this.slots.get(slot.target.locationId) !== slot) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.status.nextPollAt = new Date(this.now + delayMs).toISOString();
    slot.timer = setTimeout(() => {
      slot.timer = null;
      const started = this.now;
      this.run(slot)
        .catch(() => undefined)
        .finally(() => this.schedule(slot, this.nextDelay(slot, this.now - started)));
    }, delayMs);
    slot.timer.unref?.();
  }

  /**
   * Measured from the start of the poll that just ran, so a location is polled every interval
   * however long its poll took, and jittered only downwards (−10 %): an event is never more
   * than one interval late to be noticed (BENCHMARKS.md, latency). A poll that took longer than
   * that is followed at the next point of the location's own schedule, not at once: polls that
   * overran together (the first round's catch-ups, a stall) would otherwise all start again
   * together and stay bunched for good (issue 16: 183 of 200 polls in flight at once, waiting
   * seconds for their processing turns). Errors back off doubling.
   */
  private nextDelay(slot: Slot, tookMs: number): number {
    const base = slot.target.intervalMs;
    if (slot.status.consecutiveErrors > 0) {
      const backoff = Math.min(base * 2 ** slot.status.consecutiveErrors, MAX_BACKOFF_MS);
      return backoff * (0.9 + (this.options.random ?? Math.random)() * 0.2);
    }
    const jittered = base * (0.9 + (this.options.random ?? Math.random)() * 0.1);
    return Math.max(100, jittered - (tookMs % jittered));
  }

  private async run(slot: Slot): Promise<TickReport> {
    const started = this.now;
    const startedReal = performance.now();
    slot.status.polling = true;
    const work = slot.target.tick();
    slot.running = work;
    try {
      const report = await work;
      const seconds = (performance.now() - startedReal) / 1000;
      slot.status.lastPollAt = new Date(started).toISOString();
      slot.status.lastSuccessAt = slot.status.lastPollAt;
      slot.status.lastError = null;
      slot.status.consecutiveErrors = 0;
      slot.status.windowHeldSeconds = Math.max(0, Math.round((this.now - report.watermark) / 1000));
      this.options.onTick?.(slot.target.locationId, report, seconds);
      return report;
    } catch (error) {
      const seconds = (performance.now() - startedReal) / 1000;
      slot.status.lastPollAt = new Date(started).toISOString();
      slot.status.lastError = error instanceof Error ? error.message : String(error);
      slot.status.consecutiveErrors++;
      this.options.onError?.(slot.target.locationId, error, seconds);
      throw error;
    } finally {
      slot.status.polling = false;
      slot.running = null;
    }
  }
}
