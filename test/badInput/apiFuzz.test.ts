import fc from 'fast-check';
import { CALL_EVENT_TYPES } from '../../lib/callEvent';
import { DISPOSITIONS, FOLLOW_UP_STATUSES } from '../../lib/callRecord';
import { api } from '../support/bridgeApi';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import { SCRIPT_LOOKING, SQL_LOOKING, send, settledCall, storeSnapshot } from './support';

/**
 * Property-based fuzzing of the two endpoints a Zap writes through: whatever arrives, the
 * answer is a 2xx or a clear 4xx (never a 5xx), the process keeps serving, a rejected request
 * changes nothing in the store, and an accepted one stores exactly what was sent.
 */
let t: TestBridge;
let callId: string;

beforeAll(async () => {
  t = await startTestBridge();
  callId = (await settledCall(t)).callHistoryId!;
});
afterAll(() => t.close());

const RUNS = { numRuns: 250 };

/** Text of every kind: lone surrogates, controls, emoji, SQL and HTML look-alikes, long. */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(SQL_LOOKING, SCRIPT_LOOKING, '', ' ', '\u0000', '{{x}}', '%00'),
  },
  {
    // Lone surrogates: valid as JSON escapes, not as Unicode text.
    weight: 1,
    arbitrary: fc.constantFrom('\ud800', 'a\udc00b', 'call \ud83d', '\udfff\ud800'),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(99, 100, 101, 199, 200, 201, 1999, 2000, 2001, 10_000, 10_001)
      .map((n) => 'x'.repeat(n)),
  },
);
const anyJson = fc.jsonValue({ maxDepth: 3 });

function expectRejected(
  res: { status: number; json: unknown; contentType: string | null },
  statuses = [400],
) {
  expect(statuses).toContain(res.status);
  expect(res.contentType).toMatch(/^application\/json/);
  expect(res.json).toEqual(
    expect.objectContaining({ error: expect.any(String), message: expect.any(String) }),
  );
}

describe('POST /v1/hooks, fuzzed', () => {
  const targetUrl = fc.oneof(
    fc.constantFrom(
      'https://hooks.zapier.com/hooks/standard/1/abc/',
      'http://127.0.0.1:9/hook',
      'http://example.com/hook',
      'https://user:secret@example.com/hook',
      'javascript:alert(1)',
      'ftp://example.com/x',
      `https://example.com/${'a'.repeat(2100)}`,
      ` https://example.com/padded `,
      `https://example.com/${SQL_LOOKING}`,
    ),
    fc.webUrl(),
    text,
    anyJson,
  );
  const event = fc.oneof(
    fc.constantFrom(...CALL_EVENT_TYPES),
    fc.constantFrom('call.MISSED', 'call.*', 'missed', ''),
    text,
    anyJson,
  );
  const filters = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.record(
      {
        source_list: fc.oneof(text, anyJson),
        business_hours: fc.oneof(fc.constantFrom('in_hours', 'after_hours'), text),
        skip_voicemail_left: fc.oneof(fc.boolean(), anyJson),
        repeat: fc.oneof(fc.constantFrom('first', 'repeat'), text),
        exclude_known_contacts: fc.oneof(fc.boolean(), anyJson),
        surprise: anyJson,
      },
      { requiredKeys: [] },
    ),
    anyJson,
  );
  const body = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ target_url: targetUrl, event, filters }, { requiredKeys: [] }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.record({ target_url: targetUrl, event }), fc.string({ maxLength: 10 }), anyJson)
        .map(([b, key, value]) => ({ ...b, [key]: value })),
    },
    { weight: 1, arbitrary: anyJson },
  );

  it('answers 201 or 400, and a rejected subscription is never stored', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const before = storeSnapshot(t);
        const res = await send(t, 'POST', '/v1/hooks', JSON.stringify(value));
        if (res.status === 201) {
          const hook = res.json as { id: string; event: string; target_url: string };
          expect(CALL_EVENT_TYPES).toContain(hook.event);
          expect(hook.target_url).toMatch(
            /^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/])/,
          );
          expect(hook.target_url).not.toMatch(/^[a-z]+:\/\/[^/]*@/i);
          expect((await api(t.url, t.apiKey, 'DELETE', `/v1/hooks/${hook.id}`)).status).toBe(204);
          return;
        }
        expectRejected(res);
        expect(storeSnapshot(t)).toEqual(before);
      }),
      RUNS,
    );
  });

  it('answers 400 (or 415) to bodies that are not JSON at all', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.uint8Array({ maxLength: 60 })),
        fc.constantFrom('application/json', 'application/vnd.api+json', 'APPLICATION/JSON'),
        async (raw, contentType) => {
          const before = storeSnapshot(t);
          const bytes = typeof raw === 'string' ? raw : Buffer.from(raw);
          const res = await send(t, 'POST', '/v1/hooks', bytes, contentType);
          if (res.status === 201) return; // the fuzzer wrote a valid subscription
          expectRejected(res);
          expect(storeSnapshot(t)).toEqual(before);
        },
      ),
      RUNS,
    );
  });
});

