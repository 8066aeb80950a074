import { DateTime } from 'luxon';
import * as zapier from 'zapier-platform-core';
import App from '../../index';
import type { CallEvent, CallEventType } from '../../lib/callEvent';
import type { CallRecord } from '../../lib/callRecord';
import { REVOKED_KEY_MESSAGE } from '../../lib/zapier/bridgeErrors';
import { callBridge } from '../../lib/zapier/bridgeRequest';
import { CALL_EVENT_SAMPLES } from '../../lib/zapier/callEventSamples';
import { CALL_RECORD_SAMPLE } from '../../lib/zapier/callRecordFields';
import { flattenSample } from '../../scripts/zapier/publishingChecks';
import type { CallScript } from '../../sim';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import { listRecentCalls } from '../../triggers/recentCall';
import { withCursorStore } from './cursorStore';
import { shownError } from './zapierErrors';

/**
 * The Zapier app against the real bridge and the 3CX simulator on loopback: Zapier's side is
 * `createAppTester` (the same runtime Zapier runs the app in) and a local HTTP server standing
 * in for the target URL Zapier gives each Zap. Nothing of ours is mocked.
 */
jest.setTimeout(60_000);

const appTester = zapier.createAppTester(App);
const { missed_call: missedCall, call_started: callStarted, call_ended: callEnded } = App.triggers;
const updateCallRecord = App.creates.update_call_record;

/* eslint-disable @typescript-eslint/no-explicit-any -- operations are a union type; tests call them by name */
const op = (trigger: { operation: unknown }) => trigger.operation as Record<string, any>;

const SALES_LINE = '+61881234501';
const SOURCE_LISTS = {
  lists: [
    { id: 'sales', name: 'Sales line', dialed_numbers: [SALES_LINE] },
    { id: 'support', name: 'Support line', dialed_numbers: ['+61881234502'] },
  ],
  defaultList: null,
};

let tb: TestBridge;
let authData: { bridge_url: string; api_key: string };

beforeAll(async () => {
  tb = await startTestBridge({ settings: { enrichment: { sourceLists: SOURCE_LISTS } } });
  authData = { bridge_url: tb.url, api_key: tb.apiKey };
});

afterAll(async () => {
  await tb?.close();
});

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
async function zapierTarget(): Promise<Receiver> {
  const receiver = await startReceiver(`/hooks/catch/${receivers.length + 1}/`);
  receivers.push(receiver);
  return receiver;
}

/** A caller who rings the sales queue and hangs up before anyone answers: a missed call. */
let nextCaller = 100;
function missedSalesCall(extra: Partial<CallScript> = {}): CallScript {
  nextCaller += 1;
  return {
    kind: 'queue',
    result: 'hangup',
    waitSeconds: 25,
    caller: `+614123${String(nextCaller).padStart(5, '0')}`,
    callerName: 'Jane Citizen',
    did: SALES_LINE,
    ...extra,
  } as CallScript;
}

/** Let simulated time pass in poll-sized steps (the bridge polls every 5 s), until `done()`. */
async function runUntil(done: () => boolean, maxSeconds = 180): Promise<void> {
  for (let passed = 0; passed < maxSeconds && !done(); passed += 5) await tb.advance(5);
  if (!done()) throw new Error(`nothing happened within ${maxSeconds} simulated seconds`);
}

/** Let `seconds` of simulated time pass, polling and delivering as the bridge would. */
async function passTime(seconds: number): Promise<void> {
  for (let passed = 0; passed < seconds; passed += 5) await tb.advance(5);
}

const eventsAt = (receiver: Receiver, type: CallEventType) =>
  receiver.received.map((r) => r.json as CallEvent).filter((e) => e?.event === type);

const flatKeys = (value: object) => [...flattenSample(value as never).keys()].sort();

async function subscribe(trigger: { operation: unknown }, targetUrl: string, inputData = {}) {
  return appTester(op(trigger).performSubscribe, { authData, targetUrl, inputData }) as Promise<{
    id: string;
  }>;
}

