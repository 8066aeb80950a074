import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallEvent } from '../../lib/callEvent';
import { startReceiver, type Receiver } from '../support/receiver';
import {
  addJournalOnlyLocation,
  api,
  journal,
  journalEntryRow,
  journaledCallFor,
  tableCounts,
  threecxFor,
} from '../support/template/journalTestKit';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import type { TemplateRunner } from '../support/templateRunner';

/**
 * The CRM-template journal as the bridge's second event source, end to end: 3CX's side is
 * 3cx-template.xml run by the template runner, the bridge and the simulated PBX are real, on
 * loopback, on the simulator's clock. The test location polls with grace 10 s every 5 s, so a
 * journal entry is held for 10 + 2 × 5 + 30 = 50 s (bridge/journal/holdDeadline.ts).
 */
const HOLD_SECONDS = 50;

let t: TestBridge;
let receiver: Receiver;
let threecx: TemplateRunner;
beforeEach(async () => {
  t = await startTestBridge();
  receiver = await startReceiver();
  threecx = threecxFor(t, t.apiKey);
});
afterEach(async () => {
  await t.close();
  await receiver.close();
});

async function subscribe(key: string, event: CallEvent['event'] = 'call.missed', bridge = t) {
  const hook = await api(bridge, key, 'POST', '/v1/hooks', { target_url: receiver.url, event });
  expect(hook.status).toBe(201);
}

const delivered = () => receiver.received.map((r) => r.json as CallEvent);

/** Advance the clock in poll-sized steps, polling (failures allowed), sweeping, delivering. */
async function run(seconds: number, options: { pbxDown?: boolean; bridge?: TestBridge } = {}) {
  const b = options.bridge ?? t;
  for (let s = 0; s < seconds; s += 5) {
    b.sim.clock.advance(5);
    const poll = b.bridge.pollNow(b.locationId);
    if (options.pbxDown) await poll.catch(() => undefined);
    else await poll;
    await b.bridge.journalSweep();
    await b.bridge.deliverNow();
  }
}

/** A queue call nobody answers; the caller leaves a 20 s message. */
function voicemailCall(caller = '+61412345678') {
  return t.sim.pbx.placeCall({ kind: 'queue', result: 'voicemail', caller, messageSeconds: 20 });
}

