import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallEvent } from '../../lib/callEvent';
import type { CallRecord } from '../../lib/callRecord';
import { INSTANT_TRIGGERS } from '../../scripts/make/makeAppDefinition';
import { api } from '../support/bridgeApi';
import { evaluateIml, ImlError } from '../support/iml';
import { MakeModuleError, runMakeRequest, type Spec } from '../support/makeRequest';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * Every request the Make app declares — the connection check, attach and detach of each
 * webhook, each module, each RPC, the polling trigger with its pagination and epoch — with its
 * IML evaluated (test/support/iml.ts) for a sample connection and webhook, and sent to the real
 * bridge on loopback. A local HTTP server stands in for Make's webhook URL.
 */
jest.setTimeout(60_000);

const DIR = join(__dirname, '..', '..', 'make');
/* eslint-disable @typescript-eslint/no-explicit-any -- the definition is plain JSON */
const readJson = (path: string): any => JSON.parse(readFileSync(join(DIR, path), 'utf8'));
const app = readJson('makecomapp.json');
const base: Spec = readJson(app.generalCodeFiles.base);
const code = (type: string, id: string, file: string): Spec =>
  readJson(app.components[type][id].codeFiles[file]);

const SALES_LINE = '+61881234501';
let tb: TestBridge;
let connection: { bridgeUrl: string; apiKey: string };
const receivers: Receiver[] = [];

beforeAll(async () => {
  tb = await startTestBridge({
    bridge: { now: () => Date.now() }, // test events are stamped with the real clock
    settings: {
      enrichment: {
        sourceLists: {
          lists: [{ id: 'sales', name: 'Sales line', dialed_numbers: [SALES_LINE] }],
          defaultList: null,
        },
      },
    },
  });
  connection = { bridgeUrl: tb.url, apiKey: tb.apiKey };
});

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  await tb?.close();
});

/** A module or RPC request, as Make runs it with the base. */
const run = (spec: Spec, parameters: Record<string, unknown> = {}) =>
  runMakeRequest(spec, { connection, parameters }, base);

async function sendTestEvents(count: number, event = 'call.missed'): Promise<CallEvent[]> {
  const sent: CallEvent[] = [];
  for (let i = 0; i < count; i++) {
    const answer = await api(tb.url, tb.apiKey, 'POST', '/v1/test-events', { event });
    expect(answer.status).toBe(201);
    sent.push(answer.body.event);
  }
  return sent;
}

describe('the connection', () => {
  it('is checked with GET /v1/me and named after the location', async () => {
    const spec = code('connection', 'bridge', 'communication');
    const result = await runMakeRequest(spec, { parameters: connection });
    expect(result.sent).toEqual([{ method: 'GET', url: `${tb.url}/v1/me` }]);
    expect(result.metadata).toEqual({ type: 'text', value: 'Adelaide Office' });
  });

  it('a wrong key fails with the message that says to create a new key', async () => {
    const spec = code('connection', 'bridge', 'communication');
    const failure = runMakeRequest(spec, { parameters: { ...connection, apiKey: 'cxb_wrong' } });
    await expect(failure).rejects.toMatchObject({
      type: 'InvalidAccessTokenError',
      message: expect.stringMatching(/3cx-bridge key create/),
    });
  });

  it('errors carry the bridge’s own message', async () => {
    const failure = run(code('module', 'getCall', 'communication'), { callId: 'no-such-call' });
    await expect(failure).rejects.toBeInstanceOf(MakeModuleError);
    await expect(failure).rejects.toMatchObject({
      type: 'DataError',
      message: '[404] Call not found.',
    });
  });
});

