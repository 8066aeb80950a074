import * as zapier from 'zapier-platform-core';
import App from '../../index';
import { listRecentCalls, type CallChoice } from '../../triggers/recentCall';
import type { CallEvent, CallUpdatedEvent } from '../../lib/callEvent';
import type { CallRecord } from '../../lib/callRecord';
import { callBridge } from '../../lib/zapier/bridgeRequest';
import { CALL_EVENT_SAMPLES } from '../../lib/zapier/callEventSamples';
import { CALL_RECORD_SAMPLE } from '../../lib/zapier/callRecordFields';
import { flattenSample } from '../../scripts/zapier/publishingChecks';
import type { CallScript } from '../../sim';
import { api } from '../support/bridgeApi';
import { startReceiver, type Receiver } from '../support/receiver';
import { runCli } from '../support/runCli';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import { withCursorStore } from './cursorStore';
import { shownError } from './zapierErrors';

/**
 * Find Call, Call Updated, Update Call Record's clearing and custom fields, the paging Call
 * dropdown and test events: the Zapier app through `createAppTester` against the real bridge
 * and the 3CX simulator on loopback. Only Zapier's own cursor store is stood in for (core's
 * test double, see `pageOfCallDropdown`).
 */
jest.setTimeout(60_000);

const appTester = zapier.createAppTester(App);
/* eslint-disable @typescript-eslint/no-explicit-any -- operations are a union type; tests call them by name */
const op = (operation: { operation: unknown }) => operation.operation as Record<string, any>;
const updateCallRecord = op(App.creates.update_call_record);
const findCall = op(App.searches!.find_call);
const callUpdated = op(App.triggers.call_updated);
const missedCall = op(App.triggers.missed_call);

const SALES_LINE = '+61881234501';
const CALLER = '+61412555001';

let tb: TestBridge;
let authData: { bridge_url: string; api_key: string };
let callId: string;
const receivers: Receiver[] = [];

async function zapierTarget(): Promise<Receiver> {
  const receiver = await startReceiver(`/hooks/catch/${receivers.length + 1}/`);
  receivers.push(receiver);
  return receiver;
}

const flatKeys = (value: object) =>
  [...flattenSample(value as never, new Set(['custom_fields'])).keys()].sort();

async function runUntil(done: () => boolean, maxSeconds = 180): Promise<void> {
  for (let passed = 0; passed < maxSeconds && !done(); passed += 5) await tb.advance(5);
  if (!done()) throw new Error(`nothing happened within ${maxSeconds} simulated seconds`);
}

async function storedRecord(id: string): Promise<CallRecord> {
  const { data } = await appTester(
    (z, bundle) => callBridge<CallRecord>(z, bundle, { path: `/v1/calls/${id}` }),
    { authData },
  );
  return data;
}

beforeAll(async () => {
  tb = await startTestBridge({
    settings: {
      enrichment: {
        sourceLists: {
          lists: [{ id: 'sales', name: 'Sales line', dialed_numbers: [SALES_LINE] }],
          defaultList: null,
        },
      },
    },
  });
  authData = { bridge_url: tb.url, api_key: tb.apiKey };
  // One missed call from CALLER, as 3CX logs it.
  const target = await zapierTarget();
  const subscription = (await appTester(missedCall.performSubscribe, {
    authData,
    targetUrl: target.url,
  })) as { id: string };
  tb.sim.pbx.placeCall({
    kind: 'queue',
    result: 'hangup',
    waitSeconds: 25,
    caller: CALLER,
    callerName: 'Jane Citizen',
    did: SALES_LINE,
  } as CallScript);
  await runUntil(() => target.received.length > 0);
  callId = (target.received[0].json as CallEvent).call_id;
  await appTester(missedCall.performUnsubscribe, { authData, subscribeData: subscription });
});

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  await tb?.close();
});

