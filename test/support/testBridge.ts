import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../sim';
import { BridgeService, type BridgeOptions } from '../../bridge/bridgeService';
import { loadSecrets } from '../../bridge/config';
import type { LocationSettings } from '../../bridge/locationSettings';
import { testStoreTarget } from './postgres/testPostgres';

/**
 * The real bridge and the simulator on loopback, for integration tests. Both run on the
 * simulator's manual clock; nothing runs on timers: `tick()` polls every location once and
 * delivers what is due, so a test decides exactly when things happen.
 */
export interface TestBridge {
  /** The bridge's base URL (`http://127.0.0.1:PORT`). */
  url: string;
  /** The first location's API key. */
  apiKey: string;
  locationId: string;
  sim: Simulator;
  bridge: BridgeService;
  dbPath: string;
  /** Poll every location once, release due journal entries, then deliver everything due. */
  tick(): Promise<void>;
  /** Advance the simulator's clock, then `tick()`. */
  advance(seconds: number): Promise<void>;
  /** Add another location on the same simulator (its own API client) and return its key. */
  addLocation(name: string, clientId?: string): Promise<{ locationId: string; apiKey: string }>;
  close(): Promise<void>;
}

export interface TestBridgeOptions {
  settings?: Partial<LocationSettings>;
  sim?: SimulatorOptions;
  bridge?: Partial<BridgeOptions>;
  /** Keep the database file (restart tests pass the same path back in). */
  dbPath?: string;
  /** Reuse a running simulator (restart tests). */
  simulator?: Simulator;
}

export async function startTestBridge(options: TestBridgeOptions = {}): Promise<TestBridge> {
  const ownSim = options.simulator === undefined;
  const sim =
    options.simulator ??
    (await startSimulator({
      clients: [
        { clientId: 'bridge', clientSecret: 'bridge-secret', role: 'system_owner' },
        { clientId: 'second', clientSecret: 'second-secret', role: 'system_owner' },
      ],
      ...options.sim,
    }));
  const dir = options.dbPath ? null : mkdtempSync(join(tmpdir(), '3cx-bridge-test-'));
  const dbPath = options.dbPath ?? join(dir!, 'bridge.db');
  const bridge = await BridgeService.create({
    // Postgres runs: the database this path stands for (the same path, the same database).
    dbPath: await testStoreTarget(dbPath),
    // Postgres runs: a lease that has run out by the next look, so a test bridge started on a
    // database another one abandoned (a crash, as restart tests play it) takes its locations
    // at once instead of after the real lease time. Real leases: test/store/multiInstance.
    leaseTiming: { leaseMs: 1, renewMs: 1000 },
    // A key file beside the database: a restart test reopens it with the same key.
    secrets: loadSecrets(dbPath, {}),
    host: '127.0.0.1',
    port: 0,
    allowLoopbackHttpTargets: true,
    now: () => sim.clock.now(),
    delivery: { retry: { baseMs: 1000, maxMs: 60_000, giveUpAfterMs: 3600_000 }, timeoutMs: 2000 },
    // Tests fire hundreds of requests a second from one address: no rate limits unless a test
    // sets them (test/integration/rateLimits.test.ts).
    limits: {
      perKeyPerMinute: 0,
      perTemplateKeyPerMinute: 0,
      perAddressPerMinute: 0,
      failedAuthPerMinute: 0,
    },
    ...options.bridge,
  });
  const url = await bridge.listen();

  const addLocation = async (name: string, clientId = 'bridge') => {
    const location = bridge.store.locations.create(
      {
        name,
        pbxUrl: sim.url,
        clientId,
        clientSecret: clientId === 'bridge' ? 'bridge-secret' : `${clientId}-secret`,
        country: 'AU',
        timezone: 'Australia/Adelaide',
        settings: { pollIntervalSeconds: 5, graceSeconds: 10, ...options.settings },
      },
      new Date(sim.clock.now()),
    );
    const { key } = bridge.store.apiKeys.create(location.id, 'test', new Date(sim.clock.now()));
    bridge.refreshLocations();
    return { locationId: location.id, apiKey: key };
  };

  const existing = bridge.store.locations.list()[0];
  const first = existing
    ? {
        locationId: existing.id,
        apiKey: bridge.store.apiKeys.create(existing.id, 'test', new Date(sim.clock.now())).key,
      }
    : await addLocation('Adelaide Office');

  const tick = async () => {
    for (const status of bridge.scheduler.status()) await bridge.pollNow(status.locationId);
    // After the polls: a journal entry due now yields to a poller that has just reported the call.
    await bridge.journalSweep();
    await bridge.deliverNow();
  };

  return {
    url,
    apiKey: first.apiKey,
    locationId: first.locationId,
    sim,
    bridge,
    dbPath,
    tick,
    async advance(seconds) {
      sim.clock.advance(seconds);
      await tick();
    },
    addLocation,
    async close() {
      await bridge.stop();
      if (ownSim) await sim.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
