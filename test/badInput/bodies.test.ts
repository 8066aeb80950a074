import { request as httpRequest } from 'node:http';
import type { CallEvent } from '../../lib/callEvent';
import { allEvents, api } from '../support/bridgeApi';
import { addJournalOnlyLocation } from '../support/template/journalTestKit';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import { SCRIPT_LOOKING, SQL_LOOKING, send, settledCall, storeSnapshot } from './support';
import { storeTables } from '../support/storeTables';

/**
 * Malformed and hostile request bodies: each gets the documented 4xx with a JSON error, nothing
 * is stored, and text that looks like SQL or HTML is stored and returned exactly as sent, as
 * JSON data, never interpreted.
 */
let t: TestBridge;
let callId: string;

beforeAll(async () => {
  t = await startTestBridge();
  callId = (await settledCall(t)).callHistoryId!;
});
afterAll(() => t.close());

const MB = 1024 * 1024;

/**
 * The write endpoints that take a JSON body: the API's, and the two 3cx-template.xml posts to
 * (docs/3cx-template.md), which sit behind the same key and the same body parser.
 */
const writes = () =>
  [
    ['POST', '/v1/hooks'],
    ['PATCH', `/v1/calls/${callId}`],
    ['PUT', '/v1/source-lists'],
    ['PUT', '/v1/business-hours'],
    ['POST', '/3cx/journal'],
    ['POST', '/3cx/contacts'],
  ] as const;

async function expectRefused(
  method: string,
  path: string,
  body: string | Buffer | undefined,
  contentType: string | null,
  status: number,
  error: string,
): Promise<string> {
  const before = storeSnapshot(t);
  const res = await send(t, method, path, body, contentType);
  expect([method, path, res.status]).toEqual([method, path, status]);
  expect(res.contentType).toMatch(/^application\/json/);
  expect(res.json).toMatchObject({ error, message: expect.any(String) });
  // A clear reason, not an echo of the input.
  expect(res.text.length).toBeLessThan(2000);
  expect(storeSnapshot(t)).toEqual(before);
  return (res.json as { message: string }).message;
}

/** A JSON body of about `bytes` sent chunked (no Content-Length); the status it got. */
function sendChunked(method: string, path: string, bytes: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const url = new URL(`${t.url}${path}`);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        headers: {
          authorization: `Bearer ${t.apiKey}`,
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      // The server may close the connection once it has answered 413.
      error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve(413) : reject(error),
    );
    req.write('{"notes":"');
    for (let sent = 0; sent < bytes; sent += 64 * 1024) req.write('y'.repeat(64 * 1024));
    req.end('"}');
  });
}