describe('Find Call', () => {
  it('finds a call by its id, with the keys its sample promises', async () => {
    const found = (await appTester(findCall.perform, {
      authData,
      inputData: { call_id: callId },
    })) as CallRecord[];
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: callId, caller_number: CALLER, outcome: 'missed' });
    expect(flatKeys(found[0])).toEqual(flatKeys(CALL_RECORD_SAMPLE));
  });

  it('finds the latest call from a number, however it is written', async () => {
    for (const number of [CALLER, '0412 555 001', '61412555001']) {
      const found = (await appTester(findCall.perform, {
        authData,
        inputData: { number },
      })) as CallRecord[];
      expect(found.map((c) => c.id)).toEqual([callId]);
    }
  });

  it('returns no result (not an error) when there is no such call or number', async () => {
    for (const inputData of [
      { call_id: 'no-such-call' },
      { number: '+61400000000' },
      { number: '101' }, // an extension is nobody's outside number
    ]) {
      expect(await appTester(findCall.perform, { authData, inputData })).toEqual([]);
    }
  });

  it('asks for a call id or a number', async () => {
    const shown = await shownError(appTester(findCall.perform, { authData, inputData: {} }));
    expect(shown.message).toMatch(/^Fill in Call ID or Phone Number/);
  });

  it('is the search behind Update Call Record’s Call field', () => {
    const callField = updateCallRecord.inputFields.find(
      (f: { key: string }) => f.key === 'call_id',
    );
    expect(callField).toMatchObject({ search: 'find_call.id', dynamic: 'recent_call.id.name' });
  });
});

describe('Update Call Record', () => {
  it('records the caller’s reply: Replied stamps the time, a mapped time is kept in UTC, and it clears', async () => {
    await appTester(updateCallRecord.perform, {
      authData,
      inputData: { call_id: callId, disposition: 'replied' },
    });
    const stamped = await storedRecord(callId);
    expect(stamped.disposition).toBe('replied');
    expect(stamped.replied_at).toBe(new Date(tb.sim.clock.now()).toISOString());
    await appTester(updateCallRecord.perform, {
      authData,
      inputData: { call_id: callId, replied_at: '2026-03-02T20:05:00+10:30' },
    });
    expect((await storedRecord(callId)).replied_at).toBe('2026-03-02T09:35:00.000Z');
    const refused = await shownError(
      appTester(updateCallRecord.perform, {
        authData,
        inputData: { call_id: callId, replied_at: 'when they texted back' },
      }),
    );
    expect(refused.message).toMatch(/replied_at: must be an ISO 8601 date-time/);
    await appTester(updateCallRecord.perform, {
      authData,
      inputData: { call_id: callId, clear_fields: ['replied_at', 'disposition'] },
    });
    expect(await storedRecord(callId)).toMatchObject({ replied_at: null, disposition: null });
  });

  it('sets custom fields, clears a field, and removes a custom field', async () => {
    await appTester(updateCallRecord.perform, {
      authData,
      inputData: {
        call_id: callId,
        disposition: 'left_message',
        notes: 'Left a voicemail.',
        tags: 'sms-sent',
        custom_fields: { deal_stage: 'quote', owner: 'Ben' },
      },
    });
    expect(await storedRecord(callId)).toMatchObject({
      disposition: 'left_message',
      notes: 'Left a voicemail.',
      custom_fields: { deal_stage: 'quote', owner: 'Ben' },
    });

    const record = (await appTester(updateCallRecord.perform, {
      authData,
      inputData: {
        call_id: callId,
        clear_fields: ['disposition', 'tags'],
        custom_fields: { owner: '' },
      },
    })) as CallRecord;
    expect(record).toMatchObject({
      disposition: null,
      tags: [],
      notes: 'Left a voicemail.', // not asked to clear: kept
      custom_fields: { deal_stage: 'quote' },
    });
    expect(await storedRecord(callId)).toMatchObject({ disposition: null, tags: [] });

    const all = (await appTester(updateCallRecord.perform, {
      authData,
      inputData: { call_id: callId, clear_fields: 'notes, custom_fields' },
    })) as CallRecord;
    expect(all).toMatchObject({ notes: null, custom_fields: {} });
  });

  it('refuses a field that is both filled in and cleared', async () => {
    const shown = await shownError(
      appTester(updateCallRecord.perform, {
        authData,
        inputData: { call_id: callId, notes: 'x', clear_fields: ['notes'] },
      }),
    );
    expect(shown).toMatchObject({
      name: 'AppError',
      message: expect.stringMatching(/^Notes is both filled in and in Fields to Clear/),
    });
  });

  it('stops with HaltedError when there is nothing to update or no such call', async () => {
    const nothing = await shownError(
      appTester(updateCallRecord.perform, {
        authData,
        inputData: { call_id: callId, notes: '  ', tags: [] },
      }),
    );
    expect(nothing).toMatchObject({
      name: 'HaltedError',
      message: expect.stringMatching(/^Nothing to update/),
    });
    const missing = await shownError(
      appTester(updateCallRecord.perform, {
        authData,
        inputData: { call_id: 'no-such-call', notes: 'x' },
      }),
    );
    expect(missing).toMatchObject({
      name: 'HaltedError',
      message: expect.stringMatching(/^No such call: the bridge has no call no-such-call/),
    });
    const testCall = await shownError(
      appTester(updateCallRecord.perform, {
        authData,
        inputData: { call_id: 'test_1234:call.missed', notes: 'x' },
      }),
    );
    expect(testCall).toMatchObject({
      name: 'HaltedError',
      message: expect.stringMatching(/is from a test event/),
    });
  });
});

