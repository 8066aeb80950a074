import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallEvent } from '../../lib/callEvent';
import { startSimulator, type SimCall, type Simulator } from '../../sim';
import { api, countIds, subscribe } from '../support/bridgeApi';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestBridge, type TestBridge, type TestBridgeOptions } from '../support/testBridge';
import { eventsOf, expectedIds, pollAndDeliver, stepThrough } from './support';
import { knownAgents } from '../support/knownAgents';

/**
 * The bridge stops (cleanly, or as if the process died) and starts again on the same database
 * file: what it had seen but not finished is finished once, what it was sending is sent.
 */
let sim: Simulator;
let dir: string;
let dbPath: string;
let receiver: Receiver;
const bridges: TestBridge[] = [];

beforeEach(async () => {
  sim = await startSimulator({
    clients: [{ clientId: 'bridge', clientSecret: 'bridge-secret', role: 'system_owner' }],
  });
  dir = mkdtempSync(join(tmpdir(), '3cx-bridge-restart-'));
  dbPath = join(dir, 'bridge.db');
  receiver = await startReceiver();
});

afterEach(async () => {
  for (const b of bridges.splice(0)) {
    await b.bridge.api.close();
    b.bridge.store.close();
  }
  await receiver.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startBridge(options: Partial<TestBridgeOptions> = {}): Promise<TestBridge> {
  const t = await startTestBridge({ simulator: sim, dbPath, ...options });
  bridges.push(t);
  return t;
}

/** Stop a bridge gracefully (`stop()`: polls finish, deliveries finish, database closed). */
async function stopGracefully(t: TestBridge): Promise<void> {
  await t.bridge.stop();
  bridges.splice(bridges.indexOf(t), 1);
}

/**
 * As if the process died between two polls: nothing is stopped or flushed, the database
 * connection is simply abandoned (closed only when the test ends). Only the port is freed.
 */
async function abandon(t: TestBridge): Promise<void> {
  await t.bridge.api.close();
}

describe.each([
  ['gracefully', stopGracefully],
  ['abruptly', abandon],
])('stopped %s while calls are pending, then started on the same database', (_how, stop) => {
  it('emits each pending call exactly once, with the right classification', async () => {
    const first = await startBridge();
    for (const event of ['call.started', 'call.ended', 'call.missed'] as const)
      await subscribe(first, `${receiver.url}/${event}`, event);
    await pollAndDeliver(first);

    // A call through the IVR to an agent who does not answer; the caller leaves a voicemail.
    // (Not a queue: its unanswered polls are not in the log, so it shows no leg for 90 s.)
    const queued = sim.pbx.placeCall({
      kind: 'ivr',
      menuSeconds: 10,
      then: {
        kind: 'direct',
        extension: '103',
        result: 'voicemail',
        ringSeconds: 40,
        messageSeconds: 25,
      },
      caller: '+61412000001',
    });
    await stepThrough(first, 60);
    // A second call only rings when the bridge stops: in /ActiveCalls, no leg in the log yet.
    const ringing = sim.pbx.placeCall({
      kind: 'direct',
      extension: '107',
      result: 'hangup',
      ringSeconds: 25,
      caller: '+61412000002',
    });
    await stepThrough(first, 5);
    expect(sim.clock.now()).toBeLessThan(queued.endedAt);
    const live = await api(first.url, first.apiKey, 'GET', `/v1/calls/${queued.callHistoryId}`);
    expect(live.body).toMatchObject({ status: 'live' });
    expect(eventsOf(receiver).map((e) => e.id)).toEqual([`${queued.callHistoryId}:call.started`]);

    await stop(first);
    sim.clock.advance(20); // the bridge was away for a moment

    const second = await startBridge();
    await stepThrough(second, (queued.endedAt - sim.clock.now()) / 1000 + 60);
    const calls: SimCall[] = [queued, ringing];
    const wanted = (['call.started', 'call.ended', 'call.missed'] as const).flatMap((type) =>
      expectedIds(calls, type),
    );
    expect(countIds(eventsOf(receiver).map((e) => e.id))).toEqual(
      new Map(wanted.map((id) => [id, 1])),
    );
    for (const call of calls) {
      const missed = eventsOf(receiver).find(
        (e) => e.id === `${call.callHistoryId}:call.missed`,
      ) as CallEvent;
      expect(missed).toMatchObject({
        outcome: call.expected.outcome,
        voicemail: call.expected.voicemail,
        voicemail_left: call.expected.voicemailLeft,
        agents_rung: knownAgents(call),
        queue: call.expected.queue,
        caller_number: call.caller,
      });
      const record = await api(second.url, second.apiKey, 'GET', `/v1/calls/${call.callHistoryId}`);
      expect(record.body).toMatchObject({ status: 'ended', outcome: call.expected.outcome });
    }
    expect(
      eventsOf(receiver).find((e) => e.id === `${queued.callHistoryId}:call.missed`),
    ).toMatchObject({ outcome: 'voicemail', voicemail_left: true, agents_rung: ['103'] });
  });
});

describe('stop() while a delivery is in flight', () => {
  async function storedMissedCall(t: TestBridge): Promise<string> {
    await subscribe(t, receiver.url, 'call.missed');
    await pollAndDeliver(t);
    const call = sim.pbx.placeCall({
      kind: 'direct',
      extension: '102',
      result: 'hangup',
      ringSeconds: 10,
      caller: '+61412000003',
    });
    while (sim.clock.now() < call.endedAt + 15_000) {
      sim.clock.advance(5);
      await t.bridge.pollNow(t.locationId);
    }
    return `${call.callHistoryId}:call.missed`;
  }

  it('finishes a delivery that is answered before the timeout', async () => {
    const first = await startBridge();
    const eventId = await storedMissedCall(first);
    receiver.respond = () => ({ status: 200, delayMs: 700 });
    const round = first.bridge.deliverNow();
    await receiver.waitFor(1);
    await stopGracefully(first);
    await round;

    const second = await startBridge();
    await stepThrough(second, 120, 10);
    expect(receiver.received.map((r) => (r.json as CallEvent).id)).toEqual([eventId]);
    const history = await api(
      second.url,
      second.apiKey,
      'GET',
      `/v1/events/${encodeURIComponent(eventId)}/deliveries`,
    );
    expect(history.body.data).toEqual([
      expect.objectContaining({
        status: 'delivered',
        attempts: [expect.objectContaining({ status_code: 200 })],
      }),
    ]);
  });

  it('leaves one the subscriber does not answer pending, and the next start delivers it with the same id', async () => {
    const first = await startBridge({
      bridge: {
        delivery: {
          timeoutMs: 500,
          retry: { baseMs: 1000, maxMs: 60_000, giveUpAfterMs: 3600_000 },
        },
      },
    });
    const eventId = await storedMissedCall(first);
    receiver.respond = () => ({ status: 200, delayMs: 600_000 });
    const round = first.bridge.deliverNow();
    await receiver.waitFor(1);
    await stopGracefully(first);
    await round;

    receiver.respond = () => ({ status: 200 });
    const second = await startBridge();
    await stepThrough(second, 120, 10);
    const ids = receiver.received.map((r) => (r.json as CallEvent).id);
    expect(ids).toEqual([eventId, eventId]);
    expect(receiver.received[1].body).toBe(receiver.received[0].body);
    const history = await api(
      second.url,
      second.apiKey,
      'GET',
      `/v1/events/${encodeURIComponent(eventId)}/deliveries`,
    );
    expect(history.body.data[0].status).toBe('delivered');
    expect(
      history.body.data[0].attempts.map(
        (a: { status_code: number | null; error: string | null }) => [a.status_code, a.error],
      ),
    ).toEqual([
      [null, 'timed out'],
      [200, null],
    ]);
  });
});