describe('bodies the API refuses', () => {
  it('413 for a body over 1 MB, with or without a Content-Length', async () => {
    const big = JSON.stringify({ notes: 'x'.repeat(MB + 10) });
    for (const [method, path] of writes())
      await expectRefused(method, path, big, 'application/json', 413, 'payload_too_large');

    // Chunked (no Content-Length): the limit holds while the body streams in.
    for (const [method, path] of writes()) {
      const before = storeSnapshot(t);
      expect([method, path, await sendChunked(method, path, 20 * 64 * 1024)]).toEqual([
        method,
        path,
        413,
      ]);
      expect(storeSnapshot(t)).toEqual(before);
    }
  });

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'text/html',
    'application/jsonp',
    'image/png',
  ])('415 for a body sent as %s', async (contentType) => {
    for (const [method, path] of writes())
      await expectRefused(
        method,
        path,
        'notes=x&target_url=https://example.com',
        contentType,
        415,
        'unsupported_media_type',
      );
  });

  it('415 for a body without a Content-Type', async () => {
    for (const [method, path] of writes())
      await expectRefused(method, path, '{"notes":"x"}', null, 415, 'unsupported_media_type');
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['an invalid byte', [0xff, 0xfe]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['a UTF-8-encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ])('400 for JSON with invalid UTF-8 (%s)', async (_what, bytes) => {
    const body = Buffer.concat([
      Buffer.from('{"notes":"before '),
      Buffer.from(bytes),
      Buffer.from(' after"}'),
    ]);
    for (const [method, path] of writes()) {
      const message = await expectRefused(
        method,
        path,
        body,
        'application/json',
        400,
        'invalid_request',
      );
      expect(message).toMatch(/UTF-8/);
    }
  });

  it.each([
    ['an empty body', ''],
    ['only whitespace', ' \n\t '],
    ['an array', '[{"notes":"x"}]'],
    ['a string', '"notes"'],
    ['a number', '42'],
    ['null', 'null'],
    ['true', 'true'],
    ['broken JSON', '{"notes": "x",}'],
    ['two documents', '{"notes":"x"}{"notes":"y"}'],
    ['a JavaScript object literal', "{notes: 'x'}"],
  ])('400 for %s', async (_what, body) => {
    for (const [method, path] of writes())
      await expectRefused(method, path, body, 'application/json', 400, 'invalid_request');
  });

  // Many clients add parameters to the media type (Zapier's z.request does for `json:` bodies).
  it('accepts JSON sent as application/json; charset=utf-8', async () => {
    for (const contentType of [
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
    ]) {
      const res = await send(
        t,
        'PATCH',
        `/v1/calls/${callId}`,
        JSON.stringify({ notes: contentType }),
        contentType,
      );
      expect(res.status).toBe(200);
    }
  });

  it('400 for an empty body without a Content-Type', async () => {
    for (const [method, path] of writes())
      await expectRefused(method, path, undefined, null, 400, 'invalid_request');
  });

  it('400 for deeply nested JSON (no stack overflow, no 500)', async () => {
    const depth = 50_000; // every body stays under the 1 MB limit
    const nested = (key: string, open: string, close: string) =>
      `{"${key}":${open.repeat(depth)}1${close.repeat(depth)}}`;
    const bodies = [
      nested('notes', '[', ']'),
      nested('custom_fields', '{"a":', '}'),
      nested('filters', '{"source_list":', '}'),
      nested('lists', '[', ']'),
      nested('weekly', '{"mon":', '}'),
    ];
    for (const body of bodies)
      for (const [method, path] of writes())
        await expectRefused(method, path, body, 'application/json', 400, 'invalid_request');
  });

  it('400 for strings longer than a field allows, naming the field', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['notes', { notes: 'n'.repeat(10_001) }, 'notes'],
      ['a tag', { tags: ['t'.repeat(101)] }, 'tags.0'],
      ['51 tags', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'tags'],
      ['a custom field', { custom_fields: { crm: 'v'.repeat(2001) } }, 'custom_fields.crm'],
      ['a custom field name', { custom_fields: { ['k'.repeat(101)]: 'v' } }, 'custom_fields'],
      ['900 KB of notes', { notes: 'z'.repeat(900 * 1024) }, 'notes'],
      [
        'a contact URL',
        { contact_url: `https://crm.example.com/${'c'.repeat(2001)}` },
        'contact_url',
      ],
    ];
    for (const [, body, field] of cases) {
      const message = await expectRefused(
        'PATCH',
        `/v1/calls/${callId}`,
        JSON.stringify(body),
        'application/json',
        400,
        'invalid_request',
      );
      expect(message.startsWith(field)).toBe(true);
    }
    const hook = await expectRefused(
      'POST',
      '/v1/hooks',
      JSON.stringify({
        target_url: `https://example.com/${'u'.repeat(3000)}`,
        event: 'call.missed',
      }),
      'application/json',
      400,
      'invalid_request',
    );
    expect(hook).toMatch(/^target_url/);
  });

  it('accepts the longest strings each field allows', async () => {
    const patch = {
      notes: 'n'.repeat(10_000),
      tags: Array.from({ length: 50 }, (_, i) => `${i}`.padEnd(100, 't')),
      custom_fields: { ['k'.repeat(100)]: 'v'.repeat(2000) },
      contact_name: 'c'.repeat(200),
    };
    const res = await api(t.url, t.apiKey, 'PATCH', `/v1/calls/${callId}`, patch);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject(patch);
  });
});

describe('values the fuzzers found', () => {
  it.each(['', ' ', 'not a url', '//no-scheme', 'https://'])(
    'a target_url of %p is a 400 naming the field (it was a 500)',
    async (target) => {
      const message = await expectRefused(
        'POST',
        '/v1/hooks',
        JSON.stringify({ target_url: target, event: 'call.missed' }),
        'application/json',
        400,
        'invalid_request',
      );
      expect(message).toBe('target_url: must be a URL');
    },
  );

  it.each([
    ['notes', { notes: 'call back \ud83d' }, 'notes'],
    ['a contact name', { contact_name: '\ud800' }, 'contact_name'],
    ['a tag', { tags: ['ok', 'x\udc00'] }, 'tags.1'],
    ['a custom field name', { custom_fields: { 'k\ud800': 'v' } }, 'custom_fields.k\ud800'],
  ])(
    'text with a lone surrogate in %s is a 400 (SQLite would store U+FFFD instead)',
    async (_what, patch, path) => {
      const message = await expectRefused(
        'PATCH',
        `/v1/calls/${callId}`,
        JSON.stringify(patch),
        'application/json',
        400,
        'invalid_request',
      );
      expect(message.startsWith(`${path}: must be valid Unicode text`)).toBe(true);
    },
  );

  it('a well-formed surrogate pair (an emoji) is stored as sent', async () => {
    const res = await api(t.url, t.apiKey, 'PATCH', `/v1/calls/${callId}`, {
      notes: 'called back 📞✅',
    });
    expect([res.status, res.body.notes]).toEqual([200, 'called back 📞✅']);
  });
});