describe('Call Updated (instant)', () => {
  it('a change made with Update Call Record runs the Zap once, with the fields that changed', async () => {
    const target = await zapierTarget();
    const subscription = (await appTester(callUpdated.performSubscribe, {
      authData,
      targetUrl: target.url,
    })) as { id: string };
    expect(subscription).toMatchObject({ event: 'call.updated' });

    await appTester(updateCallRecord.perform, {
      authData,
      inputData: { call_id: callId, follow_up_status: 'done', tags: ['called'] },
    });
    // The same values again change nothing: no event.
    await appTester(updateCallRecord.perform, {
      authData,
      inputData: { call_id: callId, follow_up_status: 'done' },
    });
    await tb.tick();
    const delivered = target.received.map((r) => r.json as CallUpdatedEvent);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      event: 'call.updated',
      call_id: callId,
      caller_number: CALLER,
      changed_fields: ['tags', 'follow_up_status'],
      follow_up_status: 'done',
      tags: ['called'],
      test: false,
    });
    expect(delivered[0].id).toMatch(new RegExp(`^${callId}:call\\.updated:\\d+$`));
    expect(flatKeys(delivered[0])).toEqual(flatKeys(CALL_EVENT_SAMPLES['call.updated']));

    const runs = await appTester(callUpdated.perform, {
      authData,
      cleanedRequest: delivered[0],
    });
    expect(runs).toEqual([delivered[0]]);
    const listed = (await appTester(callUpdated.performList, { authData })) as CallEvent[];
    expect(listed[0]).toEqual(delivered[0]);

    // A later change is a new event with its own id.
    await appTester(updateCallRecord.perform, {
      authData,
      inputData: { call_id: callId, notes: 'Booked.' },
    });
    await tb.tick();
    expect(target.received).toHaveLength(2);
    const second = target.received[1].json as CallUpdatedEvent;
    expect(second.changed_fields).toEqual(['notes']);
    expect(second.id).not.toBe(delivered[0].id);

    await appTester(callUpdated.performUnsubscribe, { authData, subscribeData: subscription });
  });
});

describe('the Call dropdown pages through the calls', () => {
  async function pageOfCallDropdown(page: number, cursorStore: Map<string, string>) {
    return (await appTester(
      (z, bundle) => listRecentCalls(withCursorStore(z, cursorStore), bundle),
      { authData, meta: { page } },
    )) as CallChoice[];
  }

  it('Load more shows the next hundred calls, then the oldest, then nothing', async () => {
    const stored = tb.bridge.store.calls.get(tb.locationId, callId)!;
    const now = tb.sim.clock.now();
    for (let i = 0; i < 120; i++) {
      tb.bridge.store.calls.upsert(
        tb.locationId,
        {
          facts: { ...stored.facts, call_id: `older-${i}` },
          status: 'ended',
          enrichment: stored.enrichment,
          missed: false,
          missedEmitted: false,
        },
        now,
      );
    }
    const cursorStore = new Map<string, string>();
    const first = await pageOfCallDropdown(0, cursorStore);
    const second = await pageOfCallDropdown(1, cursorStore);
    const third = await pageOfCallDropdown(2, cursorStore);
    expect(first).toHaveLength(100);
    expect(second.length).toBeGreaterThan(0);
    const ids = [...first, ...second].map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length); // no call twice
    expect(ids).toContain(callId); // the oldest call is on the last page
    expect(ids).toContain('older-119');
    expect(third).toEqual([]);
    // A new dropdown load starts from the newest again, whatever cursor was left.
    expect((await pageOfCallDropdown(0, cursorStore))[0].id).toBe('older-119');
  });

  it('is marked as paging for Zapier', () => {
    expect(op(App.triggers.recent_call).canPaginate).toBe(true);
  });
});