describe('connecting Zapier to the bridge', () => {
  it('tests the connection with /v1/me and labels it with the location’s name', async () => {
    const me = (await appTester(App.authentication!.test as never, { authData })) as {
      id: string;
      name: string;
    };
    expect(me).toMatchObject({ id: tb.locationId, name: 'Adelaide Office' });
    const label = await appTester(App.authentication!.connectionLabel as never, {
      authData,
      inputData: me,
    });
    expect(label).toBe(`Adelaide Office (${new URL(tb.url).host})`);
  });

  it('accepts the URL as people paste it: trailing slash or /v1', async () => {
    for (const bridgeUrl of [`${tb.url}/`, `${tb.url}/v1`]) {
      const me = await appTester(App.authentication!.test as never, {
        authData: { ...authData, bridge_url: bridgeUrl },
      });
      expect(me).toMatchObject({ id: tb.locationId });
    }
  });

  it('a wrong or revoked API key asks the user to create a new key and reconnect', async () => {
    const shown = await shownError(
      appTester(App.authentication!.test as never, {
        authData: { ...authData, api_key: 'cxb_not_a_real_key' },
      }),
    );
    expect(shown).toEqual({ name: 'ExpiredAuthError', message: REVOKED_KEY_MESSAGE });
    expect(shown.message).toMatch(/3cx-bridge key create/);

    // A key revoked after connecting: every step reports the same, so Zapier asks to reconnect.
    const { key, info } = tb.bridge.store.apiKeys.create(
      tb.locationId,
      'zapier',
      new Date(tb.sim.clock.now()),
    );
    const revocable = { ...authData, api_key: key };
    expect(
      await appTester(App.authentication!.test as never, { authData: revocable }),
    ).toMatchObject({ id: tb.locationId });
    tb.bridge.store.apiKeys.revoke(info.id, new Date(tb.sim.clock.now()));
    for (const step of [
      op(missedCall).performList,
      op(missedCall).performSubscribe,
      op(updateCallRecord).perform,
    ]) {
      const shownLater = await shownError(
        appTester(step, {
          authData: revocable,
          targetUrl: 'https://hooks.zapier.com/x',
          inputData: { call_id: 'x', notes: 'y' },
        }),
      );
      expect(shownLater).toEqual({ name: 'ExpiredAuthError', message: REVOKED_KEY_MESSAGE });
    }
  });

  it('a Bridge URL that is not a bridge says so', async () => {
    const shown = await shownError(
      appTester(App.authentication!.test as never, {
        authData: { ...authData, bridge_url: `${tb.url}/somewhere-else` },
      }),
    );
    expect(shown).toMatchObject({
      name: 'AppError',
      message: expect.stringMatching(
        /^The bridge answered, but has nothing at \/somewhere-else\/v1\/me: check the Bridge URL/,
      ),
    });
  });
});

describe('Missed Call (instant)', () => {
  it('subscribes, receives a missed call from 3CX, turns it into a Zap run, and unsubscribes', async () => {
    const target = await zapierTarget();
    const subscription = await subscribe(missedCall, target.url);
    expect(subscription).toMatchObject({
      id: expect.any(String),
      event: 'call.missed',
      target_url: target.url,
    });

    const call = tb.sim.pbx.placeCall(missedSalesCall());
    const ofThisCall = () =>
      eventsAt(target, 'call.missed').filter((e) => e.caller_number === call.caller);
    await runUntil(() => ofThisCall().length > 0);
    await passTime(30);
    const [delivered] = ofThisCall();
    expect(delivered).toMatchObject({
      event: 'call.missed',
      direction: 'inbound',
      outcome: 'missed',
      caller_number: call.caller,
      dialed_number: SALES_LINE,
      source_list: 'sales',
      location: { id: tb.locationId, name: 'Adelaide Office' },
    });
    expect(ofThisCall()).toHaveLength(1); // one event per call, not one per agent rung

    // Zapier hands the POSTed body to `perform`: one Zap run with exactly that event.
    const runs = await appTester(op(missedCall).perform, { authData, cleanedRequest: delivered });
    expect(runs).toEqual([delivered]);
    // The payload has the keys the static sample promises (T004).
    expect(flatKeys(delivered)).toEqual(flatKeys(CALL_EVENT_SAMPLES['call.missed']));

    const unsubscribed = await appTester(op(missedCall).performUnsubscribe, {
      authData,
      subscribeData: subscription,
    });
    expect(unsubscribed).toEqual({ id: subscription.id, removed: true });
    const hooks = await appTester(
      (z, bundle) => callBridge<{ data: { id: string }[] }>(z, bundle, { path: '/v1/hooks' }),
      {
        authData,
      },
    );
    expect(hooks.data.data.map((h) => h.id)).not.toContain(subscription.id);

    // Turning the Zap off twice (or after the bridge dropped the hook) is not an error.
    expect(
      await appTester(op(missedCall).performUnsubscribe, { authData, subscribeData: subscription }),
    ).toEqual({
      id: subscription.id,
      removed: false,
    });

    // Nothing reaches a Zap that is off.
    const later = tb.sim.pbx.placeCall(missedSalesCall());
    await passTime(120);
    expect(eventsAt(target, 'call.missed').map((e) => e.caller_number)).not.toContain(later.caller);
  });

  it('two Zaps on the same trigger each get the call', async () => {
    const [first, second] = [await zapierTarget(), await zapierTarget()];
    const subscriptions = [
      await subscribe(missedCall, first.url),
      await subscribe(missedCall, second.url),
    ];
    tb.sim.pbx.placeCall(missedSalesCall());
    await runUntil(() => first.received.length > 0 && second.received.length > 0);
    expect((first.received[0].json as CallEvent).id).toBe(
      (second.received[0].json as CallEvent).id,
    );
    for (const subscribeData of subscriptions)
      await appTester(op(missedCall).performUnsubscribe, { authData, subscribeData });
  });
});