/** A record without the fields every PATCH touches, to tell whether it really changed. */
function stripVolatile(record: Record<string, unknown>): Record<string, unknown> {
  const { updated_at: _updated, known_contact: _known, ...rest } = record;
  return rest;
}

describe('PATCH /v1/calls/:id, fuzzed', () => {
  const field = {
    disposition: fc.oneof(fc.constantFrom(...DISPOSITIONS, null), text, anyJson),
    notes: fc.oneof(text, fc.constant(null), anyJson),
    tags: fc.oneof(fc.array(text, { maxLength: 55 }), anyJson),
    follow_up_status: fc.oneof(fc.constantFrom(...FOLLOW_UP_STATUSES, null), text),
    contact_id: fc.oneof(text, fc.constant(null), anyJson),
    contact_url: fc.oneof(
      fc.webUrl(),
      fc.constant(null),
      text,
      fc.constantFrom('javascript:alert(1)'),
    ),
    contact_name: fc.oneof(text, fc.constant(null)),
    custom_fields: fc.oneof(fc.dictionary(text, text, { maxKeys: 5 }), anyJson),
  };
  const body = fc.oneof(
    { weight: 5, arbitrary: fc.record(field, { requiredKeys: [] }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.record(field, { requiredKeys: [] }), fc.string({ maxLength: 10 }), anyJson)
        .map(([b, key, value]) => ({ ...b, [key]: value })),
    },
    { weight: 1, arbitrary: anyJson },
  );

  it('answers 200 or 400; a rejected patch changes nothing, an accepted one is stored verbatim', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (patch) => {
        const before = storeSnapshot(t);
        const current = (await api(t.url, t.apiKey, 'GET', `/v1/calls/${callId}`)).body;
        const res = await send(t, 'PATCH', `/v1/calls/${callId}`, JSON.stringify(patch));
        if (res.status !== 200) {
          expectRejected(res);
          expect(storeSnapshot(t)).toEqual(before);
          return;
        }
        const sent = patch as Record<string, unknown>;
        const record = (await api(t.url, t.apiKey, 'GET', `/v1/calls/${callId}`)).body;
        expect(record).toEqual(res.json);
        for (const key of ['disposition', 'notes', 'follow_up_status', 'contact_name'] as const)
          if (key in sent) expect(record[key]).toBe(sent[key]);
        for (const key of ['contact_id', 'contact_url'] as const)
          if (key in sent && sent[key] !== null) expect(record[key]).toBe(sent[key]);
        if ('tags' in sent)
          expect(record.tags).toEqual([...new Set((sent.tags as string[]).map((s) => s.trim()))]);
        if ('custom_fields' in sent) {
          // Merged; a key set to null removes it, null removes them all (docs/api.md).
          const merged: Record<string, unknown> = { ...current.custom_fields };
          for (const [k, v] of Object.entries(
            (sent.custom_fields ?? {}) as Record<string, string | null>,
          ))
            if (v === null) delete merged[k];
            else merged[k] = v;
          expect(record.custom_fields).toEqual(sent.custom_fields === null ? {} : merged);
        }
        // Nothing but the call record (and a contact it names) changed, and a change of the
        // record is announced as one call.updated event (no subscriber here: no delivery).
        const after = storeSnapshot(t);
        for (const table of ['locations', 'subscriptions', 'deliveries'])
          expect([table, after[table]]).toEqual([table, before[table]]);
        const added = (after.events as Array<{ type: string; call_id: string }>).slice(
          (before.events as unknown[]).length,
        );
        const changed =
          JSON.stringify(stripVolatile(current)) !== JSON.stringify(stripVolatile(record));
        expect(added.map((e) => [e.type, e.call_id])).toEqual(
          changed ? [['call.updated', callId]] : [],
        );
      }),
      RUNS,
    );
  });

  it('answers 404 or 400 for any call id that is not there, and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 0, maxLength: 250 }), async (id) => {
        fc.pre(id !== callId);
        const before = storeSnapshot(t);
        const path = `/v1/calls/${encodeURIComponent(id)}`;
        const patch = await send(t, 'PATCH', path, JSON.stringify({ notes: 'x' }));
        expect([400, 404]).toContain(patch.status);
        const get = await send(t, 'GET', path, undefined, null);
        expect([400, 404]).toContain(get.status);
        expect(storeSnapshot(t)).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });
});