describe('test events', () => {
  it('POST /v1/test-events sends a realistic event marked test to the Zap and the feed', async () => {
    const target = await zapierTarget();
    const subscription = (await appTester(missedCall.performSubscribe, {
      authData,
      targetUrl: target.url,
      inputData: { source_list: 'sales' },
    })) as { id: string };
    const answer = await api(tb.url, tb.apiKey, 'POST', '/v1/test-events', {
      event: 'call.missed',
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ subscriptions: 1, deliveries: 1 });
    await tb.tick();
    expect(target.received).toHaveLength(1);
    const event = target.received[0].json as CallEvent;
    expect(event).toEqual(answer.body.event);
    expect(event).toMatchObject({
      event: 'call.missed',
      test: true,
      direction: 'inbound',
      outcome: 'missed',
      source_list: 'sales', // enriched like a real call: it passes the Zap's filter
      dialed_number: SALES_LINE,
      location: { id: tb.locationId, name: 'Adelaide Office' },
    });
    expect(event.call_id).toMatch(/^test_/);
    expect(event.caller_number).toMatch(/^\+61/);
    expect(flatKeys(event)).toEqual(flatKeys(CALL_EVENT_SAMPLES['call.missed']));

    // Zapier's "Test trigger" reads the feed: the test event is there, newest first.
    const listed = (await appTester(missedCall.performList, { authData })) as CallEvent[];
    expect(listed[0]).toEqual(event);
    expect(await appTester(missedCall.perform, { authData, cleanedRequest: event })).toEqual([
      event,
    ]);
    // It is no call of the location: no record, no repeat miss.
    expect((await api(tb.url, tb.apiKey, 'GET', `/v1/calls/${event.call_id}`)).status).toBe(404);

    await appTester(missedCall.performUnsubscribe, { authData, subscribeData: subscription });
  });

  it('refuses an unknown event type or source list', async () => {
    const badEvent = await api(tb.url, tb.apiKey, 'POST', '/v1/test-events', { event: 'x' });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.message).toMatch(/^event: /);
    const badList = await api(tb.url, tb.apiKey, 'POST', '/v1/test-events', {
      source_list: 'nope',
    });
    expect(badList.status).toBe(400);
    expect(badList.body.message).toMatch(/No source list "nope".*sales/);
  });

  it('3cx-bridge test-event sends one through the running bridge to Call Updated', async () => {
    // The CLI stamps the delivery with the real clock, as the serving bridge reads it: this
    // bridge runs on the real clock too (no calls are simulated here).
    const live = await startTestBridge({ bridge: { now: () => Date.now() } });
    const liveAuth = { bridge_url: live.url, api_key: live.apiKey };
    try {
      await sendCliTestEvent(live, liveAuth);
    } finally {
      await live.close();
    }
  });
});

async function sendCliTestEvent(
  live: TestBridge,
  authData: { bridge_url: string; api_key: string },
): Promise<void> {
  const target = await zapierTarget();
  const subscription = (await appTester(callUpdated.performSubscribe, {
    authData,
    targetUrl: target.url,
  })) as { id: string };
  const cli = await runCli([
    'test-event',
    '--location',
    'Adelaide Office',
    '--event',
    'call.updated',
    '--db',
    live.dbPath,
  ]);
  expect(cli).toMatchObject({ code: 0, stderr: '' });
  expect(cli.stdout).toMatch(
    /^Sent test call\.updated test_.*\nDelivering to 1 of 1 call\.updated subscription/,
  );
  await live.tick(); // the serving bridge's delivery worker picks it up from the store
  expect(target.received).toHaveLength(1);
  const event = target.received[0].json as CallUpdatedEvent;
  expect(event).toMatchObject({ event: 'call.updated', test: true, disposition: 'called_back' });
  expect(flatKeys(event)).toEqual(flatKeys(CALL_EVENT_SAMPLES['call.updated']));

  const bad = await runCli([
    'test-event',
    '--location',
    'Adelaide Office',
    '--event',
    'x',
    '--db',
    live.dbPath,
  ]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--event must be one of call\.started, call\.ended/);
  await appTester(callUpdated.performUnsubscribe, { authData, subscribeData: subscription });
}
