import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The pacer's settings (deliveryWorker.ts: `loopLagTargetMs`, `minConcurrency`, `concurrency`). */
export interface LoopPaceOptions {
  /** The lag (ms) a window may have before the cap is cut. */
  targetLagMs: number;
  /** The cap never goes under this. */
  floor: number;
  /** The configured concurrency: the cap never goes over it, and starts there. */
  ceiling: number;
}

/** Keep the loop's lag under this by default (ms): half of issue 16's 50 ms bound. */
export const DEFAULT_LOOP_LAG_TARGET_MS = 25;
/** The fewest deliveries in flight by default, however late the loop runs. */
export const DEFAULT_MIN_CONCURRENCY = 64;
/** What a window over the target leaves of the cap. */
const DECREASE = 0.7;

/**
 * How many deliveries may be in flight at once, from how late the event loop runs: delivery
 * takes what the loop can spare, not more.
 *
 * Every finished request is parsing and bookkeeping on the one thread (TLS, the HTTP answer,
 * the attempt's record), and with a thousand in flight one turn of the loop can hold hundreds of
 * them: at 200 PBXs with three triggers each, a cold start's backlog of webhooks held the loop
 * for 66–85 ms at p99 while polls, ingest and the API waited (BENCHMARKS.md, "Issue 16: the
 * shortcuts the audit left"). Bounding the starts of a turn (the worker's `PUMP_SLICE`) does not
 * bound the completions; fewer in flight does.
 *
 * The rule, once per window of the probe (`LagProbe`): a window whose lag was over the target
 * cuts the cap to {@link DECREASE} of itself; a window under half the target grows it by an
 * eighth (at least one), back up to the configured concurrency; in between it holds. Never
 * below the floor, so a loop busy with something else (a catch-up poll) slows delivery, never
 * stops it. Cut fast, grow slowly: a stall is felt at once by everything on the loop, a cap a
 * little low only by the backlog. The scheduler shrinks each location's share with the cap
 * (fairScheduler.ts), so the locations still take turns under it. What it buys, what it costs,
 * and where it cannot help (a loop late for other reasons): BENCHMARKS.md "Issue 16: delivery
 * paced by the event loop".
 */
export class LoopPacer {
  /** Deliveries that may be in flight at once now. */
  cap: number;
  /** The lag of the last window (ms). */
  lastLagMs = 0;
  private readonly floor: number;

  constructor(private readonly options: LoopPaceOptions) {
    this.floor = Math.max(1, Math.min(options.floor, options.ceiling));
    this.cap = options.ceiling;
  }

  /** One window's lag (ms): returns the new cap. */
  observe(lagMs: number): number {
    this.lastLagMs = lagMs;
    const { targetLagMs, ceiling } = this.options;
    if (lagMs > targetLagMs) this.cap = Math.max(this.floor, Math.floor(this.cap * DECREASE));
    else if (lagMs <= targetLagMs / 2)
      this.cap = Math.min(ceiling, this.cap + Math.max(1, Math.ceil(this.cap / 8)));
    return this.cap;
  }
}

/** Measures the event loop's lag, a window at a time. */
export interface LagProbe {
  /** Call `sample` with each window's lag (ms) until the returned stop is called. */
  start(sample: (lagMs: number) => void): () => void;
}

/** The probe's timer period (ms): the loop is looked at this often, natively. */
const RESOLUTION_MS = 10;
/** One window (ms): the cap moves at most this often. */
const WINDOW_MS = 100;

/**
 * The loop's own lag: Node's event-loop delay monitor (a libuv timer every 10 ms, no
 * JavaScript per tick) records how long each period really took; a window's lag is its longest
 * period less the 10 ms, i.e. the longest stretch the loop was held in that window.
 */
export const EVENT_LOOP_LAG: LagProbe = {
  start(sample) {
    const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    delay.enable();
    const timer = setInterval(() => {
      const lag = delay.count > 0 ? Math.max(0, delay.max / 1e6 - RESOLUTION_MS) : 0;
      delay.reset();
      sample(lag);
    }, WINDOW_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      delay.disable();
    };
  },
};