describe('PUT /v1/source-lists and /v1/business-hours, fuzzed', () => {
  const sourceList = fc.oneof(
    fc.record(
      {
        id: fc.oneof(text, anyJson),
        name: fc.oneof(text, anyJson),
        dialed_numbers: fc.oneof(
          fc.array(fc.oneof(fc.constantFrom('+61881234501', '0881234502', '101', ''), text), {
            maxLength: 4,
          }),
          anyJson,
        ),
      },
      { requiredKeys: [] },
    ),
    anyJson,
  );
  const sourceLists = fc.oneof(
    fc.record(
      {
        lists: fc.oneof(fc.array(sourceList, { maxLength: 4 }), anyJson),
        default_list: fc.oneof(text, fc.constant(null), anyJson),
      },
      { requiredKeys: [] },
    ),
    anyJson,
  );
  const time = fc.oneof(
    fc.constantFrom('08:30', '17:00', '00:00', '24:00', '23:59', '25:00', '8:30', ''),
    text,
  );
  const interval = fc.oneof(fc.record({ start: time, end: time }, { requiredKeys: [] }), anyJson);
  const businessHours = fc.oneof(
    fc.record(
      {
        weekly: fc.oneof(
          fc.dictionary(
            fc.oneof(fc.constantFrom('mon', 'tue', 'sat', 'monday', 'Mon'), text),
            fc.oneof(fc.array(interval, { maxLength: 3 }), anyJson),
            { maxKeys: 4 },
          ),
          anyJson,
        ),
        holidays: fc.oneof(
          fc.array(fc.oneof(fc.constantFrom('2026-12-25', '2026-02-30', '25/12/2026'), text), {
            maxLength: 3,
          }),
          anyJson,
        ),
      },
      { requiredKeys: [] },
    ),
    anyJson,
  );

  it.each([
    ['/v1/source-lists', sourceLists],
    ['/v1/business-hours', businessHours],
  ] as const)(
    'PUT %s answers 200 or 400; a rejected setting changes nothing',
    async (path, arb) => {
      await fc.assert(
        fc.asyncProperty(arb as fc.Arbitrary<unknown>, async (value) => {
          const before = storeSnapshot(t);
          const res = await send(t, 'PUT', path, JSON.stringify(value));
          if (res.status === 200) return;
          expectRejected(res);
          expect(storeSnapshot(t)).toEqual(before);
        }),
        { numRuns: 200 },
      );
    },
  );
});

it('keeps serving after all of it', async () => {
  expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  expect((await api(t.url, t.apiKey, 'GET', `/v1/calls/${callId}`)).status).toBe(200);
});
