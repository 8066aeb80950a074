import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sendTestEvent } from '../bridge/testEvents';
import { startBenchBridge } from './benchBridge';
import { loadLine, percentile, printTable, recordKey, round, sleep, type Row } from './report';
import { SimHost } from './simHostClient';

/**
 * A fresh missed call while a restarted bridge delivers its backlog (issue 16). After downtime
 * each location's first poll stores the history it missed, and every subscription's lane holds
 * that history (the locations bench: ~1,350 deliveries a lane); a call missed after the restart
 * is stored behind it. This bench makes that state without PBXs, so the figure is delivery's
 * alone:
 *
 * - `BENCH_CATCHUP_LOCATIONS` (100) locations, one `call.missed` hook each at a receiver that
 *   answers at once, made 20 minutes ago;
 * - `BENCH_CATCHUP_BACKLOG` (1,350) events a location that occurred over the last 15 minutes,
 *   stored before the bridge starts (the restart's backlog);
 * - once the bridge runs, a fresh missed call every 200 ms at the next location in turn, for
 *   `BENCH_CATCHUP_SECONDS` (30).
 *
 * Figures: the fresh calls' delay from stored to received, the backlog delivered in the window,
 * and the event loop.
 */
export async function catchupBench(): Promise<void> {
  const count = Number(process.env.BENCH_CATCHUP_LOCATIONS ?? 100);
  const backlog = Number(process.env.BENCH_CATCHUP_BACKLOG ?? 1350);
  const seconds = Number(process.env.BENCH_CATCHUP_SECONDS ?? 30);
  process.stdout.write(
    `[catchup] ${count} locations, ${backlog} backlog each, ${seconds} s: ${loadLine()}\n`,
  );
  const host = await SimHost.start([]);
  const start = Date.now();
  const bench = await startBenchBridge({
    pbxUrls: new Array<null>(count).fill(null),
    receiverUrl: host.receiverUrl,
    events: ['call.missed'],
    subscribedAt: new Date(start - 20 * 60_000),
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    const { bridge } = bench;
    const publicUrl = bench.url;
    const locations = bench.locations.map((l) => bridge.store.locations.get(l.id)!);
    // The history, oldest first, as a catch-up poll stores it.
    const historyFrom = start - 15 * 60_000;
    for (let i = 0; i < backlog; i++) {
      const at = historyFrom + Math.floor((i * 15 * 60_000) / backlog);
      for (const location of locations)
        sendTestEvent(bridge.store, location, { event: 'call.missed' }, { now: at, publicUrl });
    }
    const pendingBefore = bridge.store.deliveries.pendingCount();
    const arrivalsBefore = await host.arrivalCount();
    bridge.start();
    loop.enable();
    const storedAt = new Map<string, number>();
    const until = Date.now() + seconds * 1000;
    for (let i = 0; Date.now() < until; i++) {
      const now = Date.now();
      const { event } = sendTestEvent(
        bridge.store,
        locations[i % locations.length],
        { event: 'call.missed' },
        { now, publicUrl },
      );
      storedAt.set(event.id, now);
      bridge.worker.poke();
      await sleep(200);
    }
    const windowSeconds = (Date.now() - (until - seconds * 1000)) / 1000;
    const pendingAtEnd = bridge.store.deliveries.pendingCount();
    // The last fresh calls' webhooks (and any still behind the backlog, up to 10 s more).
    const received = new Map<string, number>();
    for (let wait = 0; wait < 10_000 && received.size < storedAt.size; wait += 500) {
      await sleep(500);
      for (const a of await host.arrivals(arrivalsBefore))
        if (storedAt.has(a.eventId) && !received.has(a.eventId)) received.set(a.eventId, a.at);
    }
    loop.disable();
    const delays = [...received].map(([id, at]) => at - storedAt.get(id)!);
    const rows: Row[] = [
      {
        'fresh calls': storedAt.size,
        'received (within 10 s after)': received.size,
        'delay ms p50': round(percentile(delays, 50)),
        'delay ms p95': round(percentile(delays, 95)),
        'delay ms max': round(percentile(delays, 100)),
        'backlog pending at start': pendingBefore,
        'backlog delivered/s in the window': round(
          (pendingBefore + storedAt.size - pendingAtEnd) / windowSeconds,
        ),
        'pending at end': pendingAtEnd,
        'event loop p99 ms': round(loop.percentile(99) / 1e6, 1),
      },
    ];
    printTable(
      `Catch-up: a fresh missed call every 200 ms while ${count} locations' restart backlogs (${backlog} each) are delivered; ${loadLine()}`,
      rows,
    );
    recordKey(
      'catchup.fresh_delay_p95_ms',
      delays.length === 0 ? null : round(percentile(delays, 95)),
    );
  } finally {
    await bench.close();
    await host.close();
  }
}
