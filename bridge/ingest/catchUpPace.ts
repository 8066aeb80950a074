import { setImmediate as setImmediatePromise, setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_LOOP_LAG_TARGET_MS, LoopPacer } from '../delivery/loopPace';

/**
 * The share of the event loop a catch-up's storing may take, from how late the loop runs: the
 * rest of the bridge (the API, delivery, the steady polls) gets the loop back between two of a
 * catch-up's batches for longer while the loop is late.
 *
 * After a restart every location catches up at once (a first poll reads 15 minutes, a catch-up
 * after an outage more), and each of its storing batches (~10 ms, `INGEST_BATCH_BOUNDS`) ran
 * in the next iteration of the loop after the last: with the delivery of what was stored, the
 * API and the steady polls beside it, the main thread took 0.7–0.95 s of CPU a second on a
 * machine whose cores it shares (V8's compile and GC threads, a cold process's first seconds),
 * and one loop iteration held 50–150 ms (issue 16 item 3; BENCHMARKS.md "stall7": most of those
 * stalls were the main thread waiting for a core, not bigger pieces).
 *
 * The rule: a batch that held the loop `ms` is followed by a wait of `ms × (1 / share − 1)`
 * (none at a share of 1: the loop runs once, as before), so the catch-up's batches take at most
 * `share` of the wall clock. The share moves as the delivery's cap does ({@link LoopPacer}, one
 * rule for both, per 100 ms window of the loop's lag): cut to 0.7 of itself when a window's lag
 * was over the target, grown back by an eighth when it was under half of it, never under
 * {@link CATCH_UP_FLOOR_PERCENT} so a catch-up always goes on. A loop that keeps up (the
 * throughput bench's lone catch-up, a quiet bridge) leaves the share at 1.
 */
export class CatchUpPace {
  /** Waits so far and their ms, for the benches (bench/bigStoreBench.ts). */
  readonly waited = { n: 0, ms: 0 };
  private readonly pacer: LoopPacer;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly yieldToLoop: () => Promise<void>;

  constructor(
    options: {
      /** The lag (ms) a window may have before the share is cut. */
      targetLagMs?: number;
      /** The least share, in percent. */
      floorPercent?: number;
      /** Waits this long (default: a timer). */
      wait?: (ms: number) => Promise<void>;
      /** Lets the loop run once (default: `setImmediate`). */
      yieldToLoop?: () => Promise<void>;
    } = {},
  ) {
    this.pacer = new LoopPacer({
      targetLagMs: options.targetLagMs ?? DEFAULT_LOOP_LAG_TARGET_MS,
      floor: options.floorPercent ?? CATCH_UP_FLOOR_PERCENT,
      ceiling: 100,
    });
    this.wait = options.wait ?? ((ms) => sleep(ms));
    this.yieldToLoop = options.yieldToLoop ?? (() => setImmediatePromise());
  }

  /** One window's lag (ms), from the bridge's `LagProbe`. */
  observe(lagMs: number): void {
    this.pacer.observe(lagMs);
  }

  /** The share of the wall clock a catch-up's batches may take now (0–1). */
  get share(): number {
    return this.pacer.cap / 100;
  }

  /** Between two batches of one commit: the last one held the loop `heldMs`. */
  after(heldMs: number): Promise<void> {
    const share = this.share;
    const rest = heldMs * (1 / share - 1);
    if (rest <= 0) return this.yieldToLoop();
    this.waited.n++;
    this.waited.ms += rest;
    return this.wait(rest);
  }
}

/**
 * The least share of the loop a catch-up keeps however late the loop runs (percent): a quarter
 * stretches a restart's catch-up at most fourfold.
 */
export const CATCH_UP_FLOOR_PERCENT = 25;
