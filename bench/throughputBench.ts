import { CALL_EVENT_TYPES } from '../lib/callEvent';
import { DeliveryWorker } from '../bridge/delivery/deliveryWorker';
import type { CallEnricher } from '../bridge/ingest/callEnricher';
import { StoreEnricher } from '../bridge/ingest/storeEnricher';
import { hasJournalRoute, startBenchBridge } from './benchBridge';
import { loadLine, mib, percentile, printTable, round, sleep, type Row } from './report';
import { SimHost } from './simHostClient';

/**
 * Events per second from ingest to delivered webhook, with the SQLite store on disk.
 *
 * A simulated PBX on a manual clock takes `calls` calls of the default traffic mix; the clock
 * then jumps past the last hang-up, and the bridge (its clock following the sim's) catches up
 * in one poll: read the call log, settle, enrich, store events and deliveries in one
 * transaction. That poll is the ingest rate. Then the delivery worker's loop sends every
 * delivery to a receiver that answers 200 at once (in the child process, keep-alive): the
 * delivery rate, at the bridge's default concurrency and at higher ones (the same deliveries,
 * reset), and with all of them for one subscription.
 */
const START = Date.UTC(2026, 2, 2, 9, 0, 0);

interface RunResult {
  ingest: Row;
  delivery: Row[];
  scrape: Row[];
  ingestEventsPerSecond: number;
}

export async function throughputBench(): Promise<void> {
  const calls = Number(process.env.BENCH_THROUGHPUT_CALLS ?? 5000);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const concurrencies = [8, 32, 64];
  const results: RunResult[] = [];
  for (let run = 1; run <= runs; run++) {
    process.stdout.write(`[throughput] run ${run} of ${runs}: ${loadLine()}\n`);
    results.push(await runOnce(calls, concurrencies, run));
  }
  const order = results
    .map((r, i) => ({ i, v: r.ingestEventsPerSecond }))
    .sort((a, b) => a.v - b.v);
  const median = order[Math.floor((order.length - 1) / 2)].i;
  printTable(
    `Ingest: ${calls.toLocaleString('en-US')} settled calls caught up in one poll (median run: ${median + 1})`,
    results.map((r) => r.ingest),
  );
  printTable(
    'Delivery: every stored event to a receiver answering 200 at once (webhooks/s)',
    results.flatMap((r) => r.delivery),
  );
  printTable(
    `GET /metrics as the store grows (median run; retention keeps delivered rows 30 days)`,
    results[median].scrape,
  );
  const journal = await journalThroughput(Number(process.env.BENCH_JOURNAL_SECONDS ?? 10));
  if (journal) {
    printTable(
      'CRM-template journal: POST /3cx/journal, missed calls, closed loop over keep-alive connections',
      journal,
    );
  } else process.stdout.write('\n[throughput] this build has no POST /3cx/journal: not measured\n');
}

/**
 * The most journal entries the bridge takes per second: a journal-only location (entries are
 * released at once, so each post stores call.started, call.ended and call.missed and queues a
 * webhook for call.missed), posted by `connections` keep-alive loops in the child process for
 * `seconds` each, at rising concurrency. Between levels the webhook backlog is drained.
 */
async function journalThroughput(seconds: number): Promise<Row[] | null> {
  const host = await SimHost.start([]);
  const bench = await startBenchBridge({
    pbxUrls: [null],
    receiverUrl: host.receiverUrl,
    events: ['call.missed'],
  });
  try {
    if (!hasJournalRoute(bench)) return null;
    const { bridge, probe } = bench;
    bridge.start();
    const spec = { url: `${bench.url}/3cx/journal`, apiKey: bench.locations[0].apiKey };
    await host.journalLoad({ ...spec, mode: 'closed', connections: 4, seconds: 2, numberBase: 0 });
    const rows: Row[] = [];
    let base = 1_000_000;
    for (const connections of [1, 4, 16, 64]) {
      process.stdout.write(`[throughput] journal, ${connections} connections: ${loadLine()}\n`);
      await drain(bench.bridge);
      const deliveredBefore = probe.deliveryOutcomes.delivered ?? 0;
      const hostBefore = await host.usage();
      const cpuBefore = process.cpuUsage();
      const t = performance.now();
      const posts = await host.journalLoad({
        ...spec,
        mode: 'closed',
        connections,
        seconds,
        numberBase: base,
      });
      const ms = performance.now() - t;
      const cpu = process.cpuUsage(cpuBefore);
      const hostAfter = await host.usage();
      base += 1_000_000;
      const ok = posts.filter((p) => p.status === 200);
      const delivered = (probe.deliveryOutcomes.delivered ?? 0) - deliveredBefore;
      rows.push({
        connections,
        posts: posts.length,
        'accepted/s': Math.round(ok.length / (ms / 1000)),
        refused: posts.length - ok.length,
        'POST ms p50': round(
          percentile(
            ok.map((p) => p.ms),
            50,
          ),
          1,
        ),
        'POST ms p99': round(
          percentile(
            ok.map((p) => p.ms),
            99,
          ),
          1,
        ),
        'webhooks delivered/s meanwhile': Math.round(delivered / (ms / 1000)),
        'webhooks pending after': bridge.store.deliveries.pendingCount(),
        'bridge CPU % of a core': round(((cpu.user + cpu.system) / 1000 / ms) * 100),
        'load generator + receiver CPU %': round(
          ((hostAfter.cpuMicros - hostBefore.cpuMicros) /
            1000 /
            (hostAfter.wallMs - hostBefore.wallMs)) *
            100,
        ),
      });
    }
    return rows;
  } finally {
    await bench.close();
    await host.close();
  }
}

