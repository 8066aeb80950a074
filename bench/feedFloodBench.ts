import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BridgeService } from '../bridge/bridgeService';
import type { HttpLimits } from '../bridge/http/httpLimits';
import { SecretBox } from '../bridge/secrets/secretBox';
import { NO_RATE_LIMITS } from './benchBridge';
import type { FeedFloodReport, FeedFloodRequest } from './feedFloodClient';
import { percentile, printTable, recordKey } from './report';
import { syntheticEvents } from './syntheticEvents';

/**
 * `npm run bench -- feed-flood`: issue 14's second probe. A location with many stored events;
 * 20 clients each ask `GET /v1/events` with a filter nothing matches (the worst page: the
 * bridge looks through its bounded window of the history for nothing) as fast as they are
 * answered, while this process asks `/healthz` every 10 ms. Before the feed's filters moved into
 * SQL, 20 such requests at once pushed `/healthz` to 26 s. Rate limits are off here (they would
 * answer most of the flood with 429 and hide the cost being measured).
 *
 * Knobs: BENCH_FEED_EVENTS (100,000), BENCH_FEED_CLIENTS (20), BENCH_FEED_SECONDS (10).
 */
export async function feedFloodBench(): Promise<void> {
  const eventCount = Number(process.env.BENCH_FEED_EVENTS ?? 100_000);
  const clients = Number(process.env.BENCH_FEED_CLIENTS ?? 20);
  const seconds = Number(process.env.BENCH_FEED_SECONDS ?? 10);
  const load = loadavg()[0].toFixed(2);
  process.stdout.write(
    `[feed-flood] ${eventCount.toLocaleString('en-US')} events, ${clients} clients, ${seconds} s; load average ${load}\n`,
  );
  const rows: Array<Record<string, string | number>> = [];
  for (const [limits, label, path] of [
    [NO_RATE_LIMITS, 'off', '/v1/events?limit=100&source_list=nomatch'],
    [
      NO_RATE_LIMITS,
      'off',
      '/v1/events?limit=100&event=call.missed&business_hours=after_hours&repeat=first',
    ],
    [
      {},
      'default',
      '/v1/events?limit=100&event=call.missed&business_hours=after_hours&repeat=first',
    ],
  ] as const) {
    const figures = await withFeedBridge(limits, eventCount, (port, key) =>
      flood(port, key, path, clients, seconds),
    );
    rows.push({ 'rate limits': label, request: path, ...figures });
    if (rows.length === 1) recordKey('feed_flood.healthz_p99_ms', figures['/healthz p99 (ms)']);
  }
  printTable(`${clients} clients on GET /v1/events while /healthz is asked every 10 ms`, rows);
}

/** A bridge with `limits` and one location holding `eventCount` events; its port and a key. */
async function withFeedBridge<T>(
  limits: Partial<HttpLimits>,
  eventCount: number,
  work: (port: number, key: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), '3cx-bench-feed-'));
  const bridge = await BridgeService.create({
    dbPath: join(dir, 'bridge.db'),
    secrets: SecretBox.ephemeral(),
    host: '127.0.0.1',
    port: 0,
    limits,
  });
  try {
    const { store } = bridge;
    const location = store.locations.create(
      { name: 'Feed Office', country: 'AU', timezone: 'Australia/Adelaide' },
      new Date(),
    );
    const { key } = store.apiKeys.create(location.id, 'bench', new Date());
    const events = syntheticEvents(eventCount, { locationId: location.id });
    for (let i = 0; i < events.length; i += 1000) {
      store.transaction(() => {
        for (const event of events.slice(i, i + 1000))
          store.events.append(location.id, event, { now: Date.now() });
      });
    }
    await bridge.listen();
    return await work(Number(new URL(bridge.url!).port), key);
  } finally {
    await bridge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The flood runs in a child process (bench/feedFloodClient.ts), so parsing 20 clients' answers
 * does not delay the bridge's event loop in the measurement; the probe runs here.
 */
async function flood(
  port: number,
  key: string,
  path: string,
  clients: number,
  seconds: number,
): Promise<Record<string, number>> {
  const child = fork(join(__dirname, 'feedFloodClient.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const report = new Promise<FeedFloodReport>((resolve, reject) => {
    child.once('message', (message) => resolve(message as FeedFloodReport));
    child.once('error', reject);
  });
  child.send({ port, key, path, clients, seconds } satisfies FeedFloodRequest);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const until = performance.now() + seconds * 1000;
  const health: number[] = [];
  let healthFailures = 0;
  while (performance.now() < until) {
    const started = performance.now();
    if ((await request(port, '/healthz', agent)) === 200) health.push(performance.now() - started);
    else healthFailures++;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const { feedTimes, throttled, feedErrors } = await report;
  child.kill();
  agent.destroy();
  return {
    'feed requests/s': Math.round(feedTimes.length / seconds),
    'feed p50 (ms)': round(percentile(feedTimes, 50)),
    'feed p99 (ms)': round(percentile(feedTimes, 99)),
    'answered 429': throttled,
    'feed errors': feedErrors,
    '/healthz answered': health.length,
    '/healthz failed': healthFailures,
    '/healthz p50 (ms)': round(percentile(health, 50)),
    '/healthz p99 (ms)': round(percentile(health, 99)),
    '/healthz max (ms)': round(Math.max(...health)),
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function request(port: number, path: string, agent: Agent, key?: string): Promise<number> {
  return new Promise((resolve) => {
    const call = get(
      {
        host: '127.0.0.1',
        port,
        path,
        agent,
        timeout: 30_000,
        headers: key ? { authorization: `Bearer ${key}` } : {},
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      },
    );
    call.on('timeout', () => call.destroy());
    call.on('error', () => resolve(0));
  });
}