describe('the Zap editor’s test (performList)', () => {
  it.each([
    ['Missed Call', missedCall, 'call.missed'],
    ['Call Started', callStarted, 'call.started'],
    ['Call Ended', callEnded, 'call.ended'],
  ] as const)(
    '%s lists recent real events with exactly the keys the hook delivers',
    async (_name, trigger, type) => {
      const target = await zapierTarget();
      const subscription = await subscribe(trigger, target.url);
      tb.sim.pbx.placeCall(missedSalesCall());
      await runUntil(() => eventsAt(target, type).length > 0);
      const delivered = eventsAt(target, type)[0];

      const listed = (await appTester(op(trigger).performList, {
        authData,
        meta: { limit: 5 },
      })) as CallEvent[];
      expect(listed.length).toBeGreaterThan(0);
      expect(listed.length).toBeLessThanOrEqual(5);
      expect(listed.every((e) => e.event === type)).toBe(true);
      expect(listed.map((e) => e.id)).toContain(delivered.id);
      for (const event of listed) expect(flatKeys(event)).toEqual(flatKeys(delivered)); // D006, T006
      expect(listed.find((e) => e.id === delivered.id)).toEqual(delivered);
      expect(flatKeys(delivered)).toEqual(flatKeys(CALL_EVENT_SAMPLES[type]));

      await appTester(op(trigger).performUnsubscribe, { authData, subscribeData: subscription });
    },
  );
});