/** Wait until no delivery is pending (at most a minute). */
async function drain(bridge: { store: { deliveries: { pendingCount(): number } } }) {
  const until = performance.now() + 60_000;
  while (bridge.store.deliveries.pendingCount() > 0 && performance.now() < until) await sleep(200);
}

async function runOnce(calls: number, concurrencies: number[], run: number): Promise<RunResult> {
  const host = await SimHost.start([{ seed: run, clock: { mode: 'manual', at: START } }]);
  let simNow = START;
  const timedEnricher = new TimedEnricher(new StoreEnricher());
  const bench = await startBenchBridge({
    pbxUrls: host.urls,
    receiverUrl: host.receiverUrl,
    events: CALL_EVENT_TYPES,
    bridge: { now: () => simNow, enricher: timedEnricher },
  });
  try {
    const { bridge, probe, locations } = bench;
    const locationId = locations[0].id;
    await bridge.pollNow(locationId); // token, version, empty first window: the watermark is now

    const callsPerMinute = 100;
    await host.traffic({ callsPerMinute, maxCalls: calls });
    // Past the last arrival and the longest talk time (25 min) and the grace.
    simNow = START + Math.ceil((calls / callsPerMinute) * 60_000) + 30 * 60_000;
    await host.setClock(simNow);
    probe.reset();
    timedEnricher.ms = 0;
    const transactions = timeTransactions(bench.bridge.store);

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const t = performance.now();
    const report = await bridge.pollNow(locationId);
    const ingestMs = performance.now() - t;
    const cpu = process.cpuUsage(cpuBefore);
    const rssAfter = process.memoryUsage().rss;
    transactions.stop();

    const stored = probe.eventsStored;
    const deliveries = bridge.store.deliveries.pendingCount();
    const httpMs = probe.requests.reduce((sum, r) => sum + r.ms, 0);
    const legs = report.legs;
    const ingest: Row = {
      run,
      legs,
      events: stored,
      deliveries,
      'poll s': round(ingestMs / 1000, 2),
      'events/s': Math.round(stored / (ingestMs / 1000)),
      'legs/s': Math.round(legs / (ingestMs / 1000)),
      'read 3CX s': round(httpMs / 1000, 2),
      [`requests`]: probe.requests.length,
      'store txn s': round(transactions.ms / 1000, 2),
      '… of which enrich s': round(timedEnricher.ms / 1000, 2),
      'settle + rest s': round((ingestMs - httpMs - transactions.ms) / 1000, 2),
      'CPU s': round((cpu.user + cpu.system) / 1e6, 2),
      'RSS +MiB': mib(rssAfter - rssBefore),
    };

    const delivery: Row[] = [];
    const variants = [
      ...concurrencies.map((c) => ({ concurrency: c, subscriptions: 3 })),
      { concurrency: 8, subscriptions: 1 },
    ];
    for (const { concurrency, subscriptions } of variants) {
      resetDeliveries(bench.bridge.store, simNow);
      if (subscriptions === 1) keepOneSubscription(bench.bridge.store);
      const arrivalsBefore = await host.arrivalCount();
      probe.reset();
      // The worker's own loop (`start()`), as the running service delivers: not `deliverDue()`,
      // the one-round helper tests drive by hand.
      const pending = bridge.store.deliveries.pendingCount();
      let finished = 0;
      let allDone = () => {};
      const done = new Promise<void>((resolve) => (allDone = resolve));
      const worker = new DeliveryWorker({
        store: bridge.store,
        now: () => simNow,
        concurrency,
        metrics: bridge.metrics,
        onResult: () => {
          if (++finished === pending) allDone();
        },
      });
      const hostBefore = await host.usage();
      const cpuBefore = process.cpuUsage();
      const t = performance.now();
      worker.start();
      await done;
      const ms = performance.now() - t;
      const cpu = process.cpuUsage(cpuBefore);
      await worker.stop();
      const sent = finished;
      const hostAfter = await host.usage();
      await sleep(50);
      const received = (await host.arrivalCount()) - arrivalsBefore;
      delivery.push({
        run,
        subscriptions,
        concurrency,
        deliveries: sent,
        received,
        delivered: probe.deliveryOutcomes.delivered ?? 0,
        s: round(ms / 1000, 2),
        'webhooks/s': Math.round(sent / (ms / 1000)),
        'bridge CPU % of a core': round(((cpu.user + cpu.system) / 1000 / ms) * 100),
        'receiver CPU % of a core': round(
          ((hostAfter.cpuMicros - hostBefore.cpuMicros) /
            1000 /
            (hostAfter.wallMs - hostBefore.wallMs)) *
            100,
        ),
        'attempt ms p50': round(percentile(attemptDurations(bench.bridge.store), 50), 1),
        'attempt ms p99': round(percentile(attemptDurations(bench.bridge.store), 99), 1),
      });
    }
    const scrape = await scrapeCost(bench.url, bench.bridge.store, locationId);
    return { ingest, delivery, scrape, ingestEventsPerSecond: stored / (ingestMs / 1000) };
  } finally {
    await bench.close();
    await host.close();
  }
}

