import type { CallEvent } from '../../lib/callEvent';
import type { SimCall } from '../../sim';
import { allEvents, api, countIds, subscribe } from '../support/bridgeApi';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import {
  eventsOf,
  expectedIds,
  memoryLogger,
  placeFromMix,
  pollAndDeliver,
  stepThrough,
} from './support';
import { knownAgents } from '../support/knownAgents';

/**
 * The PBX misbehaves (down, tokens revoked, 504s for an hour); when it behaves again every
 * call of the gap comes out exactly once, with the outcome the simulator's script says.
 */
let t: TestBridge;
let receiver: Receiver;

async function start(options: Parameters<typeof startTestBridge>[0] = {}): Promise<void> {
  t = await startTestBridge(options);
  receiver = await startReceiver();
  for (const event of ['call.started', 'call.ended', 'call.missed'] as const)
    await subscribe(t, `${receiver.url}/${event}`, event);
  await pollAndDeliver(t);
}

afterEach(async () => {
  await t?.close();
  await receiver?.close();
});

/** Every event exactly once at the receiver and in the feed, with the script's classification. */
async function expectEachCallOnce(calls: readonly SimCall[]): Promise<void> {
  const received = eventsOf(receiver);
  const counts = countIds(received.map((e) => e.id));
  const wanted = (['call.started', 'call.ended', 'call.missed'] as const).flatMap((type) =>
    expectedIds(calls, type),
  );
  for (const id of wanted) expect([id, counts.get(id)]).toEqual([id, 1]);
  expect(received).toHaveLength(wanted.length);
  const feed = await allEvents(t);
  expect(countIds(feed.map((e) => e.id))).toEqual(new Map(wanted.map((id) => [id, 1])));
  for (const call of calls) {
    const ended = received.find((e) => e.id === `${call.callHistoryId}:call.ended`);
    if (call.expected.direction === 'internal') continue;
    expect(ended).toMatchObject({
      direction: call.expected.direction,
      outcome: call.expected.outcome,
      voicemail_left: call.expected.voicemailLeft,
      agents_rung: knownAgents(call),
    });
  }
  // Duplicates never come later either: the finished calls stay finished.
  const before = receiver.received.length;
  await stepThrough(t, 15 * 60, 60);
  expect(receiver.received.length).toBe(before);
}

describe('the PBX is unreachable for ten simulated minutes', () => {
  it('emits every call of the gap exactly once after it returns', async () => {
    await start();
    const calls: SimCall[] = [placeFromMix(t, 0)];
    await stepThrough(t, 300);
    expect(eventsOf(receiver).map((e) => e.id)).toContain(`${calls[0].callHistoryId}:call.ended`);

    t.sim.faults.inject({ kind: 'down', forSeconds: 600 });
    const failures: unknown[] = [];
    for (let minute = 1; minute <= 10; minute++) {
      calls.push(placeFromMix(t, minute));
      t.sim.clock.advance(minute < 10 ? 60 : 50);
      // Two polls in the gap (each retries a dropped connection twice in real time).
      if (minute === 1 || minute === 6) failures.push(...(await pollAndDeliver(t)));
    }
    expect(failures).toHaveLength(2);
    expect(String(failures[0])).toMatch(/could not reach|connection|ECONNRESET|socket/i);
    const status = await api(t.url, t.apiKey, 'GET', '/v1/status');
    expect(status.body.poll).toMatchObject({ consecutive_errors: 2 });
    expect(status.body.poll.last_error).toEqual(expect.any(String));

    // The last call of the gap is still ringing when the PBX comes back.
    t.sim.clock.advance(10);
    expect(await stepThrough(t, 8 * 60)).toEqual([]);
    const status2 = await api(t.url, t.apiKey, 'GET', '/v1/status');
    expect(status2.body.poll).toMatchObject({ consecutive_errors: 0, last_error: null });
    await expectEachCallOnce(calls);
  }, 30_000);
});

describe('the 3CX token is revoked mid-run', () => {
  it('recovers by itself after an unauthorized storm and loses nothing', async () => {
    await start();
    const calls: SimCall[] = [];
    t.sim.faults.inject({ kind: 'unauthorizedStorm', forSeconds: 330 });
    const failures: unknown[] = [];
    for (let minute = 0; minute < 5; minute++) {
      calls.push(placeFromMix(t, minute));
      failures.push(...(await stepThrough(t, 60, 20)));
    }
    expect(failures).toHaveLength(15);
    expect(String(failures[0])).toMatch(/401|token|unauthori[sz]ed|rejected/i);
    expect(receiver.received).toHaveLength(0);
    t.sim.clock.advance(30); // the storm is over
    expect(await stepThrough(t, 6 * 60)).toEqual([]);
    await expectEachCallOnce(calls);
  });

  it('takes a new token when another consumer of the same API client replaced it, without a failed poll', async () => {
    await start();
    const calls: SimCall[] = [];
    for (let i = 0; i < 4; i++) {
      calls.push(placeFromMix(t, i));
      // Someone else logs in with the bridge's client id: 3CX keeps one token per client.
      const stolen = await fetch(`${t.sim.url}/connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'client_id=bridge&client_secret=bridge-secret&grant_type=client_credentials',
      });
      expect(stolen.status).toBe(200);
      expect(await stepThrough(t, 60)).toEqual([]);
    }
    expect(await stepThrough(t, 5 * 60)).toEqual([]);
    await expectEachCallOnce(calls);
  });
});

describe('the PBX answers 504 to the call log for an hour', () => {
  it('backs off, then catches up in halved windows with nothing lost or duplicated', async () => {
    const log = memoryLogger();
    // The simulated PBX times out on periods longer than 30 minutes, like a loaded real one.
    await start({
      sim: { maxPeriodDays: 30 / 1440 },
      settings: { pollIntervalSeconds: 1 },
      bridge: { logger: log.logger, random: () => 0.5 },
    });
    const calls: SimCall[] = [];
    t.sim.faults.inject({ kind: 'gateway504', forSeconds: 3630 });

    // The scheduler's own timers: each failure doubles the wait before the next poll.
    t.bridge.scheduler.start();
    const deadline = Date.now() + 10_000;
    while (t.bridge.scheduler.status()[0].consecutiveErrors < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await t.bridge.scheduler.stop();
    const backoff = t.bridge.scheduler.status()[0];
    expect(backoff.consecutiveErrors).toBe(2);
    // Interval 1 s, doubled per consecutive error (the jitter is neutral with random 0.5).
    expect(Date.parse(backoff.nextPollAt!) - Date.parse(backoff.lastPollAt!)).toBe(4000);
    const status = await api(t.url, t.apiKey, 'GET', '/v1/status');
    expect(status.body.poll.last_error).toMatch(/504/);

    const failures: unknown[] = [];
    for (let i = 0; i < 12; i++) {
      calls.push(placeFromMix(t, i));
      failures.push(...(await stepThrough(t, 300, 60)));
    }
    expect(failures).toHaveLength(60);
    expect(receiver.received.filter((r) => (r.json as CallEvent).event !== 'call.started')).toEqual(
      [],
    );

    t.sim.clock.advance(30); // the PBX copes again, with periods of up to 30 minutes
    expect(await stepThrough(t, 5 * 60, 10)).toEqual([]);
    const halved = log
      .lines()
      .filter((l) => (l.threecx as { type?: string } | undefined)?.type === 'window_halved');
    expect(halved.length).toBeGreaterThanOrEqual(2);
    await expectEachCallOnce(calls);
  });
});
