import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryWorker, type DeliveryWorkerOptions } from '../../bridge/delivery/deliveryWorker';
import type { LagProbe } from '../../bridge/delivery/loopPace';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import type { Location } from '../../bridge/store/locations';
import { sendTestEvent } from '../../bridge/testEvents';
import { testDatabaseUrl } from '../support/postgres/testPostgres';
import { startReceiver, type Receiver } from '../support/receiver';
import { rateByHand } from './rateByHand';

/**
 * The delivery worker against real sockets on loopback: receivers that answer, hang or are not
 * there. The worker's clock is injected; what is asserted is order and counts, never how long
 * something took.
 */
const LOOPBACK = { allowPrivate: false, allowLoopback: true };
let dir: string;
let store: BridgeStore;
let clock: number;
const closers: Array<() => Promise<void> | void> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), '3cx-delivery-'));
  store = BridgeStore.open(join(dir, 'bridge.db'), SecretBox.ephemeral());
  clock = Date.UTC(2026, 2, 2, 9, 0, 0);
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function location(name: string): Location {
  return store.locations.create(
    { name, country: 'AU', timezone: 'Australia/Adelaide' },
    new Date(clock),
  );
}

function hook(loc: Location, targetUrl: string): string {
  return store.subscriptions.create(
    { locationId: loc.id, kind: 'rest_hook', event: 'call.missed', targetUrl },
    new Date(clock),
  ).id;
}

/** A missed-call event stored through the real outbox: one pending delivery per hook. */
function missedCall(loc: Location): string {
  return sendTestEvent(store, loc, { event: 'call.missed' }, { now: clock, publicUrl: '' }).event
    .id;
}

function worker(options: Partial<DeliveryWorkerOptions> = {}): DeliveryWorker {
  const w = new DeliveryWorker({
    store,
    now: () => clock,
    addressPolicy: LOOPBACK,
    retry: { baseMs: 1000, maxMs: 60_000, giveUpAfterMs: 3600_000 },
    ...options,
  });
  // Stopped last, once the servers it may be hanging on are gone.
  closers.unshift(() => w.stop());
  return w;
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  closers.push(() => r.close());
  return r;
}

/** A server that accepts connections and reads requests but never answers. */
async function blackHole(): Promise<{ url: string; requests: () => number }> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => (requests += chunk.toString('latin1').split('POST /').length - 1));
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests: () => requests };
}

