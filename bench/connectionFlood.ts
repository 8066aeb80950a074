import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BridgeService } from '../bridge/bridgeService';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from '../bridge/http/httpLimits';
import { SecretBox } from '../bridge/secrets/secretBox';
import type { FloodReport, FloodRequest, TrickleReport } from './connectionFloodClient';
import { printTable } from './report';

/**
 * `npm run bench -- connections`: the hostile clients of issue 14 against a bridge with its
 * default HTTP limits (bridge/http/httpLimits.ts), from a child process
 * (bench/connectionFloodClient.ts):
 *
 * - 20,000 connections that never send a byte, while this process asks `/healthz` every 100 ms
 *   on a new connection each time (the hard case: it must get past the connection cap);
 * - requests trickling a body one byte every 20 s, timed until the bridge cuts them off.
 *
 * Knobs: BENCH_FLOOD_CONNECTIONS (20000), BENCH_TRICKLE_CONNECTIONS (100),
 * BENCH_TRICKLE_EVERY_MS (20000), BENCH_FLOOD_UNCAPPED=1 (also run the flood without the cap and
 * timeouts, as the bridge was before: expect /healthz to fail).
 */
export async function connectionFloodBench(): Promise<void> {
  const count = Number(process.env.BENCH_FLOOD_CONNECTIONS ?? 20_000);
  const rows = [await floodRun('default limits', {}, count)];
  if (process.env.BENCH_FLOOD_UNCAPPED === '1')
    rows.push(
      await floodRun(
        'no cap, no timeouts (before)',
        { maxConnections: 1_000_000, requestTimeoutMs: 3_600_000, headersTimeoutMs: 3_600_000 },
        count,
      ),
    );
  printTable(`Idle connections (${count.toLocaleString('en-US')}) and /healthz`, rows);

  const trickling = Number(process.env.BENCH_TRICKLE_CONNECTIONS ?? 100);
  const everyMs = Number(process.env.BENCH_TRICKLE_EVERY_MS ?? 20_000);
  await withBridge({}, async (bridge, client) => {
    const port = Number(new URL(bridge.url!).port);
    const report = (await client.call({
      method: 'trickle',
      port,
      count: trickling,
      everyMs,
      giveUpMs: 120_000,
    })) as TrickleReport;
    const cut = report.cutOffMs.filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
    printTable(`Trickled bodies (1 byte every ${everyMs / 1000} s, Content-Length 1,000,000)`, [
      {
        connections: trickling,
        'cut off': cut.length,
        'still open after 120 s': report.cutOffMs.length - cut.length,
        'first cut (s)': (cut[0] ?? NaN) / 1000,
        'median (s)': (cut[Math.floor(cut.length / 2)] ?? NaN) / 1000,
        'last cut (s)': (cut[cut.length - 1] ?? NaN) / 1000,
        'body bytes sent (max)': Math.max(...report.bodyBytes),
        'request timeout (s)': DEFAULT_HTTP_LIMITS.requestTimeoutMs / 1000,
      },
    ]);
  });
}

async function floodRun(
  label: string,
  limits: Partial<HttpLimits>,
  count: number,
): Promise<Record<string, string | number>> {
  return withBridge(limits, async (bridge, client) => {
    const port = Number(new URL(bridge.url!).port);
    const health: number[] = [];
    let failures = 0;
    let peakOpen = 0;
    let peakFds = 0;
    let probing = true;
    const probes = (async () => {
      while (probing) {
        const started = performance.now();
        if (await healthz(port)) health.push(performance.now() - started);
        else failures++;
        peakOpen = Math.max(peakOpen, bridge.api.connectionCap.open());
        peakFds = Math.max(peakFds, openFds());
        // 600 a minute: half the per-address rate limit, which the probes must not meet.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const started = performance.now();
    const flood = (await client.call({
      method: 'flood',
      port,
      count,
      batch: 200,
      sources: 20,
    })) as FloodReport;
    const seconds = (performance.now() - started) / 1000;
    // Keep what the flood left open for a while, still probing.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    probing = false;
    await probes;
    await client.call({ method: 'release' });
    health.sort((a, b) => a - b);
    const at = (q: number) => health[Math.min(health.length - 1, Math.floor(q * health.length))];
    return {
      bridge: label,
      'connections opened': flood.connected,
      'refused or failed': flood.refused,
      'closed by the bridge': flood.closedByBridge,
      'left open': flood.stillOpen,
      'flood (s)': seconds,
      'bridge open conns (peak)': peakOpen,
      'bridge fds (peak)': peakFds,
      '/healthz answered': health.length,
      '/healthz failed': failures,
      'p50 (ms)': at(0.5) ?? NaN,
      'p99 (ms)': at(0.99) ?? NaN,
      'max (ms)': health[health.length - 1] ?? NaN,
    };
  });
}

/** GET /healthz on a new connection; false if it fails or takes over 10 s. */
function healthz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(
      { host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 10_000 },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode === 200));
        response.on('error', () => resolve(false));
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return NaN;
  }
}

/** A bridge with `limits` (no locations: /healthz is what is measured) and the flood client. */
async function withBridge<T>(
  limits: Partial<HttpLimits>,
  work: (bridge: BridgeService, client: FloodClient) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), '3cx-bench-flood-'));
  const bridge = await BridgeService.create({
    dbPath: join(dir, 'bridge.db'),
    secrets: SecretBox.ephemeral(),
    host: '127.0.0.1',
    port: 0,
    limits,
  });
  await bridge.listen();
  const client = new FloodClient();
  try {
    return await work(bridge, client);
  } finally {
    client.close();
    await bridge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

class FloodClient {
  private readonly child: ChildProcess = fork(join(__dirname, 'connectionFloodClient.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  private nextId = 1;

  call(request: FloodRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (message: { id: number; result?: unknown; error?: string }) => {
        if (message.id !== id) return;
        this.child.off('message', onMessage);
        if (message.error !== undefined) reject(new Error(message.error));
        else resolve(message.result);
      };
      this.child.on('message', onMessage);
      this.child.send({ id, request });
    });
  }

  close(): void {
    this.child.kill();
  }
}