describe('instant triggers: attached webhooks', () => {
  it.each(INSTANT_TRIGGERS.map((t) => [t.module, t] as const))(
    '%s: attach subscribes the webhook URL, an event arrives, detach unsubscribes',
    async (_module, trigger) => {
      const makeHook = await startReceiver(`/make/${trigger.webhook}`);
      receivers.push(makeHook);
      const webhookUrl = makeHook.url;
      const parameters =
        trigger.event === 'call.missed' ? { sourceList: 'sales', skipVoicemailLeft: true } : {};
      const attach = await runMakeRequest(
        code('webhook', trigger.webhook, 'attach'),
        { connection, parameters, webhook: { url: webhookUrl } },
        base,
      );
      const saved = attach.data as { id: string };
      expect(saved.id).toMatch(/^hook_/);
      const hooks = await api(tb.url, tb.apiKey, 'GET', '/v1/hooks');
      expect(hooks.body.data).toContainEqual(
        expect.objectContaining({
          id: saved.id,
          event: trigger.event,
          target_url: webhookUrl,
          filters:
            trigger.event === 'call.missed'
              ? { source_list: 'sales', skip_voicemail_left: true }
              : {},
        }),
      );

      const [event] = await sendTestEvents(1, trigger.event);
      await tb.tick();
      expect(makeHook.received).toHaveLength(1);
      // The webhook's communication turns the request into the module's one bundle.
      const communication = code('webhook', trigger.webhook, 'communication');
      const bundle = evaluateIml(communication.output, { body: makeHook.received[0].json });
      expect(bundle).toEqual(event);
      expect(communication.respond.status).toBe(200);
      // The bundle has the keys of the module's interface and sample.
      const module = app.components.module[trigger.module];
      const names = readJson(module.codeFiles.interface)
        .map((i: any) => i.name)
        .sort();
      expect(Object.keys(bundle as object).sort()).toEqual(names);
      expect(Object.keys(readJson(module.codeFiles.samples)).sort()).toEqual(names);

      const detach = await runMakeRequest(
        code('webhook', trigger.webhook, 'detach'),
        { connection, parameters, webhook: saved },
        base,
      );
      expect(detach.sent).toEqual([{ method: 'DELETE', url: `${tb.url}/v1/hooks/${saved.id}` }]);
      expect(detach.statusCode).toBe(204);
      const after = await api(tb.url, tb.apiKey, 'GET', '/v1/hooks');
      expect(after.body.data.map((h: { id: string }) => h.id)).not.toContain(saved.id);
    },
  );
});

describe('modules and RPCs', () => {
  let callIds: string[];

  beforeAll(async () => {
    // 120 calls: more than one page (100) of the bridge's lists.
    const seed = await sendTestEvents(1);
    const facts = {
      ...(seed[0] as unknown as Record<string, unknown>),
    };
    callIds = [];
    for (let i = 0; i < 120; i++) {
      const callId = `make-call-${String(i).padStart(3, '0')}`;
      tb.bridge.store.calls.upsert(
        tb.locationId,
        {
          facts: {
            call_id: callId,
            direction: 'inbound',
            outcome: i % 2 === 0 ? 'missed' : 'answered',
            voicemail: false,
            voicemail_left: false,
            voicemail_seconds: 0,
            caller_number: i === 119 ? '+61412555119' : String(facts.caller_number),
            caller_number_raw: '0412 555 119',
            caller_anonymous: false,
            caller_name: i === 119 ? 'Last Caller' : null,
            callee_number: '101',
            callee_number_raw: '101',
            callee_name: null,
            external_number: i === 119 ? '+61412555119' : String(facts.caller_number),
            dialed_number: SALES_LINE,
            queue: null,
            queue_name: null,
            agents_rung: ['101'],
            answered_by: null,
            answered_by_name: null,
            started_at: new Date(Date.UTC(2026, 2, 2, 9, 0, i)).toISOString(),
            ended_at: new Date(Date.UTC(2026, 2, 2, 9, 1, i)).toISOString(),
            ring_seconds: 20,
            talk_seconds: 0,
            leg_count: 1,
          },
          status: 'ended',
          enrichment: null,
          missed: i % 2 === 0,
          missedEmitted: i % 2 === 0,
        },
        Date.now(),
      );
      callIds.push(callId);
    }
  });

  it('the Call select (RPC) lists every call across pages, labelled for a person', async () => {
    const result = await run(code('rpc', 'listCalls', 'communication'));
    expect(result.sent.length).toBeGreaterThan(1); // paged with the bridge's cursor
    expect(result.sent[1].url).toMatch(/[?&]cursor=/);
    const values = result.items.map((o: any) => o.value);
    expect(values).toEqual(expect.arrayContaining(callIds));
    expect(new Set(values).size).toBe(values.length);
    expect(result.items[0]).toEqual({
      label: 'Last Caller · answered · 2026-03-02T09:01:59.000Z',
      value: 'make-call-119',
    });
  });

  it('the Source List select (RPC) lists the location’s source lists', async () => {
    const result = await run(code('rpc', 'listSourceLists', 'communication'));
    expect(result.items).toEqual([{ label: 'Sales line', value: 'sales' }]);
  });

  it('Get a Call returns the call’s record', async () => {
    const result = await run(code('module', 'getCall', 'communication'), {
      callId: 'make-call-005',
    });
    expect(result.output).toMatchObject({
      id: 'make-call-005',
      status: 'ended',
      outcome: 'answered',
    });
    const names = readJson(app.components.module.getCall.codeFiles.interface).map(
      (i: any) => i.name,
    );
    expect(Object.keys(result.output as CallRecord).sort()).toEqual(names.sort());
  });

  it('Update a Call Record writes, clears and sets custom fields', async () => {
    const spec = code('module', 'updateCallRecord', 'communication');
    const first = await run(spec, {
      callId: 'make-call-007',
      disposition: 'called_back',
      notes: 'Called back.',
      tags: ['sms-sent', 'vip'],
      customFields: [{ name: 'deal_stage', value: 'quote' }],
    });
    expect(first.sent[0]).toMatchObject({
      method: 'PATCH',
      url: `${tb.url}/v1/calls/make-call-007`,
      body: {
        disposition: 'called_back',
        notes: 'Called back.',
        tags: ['sms-sent', 'vip'],
        custom_fields: { deal_stage: 'quote' },
      },
    });
    expect(first.output).toMatchObject({
      disposition: 'called_back',
      tags: ['sms-sent', 'vip'],
      custom_fields: { deal_stage: 'quote' },
    });
    const cleared = await run(spec, {
      callId: 'make-call-007',
      followUpStatus: 'done',
      clearFields: ['disposition', 'tags', 'custom_fields'],
    });
    expect(cleared.sent[0].body).toEqual({
      disposition: null,
      follow_up_status: 'done',
      tags: [],
      custom_fields: null,
    });
    expect(cleared.output).toMatchObject({
      disposition: null,
      follow_up_status: 'done',
      notes: 'Called back.',
      tags: [],
      custom_fields: {},
    });
    // Nothing filled in: the bridge's message reaches the scenario.
    await expect(run(spec, { callId: 'make-call-007' })).rejects.toMatchObject({
      type: 'DataError',
      message: expect.stringMatching(/^\[400\] .*Nothing to update/),
    });
  });

  it('Search Calls pages through the calls up to its limit, and finds by number', async () => {
    const spec = code('module', 'searchCalls', 'communication');
    const many = await run(spec, { limit: 110 });
    expect(many.items).toHaveLength(110);
    expect(many.sent).toHaveLength(2);
    const few = await run(spec, { outcome: 'answered' });
    expect(few.items).toHaveLength(10); // the default limit
    expect(few.items.every((c: any) => c.outcome === 'answered')).toBe(true);
    const byNumber = await run(spec, { number: '0412 555 119' });
    expect(byNumber.items.map((c: any) => c.id)).toEqual(['make-call-119']);
  });
});

