import type { CallEvent } from '../../lib/callEvent';
import type { SimCall } from '../../sim';
import { api, countIds, subscribe } from '../support/bridgeApi';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import { eventsOf, pollAndDeliver, stepThrough } from './support';

/**
 * The subscriber misbehaves: fails for a while, says the Zap is gone, or never answers. The
 * bridge keeps every event until it is delivered (or the subscription is gone), and one bad
 * subscriber never holds up another.
 */
let t: TestBridge;
const receivers: Receiver[] = [];

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

afterEach(async () => {
  await t?.close();
  for (const r of receivers.splice(0)) await r.close();
});

function missedCall(index: number): SimCall {
  return t.sim.pbx.placeCall({
    kind: 'direct',
    extension: '103',
    result: 'hangup',
    ringSeconds: 8,
    caller: `+6142000${String(index).padStart(4, '0')}`,
  });
}

/** Poll (no delivery) until the calls have settled and their events are stored. */
async function settleWithoutDelivering(calls: readonly SimCall[]): Promise<void> {
  const lastEnd = Math.max(...calls.map((c) => c.endedAt));
  while (t.sim.clock.now() < lastEnd + 15_000) {
    t.sim.clock.advance(5);
    await t.bridge.pollNow(t.locationId);
  }
}

async function history(eventId: string) {
  const answer = await api(
    t.url,
    t.apiKey,
    'GET',
    `/v1/events/${encodeURIComponent(eventId)}/deliveries`,
  );
  expect(answer.status).toBe(200);
  return answer.body.data as Array<{
    subscription_id: string;
    status: string;
    attempts: Array<{ status_code: number | null; error: string | null }>;
  }>;
}

describe('a subscriber that fails for a while, then recovers', () => {
  it('gets every event once it answers again, with the same ids, and the history shows each failure', async () => {
    t = await startTestBridge();
    const hook = await receiver();
    const recoverAt = t.sim.clock.now() + 20 * 60_000;
    hook.respond = () => ({ status: t.sim.clock.now() < recoverAt ? 503 : 200 });
    const hookId = await subscribe(t, hook.url, 'call.missed');
    await pollAndDeliver(t);
    const calls: SimCall[] = [];
    for (let i = 0; i < 5; i++) {
      calls.push(missedCall(i));
      await stepThrough(t, 3 * 60, 5);
    }
    const failedAttempts = hook.received.length;
    expect(failedAttempts).toBeGreaterThan(5 * 2); // retried, with backoff, while failing
    await stepThrough(t, 10 * 60, 10);
    expect(t.sim.clock.now()).toBeGreaterThan(recoverAt);

    const ids = calls.map((c) => `${c.callHistoryId}:call.missed`);
    expect(new Set(eventsOf(hook).map((e) => e.id))).toEqual(new Set(ids));
    for (const id of ids) {
      const [delivery] = await history(id);
      expect(delivery).toMatchObject({ subscription_id: hookId, status: 'delivered' });
      const codes = delivery.attempts.map((a) => a.status_code);
      expect(codes[codes.length - 1]).toBe(200);
      expect(codes.slice(0, -1).every((c) => c === 503)).toBe(true);
      expect(codes.length).toBeGreaterThan(1);
      // Every attempt carried the same event.
      const bodies = hook.received.filter((r) => (r.json as CallEvent).id === id);
      expect(bodies).toHaveLength(codes.length);
      expect(new Set(bodies.map((b) => b.body)).size).toBe(1);
    }
    // Backoff: attempts spread out instead of hammering every poll.
    expect(failedAttempts).toBeLessThan(5 * 3 * 12);
  });

  it('waits as long as Retry-After asks', async () => {
    t = await startTestBridge();
    const hook = await receiver();
    hook.respond = (_r, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 };
    await subscribe(t, hook.url, 'call.missed');
    await pollAndDeliver(t);
    const call = missedCall(1);
    await stepThrough(t, (call.endedAt - t.sim.clock.now()) / 1000 + 15, 5);
    expect(hook.received).toHaveLength(1);
    const firstAt = t.sim.clock.now();
    while (hook.received.length < 2) {
      await stepThrough(t, 5, 5);
      expect(t.sim.clock.now() - firstAt).toBeLessThan(200_000);
    }
    expect(t.sim.clock.now() - firstAt).toBeGreaterThanOrEqual(115_000);
  });
});

