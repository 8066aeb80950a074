import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialPollerState, type PollerState } from '../lib/poller/pollerState';
import { SecretBox } from '../bridge/secrets/secretBox';
import { BridgeStore } from '../bridge/store/bridgeStore';
import { loadavg } from 'node:os';
import { percentile, printTable, type Row } from './report';
import { SYNTHETIC_EVENTS_FROM, syntheticEvents } from './syntheticEvents';

/**
 * The store's own costs, without HTTP or the PBX: appending events (the ingest path's
 * writes, three subscriptions), reading them back (feed pages with and without filters,
 * including a filter nothing matches, which is the worst case for a page), and loading a
 * large poller state (parsed and checked on every poll). A file database in WAL mode, as in
 * production. `BENCH_STORE_EVENTS` sets the larger size (100,000), `BENCH_STORE_RUNS` the
 * requests timed per case (20).
 */

export async function storeBench(): Promise<void> {
  const large = Number(process.env.BENCH_STORE_EVENTS ?? 100_000);
  const runs = Number(process.env.BENCH_STORE_RUNS ?? 20);
  const dir = mkdtempSync(join(tmpdir(), '3cx-store-bench-'));
  const store = BridgeStore.open(join(dir, 'bench.db'), SecretBox.ephemeral());
  try {
    const location = store.locations.create(
      { name: 'Bench Office', country: 'AU', timezone: 'Australia/Adelaide' },
      new Date(),
    );
    for (const [event, filters] of [
      ['call.missed', null],
      ['call.missed', { source_list: 'sales' }],
      ['call.ended', null],
    ] as const) {
      store.subscriptions.create(
        {
          locationId: location.id,
          kind: 'rest_hook',
          event,
          targetUrl: 'https://example.com/hook',
          filters,
        },
        // Before the synthetic calls: a subscription receives only what occurred once it
        // existed (bridge/store/outbox.ts), and every append here queues its deliveries.
        new Date(SYNTHETIC_EVENTS_FROM - 3600_000),
      );
    }
    const events = syntheticEvents(large, { locationId: location.id });
    const load = loadavg()[0].toFixed(2);
    process.stdout.write(`[store] ${large.toLocaleString('en-US')} events; load average ${load}\n`);

    const appendRows: Row[] = [];
    const feedRows: Row[] = [];
    let stored = 0;
    for (const size of [5_000, large]) {
      const batch = events.slice(stored, size);
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < batch.length; i += 500) {
        store.transaction(() => {
          for (const event of batch.slice(i, i + 500))
            store.events.append(location.id, event, { now: Date.now() });
        });
      }
      const ms = performance.now() - t0;
      const used = process.cpuUsage(cpu);
      stored = size;
      appendRows.push({
        'events stored after': size,
        appended: batch.length,
        'µs per append (wall)': Math.round((ms * 1000) / batch.length),
        'µs per append (CPU)': Math.round((used.user + used.system) / batch.length),
      });

      const feed = (query: Parameters<typeof store.events.feed>[1]) => {
        const times: number[] = [];
        let result = store.events.feed(location.id, query);
        for (let run = 0; run < runs; run++) {
          const t = performance.now();
          result = store.events.feed(location.id, query);
          times.push(performance.now() - t);
        }
        return { ms: percentile(times, 50), p95: percentile(times, 95), result };
      };
      const cases: Array<[string, Parameters<typeof store.events.feed>[1]]> = [
        ['no filter, limit 100', { limit: 100 }],
        ['event=call.missed, limit 100', { limit: 100, type: 'call.missed' }],
        ['source_list=sales, limit 100', { limit: 100, filters: { source_list: 'sales' } }],
        ['source_list=nomatch, limit 100', { limit: 100, filters: { source_list: 'nomatch' } }],
        [
          'call.missed + after_hours + first, limit 25',
          {
            limit: 25,
            type: 'call.missed',
            filters: { business_hours: 'after_hours', repeat: 'first' },
          },
        ],
      ];
      for (const [name, query] of cases) {
        process.stdout.write(`[store] ${size} events: ${name}\n`);
        const { ms, p95, result } = feed(query);
        feedRows.push({
          'events stored': size,
          request: name,
          [`ms (median of ${runs})`]: Math.round(ms * 100) / 100,
          'ms p95': Math.round(p95 * 100) / 100,
          returned: result.events.length,
          next_cursor: result.nextCursor === null ? 'null' : 'set',
        });
      }
    }
    printTable('Appending events (one transaction per 500, three subscriptions)', appendRows);
    printTable('GET /v1/events in the store: one page (no HTTP)', feedRows);

    const pending = new Map<string, number>();
    const finished = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      pending.set(`call-${i}`, Date.now() - i);
      finished.set(`done-${i}`, Date.now() - i);
    }
    const state: PollerState = { ...initialPollerState(Date.now()), pending, finished };
    store.pollerStates.save(location.id, state, Date.now());
    const loads: number[] = [];
    for (let run = 0; run < 20; run++) {
      const t = performance.now();
      store.pollerStates.load(location.id);
      loads.push(performance.now() - t);
    }
    printTable('Poller state load (40,000 entries, ~1.3 MB of JSON)', [
      { 'ms (median of 20)': Math.round(percentile(loads, 50) * 100) / 100 },
    ]);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
