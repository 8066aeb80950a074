import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BridgeMetrics } from '../../bridge/metrics';

/**
 * A bridge that has stopped must not stay in memory: a process that makes several (the
 * benchmarks' levels, the tests) grew by every bridge it ever made while the process metrics'
 * GC observer, never stopped, pointed at each bridge's registry and so at its gauges' callbacks
 * and everything they read (bridge/metrics.ts).
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

describe('bridge metrics', () => {
  /** A bridge's metrics made and served once, then dropped; what its gauges read, weakly. */
  async function servedAndDropped(i: number): Promise<WeakRef<object>> {
    // What a bridge's gauges read: the bridge itself, its store, its queues.
    const bridgeState = { pending: new Array<number>(1000).fill(i) };
    const metrics = new BridgeMetrics({
      defaultMetrics: true,
      pendingDeliveries: () => bridgeState.pending.length,
    });
    expect(await metrics.text()).toContain('bridge_deliveries_pending 1000');
    return new WeakRef(bridgeState);
  }

  it('let go of a bridge whose metrics nobody holds any more', async () => {
    const refs = [await servedAndDropped(1), await servedAndDropped(2), await servedAndDropped(3)];
    await collectGarbage();
    expect(refs.map((r) => r.deref() !== undefined)).toEqual([false, false, false]);
  });

  it('serves the process metrics with each bridge’s own, once each', async () => {
    const a = await new BridgeMetrics({ defaultMetrics: true }).text();
    const b = await new BridgeMetrics({ defaultMetrics: true }).text();
    for (const text of [a, b]) {
      expect(text.match(/^# TYPE bridge_process_cpu_user_seconds_total /gm)).toHaveLength(1);
      expect(text.match(/^# TYPE bridge_nodejs_gc_duration_seconds /gm)).toHaveLength(1);
      expect(text.match(/^# TYPE bridge_polls_total /gm)).toHaveLength(1);
    }
    expect(await new BridgeMetrics().text()).not.toContain('bridge_process_cpu_user_seconds_total');
  });
});
