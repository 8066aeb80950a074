import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../bridge/secrets/secretBox';
import { BridgeStore } from '../bridge/store/bridgeStore';
import { LeaseRepo } from '../bridge/store/leases';
import { startPostgres } from './benchPostgres';
import { PROC_TICK_MS, statCpuTicks } from './procStat';
import { loadLine, percentile, printTable, round, sleep, type Row } from './report';
import { SimHost } from './simHostClient';
import { SYNTHETIC_EVENTS_FROM, syntheticEvents } from './syntheticEvents';

/**
 * Several bridge instances on Postgres (issue 19): `BENCH_CLUSTER_PBXS` (default 400) simulated
 * PBXs with light traffic, served by real `3cx-bridge serve` processes: one on SQLite, one on
 * Postgres, two on Postgres. For each, over `BENCH_CLUSTER_SECONDS` (default 60) after a
 * warm-up: polls per second achieved, missed calls delivered and their latency from the call's
 * end, the bridges' CPU. Then, with two instances, one is SIGKILLed: how long until the other
 * holds every location, and until every location has been polled again. A noisy, shared
 * machine: read the figures with the load averages printed beside them.
 */
const ROOT = join(__dirname, '..', '..');
const KEY = Buffer.alloc(32, 42);

export async function clusterBench(): Promise<void> {
  const pbxs = Number(process.env.BENCH_CLUSTER_PBXS ?? 400);
  const seconds = Number(process.env.BENCH_CLUSTER_SECONDS ?? 60);
  const warmupSeconds = Number(process.env.BENCH_CLUSTER_WARMUP_SECONDS ?? 60);
  process.stdout.write(`[cluster] ${pbxs} PBXs: ${loadLine()}\n`);
  const dir = mkdtempSync(join(tmpdir(), '3cx-bridge-cluster-'));
  const postgres = await startPostgres(dir);
  const host = await SimHost.start(
    Array.from({ length: pbxs }, (_, i) => ({ seed: i + 1, clock: { mode: 'realtime' as const } })),
  );
  const rows: Row[] = [];
  try {
    printTable('The store on its own: one statement, one event appended (3 subscriptions)', [
      storeCost('SQLite', join(dir, 'cost.db')),
      storeCost('Postgres (sync driver, loopback)', `${postgres.url}cost`, postgres),
    ]);
    await host.traffic({ callsPerMinute: 1, backfillMs: 10 * 60_000 });
    const runs: Array<{ label: string; target: string; instances: number }> = [
      { label: 'SQLite, 1 instance', target: join(dir, 'bridge.db'), instances: 1 },
      { label: 'Postgres, 1 instance', target: `${postgres.url}bench1`, instances: 1 },
      { label: 'Postgres, 2 instances', target: `${postgres.url}bench2`, instances: 2 },
    ];
    for (const run of runs) {
      if (run.target.startsWith('postgres')) postgres.createDatabase(run.target);
      const simOf = configure(run.target, host);
      const bridges: Bridge[] = [];
      try {
        for (let i = 0; i < run.instances; i++) bridges.push(await serve(run.target, dir));
        await sleep(warmupSeconds * 1000);
        const before = await Promise.all(bridges.map(pollsOf));
        const arrivalsFrom = await host.arrivalCount();
        const cpuBefore = bridges.map((b) => cpuMs(b.child.pid!));
        const from = Date.now();
        await sleep(seconds * 1000);
        const window = (Date.now() - from) / 1000;
        const after = await Promise.all(bridges.map(pollsOf));
        const cpu = bridges.map(
          (b, i) => ((cpuMs(b.child.pid!) - cpuBefore[i]) / (window * 1000)) * 100,
        );
        const arrivals = (await host.arrivals(arrivalsFrom)).filter(
          (a) => a.event === 'call.missed',
        );
        const ends = new Map(
          (await host.calls()).map((c) => [`${c.sim}|${c.callKey}:call.missed`, c.endedAt]),
        );
        // From the call's hang-up (the simulator's truth, wall clock) to its arrival, for the
        // calls that ended in the window; older ones arriving now are backlog (the history
        // each new bridge catches up on, or what was still queued).
        const latency: number[] = [];
        let backlog = 0;
        for (const a of arrivals) {
          const ended = ends.get(`${simOf.get(a.locationId)}|${a.eventId}`);
          if (ended === undefined) continue;
          if (ended >= from) latency.push((a.at - ended) / 1000);
          else backlog++;
        }
        const polls = after.reduce((n, a, i) => n + total(a) - total(before[i]), 0);
        const ids = arrivals.map((a) => `${a.locationId}:${a.eventId}`);
        rows.push({
          run: run.label,
          'polls/s': round(polls / window, 1),
          'call.missed delivered (of which backlog)': `${arrivals.length} (${backlog})`,
          'duplicates (same id)': ids.length - new Set(ids).size,
          'hang-up to webhook p50 / p95 s (calls ended in the window)': `${round(percentile(latency, 50), 1)} / ${round(percentile(latency, 95), 1)}`,
          'bridge CPU % of a core': cpu.map((c) => round(c)).join(' + '),
          load: loadLine(),
        });
        if (run.instances === 2) rows.push(await takeover(run.target, bridges, pbxs));
      } finally {
        for (const b of bridges) await b.kill();
      }
    }
    printTable(
      `${pbxs} PBXs (1 call/min each, polled every 5 s) for ${seconds} s after a ${warmupSeconds} s warm-up; the simulators and receiver run in another process on the same 2 cores`,
      rows,
    );
  } finally {
    await host.close();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a statement costs on each store, from the caller's side: `SELECT ?` round trips and
 * events appended through the outbox (each its own transaction, with three subscriptions).
 */
function storeCost(
  label: string,
  target: string,
  postgres?: { createDatabase(url: string): void },
): Row {
  postgres?.createDatabase(target);
  const store = BridgeStore.open(target, SecretBox.fromKey(KEY));
  try {
    const location = store.locations.create(
      { name: 'Cost', country: 'AU', timezone: 'Australia/Adelaide' },
      new Date(),
    );
    for (const event of ['call.missed', 'call.ended', 'call.started'] as const)
      store.subscriptions.create(
        { locationId: location.id, kind: 'rest_hook', event, targetUrl: 'https://example.com/h' },
        // Before the synthetic calls, so every append queues its deliveries (a subscription
        // receives only what occurred once it existed: bridge/store/outbox.ts).
        new Date(SYNTHETIC_EVENTS_FROM - 3600_000),
      );
    const select = store.db.prepare('SELECT ? AS x');
    const n = 5000;
    for (let i = 0; i < 200; i++) select.get(i);
    let t = performance.now();
    for (let i = 0; i < n; i++) select.get(i);
    const selectUs = ((performance.now() - t) * 1000) / n;
    const events = syntheticEvents(3000, { locationId: location.id });
    t = performance.now();
    for (const event of events)
      store.transaction(() => store.events.append(location.id, event, { now: Date.now() }));
    const appendUs = ((performance.now() - t) * 1000) / events.length;
    return {
      store: label,
      'SELECT ? µs': round(selectUs, 1),
      'append one event, own transaction µs': round(appendUs),
      'events/s so appended': round(1e6 / appendUs),
      load: loadLine(),
    };
  } finally {
    store.close();
  }
}

interface Bridge {
  child: ChildProcess;
  url: string;
  kill(): Promise<void>;
}

/** SIGKILL one of two instances; time until the other holds and has polled every location. */
async function takeover(target: string, bridges: Bridge[], pbxs: number): Promise<Row> {
  const store = BridgeStore.open(target, SecretBox.fromKey(KEY));
  const leases = new LeaseRepo(store.db);
  try {
    const [victim, survivor] = bridges;
    const before = await pollsOf(survivor);
    const killedAt = Date.now();
    await victim.kill();
    let heldAllMs: number | null = null;
    let polledAllMs: number | null = null;
    while (Date.now() - killedAt < 120_000 && polledAllMs === null) {
      await sleep(200);
      const holders = leases.holders();
      if (
        heldAllMs === null &&
        holders.length === pbxs &&
        new Set(holders.map((h) => h.holder)).size === 1
      )
        heldAllMs = Date.now() - killedAt;
      const now = await pollsOf(survivor);
      const ids = store.locations.list().map((l) => l.id);
      if (ids.every((id) => (now.get(id) ?? 0) > (before.get(id) ?? 0)))
        polledAllMs = Date.now() - killedAt;
    }
    return {
      run: 'SIGKILL one of 2 (leases 15 s, renewed every 5 s)',
      'polls/s': '',
      'call.missed delivered (of which backlog)': '',
      'duplicates (same id)': '',
      'hang-up to webhook p50 / p95 s (calls ended in the window)': '',
      'bridge CPU % of a core': `survivor holds all after ${heldAllMs === null ? '>120' : round(heldAllMs / 1000, 1)} s; every location polled again after ${polledAllMs === null ? '>120' : round(polledAllMs / 1000, 1)} s`,
      load: loadLine(),
    };
  } finally {
    store.close();
  }
}

/** 400 locations, one per PBX, each with a `call.missed` hook; their ids → PBX index. */
function configure(target: string, host: SimHost): Map<string, number> {
  const store = BridgeStore.open(target, SecretBox.fromKey(KEY));
  const simOf = new Map<string, number>();
  try {
    host.urls.forEach((url, i) => {
      const location = store.locations.create(
        {
          name: `PBX ${i}`,
          pbxUrl: url,
          clientId: 'bridge',
          clientSecret: 'bridge-secret',
          country: 'AU',
          timezone: 'Australia/Adelaide',
          settings: { callControl: 'off' },
        },
        new Date(),
      );
      simOf.set(location.id, i);
      store.subscriptions.create(
        {
          locationId: location.id,
          kind: 'rest_hook',
          event: 'call.missed',
          targetUrl: host.receiverUrl,
        },
        // Before the PBXs' back-filled 10 minutes, as before 2026-12-04: the backlog is still
        // delivered (a subscription receives what occurred once it existed: outbox.ts).
        new Date(Date.now() - 30 * 60_000),
      );
    });
  } finally {
    store.close();
  }
  return simOf;
}

async function serve(target: string, dir: string): Promise<Bridge> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bridge', 'bin', '3cx-bridge.js'), 'serve', '--db', target, '--port', '0'],
    {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        LOG_LEVEL: 'warn',
        BRIDGE_SECRET_KEY: KEY.toString('base64'),
        BRIDGE_ALLOW_LOCAL_HTTP_TARGETS: '1',
        BRIDGE_ALLOW_PRIVATE_TARGETS: '1',
        BRIDGE_RATE_LIMIT_PER_ADDRESS: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (out += text));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  let url: string | null = null;
  while (!url) {
    url = /listening on (http:\/\/\S+) /.exec(out)?.[1] ?? null;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`serve did not start: ${out}`);
    await sleep(100);
  }
  return {
    child,
    url,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** `bridge_polls_total` (successful) per location from one instance's /metrics. */
async function pollsOf(bridge: Bridge): Promise<Map<string, number>> {
  const text = await (await fetch(`${bridge.url}/metrics`)).text();
  const polls = new Map<string, number>();
  for (const match of text.matchAll(/^bridge_polls_total\{([^}]*)\} (\d+)/gm)) {
    const location = /location="([^"]+)"/.exec(match[1])?.[1];
    if (location && /result="ok"/.test(match[1]))
      polls.set(location, (polls.get(location) ?? 0) + Number(match[2]));
  }
  return polls;
}

function total(polls: Map<string, number>): number {
  let n = 0;
  for (const v of polls.values()) n += v;
  return n;
}

/** CPU time (user + system) of a process so far, ms (Linux /proc). */
function cpuMs(pid: number): number {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return 0;
  return statCpuTicks(readFileSync(file, 'utf8')) * PROC_TICK_MS;
}