describe('a location without XAPI', () => {
  it('turns a journaled missed call into one call.missed at once', async () => {
    const darwin = addJournalOnlyLocation(t);
    await subscribe(darwin.apiKey);
    const now = t.sim.clock.now();
    const answer = await journal(threecxFor(t, darwin.apiKey), {
      callType: 'Missed',
      number: '0061412345678',
      name: 'Jane Citizen',
      agent: '101',
      agentFirstName: 'Alice',
      agentLastName: 'Nguyen',
      startedAt: now - 40_000,
      endedAt: now - 5_000,
      queue: '8001',
    });
    expect(answer.response).toEqual({
      status: 200,
      body: {
        status: 'released',
        call_id: expect.stringMatching(/^journal-[0-9a-f]{20}$/),
        release_at: null,
      },
    });
    await t.tick(); // no time passes: delivery only
    expect(delivered()).toHaveLength(1);
    const callId = (answer.response!.body as { call_id: string }).call_id;
    expect(delivered()[0]).toMatchObject({
      id: `${callId}:call.missed`,
      event: 'call.missed',
      call_id: callId,
      direction: 'inbound',
      outcome: 'missed',
      voicemail: false,
      caller_number: '+61412345678',
      caller_name: 'Jane Citizen',
      external_number: '+61412345678',
      callee_number: '101',
      callee_name: 'Alice Nguyen',
      queue: '8001',
      agents_rung: ['101'],
      answered_by: null,
      started_at: new Date(now - 40_000).toISOString(),
      ended_at: new Date(now - 5_000).toISOString(),
      ring_seconds: 35,
      talk_seconds: 0,
      location: { id: darwin.locationId, name: 'Darwin Office' },
      record_url: `${t.url}/v1/calls/${callId}`,
    });
    const record = await api(t, darwin.apiKey, 'GET', `/v1/calls/${callId}`);
    expect(record.body).toMatchObject({ id: callId, status: 'ended', outcome: 'missed' });
  });

  it('fires call.ended, not call.missed, for an answered call', async () => {
    const darwin = addJournalOnlyLocation(t);
    await subscribe(darwin.apiKey, 'call.missed');
    await subscribe(darwin.apiKey, 'call.ended');
    const now = t.sim.clock.now();
    await journal(threecxFor(t, darwin.apiKey), {
      callType: 'Inbound',
      number: '+61412345678',
      agent: '102',
      startedAt: now - 100_000,
      establishedAt: now - 88_000,
      endedAt: now - 10_000,
    });
    await t.tick();
    expect(delivered().map((e) => e.event)).toEqual(['call.ended']);
    expect(delivered()[0]).toMatchObject({
      outcome: 'answered',
      answered_by: '102',
      ring_seconds: 12,
      talk_seconds: 78,
    });
  });

  it('stores nothing new when 3CX posts the same call again', async () => {
    const darwin = addJournalOnlyLocation(t);
    await subscribe(darwin.apiKey);
    const darwin3cx = threecxFor(t, darwin.apiKey);
    const now = t.sim.clock.now();
    const call = {
      callType: 'Missed' as const,
      number: '+61412345678',
      agent: '101',
      startedAt: now - 30_000,
      endedAt: now - 2_000,
    };
    const first = await journal(darwin3cx, call);
    await t.tick();
    const before = tableCounts(t);
    const again = await journal(darwin3cx, call);
    expect(again.response!.body).toMatchObject({
      status: 'duplicate',
      call_id: (first.response!.body as { call_id: string }).call_id,
    });
    await t.tick();
    expect(tableCounts(t)).toEqual(before);
    expect(delivered()).toHaveLength(1);
  });
});