function attempts(subscriptionId?: string): Array<{ error: string | null; status: string }> {
  return store.db
    .prepare(
      `SELECT a.error, d.status FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
       WHERE ? IS NULL OR d.subscription_id = ? ORDER BY a.delivery_id, a.attempt`,
    )
    .all(subscriptionId ?? null, subscriptionId ?? null) as Array<{
    error: string | null;
    status: string;
  }>;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('one tenant cannot starve another', () => {
  it('a location with 100 hooks at black holes holds only its share of the slots: another location’s call goes out while all of them hang', async () => {
    const noisy = location('Noisy tenant');
    const quiet = location('Quiet tenant');
    const holes = await Promise.all(Array.from({ length: 20 }, () => blackHole()));
    for (let i = 0; i < 100; i++) hook(noisy, `${holes[i % 20].url}/hook${i}`);
    for (let i = 0; i < 10; i++) missedCall(noisy); // 1,000 deliveries to black holes
    const crm = await receiver();
    const quietHook = hook(quiet, crm.url);

    // 16 slots: a location may hold a quarter of them.
    const w = worker({ concurrency: 16, timeoutMs: 600_000 });
    w.start();
    const hanging = () => holes.reduce((n, h) => n + h.requests(), 0);
    await until(() => hanging() === 4);
    expect(w.state().inFlight).toBe(4);

    const eventId = missedCall(quiet);
    w.poke();
    const [received] = await crm.waitFor(1);
    expect((received.json as { id: string }).id).toBe(eventId);
    // Delivered while every one of the noisy tenant's requests still hangs: none of them has
    // finished (no attempt recorded), and it never had more than its four slots.
    await until(() => attempts(quietHook).length === 1);
    expect(attempts().filter((a) => a.status !== 'delivered')).toHaveLength(0);
    expect(hanging()).toBe(4);
  });

  it('a target that keeps timing out is cut off: nothing is sent to it until a probe gets an answer, then the rest follow', async () => {
    const loc = location('Office');
    const slow = await receiver();
    let answering = false;
    slow.respond = () => (answering ? { status: 200 } : { status: 200, delayMs: 600_000 });
    const hookId = hook(loc, slow.url);
    const ids = Array.from({ length: 10 }, () => missedCall(loc));
    const w = worker({
      timeoutMs: 300,
      targetHealth: { breakerThreshold: 2, cooldownMs: 60_000 },
    });

    await w.deliverDue();
    // Four requests went (the target's starting limit) and timed out; the breaker opened, and
    // the other six were left waiting, untried.
    expect(slow.received).toHaveLength(4);
    expect(attempts(hookId).map((a) => a.error)).toEqual(Array(4).fill('timed out'));
    expect(w.state().openTargets).toBe(1);

    // Their retries fall due, but the circuit is still open: nothing is sent.
    clock += 30_000;
    await w.deliverDue();
    expect(slow.received).toHaveLength(4);

    // After the cool-down one probe goes; it is answered, the circuit closes and the rest follow.
    answering = true;
    clock += 30_000;
    await w.deliverDue();
    expect(w.state().openTargets).toBe(0);
    expect(slow.received).toHaveLength(4 + ids.length);
    const delivered = store.db
      .prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'delivered'`)
      .get() as { n: number };
    expect(Number(delivered.n)).toBe(ids.length);
  });

  it('gives up a delivery its target’s breaker kept back past the retry limit', async () => {
    const loc = location('Office');
    hook(loc, (await blackHole()).url);
    missedCall(loc);
    const w = worker({ timeoutMs: 100, targetHealth: { breakerThreshold: 1 } });
    await w.deliverDue();
    expect(attempts().map((a) => a.error)).toEqual(['timed out']);
    clock += 3 * 3600_000; // the retry limit (1 h here) and the sweep's hour of grace
    const fresh = worker({ timeoutMs: 100, targetHealth: { breakerThreshold: 1 } });
    await fresh.deliverDue();
    const row = store.db.prepare('SELECT status, last_error FROM deliveries').get() as {
      status: string;
      last_error: string;
    };
    expect(row).toEqual({ status: 'failed', last_error: 'not sent: the target kept failing' });
  });
});

/** An event-loop lag probe the test drives: each lag given is one window's. */
function lagByHand() {
  let sample: ((lagMs: number) => void) | null = null;
  const probe: LagProbe = {
    start(s) {
      sample = s;
      return () => (sample = null);
    },
  };
  return {
    probe,
    windows(lagMs: number, count: number) {
      for (let i = 0; i < count; i++) sample?.(lagMs);
    },
    running: () => sample !== null,
  };
}

describe.each(['sqlite', 'postgres'] as const)('a restart’s backlog on %s', (kind) => {
  beforeEach(async () => {
    if (kind === 'sqlite') return;
    // The same worker on a fresh Postgres database (closed by the suite's afterEach).
    store.close();
    store = BridgeStore.open(await testDatabaseUrl(), SecretBox.ephemeral());
  });

  /** Calls that occurred `minutesAgo` before the clock, stored now: a catch-up poll's history. */
  function history(loc: Location, count: number, minutesAgo: number): void {
    const now = clock;
    for (let i = 0; i < count; i++)
      sendTestEvent(
        store,
        loc,
        { event: 'call.missed' },
        { now: now - minutesAgo * 60_000 + i, publicUrl: '' },
      );
  }

  /** A location whose hook was made before a 20-minute downtime, with its receiver. */
  async function restarted(name: string): Promise<{ loc: Location; crm: Receiver }> {
    const loc = location(name);
    const crm = await receiver();
    clock -= 20 * 60_000;
    hook(loc, crm.url); // made before the downtime
    clock += 20 * 60_000;
    return { loc, crm };
  }

  function receivedIds(crm: Receiver): string[] {
    return crm.received.map((r) => (r.json as { id: string }).id);
  }

  it('sends a call missed after the restart before the history stored ahead of it', async () => {
    const { loc, crm } = await restarted('Restarted');
    history(loc, 40, 10);
    // One in flight at a time, so the order of arrival is the order of starts.
    const w = worker({ concurrency: 4, perLocationConcurrency: 1 });
    w.start();
    await crm.waitFor(1);
    const fresh = missedCall(loc);
    const ahead = crm.received.length;
    w.poke();
    await crm.waitFor(41);
    // At most the one in flight when it was stored went before it, not the other 38.
    expect(receivedIds(crm).indexOf(fresh)).toBeLessThanOrEqual(ahead + 1);
    expect(new Set(receivedIds(crm)).size).toBe(41);
  });

  it('sends the fresh calls of a catch-up poll first when they arrive together with its history', async () => {
    const { loc, crm } = await restarted('Restarted');
    const w = worker({ concurrency: 4, perLocationConcurrency: 1 });
    w.start();
    // One poll's store: the history, then a call missed a moment ago.
    store.transaction(() => {
      history(loc, 30, 10);
      missedCall(loc);
    });
    const fresh = receivedIds(crm).length; // nothing yet: the worker has not looked
    expect(fresh).toBe(0);
    const id = store.db.prepare(`SELECT id FROM events ORDER BY seq DESC LIMIT 1`).get() as {
      id: string;
    };
    w.poke();
    await crm.waitFor(31);
    expect(receivedIds(crm)[0]).toBe(id.id);
  });

  it('keeps a busy lane oldest first when what it holds is fresh calls too', async () => {
    const loc = location('Busy');
    const crm = await receiver();
    hook(loc, crm.url);
    const w = worker({ concurrency: 4, perLocationConcurrency: 1 });
    w.start();
    const ids = store.transaction(() => Array.from({ length: 20 }, () => missedCall(loc)));
    w.poke();
    await crm.waitFor(1);
    ids.push(missedCall(loc));
    w.poke();
    await crm.waitFor(21);
    expect(receivedIds(crm)).toEqual(ids);
  });

  it('looks for fresh calls only where new deliveries hold some: a catch-up of history alone asks for none', async () => {
    const { loc, crm } = await restarted('Catching up');
    const freshReads = jest.spyOn(store.deliveries, 'freshDue');
    const w = worker({ concurrency: 4, perLocationConcurrency: 1 });
    w.start();
    // A catch-up poll's batches, each looked at while the lane holds the ones before.
    for (let batch = 0; batch < 4; batch++) {
      history(loc, 10, 15 - batch);
      w.poke();
      await crm.waitFor(1 + batch * 10);
    }
    await crm.waitFor(40);
    expect(freshReads).not.toHaveBeenCalled();
    // A fresh call behind that backlog is still looked for, and goes ahead of it.
    history(loc, 30, 10);
    const fresh = missedCall(loc);
    w.poke();
    await crm.waitFor(71);
    expect(freshReads).toHaveBeenCalled();
    expect(receivedIds(crm).indexOf(fresh)).toBeLessThan(45);
  });

  it('sends fresh calls stored together in the order they were stored', async () => {
    const loc = location('Steady');
    const crm = await receiver();
    hook(loc, crm.url);
    const w = worker({ concurrency: 4, perLocationConcurrency: 1 });
    w.start();
    const ids = store.transaction(() => [missedCall(loc), missedCall(loc), missedCall(loc)]);
    w.poke();
    await crm.waitFor(3);
    expect(receivedIds(crm)).toEqual(ids);
  });
});

describe('pacing by the event loop', () => {
  it('lets fewer deliveries fly while the loop lags, yet a fresh call goes out beside a hanging backlog, and all fly again once it keeps up', async () => {
    const noisy = location('Noisy tenant');
    const quiet = location('Quiet tenant');
    const holes = await Promise.all(Array.from({ length: 8 }, () => blackHole()));
    for (let i = 0; i < 8; i++) hook(noisy, `${holes[i].url}/hook${i}`);
    const crm = await receiver();
    const quietHook = hook(quiet, crm.url);
    const lag = lagByHand();
    const w = worker({
      concurrency: 16,
      minConcurrency: 4,
      timeoutMs: 600_000,
      lagProbe: lag.probe,
    });
    w.start();
    expect(lag.running()).toBe(true);
    expect(w.state().inFlightCap).toBe(16);

    // The loop runs late: the cap falls to its floor and stays there.
    lag.windows(200, 20);
    expect(w.state()).toMatchObject({ inFlightCap: 4, loopLagMs: 200 });

    for (let i = 0; i < 10; i++) missedCall(noisy); // 80 deliveries to black holes
    w.poke();
    const hanging = () => holes.reduce((n, h) => n + h.requests(), 0);
    // A quarter of the lowered cap: one at a time for the noisy tenant.
    await until(() => hanging() === 1);
    const eventId = missedCall(quiet);
    w.poke();
    const [received] = await crm.waitFor(1);
    expect((received.json as { id: string }).id).toBe(eventId);
    await until(() => attempts(quietHook).length === 1);
    expect(hanging()).toBe(1);

    // The loop keeps up again: back to the configured 16, the noisy tenant to its 4.
    lag.windows(1, 40);
    expect(w.state().inFlightCap).toBe(16);
    await until(() => hanging() === 4);
    expect(w.state().inFlight).toBe(4);
  });

  it('watches the loop only while it runs, and not at all with a target lag of 0', async () => {
    const lag = lagByHand();
    const w = worker({ concurrency: 16, lagProbe: lag.probe });
    w.start();
    expect(lag.running()).toBe(true);
    await w.stop();
    expect(lag.running()).toBe(false);

    const off = lagByHand();
    const unpaced = worker({ concurrency: 16, loopLagTargetMs: 0, lagProbe: off.probe });
    unpaced.start();
    expect(off.running()).toBe(false);
    expect(unpaced.state().inFlightCap).toBe(16);
  });
});

describe('the start’s window', () => {
  it('starts at most so many sends a period while it is open, and all the rest once it closes', async () => {
    const loc = location('Office');
    const crm = await receiver();
    hook(loc, crm.url);
    for (let i = 0; i < 10; i++) missedCall(loc);
    const { rate, clock: rateClock, window } = rateByHand(3);
    const w = worker({ startRate: rate });
    w.start();
    await until(() => attempts().length === 3);
    // The rate's clock stands still: however long the worker waits, no fourth send.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(crm.received).toHaveLength(3);

    rateClock.ms += 100; // the next period
    await until(() => attempts().length === 6);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(crm.received).toHaveLength(6);

    window.open = false; // the rate's clock still stands: the window alone held them
    await until(() => attempts().length === 10);
    expect(attempts().every((a) => a.status === 'delivered')).toBe(true);
  });

  it('does not pace a round driven by hand: `deliverDue` sends everything due', async () => {
    const loc = location('Office');
    const crm = await receiver();
    hook(loc, crm.url);
    for (let i = 0; i < 10; i++) missedCall(loc);
    const w = worker({ startRate: rateByHand(1).rate });
    expect(await w.deliverDue()).toBe(10);
    expect(crm.received).toHaveLength(10);
  });
});

describe('speed', () => {
  it('reuses kept-alive connections and lets a slow receiver have more requests in flight as it keeps up', async () => {
    const loc = location('Office');
    const slow = await receiver();
    slow.respond = () => ({ status: 200, delayMs: 50 });
    hook(loc, slow.url);
    for (let i = 0; i < 300; i++) missedCall(loc);
    const w = worker();
    w.start();
    await slow.waitFor(300, 30_000);
    await until(() => attempts().length === 300);
    expect(attempts().every((a) => a.status === 'delivered')).toBe(true);
    // More than the starting four at once (the limit grew with the backlog) …
    expect(slow.maxInFlight).toBeGreaterThan(4);
    // … over connections that were reused, not one per request.
    expect(slow.connections).toBeLessThan(300 / 2);
  });
});

describe('private targets', () => {
  it('refuses a target whose name resolves to this machine when it connects, and says so coarsely', async () => {
    const target = await receiver();
    const loc = location('Office');
    const port = new URL(target.url).port;
    // Stored as if it had passed the subscribe-time check (a name, resolved only on connect).
    const byName = hook(loc, `http://localhost:${port}/hook`);
    const byAddress = hook(loc, `http://127.0.0.1:${port}/hook`);
    missedCall(loc);
    const details: Array<string | null> = [];
    const w = worker({
      addressPolicy: { allowPrivate: false, allowLoopback: false },
      onResult: (_d, _o, _r, detail) => details.push(detail),
    });
    await w.deliverDue();
    expect(target.received).toHaveLength(0);
    expect(target.connections).toBe(0);
    for (const id of [byName, byAddress])
      expect(attempts(id).map((a) => a.error)).toEqual(['refused: not a public address']);
    expect(details.every((d) => d !== null && d.includes('public addresses only'))).toBe(true);
  });

  it('delivers to them when the bridge is set to allow internal receivers', async () => {
    const target = await receiver();
    const loc = location('Office');
    hook(loc, `http://localhost:${new URL(target.url).port}/hook`);
    missedCall(loc);
    await worker({ addressPolicy: { allowPrivate: true, allowLoopback: false } }).deliverDue();
    expect(target.received).toHaveLength(1);
  });

  it('records a refused connection as "connection failed", the socket error only for the log', async () => {
    const closed = await receiver();
    const url = closed.url;
    await closed.close();
    const loc = location('Office');
    const id = hook(loc, url);
    missedCall(loc);
    const details: Array<string | null> = [];
    await worker({ onResult: (_d, _o, _r, detail) => details.push(detail) }).deliverDue();
    expect(attempts(id).map((a) => a.error)).toEqual(['connection failed']);
    expect(details[0]).toContain('ECONNREFUSED');
  });
});