describe('SQL-looking and script-looking text', () => {
  const hostile = [
    SQL_LOOKING,
    SCRIPT_LOOKING,
    `${SCRIPT_LOOKING}${SQL_LOOKING}`,
    '"><img src=x onerror=alert(1)>',
    '\u0000\u202e',
  ];

  it('is stored and returned verbatim through Update Call Record, as JSON', async () => {
    const patch = {
      notes: hostile.join('\n'),
      tags: hostile,
      custom_fields: Object.fromEntries(
        hostile.map((h, i) => [h, hostile[(i + 1) % hostile.length]]),
      ),
      contact_name: SCRIPT_LOOKING,
      contact_id: SQL_LOOKING,
      disposition: 'other',
    };
    const res = await api(t.url, t.apiKey, 'PATCH', `/v1/calls/${callId}`, patch);
    if (t.bridge.store.db.dialect === 'postgres') {
      // Postgres keeps no NUL in text: refused with the reason, nothing half-written.
      expect([res.status, res.body.message]).toEqual([400, expect.stringContaining('U+0000')]);
      return;
    }
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const got = await api(t.url, t.apiKey, 'GET', `/v1/calls/${callId}`);
    expect(got.headers.get('content-type')).toMatch(/^application\/json/);
    expect(got.body).toMatchObject({
      ...patch,
      custom_fields: expect.objectContaining(patch.custom_fields),
    });
    // The JSON text carries the characters as JSON string content: no HTML entities, no markup.
    expect(got.text).toContain(JSON.stringify(SCRIPT_LOOKING));
    expect(got.text).not.toMatch(/&lt;|&gt;|&#/);
    const list = await api(t.url, t.apiKey, 'GET', '/v1/calls?limit=100');
    expect(list.body.data.find((c: { id: string }) => c.id === callId)).toMatchObject(patch);
    // The tables are all still there.
    expect(t.bridge.store.db.prepare('SELECT COUNT(*) AS n FROM calls').get()).toEqual({ n: 1 });
  });

  it('is refused or not found, never executed, where an id or a query value is expected', async () => {
    // Postgres refuses a NUL (400) where SQLite looks for it and finds nothing (404).
    const notThere = (text: string) =>
      t.bridge.store.db.dialect === 'postgres' && text.includes('\u0000') ? 400 : 404;
    for (const text of hostile) {
      const id = encodeURIComponent(text);
      expect((await api(t.url, t.apiKey, 'GET', `/v1/calls/${id}`)).status).toBe(notThere(text));
      expect((await api(t.url, t.apiKey, 'PATCH', `/v1/calls/${id}`, { notes: 'x' })).status).toBe(
        notThere(text),
      );
      expect((await api(t.url, t.apiKey, 'DELETE', `/v1/hooks/${id}`)).status).toBe(notThere(text));
      expect((await api(t.url, t.apiKey, 'GET', `/v1/events/${id}/deliveries`)).status).toBe(
        notThere(text),
      );
      const feed = await api(t.url, t.apiKey, 'GET', `/v1/events?source_list=${id}`);
      if (notThere(text) === 404) expect([feed.status, feed.body.data]).toEqual([200, []]);
      else expect(feed.status).toBe(400);
      expect((await api(t.url, t.apiKey, 'GET', `/v1/calls?outcome=${id}`)).status).toBe(400);
      expect((await api(t.url, t.apiKey, 'GET', `/v1/events?cursor=${id}`)).status).toBeLessThan(
        500,
      );
      const unknown = await send(t, 'GET', `/v1/${id}`, undefined, null);
      expect(unknown.status).toBe(404);
      expect(unknown.contentType).toMatch(/^application\/json/);
    }
    expect((await api(t.url, t.apiKey, 'GET', `/v1/calls/${callId}`)).status).toBe(200);
  });

  it('in a hook filter is kept as data', async () => {
    const res = await api(t.url, t.apiKey, 'POST', '/v1/hooks', {
      target_url: `https://example.com/hook?q=${encodeURIComponent(SCRIPT_LOOKING)}`,
      event: 'call.missed',
      filters: { source_list: SQL_LOOKING },
    });
    expect(res.status).toBe(201);
    const hooks = await api(t.url, t.apiKey, 'GET', '/v1/hooks');
    expect(hooks.body.data.find((h: { id: string }) => h.id === res.body.id)).toMatchObject({
      filters: { source_list: SQL_LOOKING },
    });
    expect((await api(t.url, t.apiKey, 'DELETE', `/v1/hooks/${res.body.id}`)).status).toBe(204);
  });

  it('from the PBX itself (a caller name, a garbage caller id) reaches the event verbatim', async () => {
    const call = t.sim.pbx.placeCall({
      kind: 'direct',
      extension: '101',
      result: 'hangup',
      caller: SQL_LOOKING,
      callerName: SCRIPT_LOOKING,
    });
    while (t.sim.clock.now() < call.endedAt + 20_000) await t.advance(5);
    const ended = (await allEvents(t)).find(
      (e) => e.id === `${call.callHistoryId}:call.ended`,
    ) as CallEvent;
    expect(ended).toMatchObject({
      caller_number: null,
      caller_number_raw: SQL_LOOKING,
      caller_name: SCRIPT_LOOKING,
    });
  });
});

describe('SQL-looking and script-looking text through the 3CX template endpoints', () => {
  /** The strings a user would try first (docs/3cx-template.md: both endpoints take free text). */
  const BOBBY_TABLES = "Robert'); DROP TABLE calls;--";
  const SCRIPT = SCRIPT_LOOKING;
  let office: { locationId: string; apiKey: string };
  let tablesBefore: unknown[];

  // Tables and indexes on SQLite; the tables on Postgres.
  const tableNames = () =>
    t.bridge.store.db.dialect === 'sqlite'
      ? t.bridge.store.db
          .prepare(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
          )
          .all()
      : storeTables(t.bridge.store.db);

  beforeAll(() => {
    // Fed by the journal alone (no XAPI): an entry's events are stored as soon as 3CX posts.
    office = addJournalOnlyLocation(t, 'Hostile Names Office');
    tablesBefore = tableNames();
  });

  /** A raw request with the office's key; the body as text and parsed. */
  const asOffice = (method: string, path: string, body?: unknown) =>
    send(
      t,
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? null : 'application/json',
      office.apiKey,
    );

  /** 3CX reports a missed call that ended a moment ago. */
  async function journalMissed(number: string, extra: Record<string, string> = {}) {
    const now = t.sim.clock.now();
    const res = await asOffice('POST', '/3cx/journal', {
      call_type: 'Missed',
      direction: 'Inbound',
      number,
      agent: '101',
      duration_seconds: '0',
      started_at: new Date(now - 40_000).toISOString(),
      ended_at: new Date(now - 5_000).toISOString(),
      ...extra,
    });
    expect([res.status, res.json]).toEqual([
      200,
      { status: 'released', call_id: expect.stringMatching(/^journal-/), release_at: null },
    ]);
    return (res.json as { call_id: string }).call_id;
  }

  /** The office's `call.missed` event for a call, and the raw JSON text of the feed page. */
  async function missedEventOf(callId: string): Promise<{ event: CallEvent; text: string }> {
    const page = await asOffice('GET', '/v1/events?event=call.missed&limit=100');
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^application\/json/);
    const event = (page.json as { data: CallEvent[] }).data.find((e) => e.call_id === callId);
    expect(event).toBeDefined();
    return { event: event!, text: page.text };
  }

  /** The raw answer text carries the string as plain JSON string content: no entities, no markup. */
  function expectVerbatimIn(text: string, ...values: string[]) {
    for (const value of values) expect(text).toContain(JSON.stringify(value));
    expect(text).not.toMatch(/&lt;|&gt;|&#|&quot;|&amp;/);
  }

  it('a contact created with them comes back byte for byte from the lookup and in the event feed', async () => {
    const number = '+61412000001';
    const created = {
      number,
      first_name: SCRIPT,
      last_name: BOBBY_TABLES,
      company: `${BOBBY_TABLES}${SCRIPT}`,
      email: '"><img src=x onerror=alert(1)>',
      contact_id: SQL_LOOKING,
    };
    const expected = {
      found: true,
      contact: {
        id: SQL_LOOKING,
        first_name: SCRIPT,
        last_name: BOBBY_TABLES,
        company: `${BOBBY_TABLES}${SCRIPT}`,
        email: '"><img src=x onerror=alert(1)>',
        phone: number,
        searched_number: '',
        url: expect.any(String),
      },
    };
    const answer = await asOffice('POST', '/3cx/contacts', created);
    expect([answer.status, answer.json]).toEqual([200, expected]);

    const lookup = await asOffice('GET', `/3cx/lookup?number=${encodeURIComponent(number)}`);
    expect(lookup.status).toBe(200);
    expect(lookup.contentType).toMatch(/^application\/json/);
    expect(lookup.json).toEqual(expected);
    expectVerbatimIn(lookup.text, SCRIPT, BOBBY_TABLES, SQL_LOOKING, `${BOBBY_TABLES}${SCRIPT}`);
    const { contact } = lookup.json as { contact: Record<string, string> };
    for (const [field, sent] of [
      ['first_name', SCRIPT],
      ['last_name', BOBBY_TABLES],
      ['id', SQL_LOOKING],
    ])
      expect(Buffer.from(contact[field], 'utf8').equals(Buffer.from(sent, 'utf8'))).toBe(true);

    // The next call from that number is the contact's: 3CX gave no name, so the event carries
    // the contact's name and id, as sent.
    const callId = await journalMissed(number);
    const { event, text } = await missedEventOf(callId);
    expect(event).toMatchObject({
      caller_number: number,
      caller_name: `${SCRIPT} ${BOBBY_TABLES}`,
      known_contact: true,
      contact_id: SQL_LOOKING,
    });
    expectVerbatimIn(text, `${SCRIPT} ${BOBBY_TABLES}`, SQL_LOOKING);
  });

  it('a caller name in a journal entry comes back byte for byte in the event feed and the lookup', async () => {
    const number = '+61412000002';
    const name = `${BOBBY_TABLES} ${SCRIPT}`;
    // With the contact 3CX matched, so the bridge learns the contact under that name.
    const callId = await journalMissed(number, { name, contact_id: `crm-${SCRIPT}` });
    const { event, text } = await missedEventOf(callId);
    expect(event).toMatchObject({
      caller_number: number,
      caller_name: name,
      contact_id: `crm-${SCRIPT}`,
    });
    expect(Buffer.from(event.caller_name!, 'utf8').equals(Buffer.from(name, 'utf8'))).toBe(true);
    expectVerbatimIn(text, name, `crm-${SCRIPT}`);

    const lookup = await asOffice('GET', `/3cx/lookup?number=${encodeURIComponent(number)}`);
    expect(lookup.status).toBe(200);
    const { found, contact } = lookup.json as { found: boolean; contact: Record<string, string> };
    expect(found).toBe(true);
    expect(contact.id).toBe(`crm-${SCRIPT}`);
    // 3CX wants a first and a last name: the name is split at its first space, not altered.
    expect(`${contact.first_name} ${contact.last_name}`).toBe(name);
    expectVerbatimIn(lookup.text, `crm-${SCRIPT}`);

    // A name with no matched contact is not taken for one, but still reaches the event as sent.
    const stranger = await journalMissed('+61412000003', { name: `${SCRIPT}${BOBBY_TABLES}` });
    expect((await missedEventOf(stranger)).event.caller_name).toBe(`${SCRIPT}${BOBBY_TABLES}`);
  });

  it('leaves every table in place and working', async () => {
    const db = t.bridge.store.db;
    expect(tableNames()).toEqual(tablesBefore);
    if (db.dialect === 'sqlite')
      expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });

    // The office's calls are all there, and new writes and reads through the same routes work.
    const calls = await asOffice('GET', '/v1/calls?limit=100');
    expect(calls.status).toBe(200);
    expect((calls.json as { data: unknown[] }).data).toHaveLength(3);
    const plain = await asOffice('POST', '/3cx/contacts', {
      number: '+61412000004',
      first_name: 'Jane',
      last_name: 'Citizen',
    });
    expect(plain.status).toBe(200);
    const lookup = await asOffice('GET', '/3cx/lookup?number=%2B61412000004');
    expect(lookup.json).toMatchObject({
      found: true,
      contact: { first_name: 'Jane', last_name: 'Citizen' },
    });
    const callId = await journalMissed('+61412000004');
    expect((await missedEventOf(callId)).event.caller_name).toBe('Jane Citizen');
    expect((await api(t.url, office.apiKey, 'GET', `/v1/calls/${callId}`)).status).toBe(200);
  });
});

it('keeps serving after all of it', async () => {
  expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  expect((await api(t.url, t.apiKey, 'GET', `/v1/calls/${callId}`)).status).toBe(200);
});
