import pino from 'pino';
import type { Logger } from 'pino';
import { CALL_EVENT_TYPES } from '../lib/callEvent';
import { createLogger } from '../bridge/logger';
import { DeliveryWorker } from '../bridge/delivery/deliveryWorker';
import type { CallEnricher } from '../bridge/ingest/callEnricher';
import { StoreEnricher } from '../bridge/ingest/storeEnricher';
import { hasJournalRoute, NO_RATE_LIMITS, startBenchBridge } from './benchBridge';
import { receiversRow, receiverTls } from './benchTls';
import { profileWindow } from './cpuProfile';
import {
  loadLine,
  median,
  mib,
  percentile,
  printTable,
  recordKey,
  round,
  sleep,
  type Row,
} from './report';
import { SimHost } from './simHostClient';

/**
 * Events per second from ingest to delivered webhook, with the SQLite store on disk.
 *
 * A simulated PBX on a manual clock takes `calls` calls of the default traffic mix; the clock
 * then jumps past the last hang-up, and the bridge (its clock following the sim's) catches up
 * in one poll: read the call log, settle, enrich, store events and deliveries. That poll is the
 * ingest rate. Then the delivery worker's own loop (default settings) sends every delivery to
 * receivers in the child process (https, as Zapier and Make are reached, unless `BENCH_TLS=0`:
 * bench/benchTls.ts) that answer after 0, 50 or 200 ms (three subscriptions, one
 * per event type, each at a receiver port of its own; and a mix, one receiver per delay), the
 * same three at one port (one origin, as a location's Zaps are: `…_one_origin`), and
 * to one subscription alone: the same deliveries, reset between variants. A slow variant is
 * measured for at most `BENCH_DELIVERY_SECONDS` (30). Last, end to end: a fresh bridge whose
 * worker runs while the catch-up poll stores, from the poll's start to the last webhook.
 */
const START = Date.UTC(2026, 2, 2, 9, 0, 0);

/**
 * The log `npm start` keeps (bridge/cli/serveCommand.ts: `createLogger`, level `info` unless
 * `LOG_LEVEL` says otherwise, JSON lines to standard output, which a log collector reads): at
 * `info` each location's stored events counted (bridge/eventLog.ts), at `debug` a line per
 * stored event as well (`LOG_LEVEL=debug npm run bench -- throughput` measures that). Written
 * to /dev/null here, the cheapest place a line can go, through the same asynchronous writer as
 * serve's standard output. Without it (the bridge's silent default, and `BENCH_SERVE_LOG=0`)
 * the bench skipped work every running bridge does.
 */
function serveLogger(): Logger | undefined {
  if (process.env.BENCH_SERVE_LOG === '0') return undefined;
  return createLogger({
    destination: pino.destination({ dest: '/dev/null' }) as unknown as NodeJS.WritableStream,
  });
}

interface RunResult {
  ingest: Row;
  delivery: Row[];
  scrape: Row[];
  ingestEventsPerSecond: number;
  webhooksPerSecond: Record<string, number>;
}

/** The delivery variants: each subscription's receiver delay, and how the receivers are laid out. */
const VARIANTS: Array<{
  name: string;
  delays: number[];
  /** All subscriptions at one receiver port (one target) instead of one port each. */
  oneOrigin?: boolean;
}> = [
  { name: '0', delays: [0, 0, 0] },
  { name: '50', delays: [50, 50, 50] },
  { name: '200', delays: [200, 200, 200] },
  { name: 'mix 0/50/200', delays: [0, 50, 200] },
  // A Zap's hook is at https://hooks.zapier.com (docs/api.md, `target_url`): every subscription of
  // a location is then one target (one origin), whose cap is half the location's
  // (bridge/delivery/fairScheduler.ts `limitsFor`).
  { name: '0, one receiver port', delays: [0, 0, 0], oneOrigin: true },
  { name: '50, one receiver port', delays: [50, 50, 50], oneOrigin: true },
  { name: '200, one receiver port', delays: [200, 200, 200], oneOrigin: true },
  { name: '0, one subscription', delays: [0] },
];

export async function throughputBench(): Promise<void> {
  const calls = Number(process.env.BENCH_THROUGHPUT_CALLS ?? 5000);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const parts = throughputParts();
  printTable('Receivers', [receiversRow()]);
  if (parts.has('delivery')) await ingestAndDelivery(calls, runs);
  if (parts.has('end_to_end')) await endToEnd(calls, runs, !parts.has('delivery'));
  if (parts.has('journal')) await journal();
}

/**
 * `BENCH_THROUGHPUT_PARTS`: which parts run, comma-separated, of `delivery` (the ingest poll,
 * the delivery variants and the scrape cost), `end_to_end` and `journal`; all by default. One
 * part alone makes a short run for comparing builds.
 */
