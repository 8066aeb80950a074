import { startSimulator, type Simulator, type SimCall } from '../../sim';
import { CallPoller } from '../../lib/poller/callPoller';
import { MemoryPollerStore } from '../../lib/poller/pollerState';
import { createThreecxTransport } from '../../bridge/threecx/threecxTransport';
import { ThreeCxClient } from '../../lib/threecx/client';

/**
 * The poller against the simulator over loopback, with the real XAPI client: the race the
 * settle engine must survive, outages, restarts and token trouble. The client, the poller
 * and the simulator share the simulator's stepped clock.
 */
let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ seed: 3 });
});
afterEach(async () => {
  await sim.close();
});

function newPoller(
  store: MemoryPollerStore,
  clientId = 'bridge',
  secret = 'bridge-secret',
  urls: string[] = [],
) {
  const transport = createThreecxTransport();
  const client = new ThreeCxClient({
    pbxUrl: sim.url,
    clientId,
    clientSecret: secret,
    transport: {
      request: (r) => {
        urls.push(decodeURIComponent(r.url));
        return transport.request(r);
      },
    },
    now: () => sim.clock.now(),
    sleep: async () => undefined,
    timeoutMs: 2000,
  });
  return new CallPoller({
    source: client,
    store,
    now: () => sim.clock.now(),
    settings: { settle: { graceSeconds: 10, country: 'AU' } },
  });
}

/** Tick every `step` seconds for `seconds`, collecting failures instead of stopping. */
async function run(poller: CallPoller, seconds: number, step = 5): Promise<number> {
  let failures = 0;
  for (let t = 0; t < seconds; t += step) {
    sim.clock.advance(step);
    await poller.tick().catch(() => failures++);
  }
  return failures;
}

function idsOf(store: MemoryPollerStore, type: string) {
  return store.events.filter((e) => e.type === type).map((e) => e.call.call_id);
}

/** Every call that had ended (and settled) by now fired `call.missed` once if it was missed. */
function expectEachMissedOnce(store: MemoryPollerStore, calls: SimCall[]) {
  const settled = calls.filter((c) => c.endedAt < sim.clock.now() - 20_000);
  expect(settled.length).toBeGreaterThan(0);
  const expectedMissed = settled
    .filter((c) => c.expected.direction === 'inbound' && c.expected.outcome !== 'answered')
    .map((c) => c.callHistoryId)
    .sort();
  expect(idsOf(store, 'call.missed').sort()).toEqual(expectedMissed);
  const ended = idsOf(store, 'call.ended');
  expect(new Set(ended).size).toBe(ended.length);
}

