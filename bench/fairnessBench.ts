import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sendTestEvent } from '../bridge/testEvents';
import { startBenchBridge } from './benchBridge';
import { loadLine, percentile, printTable, recordKey, round, sleep, type Row } from './report';
import { SimHost } from './simHostClient';

/**
 * One tenant's black-holed receivers against another tenant's missed calls (issue 14: 100
 * hooks at a server that never answers delayed another location's delivery from 0.2 s to
 * 368 s). One bridge with its own timers and default delivery settings, two locations:
 *
 * - noisy: 100 `call.missed` hooks at `BENCH_FAIRNESS_BLACKHOLES` (10) servers that accept
 *   requests and never answer, a missed call every 100 ms (1,000 deliveries a second);
 * - quiet: one hook at a receiver that answers at once, a missed call every 500 ms.
 *
 * Over `BENCH_FAIRNESS_SECONDS` (60): the quiet tenant's delay from event stored to webhook
 * received, what became of the noisy tenant's deliveries, and the bridge's event loop.
 */
export async function fairnessBench(): Promise<void> {
  const seconds = Number(process.env.BENCH_FAIRNESS_SECONDS ?? 60);
  const holes = Number(process.env.BENCH_FAIRNESS_BLACKHOLES ?? 10);
  process.stdout.write(`[fairness] ${seconds} s: ${loadLine()}\n`);
  const host = await SimHost.start([]);
  const bench = await startBenchBridge({
    pbxUrls: [null, null],
    receiverUrl: host.receiverUrl,
    events: [],
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    const { bridge } = bench;
    const [noisy, quiet] = bench.locations.map((l) => bridge.store.locations.get(l.id)!);
    const blackHoles = await host.blackHoles(holes);
    for (let i = 0; i < 100; i++) {
      bridge.store.subscriptions.create(
        {
          locationId: noisy.id,
          kind: 'rest_hook',
          event: 'call.missed',
          targetUrl: `${blackHoles[i % holes]}?hook=${i}`,
        },
        new Date(),
      );
    }
    bridge.store.subscriptions.create(
      {
        locationId: quiet.id,
        kind: 'rest_hook',
        event: 'call.missed',
        targetUrl: host.receiverUrl,
      },
      new Date(),
    );
    bridge.start();
    const storedAt = new Map<string, number>();
    const arrivalsBefore = await host.arrivalCount();
    loop.enable();
    const until = Date.now() + seconds * 1000;
    let tick = 0;
    let maxInFlight = 0;
    while (Date.now() < until) {
      const publicUrl = bench.url;
      sendTestEvent(bridge.store, noisy, { event: 'call.missed' }, { now: Date.now(), publicUrl });
      if (tick % 5 === 0) {
        const { event } = sendTestEvent(
          bridge.store,
          quiet,
          { event: 'call.missed' },
          { now: Date.now(), publicUrl },
        );
        storedAt.set(event.id, Date.now());
      }
      bridge.worker.poke();
      tick++;
      const state = (bridge.worker as { state?: () => { inFlight: number } }).state?.();
      if (state) maxInFlight = Math.max(maxInFlight, state.inFlight);
      await sleep(100);
    }
    await sleep(2000); // the last quiet calls' webhooks
    loop.disable();
    const arrivals = (await host.arrivals(arrivalsBefore)).filter((a) => storedAt.has(a.eventId));
    const delays = arrivals.map((a) => a.at - storedAt.get(a.eventId)!);
    const received = new Set(arrivals.map((a) => a.eventId));
    const attempts = bridge.store.db
      .prepare(
        `SELECT COALESCE(a.error, 'HTTP ' || a.status_code) AS error, COUNT(*) AS n
         FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
         WHERE d.location_id = ? GROUP BY 1 ORDER BY 2 DESC`,
      )
      .all(noisy.id) as Array<{ error: string; n: number }>;
    const noisyPending = bridge.store.db
      .prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE location_id = ? AND status = 'pending'`)
      .get(noisy.id) as { n: number };
    const rows: Row[] = [
      {
        'quiet calls': storedAt.size,
        'quiet webhooks received': received.size,
        'delay ms p50': round(percentile(delays, 50)),
        'delay ms p95': round(percentile(delays, 95)),
        'delay ms p99': round(percentile(delays, 99)),
        'delay ms max': round(percentile(delays, 100)),
        'noisy deliveries stored': tick * 100,
        'noisy attempts': attempts.map((a) => `${a.error}: ${a.n}`).join('; ') || 'none finished',
        'noisy pending at end': Number(noisyPending.n),
        'most in flight': maxInFlight,
        'event loop p99 ms': round(loop.percentile(99) / 1e6, 1),
      },
    ];
    printTable(
      `Fairness: a tenant with 100 hooks at ${holes} black holes (a missed call every 100 ms) against a tenant with one hook (every 500 ms)`,
      rows,
    );
    recordKey('fairness.other_tenant_delay_p99_ms', round(percentile(delays, 99)));
  } finally {
    await bench.close();
    await host.close();
  }
}