/** Time spent in enrichment (store reads for repeat misses, contacts, cooldown). */
class TimedEnricher implements CallEnricher {
  ms = 0;
  constructor(private readonly inner: CallEnricher) {}
  enrich(...args: Parameters<CallEnricher['enrich']>): ReturnType<CallEnricher['enrich']> {
    const t = performance.now();
    try {
      return this.inner.enrich(...args);
    } finally {
      this.ms += performance.now() - t;
    }
  }
}

/** Time every `store.transaction` (the ingest's commit is one). */
function timeTransactions(store: { transaction: <T>(work: () => T) => T }): {
  ms: number;
  stop(): void;
} {
  const original = store.transaction;
  const timer = {
    ms: 0,
    stop: () => {
      store.transaction = original;
    },
  };
  store.transaction = <T>(work: () => T): T => {
    const t = performance.now();
    try {
      return original.call(store, work) as T;
    } finally {
      timer.ms += performance.now() - t;
    }
  };
  return timer;
}

/**
 * Only the call.ended subscription's deliveries stay pending: one subscriber (one Zap) gets
 * every delivery, as when a single hook has a backlog after an outage.
 */
function keepOneSubscription(store: { db: { exec(sql: string): void } }): void {
  store.db.exec(
    `UPDATE deliveries SET status = 'cancelled' WHERE subscription_id NOT IN
       (SELECT id FROM subscriptions WHERE event = 'call.ended')`,
  );
}

/**
 * What one Prometheus scrape costs as delivered rows pile up: the store is padded with
 * synthetic delivered rows (same shape as real ones) to each size in turn.
 */
async function scrapeCost(
  url: string,
  store: {
    db: {
      prepare(sql: string): {
        run(...a: Array<string | number>): unknown;
        get(...a: Array<string | number>): unknown;
      };
      exec(sql: string): void;
    };
    transaction<T>(work: () => T): T;
  },
  locationId: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  const count = () =>
    Number((store.db.prepare('SELECT COUNT(*) AS n FROM deliveries').get() as { n: number }).n);
  const sample = store.db
    .prepare('SELECT event_seq, subscription_id FROM deliveries LIMIT 1')
    .get() as { event_seq: number; subscription_id: string };
  const insert = store.db.prepare(
    `INSERT INTO deliveries (location_id, event_seq, subscription_id, status, attempts, next_attempt_at, created_at, delivered_at)
     VALUES (?, ?, ?, 'delivered', 1, 0, 0, 0)`,
  );
  // A delivery is unique per (event, subscription): pad with fake event numbers.
  let fakeSeq = 10_000_000;
  store.db.exec('PRAGMA foreign_keys = OFF');
  for (const target of [0, 100_000, 500_000]) {
    const have = count();
    if (target > have) {
      store.transaction(() => {
        for (let i = have; i < target; i++)
          insert.run(locationId, fakeSeq++, sample.subscription_id);
      });
    }
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await (await fetch(`${url}/metrics`)).text();
      times.push(performance.now() - t);
    }
    rows.push({
      'deliveries stored': count(),
      'GET /metrics ms (median of 5)': round(percentile(times, 50), 1),
    });
  }
  store.db.exec('PRAGMA foreign_keys = ON');
  return rows;
}

/** Make every delivery pending again, as if just stored (to time delivery more than once). */
function resetDeliveries(
  store: {
    db: { exec(sql: string): void; prepare(sql: string): { run(...a: number[]): unknown } };
  },
  now: number,
): void {
  store.db.exec('DELETE FROM delivery_attempts');
  store.db
    .prepare(
      `UPDATE deliveries SET status = 'pending', attempts = 0, delivered_at = NULL, last_status_code = NULL,
         last_error = NULL, next_attempt_at = ?, created_at = ?`,
    )
    .run(now, now);
}

function attemptDurations(store: { db: { prepare(sql: string): { all(): unknown[] } } }): number[] {
  return (
    store.db.prepare('SELECT duration_ms FROM delivery_attempts').all() as Array<{
      duration_ms: number;
    }>
  ).map((r) => Number(r.duration_ms));
}