describe('the poller over loopback', () => {
  it('emits nothing while a queue call goes to voicemail, then one call.missed with the voicemail', async () => {
    const store = new MemoryPollerStore();
    const poller = newPoller(store);
    await poller.tick();
    const call = sim.pbx.placeCall({ kind: 'queue', result: 'voicemail', messageSeconds: 30 });
    // Unanswered queue and agent legs are in the log long before the caller hangs up.
    while (sim.clock.now() < call.endedAt) {
      sim.clock.advance(5);
      await poller.tick();
      expect(idsOf(store, 'call.missed')).toEqual([]);
    }
    expect(idsOf(store, 'call.started')).toEqual([call.callHistoryId]);
    await run(poller, 60);
    const missed = store.events.filter((e) => e.type === 'call.missed');
    expect(missed).toHaveLength(1);
    expect(missed[0].call).toMatchObject({
      call_id: call.callHistoryId,
      outcome: 'voicemail',
      voicemail: true,
      voicemail_left: true,
    });
    expect(missed[0].call.dialed_number).toBe(call.did);
  });

  it('makes a queue call the caller gave up on missed, with the agents the abandoned-queue report names', async () => {
    const store = new MemoryPollerStore();
    const urls: string[] = [];
    const poller = newPoller(store, 'bridge', 'bridge-secret', urls);
    await poller.tick();
    const answered = sim.pbx.placeCall({ kind: 'queue', result: 'answered', answeredOnPoll: 2 });
    await run(poller, 120);
    // An answered queue call needs no report.
    expect(urls.filter((u) => u.includes('GetAbandonedQueueCallsData'))).toEqual([]);
    const gaveUp = sim.pbx.placeCall({ kind: 'queue', result: 'hangup', waitSeconds: 40 });
    await run(poller, 120);
    const reads = urls.filter((u) => u.includes('GetAbandonedQueueCallsData'));
    expect(reads).toHaveLength(1);
    expect(reads[0]).toContain("queueDns='8001',waitInterval='0:00:0'");
    const missed = store.events.filter((e) => e.type === 'call.missed');
    expect(missed.map((e) => e.call.call_id)).toEqual([gaveUp.callHistoryId]);
    expect(missed[0].call).toMatchObject({
      outcome: 'missed',
      queue: '8001',
      agents_rung: gaveUp.expected.agentsRung,
    });
    expect(gaveUp.expected.agentsRung).toEqual(['103', '104', '105']);
    // Its unanswered polls are not in the log the poller read.
    expect(gaveUp.legs.filter((l) => l.queuePoll)).toHaveLength(3);
    expect(idsOf(store, 'call.ended')).toEqual([answered.callHistoryId, gaveUp.callHistoryId]);
  });

  it('catches up ten simulated minutes of outage exactly once', async () => {
    const store = new MemoryPollerStore();
    const poller = newPoller(store);
    await run(poller, 30);
    sim.faults.inject({ kind: 'down', forSeconds: 600 });
    sim.pbx.startTraffic({ callsPerMinute: 6, seed: 9 });
    const failures = await run(poller, 600);
    expect(failures).toBeGreaterThan(100);
    sim.pbx.stopTraffic();
    await run(poller, 300);
    const calls = sim.pbx.calls();
    expect(calls.length).toBeGreaterThan(40);
    expectEachMissedOnce(store, calls);
    // call.started fires for every call but extension-to-extension ones.
    const external = calls.filter((c) => c.expected.direction !== 'internal');
    expect(new Set(idsOf(store, 'call.started')).size).toBe(external.length);
    // 186 ticks over loopback, two to four requests each: ~10 s on a quiet machine, over the
    // default 30 s when the full suite shares two cores with other work.
  }, 90_000);

  it('after a long gap catches up in windows, without duplicates', async () => {
    const store = new MemoryPollerStore();
    await newPoller(store).tick();
    sim.pbx.startTraffic({ callsPerMinute: 2, seed: 4 });
    sim.clock.advance(8 * 3600); // the bridge was off for eight hours
    sim.pbx.stopTraffic();
    const reports = await newPoller(store).catchUp();
    expect(reports.length).toBeGreaterThan(1);
    expect(reports.slice(0, -1).every((r) => r.window.catchingUp)).toBe(true);
    await run(newPoller(store), 180);
    expectEachMissedOnce(store, sim.pbx.calls());
  });

  it('survives a restart mid-call without emitting twice', async () => {
    const store = new MemoryPollerStore();
    await run(newPoller(store), 10);
    const call = sim.pbx.placeCall({
      kind: 'direct',
      extension: '101',
      result: 'voicemail',
      messageSeconds: 15,
    });
    await run(newPoller(store), 25);
    expect(idsOf(store, 'call.started')).toEqual([call.callHistoryId]);
    // A new process: new client, new poller, the state from the store.
    await run(newPoller(store), 120);
    expect(idsOf(store, 'call.started')).toEqual([call.callHistoryId]);
    expect(idsOf(store, 'call.missed')).toEqual([call.callHistoryId]);
  });

  it('recovers by itself when 3CX revokes its token mid-run, losing nothing', async () => {
    const store = new MemoryPollerStore();
    const poller = newPoller(store);
    await run(poller, 10);
    sim.pbx.startTraffic({ callsPerMinute: 4, seed: 2 });
    await run(poller, 60);
    sim.faults.inject({ kind: 'unauthorizedStorm', forSeconds: 20 });
    await run(poller, 120);
    sim.pbx.stopTraffic();
    await run(poller, 240);
    expectEachMissedOnce(store, sim.pbx.calls());
  });

  it('works with a PBX before V20 Update 6 (no CallHistoryId), grouping by CallId', async () => {
    await sim.close();
    sim = await startSimulator({ version: '20.0.4.800', seed: 3 });
    const store = new MemoryPollerStore();
    const poller = newPoller(store);
    await poller.tick();
    const call = sim.pbx.placeCall({ kind: 'queue', result: 'hangup', waitSeconds: 40 });
    await run(poller, 120);
    expect(call.callHistoryId).toBeNull();
    const missed = store.events.filter((e) => e.type === 'call.missed');
    expect(missed.map((e) => e.call.call_id)).toEqual([String(call.callId)]);
    expect(missed[0].call.outcome).toBe(call.expected.outcome);
  });
});