describe('a location polled over XAPI', () => {
  it('sends the journal version after the hold when the poller never reports the call', async () => {
    await subscribe(t.apiKey);
    await t.tick();
    const now = t.sim.clock.now();
    // A call the simulated PBX's call log does not have (as when XAPI lags behind).
    const answer = await journal(threecx, {
      callType: 'Missed',
      number: '+61400000001',
      agent: '103',
      startedAt: now - 30_000,
      endedAt: now - 1_000,
    });
    expect(answer.response!.body).toMatchObject({
      status: 'held',
      release_at: new Date(now + HOLD_SECONDS * 1000).toISOString(),
    });
    await run(HOLD_SECONDS - 5);
    expect(delivered()).toHaveLength(0);
    await run(5);
    expect(delivered()).toHaveLength(1);
    expect(delivered()[0]).toMatchObject({
      call_id: (answer.response!.body as { call_id: string }).call_id,
      outcome: 'missed',
      caller_number: '+61400000001',
    });
    await run(60);
    expect(delivered()).toHaveLength(1);
  });

  it.each([
    ['polled while it rang', true],
    ['first polled after the journal', false],
  ])(
    'journal first, poller in time (%s): one call.missed, with the poller voicemail detail',
    async (_label, pollDuringCall) => {
      await subscribe(t.apiKey);
      await t.tick();
      const call = voicemailCall();
      if (pollDuringCall) while (t.sim.clock.now() < call.endedAt - 5_000) await run(5);
      t.sim.clock.set(call.endedAt + 1_000);
      const answer = await journal(threecx, journaledCallFor(call));
      expect(answer.response!.body).toMatchObject({ status: 'held' });
      await run(HOLD_SECONDS + 30);
      expect(delivered()).toHaveLength(1);
      expect(delivered()[0]).toMatchObject({
        call_id: call.callHistoryId,
        outcome: 'voicemail',
        voicemail: true,
        voicemail_left: true,
        queue: '8001',
        dialed_number: call.did,
      });
      const journalId = (answer.response!.body as { call_id: string }).call_id;
      expect(journalEntryRow(t, journalId)).toMatchObject({
        status: 'superseded',
        matched_call_id: call.callHistoryId,
      });
      expect(tableCounts(t).calls).toBe(1);
    },
  );

  it('releases entries that come due together one per event-loop iteration', async () => {
    await subscribe(t.apiKey);
    await t.tick();
    const now = t.sim.clock.now();
    for (let i = 1; i <= 3; i++) {
      // Calls the simulated PBX's call log does not have: each is held, then released.
      const answer = await journal(threecx, {
        callType: 'Missed',
        number: `+6140000000${i}`,
        agent: '103',
        startedAt: now - 30_000,
        endedAt: now - 1_000,
      });
      expect(answer.response!.body).toMatchObject({ status: 'held' });
    }
    t.sim.clock.advance(HOLD_SECONDS + 1);
    // Count the loop's iterations while the sweep runs: back-to-back commits in one iteration
    // held the loop for all of them (BENCHMARKS.md, `stall5`).
    let iterations = 0;
    let sweeping = true;
    const count = () => {
      if (!sweeping) return;
      iterations++;
      setImmediate(count);
    };
    setImmediate(count);
    const released = await t.bridge.journalSweep();
    sweeping = false;
    expect(released).toBe(3);
    expect(iterations).toBeGreaterThanOrEqual(2);
    await t.tick();
    expect(
      delivered()
        .map((e) => e.caller_number)
        .sort(),
    ).toEqual(['+61400000001', '+61400000002', '+61400000003']);
  });

  it('poller first, journal after: one call.missed, the journal adds nothing', async () => {
    await subscribe(t.apiKey);
    await t.tick();
    const call = voicemailCall();
    while (delivered().length === 0) await run(5);
    const before = tableCounts(t);
    const answer = await journal(threecx, journaledCallFor(call));
    expect(answer.response!.body).toEqual({
      status: 'superseded',
      call_id: call.callHistoryId,
      release_at: null,
    });
    await run(HOLD_SECONDS + 30);
    expect(delivered()).toHaveLength(1);
    expect(delivered()[0]).toMatchObject({ call_id: call.callHistoryId, voicemail_left: true });
    expect(tableCounts(t)).toEqual({ ...before, journal_entries: before.journal_entries + 1 });
  });

  it('PBX unreachable after the call rang: the journal goes out at the deadline, the poller later adds detail, not events', async () => {
    await subscribe(t.apiKey);
    await subscribe(t.apiKey, 'call.ended');
    await t.tick();
    const call = voicemailCall();
    while (t.sim.clock.now() < call.endedAt - 10_000) await run(5); // seen ringing: call.started
    t.sim.faults.inject({ kind: 'http5xx', status: 500 });
    t.sim.clock.set(call.endedAt + 1_000);
    await journal(threecx, journaledCallFor(call));
    await run(HOLD_SECONDS, { pbxDown: true });
    expect(
      delivered()
        .map((e) => `${e.event} ${e.call_id} ${e.outcome}`)
        .sort(),
    ).toEqual([
      `call.ended ${call.callHistoryId} missed`,
      `call.missed ${call.callHistoryId} missed`,
    ]);

    t.sim.faults.clear();
    await run(60);
    expect(delivered()).toHaveLength(2);
    const record = await api(t, t.apiKey, 'GET', `/v1/calls/${call.callHistoryId}`);
    expect(record.body).toMatchObject({ outcome: 'voicemail', voicemail_left: true });
    expect(tableCounts(t).calls).toBe(1);
  });

  it('PBX API already failing: the journal is not held, the miss goes out at once, the poller adds detail later', async () => {
    await subscribe(t.apiKey);
    await t.tick();
    t.sim.faults.inject({ kind: 'http5xx', status: 500 });
    await run(10, { pbxDown: true }); // two failed polls
    const call = voicemailCall();
    t.sim.clock.set(call.endedAt + 1_000);
    const answer = await journal(threecx, journaledCallFor(call));
    expect(answer.response!.body).toMatchObject({ status: 'released', release_at: null });
    await t.bridge.deliverNow();
    expect(delivered().map((e) => e.event)).toEqual(['call.missed']);
    const journalId = delivered()[0].call_id;

    t.sim.faults.clear();
    await run(60);
    expect(delivered()).toHaveLength(1);
    const record = await api(t, t.apiKey, 'GET', `/v1/calls/${journalId}`);
    expect(record.body).toMatchObject({ outcome: 'voicemail', voicemail_left: true });
    expect(tableCounts(t).calls).toBe(1);
  });

  it('one failed poll does not stop the hold: the poller detail still wins', async () => {
    await subscribe(t.apiKey);
    await t.tick();
    t.sim.faults.inject({ kind: 'http5xx', status: 500 });
    await run(5, { pbxDown: true }); // one failed poll
    t.sim.faults.clear();
    const call = voicemailCall();
    t.sim.clock.set(call.endedAt + 1_000);
    const answer = await journal(threecx, journaledCallFor(call));
    expect(answer.response!.body).toMatchObject({ status: 'held' });
    await run(HOLD_SECONDS + 10);
    expect(delivered()).toHaveLength(1);
    expect(delivered()[0]).toMatchObject({ call_id: call.callHistoryId, voicemail_left: true });
  });

  it('PBX unreachable for the whole call: the journal call keeps its id when the poller catches up', async () => {
    await subscribe(t.apiKey);
    await subscribe(t.apiKey, 'call.started');
    await t.tick();
    t.sim.faults.inject({ kind: 'http5xx', status: 500 });
    const call = voicemailCall();
    t.sim.clock.set(call.endedAt + 1_000);
    const answer = await journal(threecx, journaledCallFor(call));
    const journalId = (answer.response!.body as { call_id: string }).call_id;
    await run(HOLD_SECONDS, { pbxDown: true });
    expect(
      delivered()
        .map((e) => `${e.event} ${e.call_id}`)
        .sort(),
    ).toEqual([`call.missed ${journalId}`, `call.started ${journalId}`]);

    t.sim.faults.clear();
    await run(60);
    expect(delivered()).toHaveLength(2);
    const calls = await api(t, t.apiKey, 'GET', '/v1/calls');
    expect(calls.body.data.map((c: { id: string }) => c.id)).toEqual([journalId]);
    expect(calls.body.data[0]).toMatchObject({ outcome: 'voicemail', voicemail_left: true });
    expect(journalEntryRow(t, journalId)).toMatchObject({
      status: 'released',
      events_call_id: journalId,
      matched_call_id: call.callHistoryId,
    });
  });

  it('keeps a held entry across a restart and releases it on time', async () => {
    // Its own bridge on a database file that outlives it, on the same simulated PBX.
    const dir = mkdtempSync(join(tmpdir(), '3cx-journal-restart-'));
    const dbPath = join(dir, 'bridge.db');
    try {
      const first = await startTestBridge({ dbPath, simulator: t.sim });
      await subscribe(first.apiKey, 'call.missed', first);
      const now = t.sim.clock.now();
      const answer = await journal(threecxFor(first, first.apiKey), {
        callType: 'Missed',
        number: '+61400000002',
        agent: '104',
        startedAt: now - 20_000,
        endedAt: now - 1_000,
      });
      expect(answer.response!.body).toMatchObject({ status: 'held' });
      await first.close();

      const second = await startTestBridge({ dbPath, simulator: t.sim });
      try {
        await run(HOLD_SECONDS - 5, { bridge: second });
        expect(delivered()).toHaveLength(0);
        await run(5, { bridge: second });
        expect(delivered()).toHaveLength(1);
        expect(delivered()[0]).toMatchObject({ caller_number: '+61400000002' });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
