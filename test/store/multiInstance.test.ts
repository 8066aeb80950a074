import type { CallEvent } from '../../lib/callEvent';
import { startSimulator, type Simulator } from '../../sim';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { LeaseRepo } from '../../bridge/store/leases';
import { ensureBuilt, spawnServe, type ServeProcess } from '../support/builtBridge';
import { testDatabaseUrl } from '../support/postgres/testPostgres';
import { startReceiver, type Receiver } from '../support/receiver';

/**
 * Two real `3cx-bridge serve` processes on one Postgres store, each location's PBX its own
 * simulator (wall clock), short leases. Every location is polled by exactly one instance; one
 * instance is SIGKILLed; the other takes its locations over; no call is lost and a call that
 * was delivered twice carries the same event id both times. No timing thresholds: each step
 * waits for its condition with a bounded deadline.
 */
jest.setTimeout(180_000);

const LOCATIONS = 10;
const KEY = Buffer.alloc(32, 19);

async function waitFor<T>(
  what: string,
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `bridge_polls_total{location=…,result="ok"}` per location, as one instance counts them. */
async function pollsOf(instance: ServeProcess): Promise<Map<string, number>> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  const polls = new Map<string, number>();
  for (const match of text.matchAll(/^bridge_polls_total\{([^}]*)\} (\d+)/gm)) {
    const location = /location="([^"]+)"/.exec(match[1])?.[1];
    if (location && /result="ok"/.test(match[1]))
      polls.set(location, (polls.get(location) ?? 0) + Number(match[2]));
  }
  return polls;
}

function missedCall(sim: Simulator, caller: string): void {
  sim.pbx.placeCall({
    kind: 'direct',
    extension: '101',
    result: 'voicemail',
    messageSeconds: 2,
    caller,
  });
}

describe('two bridge instances on one Postgres store', () => {
  let url: string;
  let sims: Simulator[] = [];
  let receiver: Receiver;
  const processes: ServeProcess[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    url = await testDatabaseUrl();
    receiver = await startReceiver();
    sims = await Promise.all(
      Array.from({ length: LOCATIONS }, () =>
        startSimulator({ clock: { mode: 'realtime', start: Date.now() } }),
      ),
    );
    const store = BridgeStore.open(url, SecretBox.fromKey(KEY));
    try {
      sims.forEach((sim, i) => {
        const location = store.locations.create(
          {
            name: `Office ${i}`,
            pbxUrl: sim.url,
            clientId: 'bridge',
            clientSecret: 'bridge-secret',
            country: 'AU',
            timezone: 'Australia/Adelaide',
            settings: { pollIntervalSeconds: 1, graceSeconds: 2, callControl: 'off' },
          },
          new Date(),
        );
        store.subscriptions.create(
          {
            locationId: location.id,
            kind: 'rest_hook',
            event: 'call.missed',
            targetUrl: `${receiver.url}/missed`,
          },
          new Date(),
        );
      });
    } finally {
      store.close();
    }
  }, 120_000);

  afterAll(async () => {
    for (const p of processes) await p.kill();
    await receiver?.close();
    await Promise.all(sims.map((sim) => sim.close()));
  });

  it('polls each location from exactly one instance, and takes a killed instance’s locations over without losing a call', async () => {
    const env = {
      BRIDGE_DATABASE_URL: url,
      BRIDGE_SECRET_KEY: KEY.toString('base64'),
      BRIDGE_LEASE_SECONDS: '2',
      BRIDGE_ALLOW_LOCAL_HTTP_TARGETS: '1',
    };
    const a = await spawnServe(url, env, 60_000);
    processes.push(a);
    const b = await spawnServe(url, env, 60_000);
    processes.push(b);

    const observer = BridgeStore.open(url, SecretBox.fromKey(KEY));
    const leases = new LeaseRepo(observer.db);
    const locationIds = observer.locations.list().map((l) => l.id);
    try {
      // Rebalanced: the second instance got its half from the first.
      const holders = await waitFor('both instances to hold half the locations each', () => {
        const now = leases.holders();
        const counts = new Map<string, number>();
        for (const h of now) counts.set(h.holder, (counts.get(h.holder) ?? 0) + 1);
        return now.length === LOCATIONS &&
          counts.size === 2 &&
          [...counts.values()].every((n) => n === LOCATIONS / 2)
          ? now
          : null;
      });
      expect(holders.map((h) => h.locationId).sort()).toEqual([...locationIds].sort());

      // Every location is polled in a window, each by exactly one of the two.
      const [beforeA, beforeB] = await Promise.all([pollsOf(a), pollsOf(b)]);
      const [afterA, afterB] = await waitFor('every location to be polled again', async () => {
        const [nowA, nowB] = await Promise.all([pollsOf(a), pollsOf(b)]);
        const polled = locationIds.every(
          (id) =>
            (nowA.get(id) ?? 0) > (beforeA.get(id) ?? 0) ||
            (nowB.get(id) ?? 0) > (beforeB.get(id) ?? 0),
        );
        return polled ? [nowA, nowB] : null;
      });
      for (const id of locationIds) {
        const byA = (afterA.get(id) ?? 0) - (beforeA.get(id) ?? 0);
        const byB = (afterB.get(id) ?? 0) - (beforeB.get(id) ?? 0);
        expect([id, byA > 0 && byB > 0]).toEqual([id, false]);
      }

      // A missed call at every office, delivered once each.
      sims.forEach((sim, i) => missedCall(sim, `+6141200${String(i).padStart(4, '0')}`));
      const missedCalls = () =>
        new Map(
          receiver.received.map((r) => {
            const event = r.json as CallEvent;
            // Each simulator numbers its calls from the same start: the caller tells them apart.
            return [event.caller_number, event] as const;
          }),
        );
      await waitFor(
        'the first calls to be delivered',
        () => missedCalls().size === LOCATIONS,
      ).catch((error: Error) => {
        throw new Error(
          `${error.message}: ${missedCalls().size} of ${LOCATIONS}; ${JSON.stringify(observer.deliveries.countsByStatus())}\n${a.stderr()}${a.stdout()}\n${b.stderr()}`,
        );
      });

      // SIGKILL the first instance: the second takes every location over.
      await a.kill();
      await waitFor('the second instance to hold every location', () => {
        const now = leases.holders();
        return now.length === LOCATIONS && new Set(now.map((h) => h.holder)).size === 1;
      });
      sims.forEach((sim, i) => missedCall(sim, `+6141300${String(i).padStart(4, '0')}`));
      await waitFor('every call to be delivered', () => missedCalls().size === 2 * LOCATIONS);

      // Nothing lost; a call delivered twice (the killed instance's claims ran out) carried
      // the same event id each time.
      const idsByCall = new Map<string | null, Set<string>>();
      for (const r of receiver.received) {
        const event = r.json as CallEvent;
        const key = event.caller_number;
        idsByCall.set(key, (idsByCall.get(key) ?? new Set()).add(event.id));
      }
      expect(idsByCall.size).toBe(2 * LOCATIONS);
      for (const [caller, ids] of idsByCall) expect([caller, ids.size]).toEqual([caller, 1]);
    } finally {
      observer.close();
    }
  });
});