describe('a subscriber that answers 410 Gone', () => {
  it('loses its subscription: its retries are cancelled and nothing more is sent to it; others still get everything', async () => {
    t = await startTestBridge();
    const gone = await receiver();
    const other = await receiver();
    let goneNow = false;
    gone.respond = () => ({ status: goneNow ? 410 : 500 });
    const goneId = await subscribe(t, gone.url, 'call.missed');
    await subscribe(t, other.url, 'call.missed');
    await pollAndDeliver(t);

    // Two events fail with 500 and wait for their retries...
    const early = [missedCall(1), missedCall(2)];
    await stepThrough(t, 60, 5);
    const failing = gone.received.length;
    expect(failing).toBeGreaterThanOrEqual(2);
    // ... then the Zap is turned off: the next attempt answers 410.
    goneNow = true;
    const late = [missedCall(3)];
    await stepThrough(t, 60, 5);
    const afterGone = gone.received.length;
    expect(afterGone).toBeGreaterThan(failing);

    const hooks = await api(t.url, t.apiKey, 'GET', '/v1/hooks');
    expect(hooks.body.data.map((h: { id: string }) => h.id)).not.toContain(goneId);
    const more = [missedCall(4), missedCall(5)];
    await stepThrough(t, 30 * 60, 30);
    expect(gone.received).toHaveLength(afterGone);

    const all = [...early, ...late, ...more];
    expect(countIds(eventsOf(other).map((e) => e.id))).toEqual(
      new Map(all.map((c) => [`${c.callHistoryId}:call.missed`, 1])),
    );
    for (const call of early) {
      const deliveries = await history(`${call.callHistoryId}:call.missed`);
      const toGone = deliveries.find((d) => d.subscription_id === goneId)!;
      expect(toGone.status).toBe('cancelled');
    }
    for (const call of more) {
      const deliveries = await history(`${call.callHistoryId}:call.missed`);
      expect(deliveries.map((d) => d.subscription_id)).not.toContain(goneId);
    }
    // Unsubscribing the removed hook again is a 404, as for any unknown id.
    expect((await api(t.url, t.apiKey, 'DELETE', `/v1/hooks/${goneId}`)).status).toBe(404);
  });
});

describe('a subscriber that never answers', () => {
  it('times out and is retried, with the error in the history, without holding up another subscriber', async () => {
    const timeoutMs = 4000;
    t = await startTestBridge({
      bridge: {
        delivery: {
          timeoutMs,
          concurrency: 4,
          retry: { baseMs: 1000, maxMs: 60_000, giveUpAfterMs: 3600_000 },
        },
      },
    });
    const silent = await receiver();
    const fast = await receiver();
    silent.respond = () => ({ status: 200, delayMs: 600_000 });
    const silentId = await subscribe(t, silent.url, 'call.missed');
    await subscribe(t, fast.url, 'call.missed');
    await pollAndDeliver(t);
    t.bridge.worker.start();
    const attemptsToSilent = () =>
      Number(
        (
          t.bridge.store.db
            .prepare(
              'SELECT COUNT(*) AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.subscription_id = ?',
            )
            .get(silentId) as { n: number }
        ).n,
      );

    // More events for the silent subscriber than the worker has slots.
    const calls: SimCall[] = [];
    for (let i = 0; i < 6; i++) calls.push(missedCall(i));
    await settleWithoutDelivering(calls);
    await fast.waitFor(6, timeoutMs);
    // Decided by order, not by the clock: every event reached the other subscriber before
    // a single request to the silent one had timed out.
    expect(attemptsToSilent()).toBe(0);
    expect(silent.received.length).toBeGreaterThan(0);

    // A later call reaches the other subscriber while the silent one still holds requests.
    const later = missedCall(7);
    await settleWithoutDelivering([later]);
    await fast.waitFor(7, timeoutMs);
    expect(attemptsToSilent()).toBe(0);

    // The silent subscriber comes back; the requests it held time out, are recorded as failed
    // attempts and retried later, with the same event.
    silent.respond = () => ({ status: 200 });
    const deadline = Date.now() + 3 * timeoutMs;
    while (attemptsToSilent() < 7 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await t.bridge.worker.stop();
    const timedOut = (await history(`${calls[0].callHistoryId}:call.missed`)).find(
      (d) => d.subscription_id === silentId,
    )!;
    expect(timedOut.attempts[0]).toMatchObject({
      status_code: null,
      error: 'timed out',
    });
    expect(timedOut.status).toBe('pending');
    await stepThrough(t, 120, 10);
    for (const call of [...calls, later]) {
      const toSilent = (await history(`${call.callHistoryId}:call.missed`)).find(
        (d) => d.subscription_id === silentId,
      )!;
      expect(toSilent.status).toBe('delivered');
    }
    const silentIds = eventsOf(silent).map((e) => e.id);
    expect(new Set(silentIds)).toEqual(
      new Set([...calls, later].map((c) => `${c.callHistoryId}:call.missed`)),
    );
    expect(countIds(eventsOf(fast).map((e) => e.id))).toEqual(
      new Map([...calls, later].map((c) => [`${c.callHistoryId}:call.missed`, 1])),
    );
  });
});
