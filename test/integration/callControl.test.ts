import { startTestBridge, type TestBridge } from '../support/testBridge';
import type { SimulatorOptions } from '../../sim';

/**
 * The bridge listening to the simulator's Call Control stream, end to end on loopback: the
 * stream's `call.started` at the first ring, its fast `call.missed`, the poller's later view
 * adding detail to the same call without new events, and the cases the fast path must leave
 * to the call log (queue waves, IVR, voicemail, answered calls).
 *
 * The simulator's clock is manual; the bridge's stream reacts in real time (its quiet timer),
 * so the tests wait for what they expect instead of sleeping fixed times.
 */
const EXTENSIONS = ['101', '102', '103', '104', '105', '106', '107', '108', '109', '110'];
const CALLER = '+61412345678';

function ccSim(monitor: string[] = EXTENSIONS): SimulatorOptions {
  return {
    clients: [
      {
        clientId: 'bridge',
        clientSecret: 'bridge-secret',
        role: 'system_owner',
        callControl: { monitor },
      },
      { clientId: 'second', clientSecret: 'second-secret', role: 'system_owner' },
    ],
    callControl: { duplicateUpserts: 0.3 },
  };
}

async function startCc(monitor?: string[]): Promise<TestBridge> {
  const t = await startTestBridge({
    sim: ccSim(monitor),
    settings: { fastSettleQuietSeconds: 0.2 },
    bridge: {
      // A pong may come late on a loaded machine (the event loop lagged 0.4 s in one full run on
      // Postgres): long enough not to cut a healthy socket, short enough for the stall test.
      callControlTiming: { backoffBaseMs: 50, backoffMaxMs: 200, pingMs: 100, pongTimeoutMs: 2000 },
    },
  });
  t.bridge.callControl.start();
  await until(() => t.bridge.callControl.statusOf(t.locationId)?.state === 'connected');
  return t;
}

interface StoredEvent {
  id: string;
  type: string;
  call_id: string;
  payload: Record<string, unknown>;
}

function events(t: TestBridge): StoredEvent[] {
  return (
    t.bridge.store.db
      .prepare('SELECT id, type, call_id, payload FROM events WHERE location_id = ? ORDER BY seq')
      .all(t.locationId) as Array<{ id: string; type: string; call_id: string; payload: string }>
  ).map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}

/** Wait (real time, bounded) until `check` holds. */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Move the sim clock in one-second steps, giving the stream time to react to each. */
async function play(t: TestBridge, seconds: number, stepMs = 60): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    t.sim.clock.advance(1);
    await pause(stepMs);
  }
}