describe('trigger filters', () => {
  it('Skip Calls With a Voicemail: a caller who left a message does not trigger; one who did not does', async () => {
    const target = await zapierTarget();
    const subscription = await subscribe(missedCall, target.url, { skip_voicemail_left: true });

    const withMessage = tb.sim.pbx.placeCall(
      missedSalesCall({
        kind: 'queue',
        result: 'voicemail',
        messageSeconds: 30,
      } as Partial<CallScript>),
    );
    const plain = tb.sim.pbx.placeCall(
      missedSalesCall({ at: tb.sim.clock.now() + 1000 } as Partial<CallScript>),
    );
    await runUntil(() =>
      eventsAt(target, 'call.missed').some((e) => e.caller_number === plain.caller),
    );
    await passTime(120); // time enough for the voicemail call to settle too

    const delivered = eventsAt(target, 'call.missed');
    expect(
      delivered
        .map((e) => e.caller_number)
        .filter((n) => n === withMessage.caller || n === plain.caller),
    ).toEqual([plain.caller]);

    // The voicemail call is a missed call all the same: the unfiltered feed has it…
    const all = (await appTester(op(missedCall).performList, {
      authData,
      meta: { limit: 20 },
    })) as CallEvent[];
    const voicemailEvent = all.find((e) => e.caller_number === withMessage.caller);
    expect(voicemailEvent).toMatchObject({ outcome: 'voicemail', voicemail_left: true });
    // …the filtered editor test does not, and `perform` drops it if it ever arrived.
    const filtered = (await appTester(op(missedCall).performList, {
      authData,
      inputData: { skip_voicemail_left: true },
      meta: { limit: 20 },
    })) as CallEvent[];
    expect(filtered.map((e) => e.caller_number)).not.toContain(withMessage.caller);
    expect(filtered.map((e) => e.caller_number)).toContain(plain.caller);
    expect(
      await appTester(op(missedCall).perform, {
        authData,
        inputData: { skip_voicemail_left: true },
        cleanedRequest: voicemailEvent,
      }),
    ).toEqual([]);

    await appTester(op(missedCall).performUnsubscribe, { authData, subscribeData: subscription });
  });

  it('Source List and Business Hours: only calls to that list, in the hours asked for', async () => {
    const sales = await zapierTarget();
    const support = await zapierTarget();
    const subscriptions = [
      await subscribe(missedCall, sales.url, { source_list: 'sales' }),
      await subscribe(missedCall, support.url, { source_list: 'support' }),
    ];
    tb.sim.pbx.placeCall(missedSalesCall());
    await runUntil(() => sales.received.length > 0);
    await tb.advance(30);
    expect(support.received).toHaveLength(0);
    const event = sales.received[0].json as CallEvent;
    expect(event.source_list).toBe('sales');

    // The simulator's clock starts at 19:30 in Adelaide: after hours.
    expect(event.branch).toBe('after_hours');
    const inHours = (await appTester(op(missedCall).performList, {
      authData,
      inputData: { business_hours: 'in_hours' },
    })) as CallEvent[];
    expect(inHours.every((e) => e.branch === 'in_hours')).toBe(true);
    expect(inHours.map((e) => e.id)).not.toContain(event.id);

    for (const subscribeData of subscriptions)
      await appTester(op(missedCall).performUnsubscribe, { authData, subscribeData });
  });

  it('First or Repeat Misses: a number’s first miss goes to one Zap, its next miss to the other', async () => {
    const firstOnly = await zapierTarget();
    const repeatOnly = await zapierTarget();
    const everyone = await zapierTarget();
    const subscriptions = [
      await subscribe(missedCall, firstOnly.url, { repeat: 'first' }),
      await subscribe(missedCall, repeatOnly.url, { repeat: 'repeat' }),
      await subscribe(missedCall, everyone.url),
    ];
    const fromCaller = (receiver: Receiver, caller: string) =>
      eventsAt(receiver, 'call.missed').filter((e) => e.caller_number === caller);

    const first = tb.sim.pbx.placeCall(missedSalesCall());
    await runUntil(() => fromCaller(everyone, first.caller).length === 1);
    // Past the dialler cooldown: a redial within 10 minutes would be folded into the first miss.
    await passTime(11 * 60);
    tb.sim.pbx.placeCall(missedSalesCall({ caller: first.caller } as Partial<CallScript>));
    await runUntil(() => fromCaller(everyone, first.caller).length === 2);
    await passTime(30);

    const [firstMiss, repeatMiss] = fromCaller(everyone, first.caller);
    expect(firstMiss).toMatchObject({ is_repeat_miss: false, missed_count_7d: 1 });
    expect(repeatMiss).toMatchObject({
      is_repeat_miss: true,
      missed_count_7d: 2,
      // The earlier miss's real start, not when its first leg was seen while still ringing.
      last_missed_at: firstMiss.started_at,
    });
    expect(fromCaller(firstOnly, first.caller).map((e) => e.id)).toEqual([firstMiss.id]);
    expect(fromCaller(repeatOnly, first.caller).map((e) => e.id)).toEqual([repeatMiss.id]);

    // The Zap editor's test shows the same split.
    for (const [repeat, wanted, unwanted] of [
      ['first', firstMiss, repeatMiss],
      ['repeat', repeatMiss, firstMiss],
    ] as const) {
      const listed = (await appTester(op(missedCall).performList, {
        authData,
        inputData: { repeat },
        meta: { limit: 100 },
      })) as CallEvent[];
      expect(listed.map((e) => e.id)).toContain(wanted.id);
      expect(listed.map((e) => e.id)).not.toContain(unwanted.id);
      expect(listed.every((e) => e.is_repeat_miss === (repeat === 'repeat'))).toBe(true);
    }

    for (const subscribeData of subscriptions)
      await appTester(op(missedCall).performUnsubscribe, { authData, subscribeData });
  });

  it('After Hours Only: the evening miss triggers, the next morning’s does not', async () => {
    const afterHours = await zapierTarget();
    const inHours = await zapierTarget();
    const everyone = await zapierTarget();
    const subscriptions = [
      await subscribe(missedCall, afterHours.url, { business_hours: 'after_hours' }),
      await subscribe(missedCall, inHours.url, { business_hours: 'in_hours' }),
      await subscribe(missedCall, everyone.url),
    ];
    const adelaide = (ms: number) => DateTime.fromMillis(ms, { zone: 'Australia/Adelaide' });
    const missOf = (receiver: Receiver, caller: string) =>
      eventsAt(receiver, 'call.missed').filter((e) => e.caller_number === caller);

    // The simulator's clock started at 19:30 on Monday in Adelaide; the location is open
    // Monday to Friday 09:00–17:00 (the default hours). Later tests do not mind the hour.
    const monday = adelaide(tb.sim.clock.now());
    expect([monday.weekday, monday.hour >= 17]).toEqual([1, true]);
    const evening = tb.sim.pbx.placeCall(missedSalesCall());
    await runUntil(() => missOf(everyone, evening.caller).length > 0);

    // Overnight to Tuesday 10:00: the bridge catches up on the quiet night first.
    const tuesdayMorning = adelaide(tb.sim.clock.now())
      .plus({ days: 1 })
      .set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
    tb.sim.clock.advance((tuesdayMorning.toMillis() - tb.sim.clock.now()) / 1000);
    await tb.tick();
    const morning = tb.sim.pbx.placeCall(missedSalesCall());
    await runUntil(() => missOf(everyone, morning.caller).length > 0);
    await passTime(30);

    const [eveningMiss] = missOf(everyone, evening.caller);
    const [morningMiss] = missOf(everyone, morning.caller);
    expect(eveningMiss).toMatchObject({ branch: 'after_hours', in_business_hours: false });
    expect(morningMiss).toMatchObject({ branch: 'in_hours', in_business_hours: true });
    const ofTheseTwo = (receiver: Receiver) =>
      eventsAt(receiver, 'call.missed')
        .filter((e) => e.caller_number === evening.caller || e.caller_number === morning.caller)
        .map((e) => e.id);
    expect(ofTheseTwo(afterHours)).toEqual([eveningMiss.id]);
    expect(ofTheseTwo(inHours)).toEqual([morningMiss.id]);

    const listed = (await appTester(op(missedCall).performList, {
      authData,
      inputData: { business_hours: 'after_hours' },
      meta: { limit: 100 },
    })) as CallEvent[];
    expect(listed.map((e) => e.id)).toContain(eveningMiss.id);
    expect(listed.map((e) => e.id)).not.toContain(morningMiss.id);
    expect(listed.every((e) => e.branch === 'after_hours')).toBe(true);

    for (const subscribeData of subscriptions)
      await appTester(op(missedCall).performUnsubscribe, { authData, subscribeData });
  });

  it('the Source List dropdown lists the location’s source lists', async () => {
    const choices = await appTester(op(App.triggers.source_list).perform, { authData });
    expect(choices).toEqual([
      { id: 'sales', name: 'Sales line', dialed_numbers: [SALES_LINE] },
      { id: 'support', name: 'Support line', dialed_numbers: ['+61881234502'] },
    ]);
  });
});

