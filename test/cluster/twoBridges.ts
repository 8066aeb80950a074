import { startSimulator, type Simulator } from '../../sim';
import { BridgeService, type BridgeOptions } from '../../bridge/bridgeService';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { testDatabaseUrl } from '../support/postgres/testPostgres';

/** The key both instances seal and open secrets with (a group shares one key). */
export const CLUSTER_KEY = Buffer.alloc(32, 21);

/**
 * Two bridge instances in this process on one Postgres database (always Postgres, whatever
 * store the run uses), one simulated PBX, both on the simulator's manual clock. Instance `a`
 * joins first and holds the location's lease (and the retention lease); `b` joins second and
 * holds nothing. Leases last an hour and rounds happen only when a test calls
 * `refreshLocations`, so who holds what stays put for the test. Nothing runs on timers.
 */
export interface TwoBridges {
  sim: Simulator;
  databaseUrl: string;
  a: BridgeService;
  b: BridgeService;
  urlA: string;
  urlB: string;
  locationId: string;
  apiKey: string;
  /** Stop both instances (but `alreadyStopped`) and the simulator. */
  close(alreadyStopped?: BridgeService | null): Promise<void>;
}

export async function startTwoBridges(
  options: { a?: Partial<BridgeOptions>; b?: Partial<BridgeOptions> } = {},
): Promise<TwoBridges> {
  const sim = await startSimulator({
    clients: [{ clientId: 'bridge', clientSecret: 'bridge-secret', role: 'system_owner' }],
    clock: { mode: 'manual', start: '2026-03-03T00:00:00Z' },
  });
  const databaseUrl = await testDatabaseUrl();
  const bridges: BridgeService[] = [];
  const make = async (own: Partial<BridgeOptions> | undefined) => {
    const bridge = await BridgeService.create({
      dbPath: databaseUrl,
      secrets: SecretBox.fromKey(CLUSTER_KEY),
      host: '127.0.0.1',
      port: 0,
      allowLoopbackHttpTargets: true,
      now: () => sim.clock.now(),
      leaseTiming: { leaseMs: 3600_000, renewMs: 3600_000 },
      delivery: {
        retry: { baseMs: 1000, maxMs: 60_000, giveUpAfterMs: 3600_000 },
        timeoutMs: 2000,
      },
      limits: { perKeyPerMinute: 0, perAddressPerMinute: 0, failedAuthPerMinute: 0 },
      ...own,
    });
    bridges.push(bridge);
    return { bridge, url: await bridge.listen() };
  };
  try {
    const a = await make(options.a);
    const location = a.bridge.store.locations.create(
      {
        name: 'Adelaide Office',
        pbxUrl: sim.url,
        clientId: 'bridge',
        clientSecret: 'bridge-secret',
        country: 'AU',
        timezone: 'Australia/Adelaide',
        settings: { pollIntervalSeconds: 5, graceSeconds: 10, callControl: 'off' },
      },
      new Date(sim.clock.now()),
    );
    const { key } = a.bridge.store.apiKeys.create(location.id, 'test', new Date(sim.clock.now()));
    a.bridge.refreshLocations();
    const b = await make(options.b);
    if (!a.bridge.cluster?.holds(location.id) || b.bridge.cluster?.holds(location.id))
      throw new Error('expected the first instance to hold the location, the second nothing');
    return {
      sim,
      databaseUrl,
      a: a.bridge,
      b: b.bridge,
      urlA: a.url,
      urlB: b.url,
      locationId: location.id,
      apiKey: key,
      async close(alreadyStopped) {
        for (const bridge of bridges.reverse()) if (bridge !== alreadyStopped) await bridge.stop();
        await sim.close();
      },
    };
  } catch (error) {
    for (const bridge of bridges.reverse()) await bridge.stop();
    await sim.close();
    throw error;
  }
}