describe('Call Control stream → bridge', () => {
  let t: TestBridge;
  afterEach(() => t?.close());

  it('a plain miss: call.started at the first ring, call.missed from the stream, the poll adds detail only', async () => {
    t = await startCc();
    const call = t.sim.pbx.placeCall({
      kind: 'direct',
      extension: '102',
      result: 'hangup',
      ringSeconds: 10,
      caller: CALLER,
    });
    await play(t, 1);
    await until(() => events(t).some((e) => e.type === 'call.started'));
    const started = events(t)[0];
    expect(started.call_id).toMatch(/^cc-\d+-/);
    expect(started.payload).toMatchObject({ caller_number: CALLER, agents_rung: ['102'] });

    await play(t, 10);
    await until(() => events(t).some((e) => e.type === 'call.missed'));
    const missed = events(t).find((e) => e.type === 'call.missed')!;
    expect(missed.call_id).toBe(started.call_id);
    expect(missed.payload).toMatchObject({ outcome: 'missed', voicemail: false });
    // Nothing was logged yet when it went out: the fast path did not wait for the call log.
    expect(Date.parse(String(missed.payload.ended_at))).toBeLessThanOrEqual(call.endedAt + 1000);

    // The poller's view, a grace later: same call, no new events, its detail on the record.
    await t.advance(15);
    await t.advance(5);
    expect(events(t).map((e) => e.id)).toEqual([
      `${started.call_id}:call.started`,
      `${started.call_id}:call.ended`,
      `${started.call_id}:call.missed`,
    ]);
    const record = t.bridge.store.calls.get(t.locationId, started.call_id)!;
    expect(record.status).toBe('ended');
    expect(record.facts.leg_count).toBeGreaterThan(0);
    expect(record.facts.dialed_number).toMatch(/^\+61/);
    expect(t.bridge.store.calls.list(t.locationId, { limit: 10 }).calls).toHaveLength(1);
  });

  it('queue waves: phones going quiet between waves is not a miss; the answered call fires no call.missed', async () => {
    t = await startCc();
    t.sim.pbx.placeCall({
      kind: 'queue',
      result: 'answered',
      answeredOnPoll: 3,
      pickupSeconds: 4,
      talkSeconds: 20,
      caller: CALLER,
    });
    // Polls at 4, 21, 38 s (15 s each, 2 s gaps): two gaps with nothing monitored ringing.
    await play(t, 70);
    await t.advance(15);
    await t.advance(5);
    const got = events(t);
    expect(got.map((e) => e.type).sort()).toEqual(['call.ended', 'call.started']);
    expect(new Set(got.map((e) => e.call_id)).size).toBe(1);
    expect(got.find((e) => e.type === 'call.ended')!.payload).toMatchObject({
      outcome: 'answered',
      answered_by: '105',
    });
  });

  it('a queue caller who hangs up while an agent rings: fast call.missed with the agents rung', async () => {
    t = await startCc();
    t.sim.pbx.placeCall({ kind: 'queue', result: 'hangup', waitSeconds: 30, caller: CALLER });
    await play(t, 31);
    await until(() => events(t).some((e) => e.type === 'call.missed'));
    const missed = events(t).find((e) => e.type === 'call.missed')!;
    expect(missed.payload).toMatchObject({ agents_rung: ['103', '104'], queue: '8001' });
    await t.advance(15);
    await t.advance(5);
    expect(events(t).filter((e) => e.type === 'call.missed')).toHaveLength(1);
    expect(events(t).filter((e) => e.type === 'call.ended')).toHaveLength(1);
  });

  it('a queue caller who hangs up between waves, after the first check: caught by a re-check', async () => {
    t = await startCc();
    // The first agent rings from 4 to 19 s, the next wave starts at 21 s; the caller goes at 20.8 s.
    t.sim.pbx.placeCall({ kind: 'queue', result: 'hangup', waitSeconds: 20.8, caller: CALLER });
    await play(t, 19);
    await pause(500); // the first check: still on the PBX, waiting in the queue
    expect(events(t).map((e) => e.type)).toEqual(['call.started']);
    t.sim.clock.advance(2);
    await until(() => events(t).some((e) => e.type === 'call.missed'));
    expect(events(t).find((e) => e.type === 'call.missed')!.payload).toMatchObject({
      outcome: 'missed',
      queue: '8001',
      agents_rung: ['103'],
    });
  });

  it('voicemail waits for the call log (voicemail_left needs it), under the same call id', async () => {
    t = await startCc();
    t.sim.pbx.placeCall({
      kind: 'direct',
      extension: '104',
      result: 'voicemail',
      ringSeconds: 8,
      messageSeconds: 20,
      caller: CALLER,
    });
    await play(t, 12);
    await pause(400);
    // Rang out to voicemail: no fast verdict, the call is still on the PBX.
    expect(events(t).map((e) => e.type)).toEqual(['call.started']);
    const callId = events(t)[0].call_id;
    await play(t, 30, 10);
    await t.advance(15);
    await t.advance(5);
    const missed = events(t).find((e) => e.type === 'call.missed')!;
    expect(missed.call_id).toBe(callId);
    expect(missed.payload).toMatchObject({ outcome: 'voicemail', voicemail_left: true });
    expect(events(t)).toHaveLength(3);
  });

  it('an IVR caller who picks a phone and hangs up: one call, one set of events, whichever source saw it first', async () => {
    t = await startCc();
    t.sim.pbx.placeCall({
      kind: 'ivr',
      menuSeconds: 6,
      then: { kind: 'direct', extension: '101', result: 'hangup', ringSeconds: 10 },
      caller: CALLER,
    });
    await play(t, 7);
    await t.tick(); // the IVR leg is in the call log now: the poller may see the call first
    await play(t, 10);
    await until(() => events(t).some((e) => e.type === 'call.missed'));
    await t.advance(15);
    await t.advance(5);
    const got = events(t);
    expect(got.map((e) => e.type).sort()).toEqual(['call.ended', 'call.missed', 'call.started']);
    expect(new Set(got.map((e) => e.call_id)).size).toBe(1);
    expect(t.bridge.store.calls.list(t.locationId, { limit: 10 }).calls).toHaveLength(1);
  });

  it('an answered call fires no call.missed; internal and outbound calls nothing from the stream', async () => {
    t = await startCc();
    t.sim.pbx.placeCall({
      kind: 'direct',
      extension: '101',
      result: 'answered',
      ringSeconds: 3,
      talkSeconds: 10,
    });
    t.sim.pbx.placeCall({
      kind: 'internal',
      from: '102',
      to: '103',
      result: 'unanswered',
      ringSeconds: 5,
    });
    t.sim.pbx.placeCall({ kind: 'outbound', from: '104', result: 'unanswered', ringSeconds: 5 });
    await play(t, 15);
    await pause(300);
    expect(events(t).map((e) => e.type)).toEqual(['call.started']);
  });

  it('answered on a phone the stream does not see: subscribers keep the fast miss, the record the log, counted', async () => {
    // Ring group 8002 rings 107, 108 and 109; only 107 is monitored.
    t = await startCc(['101', '102', '103', '104', '105', '106', '107']);
    t.sim.pbx.placeCall({
      kind: 'ringGroup',
      result: 'answered',
      answeredBy: '108',
      ringSeconds: 3,
      talkSeconds: 2,
      caller: CALLER,
    });
    await play(t, 1);
    await until(() => events(t).some((e) => e.type === 'call.started'));
    // 108 answers, talks 2 s and hangs up before the bridge looks at /ActiveCalls.
    t.sim.clock.advance(10);
    await until(() => events(t).some((e) => e.type === 'call.missed'));
    await t.advance(10);
    await t.advance(5);
    const got = events(t);
    const callId = got[0].call_id;
    expect(got.map((e) => e.id)).toEqual([
      `${callId}:call.started`,
      `${callId}:call.ended`,
      `${callId}:call.missed`,
    ]);
    const record = t.bridge.store.calls.get(t.locationId, callId)!;
    expect(record.facts).toMatchObject({ outcome: 'answered', answered_by: '108' });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/bridge_fast_settle_contradictions_total 1/);
  });

  it('the stream and check state show in /v1/status; a client without Call Control access polls as before', async () => {
    t = await startCc();
    const res = await fetch(`${t.url}/v1/status`, {
      headers: { authorization: `Bearer ${t.apiKey}` },
    });
    expect(((await res.json()) as Record<string, unknown>).call_control).toMatchObject({
      state: 'connected',
      monitored_dns: 10,
      reconnects: 0,
    });
    const other = await t.addLocation('No Call Control', 'second');
    await until(() => t.bridge.callControl.statusOf(other.locationId)?.state === 'no_access');
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/bridge_callcontrol_connected\{location="[^"]+"\} 1/);
    expect(metrics).toMatch(/bridge_fast_settle_contradictions_total 0/);
  });

  it('streams with a rotated secret from the next location refresh on (location connect)', async () => {
    t = await startCc();
    const connect = (clientSecret: string) => {
      t.bridge.store.locations.setConnection(t.locationId, {
        pbxUrl: t.sim.url,
        clientId: 'bridge',
        clientSecret,
      });
      t.bridge.refreshLocations();
    };
    // Same length as the right one: the stream must still be made again with the new client.
    connect('bridge-secreT');
    await until(() => t.bridge.callControl.statusOf(t.locationId)?.state !== 'connected', 2000);
    expect(t.bridge.callControl.statusOf(t.locationId)!.state).not.toBe('connected');
    connect('bridge-secret');
    await until(() => t.bridge.callControl.statusOf(t.locationId)?.state === 'connected');
  });

  it('reconnects after a dropped socket (re-token, snapshot) and a stalled one', async () => {
    t = await startCc();
    t.sim.faults.inject({ kind: 'streamDrop', forSeconds: 0.5 });
    await until(() => t.bridge.callControl.statusOf(t.locationId)?.state !== 'connected', 2000);
    t.sim.clock.advance(1);
    await until(() => t.bridge.callControl.statusOf(t.locationId)?.state === 'connected');
    expect(t.bridge.callControl.statusOf(t.locationId)!.reconnects).toBe(1);
    // Events after the reconnect arrive as before.
    t.sim.pbx.placeCall({ kind: 'direct', extension: '102', result: 'hangup', ringSeconds: 3 });
    await play(t, 4);
    await until(() => events(t).some((e) => e.type === 'call.missed'));

    // A stalled socket answers no ping: the bridge cuts it and connects again.
    t.sim.faults.inject({ kind: 'streamStall', forSeconds: 0.5 });
    await until(() => t.bridge.callControl.statusOf(t.locationId)?.state !== 'connected', 10_000);
    t.sim.clock.advance(1);
    await until(() => t.bridge.callControl.statusOf(t.locationId)?.state === 'connected');
    expect(t.bridge.callControl.statusOf(t.locationId)!.reconnects).toBe(2);
  });
});