describe('Update Call Record', () => {
  let callId: string;
  let eventId: string;
  let caller: string;

  beforeAll(async () => {
    const target = await startReceiver();
    const subscription = await subscribe(missedCall, target.url);
    const call = tb.sim.pbx.placeCall(missedSalesCall());
    caller = call.caller;
    await runUntil(() => eventsAt(target, 'call.missed').some((e) => e.caller_number === caller));
    const event = eventsAt(target, 'call.missed').find((e) => e.caller_number === caller)!;
    callId = event.call_id;
    eventId = event.id;
    await appTester(op(missedCall).performUnsubscribe, { authData, subscribeData: subscription });
    await target.close();
  });

  it('offers the call in the Call dropdown, labelled for a person', async () => {
    const choices = (await appTester(
      (z, bundle) => listRecentCalls(withCursorStore(z, new Map()), bundle),
      { authData, meta: { timezone: 'Australia/Adelaide', page: 0 } },
    )) as { id: string; name: string }[];
    const choice = choices.find((c) => c.id === callId);
    expect(choice?.name).toMatch(new RegExp(`^Missed call from Jane Citizen \\(\\${caller}\\) · `));
  });

  it('writes the follow-up back to the call’s record in the bridge', async () => {
    const record = (await appTester(op(updateCallRecord).perform, {
      authData,
      inputData: {
        call_id: eventId, // mapped by eye: the event's id, not its call_id
        disposition: 'called_back',
        follow_up_status: 'done',
        notes: 'Called back, booked a quote visit.\nPrefers mornings.',
        tags: ['sms-sent, vip'],
        contact_id: 'crm_4821',
        contact_url: 'https://crm.example.com/contacts/4821',
        contact_name: 'Jane Citizen',
      },
    })) as CallRecord;
    expect(record).toMatchObject({
      id: callId,
      disposition: 'called_back',
      follow_up_status: 'done',
      notes: 'Called back, booked a quote visit.\nPrefers mornings.',
      tags: ['sms-sent', 'vip'],
      contact_id: 'crm_4821',
      contact_url: 'https://crm.example.com/contacts/4821',
      contact_name: 'Jane Citizen',
    });
    // The step's output has the keys its static sample promises.
    expect(flatKeys(record)).toEqual(flatKeys(CALL_RECORD_SAMPLE));

    const stored = await appTester(
      (z, bundle) => callBridge<CallRecord>(z, bundle, { path: `/v1/calls/${callId}` }),
      {
        authData,
      },
    );
    expect(stored.data).toMatchObject({
      disposition: 'called_back',
      tags: ['sms-sent', 'vip'],
      contact_id: 'crm_4821',
    });

    // Empty fields leave the record alone.
    const again = (await appTester(op(updateCallRecord).perform, {
      authData,
      inputData: { call_id: callId, follow_up_status: 'in_progress', notes: '' },
    })) as CallRecord;
    expect(again).toMatchObject({
      follow_up_status: 'in_progress',
      disposition: 'called_back',
      notes: expect.stringMatching(/^Called back/),
    });
  });

  it('a known contact is known on the next call from the number', async () => {
    const target = await zapierTarget();
    const subscription = await subscribe(missedCall, target.url, { exclude_known_contacts: true });
    const everyone = await zapierTarget();
    const all = await subscribe(missedCall, everyone.url);
    // Past the dialler cooldown: a redial within 10 minutes is folded into the first miss.
    await passTime(11 * 60);
    tb.sim.pbx.placeCall(missedSalesCall({ caller } as Partial<CallScript>));
    await runUntil(() => eventsAt(everyone, 'call.missed').some((e) => e.caller_number === caller));
    const again = eventsAt(everyone, 'call.missed').find((e) => e.caller_number === caller)!;
    expect(again).toMatchObject({
      known_contact: true,
      contact_id: 'crm_4821',
      is_repeat_miss: true,
    });
    expect(eventsAt(target, 'call.missed').map((e) => e.caller_number)).not.toContain(caller);
    for (const subscribeData of [subscription, all])
      await appTester(op(missedCall).performUnsubscribe, { authData, subscribeData });
  });

  it('explains a call that is not there, and a field the bridge would refuse', async () => {
    const missing = await shownError(
      appTester(op(updateCallRecord).perform, {
        authData,
        inputData: { call_id: 'no-such-call', notes: 'x' },
      }),
    );
    // Not the Zap's fault: the run stops without counting towards Zapier turning it off.
    expect(missing).toMatchObject({
      name: 'HaltedError',
      message: expect.stringMatching(/^No such call: .*It may belong to another location/),
    });

    const badUrl = await shownError(
      appTester(op(updateCallRecord).perform, {
        authData,
        inputData: { call_id: callId, contact_url: 'crm/4821' },
      }),
    );
    expect(badUrl.message).toMatch(/^Check the fields of this step: contact_url: /);

    const nothing = await shownError(
      appTester(op(updateCallRecord).perform, { authData, inputData: { call_id: callId } }),
    );
    expect(nothing).toMatchObject({
      name: 'HaltedError',
      message: expect.stringMatching(/^Nothing to update/),
    });
  });
});