function throughputParts(): Set<string> {
  const all = ['delivery', 'end_to_end', 'journal'];
  const wanted = (process.env.BENCH_THROUGHPUT_PARTS ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => all.includes(part));
  return new Set(wanted.length > 0 ? wanted : all);
}

/**
 * `BENCH_DELIVERY_VARIANTS`: which delivery variants run, by name, comma-separated (`0,200`);
 * all by default. `BENCH_CPU_PROFILE_VARIANT=<name>` profiles that variant's window in run 1
 * (`BENCH_CPU_PROFILE`) instead of the ingest poll: the worker's CPU alone.
 */
function deliveryVariants(): typeof VARIANTS {
  const wanted = (process.env.BENCH_DELIVERY_VARIANTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return wanted.length > 0 ? VARIANTS.filter((v) => wanted.includes(v.name)) : VARIANTS;
}

async function ingestAndDelivery(calls: number, runs: number): Promise<void> {
  const results: RunResult[] = [];
  for (let run = 1; run <= runs; run++) {
    process.stdout.write(`[throughput] run ${run} of ${runs}: ${loadLine()}\n`);
    results.push(await runOnce(calls, run));
  }
  const order = results
    .map((r, i) => ({ i, v: r.ingestEventsPerSecond }))
    .sort((a, b) => a.v - b.v);
  const middle = order[Math.floor((order.length - 1) / 2)].i;
  printTable(
    `Ingest: ${calls.toLocaleString('en-US')} settled calls caught up in one poll (median run: ${middle + 1})`,
    results.map((r) => r.ingest),
  );
  printTable(
    'Delivery: every stored event, worker defaults, receivers answering after the given ms (webhooks/s)',
    results.flatMap((r) => r.delivery),
  );
  const byDelay: Record<string, number | null> = {};
  const oneOrigin: Record<string, number | null> = {};
  for (const name of ['0', '50', '200']) {
    byDelay[name] = median(results.map((r) => r.webhooksPerSecond[name]));
    oneOrigin[name] = median(results.map((r) => r.webhooksPerSecond[`${name}, one receiver port`]));
  }
  recordKey('throughput.webhooks_per_second_by_receiver_ms', byDelay);
  // The same with the three subscriptions at one origin, as a location's Zaps are.
  recordKey('throughput.webhooks_per_second_by_receiver_ms_one_origin', oneOrigin);
  printTable(
    `GET /metrics as the store grows (median run; retention keeps delivered rows 30 days)`,
    results[middle].scrape,
  );
}

/**
 * `profile`: `BENCH_CPU_PROFILE` and `BENCH_SIM_CPU_PROFILE` (bench/cpuProfile.ts) profile the
 * first run's end-to-end window (when the delivery part, whose ingest poll they profile
 * otherwise, does not run).
 */
async function endToEnd(calls: number, runs: number, profile: boolean): Promise<void> {
  const endToEnd: Row[] = [];
  for (let run = 1; run <= runs; run++) {
    process.stdout.write(`[throughput] end to end, run ${run} of ${runs}: ${loadLine()}\n`);
    endToEnd.push(await endToEndOnce(calls, run, profile && run === 1));
  }
  printTable(
    'End to end: the catch-up poll with the worker running, three subscriptions, receivers answering at once',
    endToEnd,
  );
  recordKey(
    'throughput.end_to_end_events_per_second',
    median(endToEnd.map((r) => Number(r['events/s']))),
  );
}

async function journal(): Promise<void> {
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
  const host = await SimHost.start([], { receiverTls: receiverTls() });
  const bench = await startBenchBridge({
    pbxUrls: [null],
    receiverUrl: host.receiverUrl,
    events: ['call.missed'],
    // The most the bridge takes, not the per-key limit.
    bridge: { limits: NO_RATE_LIMITS },
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

async function runOnce(calls: number, run: number): Promise<RunResult> {
  const host = await SimHost.start([{ seed: run, clock: { mode: 'manual', at: START } }], {
    receiverTls: receiverTls(),
  });
  let simNow = START;
  const timedEnricher = new TimedEnricher(new StoreEnricher());
  const bench = await startBenchBridge({
    pbxUrls: host.urls,
    receiverUrl: host.receiverUrls,
    events: CALL_EVENT_TYPES,
    bridge: { now: () => simNow, enricher: timedEnricher, logger: serveLogger() },
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
    const stopProfile = await profileWindow(
      process.env.BENCH_CPU_PROFILE_VARIANT === undefined
        ? process.env.BENCH_CPU_PROFILE
        : undefined,
    );
    const t = performance.now();
    const report = await bridge.pollNow(locationId);
    const ingestMs = performance.now() - t;
    await stopProfile();
    const cpu = process.cpuUsage(cpuBefore);
    const rssAfter = process.memoryUsage().rss;
    transactions.stop();

    const stored = probe.eventsStored;
    const deliveries = bridge.store.deliveries.pendingCount();
    const httpMs = probe.requests.reduce((sum, r) => sum + r.ms, 0);
    const legs = report.legs;
    const ingestTrips = probe.roundTrips?.total ?? null;
    if (probe.roundTrips && run === 1)
      printTable(
        'Postgres round trips of the catch-up poll, by statement',
        probe.roundTrips.top(12, stored, 'event'),
      );
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
      ...(ingestTrips === null
        ? {}
        : {
            'PG round trips': ingestTrips,
            'per event': round(ingestTrips / stored, 2),
            '… not waited for': probe.roundTrips!.sent,
          }),
    };

    const delivery: Row[] = [];
    const webhooksPerSecond: Record<string, number> = {};
    const limitMs = Number(process.env.BENCH_DELIVERY_SECONDS ?? 30) * 1000;
    for (const variant of deliveryVariants()) {
      const subscriptions = variant.delays.length;
      pointSubscriptions(bench.bridge.store, host.receiverUrls, variant);
      resetDeliveries(bench.bridge.store, simNow);
      if (subscriptions === 1) keepOneSubscription(bench.bridge.store);
      const arrivalsBefore = await host.arrivalCount();
      probe.reset();
      const pending = bridge.store.deliveries.pendingCount();
      let finished = 0;
      let allDone = () => {};
      const done = new Promise<void>((resolve) => (allDone = resolve));
      // The worker's own loop (`start()`), as the running service delivers, with its defaults.
      const worker = new DeliveryWorker({
        store: bridge.store,
        now: () => simNow,
        metrics: bridge.metrics,
        addressPolicy: { allowPrivate: true, allowLoopback: true },
        onResult: () => {
          if (++finished === pending) allDone();
        },
      });
      const hostBefore = await host.usage();
      const stopProfile = await profileWindow(
        run === 1 && process.env.BENCH_CPU_PROFILE_VARIANT === variant.name
          ? process.env.BENCH_CPU_PROFILE
          : undefined,
      );
      const cpuBefore = process.cpuUsage();
      const t = performance.now();
      worker.start();
      await Promise.race([done, sleep(limitMs)]);
      const ms = performance.now() - t;
      const sent = finished;
      const cpu = process.cpuUsage(cpuBefore);
      await stopProfile();
      const hostAfter = await host.usage();
      await worker.stop();
      await sleep(50);
      const received = (await host.arrivalCount()) - arrivalsBefore;
      const trips = probe.roundTrips?.total ?? null;
      if (probe.roundTrips && run === 1 && variant.name === '0')
        printTable(
          'Postgres round trips of delivery (receiver 0 ms), by statement',
          probe.roundTrips.top(12, sent, 'webhook'),
        );
      const delivered = probe.deliveryOutcomes.delivered ?? 0;
      // Delivered (2xx), not attempts finished: a refused or failed attempt is no webhook.
      const rate = Math.round(delivered / (ms / 1000));
      webhooksPerSecond[variant.name] = rate;
      delivery.push({
        run,
        'receiver ms': variant.name,
        subscriptions,
        deliveries: pending,
        sent,
        received,
        delivered,
        s: round(ms / 1000, 2),
        'webhooks/s': rate,
        'bridge CPU % of a core': round(((cpu.user + cpu.system) / 1000 / ms) * 100),
        // The bridge's CPU for each attempt (the worker's loop, the request, its record).
        'bridge CPU µs per webhook': sent > 0 ? Math.round((cpu.user + cpu.system) / sent) : '-',
        'receiver CPU % of a core': round(
          ((hostAfter.cpuMicros - hostBefore.cpuMicros) /
            1000 /
            (hostAfter.wallMs - hostBefore.wallMs)) *
            100,
        ),
        'attempt ms p50': round(percentile(attemptDurations(bench.bridge.store), 50), 1),
        'attempt ms p99': round(percentile(attemptDurations(bench.bridge.store), 99), 1),
        ...(trips === null ? {} : { 'PG round trips per webhook': round(trips / sent, 2) }),
      });
    }
    // Padding the store to 500,000 rows is one round trip per row on Postgres (minutes), and
    // the scrape's cost there is not what this run compares: SQLite only.
    const scrape =
      bench.bridge.store.db.dialect === 'sqlite'
        ? await scrapeCost(bench.url, bench.bridge.store, locationId)
        : [];
    return {
      ingest,
      delivery,
      scrape,
      ingestEventsPerSecond: stored / (ingestMs / 1000),
      webhooksPerSecond,
    };
  } finally {
    await bench.close();
    await host.close();
  }
}

/**
 * End to end on a fresh bridge: the worker runs (as in `serve`) while the catch-up poll reads
 * 3CX and stores; timed from the poll's start to the last delivery recorded as delivered.
 */
async function endToEndOnce(calls: number, run: number, profile: boolean): Promise<Row> {
  const host = await SimHost.start([{ seed: run, clock: { mode: 'manual', at: START } }], {
    receiverTls: receiverTls(),
  });
  let simNow = START;
  const bench = await startBenchBridge({
    pbxUrls: host.urls,
    receiverUrl: host.receiverUrls,
    events: CALL_EVENT_TYPES,
    bridge: { now: () => simNow, allowPrivateTargets: true, logger: serveLogger() },
  });
  try {
    const { bridge, probe, locations } = bench;
    await bridge.pollNow(locations[0].id);
    const callsPerMinute = 100;
    await host.traffic({ callsPerMinute, maxCalls: calls });
    simNow = START + Math.ceil((calls / callsPerMinute) * 60_000) + 30 * 60_000;
    await host.setClock(simNow);
    probe.reset();
    global.gc?.();
    const arrivalsBefore = await host.arrivalCount();
    const connectionsBefore = await host.receiverConnections();
    const stopProfile = profile ? await profileWindow() : async () => undefined;
    const stopHostProfile = profile ? await host.profileWindow() : async () => undefined;
    const hostBefore = await host.usage();
    const cpuBefore = process.cpuUsage();
    bridge.worker.start();
    const t = performance.now();
    await bridge.pollNow(locations[0].id);
    const pollMs = performance.now() - t;
    const limit = performance.now() + 120_000;
    while (bridge.store.deliveries.pendingCount() > 0 && performance.now() < limit) await sleep(5);
    const ms = performance.now() - t;
    const cpu = process.cpuUsage(cpuBefore);
    const hostAfter = await host.usage();
    await stopProfile();
    await stopHostProfile();
    const connectionsAfter = await host.receiverConnections();
    await bridge.worker.stop();
    const events = probe.eventsStored;
    return {
      run,
      events,
      delivered: probe.deliveryOutcomes.delivered ?? 0,
      received: (await host.arrivalCount()) - arrivalsBefore,
      // Connections the receivers accepted in the window (all three origins); with TLS, how many
      // were full handshakes rather than resumed sessions.
      connections: connectionsAfter.connections - connectionsBefore.connections,
      'full TLS handshakes':
        receiverTls() === null
          ? '-'
          : connectionsAfter.connections -
            connectionsBefore.connections -
            (connectionsAfter.resumed - connectionsBefore.resumed),
      'poll s': round(pollMs / 1000, 2),
      'last delivery s': round(ms / 1000, 2),
      'events/s': Math.round(events / (ms / 1000)),
      ...(probe.roundTrips
        ? { 'PG round trips per event': round(probe.roundTrips.total / events, 2) }
        : {}),
      'bridge CPU % of a core': round(((cpu.user + cpu.system) / 1000 / ms) * 100),
      'bridge CPU µs per event': Math.round((cpu.user + cpu.system) / events),
      'sim + receiver CPU % of a core': round(
        ((hostAfter.cpuMicros - hostBefore.cpuMicros) /
          1000 /
          (hostAfter.wallMs - hostBefore.wallMs)) *
          100,
      ),
    };
  } finally {
    await bench.close();
    await host.close();
  }
}

/** Point the three subscriptions at the variant's receivers (and delays). */
function pointSubscriptions(
  store: { db: { prepare(sql: string): { all(): unknown[]; run(...a: string[]): unknown } } },
  receivers: string[],
  variant: { delays: number[]; oneOrigin?: boolean },
): void {
  const subscriptions = store.db
    .prepare(`SELECT id FROM subscriptions ORDER BY event = 'call.ended' DESC, created_at`)
    .all() as Array<{ id: string }>;
  subscriptions.forEach((sub, i) => {
    const base = variant.oneOrigin ? receivers[0] : receivers[i % receivers.length];
    const delay = variant.delays[i % variant.delays.length];
    store.db
      .prepare('UPDATE subscriptions SET target_url = ? WHERE id = ?')
      .run(`${base}?delay=${delay}`, sub.id);
  });
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
  /** A batch's enrichment reads, done at once (bridge/ingest/storeEnricher.ts): timed too. */
  readAhead(
    ...args: Parameters<NonNullable<CallEnricher['readAhead']>>
  ): ReturnType<NonNullable<CallEnricher['readAhead']>> {
    const t = performance.now();
    try {
      return this.inner.readAhead!(...args);
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