describe('Watch Call Events (polling)', () => {
  it('reads the feed newest first across pages, with the trigger’s id and date per event', async () => {
    const sent = await sendTestEvents(105, 'call.ended');
    const spec = code('module', 'watchCallEvents', 'communication');
    const result = await run(spec, { event: 'call.ended', limit: 105 });
    expect(result.sent).toHaveLength(2); // 100, then the cursor
    expect(result.items).toHaveLength(105);
    expect(result.items.map((e: any) => e.id)).toEqual(sent.map((e) => e.id).reverse());
    expect(result.triggers[0]).toEqual({ id: sent[104].id, date: sent[104].occurred_at });
    expect(result.items.every((e: any) => e.event === 'call.ended' && e.test === true)).toBe(true);

    const filtered = await run(spec, { sourceList: 'nope' });
    expect(filtered.items).toEqual([]);
  });

  it('the epoch (“Choose where to start”) lists events with a label and a date', async () => {
    const communication = code('module', 'watchCallEvents', 'communication');
    const epoch = code('module', 'watchCallEvents', 'epoch');
    // The epoch's overrides are merged into the trigger's request.
    const merged = { ...communication, response: { ...communication.response, ...epoch.response } };
    delete merged.response.trigger;
    const result = await run(merged, {});
    expect(result.items.length).toBeGreaterThan(100);
    expect(result.items.length).toBeLessThanOrEqual(300);
    expect(result.items[0]).toEqual({
      label: expect.stringMatching(/^call\.\w+ \+61\d+ \d{4}-\d\d-\d\dT/),
      date: expect.stringMatching(/^\d{4}-/),
    });
  });
});

describe('the IML evaluator is strict', () => {
  it('fails on a function or variable it does not know', () => {
    expect(() => evaluateIml('{{formatDate(now, "YYYY")}}', { now: 1 })).toThrow(ImlError);
    expect(() => evaluateIml('{{secrets.key}}', { body: {} })).toThrow(
      /unknown variable "secrets"/,
    );
    expect(evaluateIml('{{body.missing}}', { body: {} })).toBeUndefined();
    expect(evaluateIml('a {{body.x}} b', { body: { x: null } })).toBe('a  b');
  });
});
