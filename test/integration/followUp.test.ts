import type { CallFollowUpEvent, CallUpdatedEvent } from '../../lib/callEvent';
import type { CallRecord } from '../../lib/callRecord';
import { allEvents, api } from '../support/bridgeApi';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * Call-back tracking through the real bridge and the simulator: a missed call is returned by
 * the first later call with the same number that connects a person, whoever placed it.
 * 2026-03-03 00:00Z is Tuesday 10:30 in Adelaide (business hours, 09:00–17:00).
 */
const CALLER = '+61412345001';

let t: TestBridge;
beforeEach(async () => {
  t = await startTestBridge({
    sim: { clock: { mode: 'manual', start: '2026-03-03T00:00:00Z' } },
  });
  await t.tick();
});
afterEach(() => t.close());

/** Place a call and let the bridge settle it. */
async function play(script: Record<string, unknown>): Promise<string> {
  const call = t.sim.pbx.placeCall(script);
  while (t.sim.clock.now() < call.endedAt + 20_000) await t.advance(5);
  return call.callHistoryId!;
}

async function record(callId: string): Promise<CallRecord> {
  const answer = await api(t.url, t.apiKey, 'GET', `/v1/calls/${callId}`);
  expect(answer.status).toBe(200);
  return answer.body as CallRecord;
}

const missFrom = (caller: string, extra: Record<string, unknown> = {}) => ({
  kind: 'direct',
  extension: '101',
  result: 'hangup',
  ringSeconds: 15,
  caller,
  ...extra,
});
const callBack = (number: string, result: 'answered' | 'unanswered', from = '102') => ({
  kind: 'outbound',
  from,
  number,
  result,
});

async function followUpEvents(type: 'call.returned' | 'call.unreturned') {
  return (await allEvents(t)).filter((e) => e.event === type) as CallFollowUpEvent[];
}

describe('a missed call is returned', () => {
  it('by a call back the caller answered: call.returned with who, how and how long', async () => {
    const miss = await play(missFrom(CALLER));
    expect(await record(miss)).toMatchObject({
      return_status: 'awaiting',
      return_due_at: '2026-03-03T00:30:00.000Z', // 30 minutes of business hours after the miss
      callback_attempts: 0,
      returned_at: null,
    });
    t.sim.clock.advance(4 * 60);
    const back = await play(callBack(CALLER, 'answered', '105'));
    const missed = await record(miss);
    expect(missed).toMatchObject({
      return_status: 'returned',
      returned_by: '105',
      returned_via: 'callback',
      returned_call_id: back,
      callback_attempts: 0,
    });
    const backRecord = await record(back);
    expect(missed.returned_at).toBe(backRecord.started_at);
    expect(missed.time_to_callback_seconds).toBe(
      (Date.parse(backRecord.started_at) - Date.parse(missed.started_at)) / 1000,
    );

    const [returned] = await followUpEvents('call.returned');
    expect(returned).toMatchObject({
      id: `${miss}:call.returned`,
      call_id: miss,
      outcome: 'missed',
      caller_number: CALLER,
      return_status: 'returned',
      returned_by: '105',
      occurred_at: backRecord.started_at,
    });
    // The record changed, so Call Updated hears of it too, numbered on the record.
    const updates = (await allEvents(t)).filter(
      (e) => e.event === 'call.updated' && e.call_id === miss,
    ) as CallUpdatedEvent[];
    expect(updates.map((u) => [u.id, u.changed_fields])).toEqual([
      [
        `${miss}:call.updated:1`,
        [
          'return_status',
          'returned_at',
          'returned_by',
          'returned_via',
          'returned_call_id',
          'time_to_callback_seconds',
        ],
      ],
    ]);
  });

  it('by the caller ringing again and being answered, after a call back that did not connect', async () => {
    const miss = await play(missFrom(CALLER));
    t.sim.clock.advance(15 * 60); // past the dialler cooldown
    await play(callBack(CALLER, 'unanswered'));
    expect(await record(miss)).toMatchObject({ return_status: 'awaiting', callback_attempts: 1 });
    t.sim.clock.advance(5 * 60);
    const again = await play({
      kind: 'direct',
      extension: '104',
      result: 'answered',
      caller: CALLER,
      callerFormat: 'national', // 0412 345 001: the same caller however 3CX writes it
    });
    expect(await record(miss)).toMatchObject({
      return_status: 'returned',
      returned_via: 'called_again',
      returned_by: '104',
      returned_call_id: again,
      callback_attempts: 1,
    });
    // The answered call is no miss: it is not followed up itself.
    expect((await record(again)).return_status).toBeNull();
  });

  it('folds a redial within the cooldown into the first miss, and returns both misses of a repeat caller', async () => {
    const first = await play(missFrom(CALLER));
    t.sim.clock.advance(60);
    const redial = await play(missFrom(CALLER)); // within 10 minutes: folded
    t.sim.clock.advance(30 * 60);
    const repeat = await play(missFrom(CALLER)); // a repeat miss of its own
    t.sim.clock.advance(60);
    await play(callBack(CALLER, 'answered'));
    expect((await record(first)).return_status).toBe('returned');
    expect((await record(first)).attempts).toBe(2);
    expect((await record(redial)).return_status).toBeNull();
    expect((await record(repeat)).return_status).toBe('returned');
    expect((await followUpEvents('call.returned')).map((e) => e.call_id).sort()).toEqual(
      [first, repeat].sort(),
    );
  });

  it('never matches a withheld caller', async () => {
    const miss = await play(missFrom('Anonymous'));
    expect(await record(miss)).toMatchObject({ return_status: 'no_number', return_due_at: null });
    t.sim.clock.advance(60 * 60);
    await t.tick();
    expect(t.bridge.followUpSweep()).toBe(0);
    expect(await followUpEvents('call.unreturned')).toEqual([]);
  });

  it('is not returned by a call to another number, nor by an internal call', async () => {
    const miss = await play(missFrom(CALLER));
    await play(callBack('+61412345999', 'answered'));
    await play({ kind: 'internal', from: '101', to: '102', result: 'answered' });
    expect(await record(miss)).toMatchObject({ return_status: 'awaiting', callback_attempts: 0 });
  });
});

