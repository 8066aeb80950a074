import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeliveryState } from './delivery/deliveryWorker';

/**
 * The process's own metrics (CPU, memory, GC, event-loop lag), collected once per process.
 * prom-client's collectors start a GC observer and an event-loop monitor that are never
 * stopped and that point back at the registry they were given: collected into each bridge's
 * registry, they kept every bridge ever made in a process alive after its `stop()`, with its
 * store and caches (the locations benchmark, one bridge per level, retained ~15 MiB more per
 * level: BENCHMARKS.md "A bridge stopped is let go"), and each added a monitor.
 */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'bridge_' });
  }
  return processRegistry;
}

/**
 * The bridge's Prometheus metrics. One registry per bridge instance (tests run several).
 * Settle delay = hang-up to event stored; delivery latency = event stored to 2xx.
 */
export class BridgeMetrics {
  /** This bridge's own metrics (the process's are added when served: `text`). */
  readonly registry = new Registry();
  /** The process's metrics, shared by every bridge of the process; absent unless asked for. */
  private readonly processWide: Registry | undefined;
  private readonly polls: Counter<'location' | 'result'>;
  private readonly pollSeconds: Histogram<'location'>;
  private readonly events: Counter<'type' | 'suppressed'>;
  private readonly settleDelay: Histogram;
  private readonly deliveries: Counter<'result'>;
  private readonly deliveryLatency: Histogram;
  private readonly badRequests: Counter<'route' | 'status'>;
  private readonly journal: Counter<'result'>;

  constructor(
    options: {
      pendingDeliveries?: () => number;
      /** The delivery worker's state (bridge/delivery/deliveryWorker.ts `state()`). */
      deliveryState?: () => DeliveryState;
      defaultMetrics?: boolean;
    } = {},
  ) {
    const registers = [this.registry];
    this.processWide = options.defaultMetrics ? processMetrics() : undefined;
    this.polls = new Counter({
      name: 'bridge_polls_total',
      help: 'Call-history polls by result',
      labelNames: ['location', 'result'],
      registers,
    });
    this.pollSeconds = new Histogram({
      name: 'bridge_poll_duration_seconds',
      help: 'Time one poll of a PBX took',
      labelNames: ['location'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    this.events = new Counter({
      name: 'bridge_events_total',
      help: 'Events stored by type',
      labelNames: ['type', 'suppressed'],
      registers,
    });
    this.settleDelay = new Histogram({
      name: 'bridge_settle_delay_seconds',
      help: 'From hang-up (last leg end) to the call.ended event being stored',
      buckets: [1, 2, 5, 10, 15, 20, 30, 60, 120, 300],
      registers,
    });
    this.deliveries = new Counter({
      name: 'bridge_deliveries_total',
      help: 'Delivery attempts by result',
      labelNames: ['result'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'bridge_delivery_latency_seconds',
      help: 'From event stored to the subscriber answering 2xx',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300, 3600],
      registers,
    });
    this.badRequests = new Counter({
      name: 'bridge_bad_requests_total',
      help: 'Requests refused with a 4xx, by route',
      labelNames: ['route', 'status'],
      registers,
    });
    this.journal = new Counter({
      name: 'bridge_journal_entries_total',
      help: 'CRM-template journal entries by result',
      labelNames: ['result'],
      registers,
    });
    if (options.pendingDeliveries) {
      const read = options.pendingDeliveries;
      new Gauge({
        name: 'bridge_deliveries_pending',
        help: 'Deliveries waiting for their next attempt',
        registers,
        collect() {
          this.set(read());
        },
      });
    }
    if (options.deliveryState) {
      const read = options.deliveryState;
      new Gauge({
        name: 'bridge_deliveries_in_flight',
        help: 'Deliveries being sent now',
        registers,
        collect() {
          this.set(read().inFlight);
        },
      });
      new Gauge({
        name: 'bridge_deliveries_in_flight_cap',
        help: 'Deliveries that may be in flight at once now: the configured concurrency, lower while the event loop lags',
        registers,
        collect() {
          this.set(read().inFlightCap);
        },
      });
      new Gauge({
        name: 'bridge_delivery_loop_lag_seconds',
        help: 'The event loop lag the delivery worker last measured (over a 100 ms window), which sets that cap',
        registers,
        collect() {
          this.set(read().loopLagMs / 1000);
        },
      });
      new Gauge({
        name: 'bridge_delivery_targets_open',
        help: 'Targets whose circuit breaker is open (they kept timing out or refusing connections)',
        registers,
        collect() {
          this.set(read().openTargets);
        },
      });
    }
  }

  /** The text `GET /metrics` serves: the process's metrics (when asked for) and this bridge's. */
  async text(): Promise<string> {
    if (this.processWide === undefined) return this.registry.metrics();
    return Registry.merge([this.processWide, this.registry]).metrics();
  }

  pollFinished(location: string, ok: boolean, seconds: number): void {
    this.polls.inc({ location, result: ok ? 'ok' : 'error' });
    this.pollSeconds.observe({ location }, seconds);
  }

  eventStored(_location: string, type: string, suppressed: boolean, msSinceHangUp: number): void {
    this.events.inc({ type, suppressed: String(suppressed) });
    if (type === 'call.ended' && msSinceHangUp >= 0) this.settleDelay.observe(msSinceHangUp / 1000);
  }

  deliveryAttempted(result: 'delivered' | 'retry' | 'gone' | 'failed', latencyMs?: number): void {
    this.deliveries.inc({ result });
    if (result === 'delivered' && latencyMs !== undefined)
      this.deliveryLatency.observe(latencyMs / 1000);
  }

  badRequest(route: string, status: number): void {
    this.badRequests.inc({ route, status: String(status) });
  }

  journalEntry(result: 'accepted' | 'duplicate' | 'rejected'): void {
    this.journal.inc({ result });
  }
}