// Last: the deadline test moves the simulator's clock to the next morning.
describe('Missed Call Returned and Missed Call Not Returned (instant)', () => {
  const { missed_call_returned: returnedTrigger, missed_call_not_returned: notReturnedTrigger } =
    App.triggers;

  /** Move the simulator on to the next 19:30 in Adelaide followed by a working day. */
  async function toNextWeekdayEvening(): Promise<void> {
    let evening = DateTime.fromMillis(tb.sim.clock.now(), { zone: 'Australia/Adelaide' }).set({
      hour: 19,
      minute: 30,
      second: 0,
      millisecond: 0,
    });
    while (evening.toMillis() <= tb.sim.clock.now() || evening.weekday > 4)
      evening = evening.plus({ days: 1 });
    tb.sim.clock.set(evening.toMillis());
    await tb.tick();
  }

  it('a call back fires Missed Call Returned for the Zaps whose options the miss passes', async () => {
    const [afterHours, inHours] = [await zapierTarget(), await zapierTarget()];
    const subscriptions = [
      await subscribe(returnedTrigger, afterHours.url, { business_hours: 'after_hours' }),
      await subscribe(returnedTrigger, inHours.url, { business_hours: 'in_hours' }),
    ];
    await toNextWeekdayEvening();
    const miss = tb.sim.pbx.placeCall(missedSalesCall());
    await passTime(60);
    tb.sim.pbx.placeCall({
      kind: 'outbound',
      from: '105',
      number: miss.caller,
      result: 'answered',
    });
    await runUntil(() => eventsAt(afterHours, 'call.returned').length > 0);
    const [returned] = eventsAt(afterHours, 'call.returned');
    expect(returned).toMatchObject({
      call_id: miss.callHistoryId,
      caller_number: miss.caller,
      branch: 'after_hours',
      return_status: 'returned',
      returned_via: 'callback',
      returned_by: '105',
    });
    expect(inHours.received).toEqual([]);
    const runs = await appTester(op(returnedTrigger).perform, {
      authData,
      cleanedRequest: returned,
      inputData: { business_hours: 'after_hours' },
    });
    expect(runs).toEqual([returned]);
    expect(flatKeys(returned)).toEqual(flatKeys(CALL_EVENT_SAMPLES['call.returned']));
    const listed = (await appTester(op(returnedTrigger).performList, { authData })) as CallEvent[];
    expect(listed.find((e) => e.id === returned.id)).toEqual(returned);
    for (const subscribeData of subscriptions)
      await appTester(op(returnedTrigger).performUnsubscribe, { authData, subscribeData });
  });

  it('a miss nobody returned by its deadline fires Missed Call Not Returned the next morning', async () => {
    const target = await zapierTarget();
    const subscription = await subscribe(notReturnedTrigger, target.url, { repeat: 'first' });
    await toNextWeekdayEvening();
    const miss = tb.sim.pbx.placeCall(missedSalesCall());
    await passTime(60);
    const record = await appTester(
      (z, bundle) =>
        callBridge<CallRecord>(z, bundle, {
          path: `/v1/calls/${encodeURIComponent(miss.callHistoryId!)}`,
        }),
      { authData },
    );
    const due = Date.parse(record.data.return_due_at!);
    // 30 minutes of business hours after an evening miss: half an hour after opening time.
    expect(DateTime.fromMillis(due, { zone: 'Australia/Adelaide' }).toFormat('HH:mm')).toBe(
      '09:30',
    );
    const ofThisMiss = () =>
      eventsAt(target, 'call.unreturned').filter((e) => e.call_id === miss.callHistoryId);
    tb.sim.clock.set(due - 60_000);
    tb.bridge.followUpSweep(); // earlier tests' misses fall due too, this one not yet
    await tb.tick();
    expect(ofThisMiss()).toEqual([]);
    tb.sim.clock.set(due);
    tb.bridge.followUpSweep();
    await tb.tick();
    const [unreturned] = ofThisMiss();
    expect(unreturned).toMatchObject({
      return_status: 'not_returned',
      occurred_at: new Date(due).toISOString(),
    });
    expect(flatKeys(unreturned)).toEqual(flatKeys(CALL_EVENT_SAMPLES['call.unreturned']));
    await appTester(op(notReturnedTrigger).performUnsubscribe, {
      authData,
      subscribeData: subscription,
    });
  });
});
