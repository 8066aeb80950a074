import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallEvent } from '../../lib/callEvent';
import { startSimulator, type SimCall, type Simulator } from '../../sim';
import { openStoreAt } from '../../bridge/config';
import { newSigningSecret } from '../../bridge/delivery/webhookSigning';
import type { BridgeStore } from '../../bridge/store/bridgeStore';
import { ensureBuilt, spawnServe, type ServeProcess } from '../support/builtBridge';
import { startReceiver, type Receiver } from '../support/receiver';

/**
 * The real `3cx-bridge serve` process, killed and signalled. A process runs on the wall clock,
 * so the simulator runs in real time here and the calls are placed in the recent past: they
 * have ended, and the first poll after start settles them all at once.
 */
jest.setTimeout(60_000);

/** The receiver runs on this machine: the bridge must be told it may deliver there. */
const RECEIVER_ON_LOOPBACK = { BRIDGE_ALLOW_PRIVATE_TARGETS: '1' };

interface Setup {
  dir: string;
  dbPath: string;
  sim: Simulator;
  receiver: Receiver;
  calls: SimCall[];
}

async function setUp(callCount: number): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), '3cx-bridge-process-'));
  const dbPath = join(dir, 'bridge.db');
  const sim = await startSimulator({ clock: { mode: 'realtime', start: Date.now() } });
  const receiver = await startReceiver();
  const now = sim.clock.now();
  const calls: SimCall[] = [];
  for (let i = 0; i < callCount; i++) {
    // Ended minutes ago, each from its own number (no dialler cooldown folding).
    calls.push(
      sim.pbx.placeCall({
        kind: 'direct',
        extension: '101',
        result: 'voicemail',
        messageSeconds: 15,
        caller: `+614120000${String(i).padStart(2, '0')}`,
        at: now - 12 * 60_000 + i * 20_000,
      }),
    );
  }
  return { dir, dbPath, sim, receiver, calls };
}

async function tearDown(s: Setup, processes: ServeProcess[]): Promise<void> {
  for (const p of processes) await p.kill();
  await s.receiver.close();
  await s.sim.close();
  rmSync(s.dir, { recursive: true, force: true });
}

/**
 * What `3cx-bridge location add` and `webhook add` would have written before `serve`, half an
 * hour before the calls: a subscription receives only calls from after it was made
 * (docs/api.md, POST /v1/hooks), and these model a bridge whose Zaps were on all along.
 */
function configure(
  s: Setup,
  subscriptions: Array<{ event: 'call.missed' | 'call.ended'; signed?: boolean }>,
) {
  const store = openStoreAt(s.dbPath, {});
  try {
    const location = store.locations.create(
      {
        name: 'Adelaide Office',
        pbxUrl: s.sim.url,
        clientId: 'bridge',
        clientSecret: 'bridge-secret',
        country: 'AU',
        timezone: 'Australia/Adelaide',
        settings: { pollIntervalSeconds: 1, graceSeconds: 10 },
      },
      new Date(Date.now() - 30 * 60_000),
    );
    for (const sub of subscriptions) {
      store.subscriptions.create(
        {
          locationId: location.id,
          kind: sub.signed ? 'webhook' : 'rest_hook',
          event: sub.event,
          targetUrl: `${s.receiver.url}/${sub.event}`,
          signingSecret: sub.signed ? newSigningSecret() : null,
        },
        new Date(Date.now() - 30 * 60_000),
      );
    }
    return location.id;
  } finally {
    store.close();
  }
}

function deliveryStatuses(dbPath: string): Record<string, number> {
  const store: BridgeStore = openStoreAt(dbPath, {});
  try {
    return { ...store.deliveries.countsByStatus() };
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  await ensureBuilt();
}, 150_000);

describe('the bridge process', () => {
  it('killed with SIGKILL mid-delivery and restarted: every event is delivered, redeliveries carry the same id', async () => {
    const s = await setUp(12);
    const processes: ServeProcess[] = [];
    try {
      configure(s, [{ event: 'call.missed' }, { event: 'call.ended', signed: true }]);
      // The first four answers come at once; every later request hangs, so when the process
      // dies at least four deliveries are in flight (a target starts with four at once and
      // takes more as it keeps up: bridge/delivery/targetHealth.ts).
      s.receiver.respond = (_request, index) => ({ status: 200, delayMs: index < 4 ? 0 : 60_000 });
      const first = await spawnServe(s.dbPath, RECEIVER_ON_LOOPBACK);
      processes.push(first);
      await s.receiver.waitFor(8, 20_000);
      first.child.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const atKill = s.receiver.received.length;
      expect(atKill).toBeGreaterThanOrEqual(8);
      expect(deliveryStatuses(s.dbPath).pending).toBeGreaterThanOrEqual(20);

      s.receiver.respond = () => ({ status: 200 });
      const second = await spawnServe(s.dbPath, RECEIVER_ON_LOOPBACK);
      processes.push(second);
      const expectedIds = s.calls.flatMap((c) => [
        `${c.callHistoryId}:call.missed`,
        `${c.callHistoryId}:call.ended`,
      ]);
      await waitUntil(
        () => new Set(s.receiver.received.map((r) => (r.json as CallEvent).id)).size === 24,
        20_000,
      );
      await waitUntil(() => deliveryStatuses(s.dbPath).delivered === 24, 10_000);

      const received = s.receiver.received.map((r) => ({
        path: r.path,
        event: r.json as CallEvent,
        webhookId: r.headers['webhook-id'],
      }));
      expect(new Set(received.map((r) => r.event.id))).toEqual(new Set(expectedIds));
      // Redeliveries (the requests in flight at the kill) are the same event: same id, same body.
      const byId = new Map<string, CallEvent>();
      for (const r of received) {
        const earlier = byId.get(r.event.id);
        if (earlier) expect(r.event).toEqual(earlier);
        byId.set(r.event.id, r.event);
        expect(r.path).toBe(`/hook/${r.event.event}`);
        if (r.event.event === 'call.ended') expect(r.webhookId).toBe(r.event.id);
      }
      expect(received.length).toBeGreaterThan(24); // the hanging ones came again
      expect(deliveryStatuses(s.dbPath)).toEqual({
        pending: 0,
        delivered: 24,
        failed: 0,
        cancelled: 0,
      });
      // Nothing more arrives: each event was stored once, so it is delivered until it succeeds, then never again.
      const settled = s.receiver.received.length;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(s.receiver.received.length).toBe(settled);
    } finally {
      await tearDown(s, processes);
    }
  });

  it('stops on SIGINT with exit code 0, after finishing the delivery in flight', async () => {
    const s = await setUp(1);
    const processes: ServeProcess[] = [];
    try {
      configure(s, [{ event: 'call.missed' }]);
      s.receiver.respond = () => ({ status: 200, delayMs: 1500 });
      const serve = await spawnServe(s.dbPath, RECEIVER_ON_LOOPBACK);
      processes.push(serve);
      await s.receiver.waitFor(1, 20_000);
      serve.child.kill('SIGINT');
      expect(await serve.exited).toEqual({ code: 0, signal: null });
      expect(serve.stdout()).toMatch(/SIGINT: stopping/);
      expect(serve.stdout()).toMatch(/Stopped\./);
      expect(serve.stderr()).toBe('');
      expect(deliveryStatuses(s.dbPath)).toMatchObject({ delivered: 1, pending: 0 });
    } finally {
      await tearDown(s, processes);
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
