import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BridgeService } from '../bridge/bridgeService';
import { SecretBox } from '../bridge/secrets/secretBox';
import { eventsForSettledCall } from '../lib/callEvent';
import type { PollerEvent } from '../lib/poller/pollerState';
import type { CallFacts } from '../lib/settledCall';
import { SeededRandom } from '../sim/seededRandom';
import { loadLine, percentile, printTable, round } from './report';

/**
 * How fast the follow-up report answers (`npm run bench -- reports`): one location with 10,000
 * calls over 30 days (a third of them misses, call backs among the outbound calls), stored
 * through the bridge's real ingest (so the follow-up tracking and the outbox did their work),
 * three `call.missed` subscriptions with their deliveries; then `GET /v1/reports/follow-up`
 * over HTTP, by day and by week, and the dashboard's overview. The target is under 200 ms.
 */
export async function reportsBench(options: { calls?: number } = {}): Promise<void> {
  const total = options.calls ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), '3cx-bridge-reports-bench-'));
  const startMs = Date.UTC(2026, 1, 1);
  const endMs = startMs + 30 * 86_400_000;
  let now = endMs;
  const bridge = await BridgeService.create({
    dbPath: join(dir, 'bridge.db'),
    port: 0,
    now: () => now,
    allowLoopbackHttpTargets: true,
    secrets: SecretBox.ephemeral(),
  });
  try {
    const url = await bridge.listen();
    const store = bridge.store;
    const location = store.locations.create(
      { name: 'Bench Office', country: 'AU', timezone: 'Australia/Adelaide' },
      new Date(startMs - 86_400_000),
    );
    const { key } = store.apiKeys.create(location.id, 'bench', new Date(startMs));
    for (const filters of [null, { business_hours: 'in_hours' as const }, { source_list: 'sales' }])
      store.subscriptions.create(
        {
          locationId: location.id,
          kind: 'rest_hook',
          event: 'call.missed',
          targetUrl: 'https://hooks.example.com/hook',
          filters,
        },
        new Date(startMs - 3600_000),
      );

    const loadStarted = process.hrtime.bigint();
    const calls = benchCalls(total, startMs, endMs);
    const ingest = bridge.ingestFor(location);
    for (let i = 0; i < calls.length; i += 500) {
      const batch: PollerEvent[] = [];
      for (const call of calls.slice(i, i + 500))
        for (const type of eventsForSettledCall(call)) batch.push({ type, call });
      now = Date.parse(calls[Math.min(i + 499, calls.length - 1)].ended_at) + 15_000;
      await ingest.commitJournal(batch);
    }
    now = endMs;
    // Most deliveries went through, a few are failing.
    store.db.exec(
      `UPDATE deliveries SET status = 'delivered', attempts = 1, delivered_at = created_at + 800 WHERE id % 10 != 0`,
    );
    store.db.exec(`UPDATE deliveries SET attempts = 3, last_status_code = 500 WHERE id % 10 = 0`);
    const loadMs = Number(process.hrtime.bigint() - loadStarted) / 1e6;
    const misses = Number(
      (store.db.prepare('SELECT COUNT(*) AS n FROM calls WHERE missed = 1').get() as { n: number })
        .n,
    );

    const rows = [];
    for (const [name, path] of [
      ['follow-up, 30 days by day', '/v1/reports/follow-up?since=30d&group=day'],
      ['follow-up, 30 days by week', '/v1/reports/follow-up?since=30d&group=week'],
      ['overview (dashboard)', '/v1/reports/overview'],
    ] as const) {
      const times: number[] = [];
      const cpu: number[] = [];
      let bytes = 0;
      for (let run = 0; run < 23; run++) {
        const started = process.hrtime.bigint();
        const cpuBefore = process.cpuUsage();
        const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
        const body = await res.text();
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const used = process.cpuUsage(cpuBefore);
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
        bytes = body.length;
        if (run < 3) continue; // the first runs warm up statements and the JIT
        times.push(ms);
        cpu.push((used.user + used.system) / 1000);
      }
      rows.push({
        request: name,
        'p50 ms': round(percentile(times, 50), 1),
        'p90 ms': round(percentile(times, 90), 1),
        'max ms': round(Math.max(...times), 1),
        // CPU time of the request (server and client share the process): what it costs on an
        // idle core, whatever else the machine is doing.
        'CPU p50 ms': round(percentile(cpu, 50), 1),
        'answer KiB': round(bytes / 1024, 1),
      });
    }
    printTable(
      `Reports over HTTP: ${calls.length.toLocaleString('en-US')} calls (${misses.toLocaleString('en-US')} misses) in 30 days, one location, 3 subscriptions; loaded through the ingest in ${round(loadMs / 1000, 1)} s; ${loadLine()}`,
      rows,
    );
  } finally {
    await bridge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Calls spread over the period: inbound answered and missed from a pool of callers (so misses
 * repeat and get returned), call backs to recent missed callers, internal calls.
 */
function benchCalls(total: number, startMs: number, endMs: number): CallFacts[] {
  const random = new SeededRandom(7);
  const callers = Array.from({ length: 1500 }, (_, i) => `+614${String(10_000_000 + i * 37)}`);
  const recentMisses: string[] = [];
  const calls: CallFacts[] = [];
  const step = (endMs - startMs) / total;
  for (let i = 0; i < total; i++) {
    const started = startMs + i * step + random.next() * step * 0.5;
    const kind = random.weighted({ answered: 50, missed: 33, callback: 12, internal: 5 });
    const ring = 5 + Math.floor(random.next() * 20);
    const talk =
      kind === 'answered' || kind === 'callback' ? 30 + Math.floor(random.next() * 200) : 0;
    let number =
      kind === 'callback' && recentMisses.length > 0
        ? random.pick(recentMisses)
        : random.pick(callers);
    if (kind === 'missed') {
      if (random.chance(0.03)) number = 'Anonymous';
      else recentMisses.push(number);
      if (recentMisses.length > 60) recentMisses.shift();
    }
    const outbound = kind === 'callback';
    const connected = kind === 'answered' || (outbound && random.chance(0.7));
    const external = number.startsWith('+') ? number : null;
    calls.push({
      call_id: `bench-${String(i).padStart(6, '0')}`,
      direction: kind === 'internal' ? 'internal' : outbound ? 'outbound' : 'inbound',
      outcome: connected ? 'answered' : random.chance(0.4) ? 'voicemail' : 'missed',
      voicemail: false,
      voicemail_left: false,
      voicemail_seconds: 0,
      caller_number: outbound || kind === 'internal' ? '101' : external,
      caller_number_raw: outbound || kind === 'internal' ? '101' : number,
      caller_anonymous: number === 'Anonymous' && !outbound,
      caller_name: null,
      callee_number: outbound ? external : kind === 'internal' ? '102' : '101',
      callee_number_raw: outbound ? number : '101',
      callee_name: null,
      external_number: kind === 'internal' ? null : external,
      dialed_number: outbound ? null : random.chance(0.5) ? '+61881234501' : '+61881234502',
      queue: null,
      queue_name: null,
      agents_rung: ['101'],
      answered_by: connected ? (outbound ? external : '101') : null,
      answered_by_name: null,
      started_at: new Date(started).toISOString(),
      ended_at: new Date(started + (ring + talk) * 1000).toISOString(),
      ring_seconds: ring,
      talk_seconds: talk,
      leg_count: 2,
    });
  }
  return calls;
}