describe('a missed call nobody returned', () => {
  it('fires call.unreturned when its 30 minutes of business hours have passed, once', async () => {
    const miss = await play(missFrom(CALLER));
    t.sim.clock.set('2026-03-03T00:29:00Z');
    await t.tick();
    expect(t.bridge.followUpSweep()).toBe(0);
    t.sim.clock.set('2026-03-03T00:30:00Z');
    expect(t.bridge.followUpSweep()).toBe(2); // call.unreturned and call.updated
    expect(t.bridge.followUpSweep()).toBe(0);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/bridge_events_total\{type="call.unreturned",suppressed="false"\} 1/);
    const [event] = await followUpEvents('call.unreturned');
    expect(event).toMatchObject({
      id: `${miss}:call.unreturned`,
      occurred_at: '2026-03-03T00:30:00.000Z',
      return_status: 'not_returned',
      returned_at: null,
    });
    // A call back after the deadline still returns it.
    await play(callBack(CALLER, 'answered'));
    expect(await record(miss)).toMatchObject({ return_status: 'returned' });
    expect(await followUpEvents('call.returned')).toHaveLength(1);
  });

  it('waits for a call with the number that is still in progress and started before the deadline', async () => {
    const miss = await play(missFrom(CALLER));
    t.sim.clock.set('2026-03-03T00:29:00Z');
    // Through the queue, so the bridge sees the call while it is still going on.
    const back = t.sim.pbx.placeCall({
      kind: 'queue',
      caller: CALLER,
      result: 'answered',
      answeredOnPoll: 1,
      talkSeconds: 600,
    });
    await t.advance(60);
    expect(t.bridge.followUpSweep()).toBe(0);
    while (t.sim.clock.now() < back.endedAt + 20_000) await t.advance(30);
    expect(await record(miss)).toMatchObject({
      return_status: 'returned',
      returned_via: 'called_again',
    });
    expect(t.bridge.followUpSweep()).toBe(0);
    expect(await followUpEvents('call.unreturned')).toEqual([]);
  });
});
