import type { FastifyInstance } from 'fastify';
import type { CallEvent } from '../../lib/callEvent';
import { allEvents, api } from '../support/bridgeApi';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import { send, settledCall, storeSnapshot } from './support';

/**
 * One bridge, two locations (an agency's two clients). A key reads and writes only its own
 * location: another location's ids are simply not found, on every endpoint. A revoked key opens
 * nothing. Health and metrics need no key and say nothing about any location.
 */
let t: TestBridge;
let a: { id: string; key: string; callId: string; eventId: string; hookId: string };
let b: {
  id: string;
  key: string;
  callId: string;
  eventId: string;
  hookId: string;
  contact: string;
};

const B_NAME = 'Brisbane Office (client B)';
const B_CONTACT = '+61499000111';

beforeAll(async () => {
  t = await startTestBridge();
  const call = await settledCall(t, '+61412000999');
  const eventA = (await allEvents(t)).find((e) => e.event === 'call.missed')!;
  const hookA = await api(t.url, t.apiKey, 'POST', '/v1/hooks', {
    target_url: 'https://a.example.com/hook',
    event: 'call.missed',
  });
  a = {
    id: t.locationId,
    key: t.apiKey,
    callId: call.callHistoryId!,
    eventId: eventA.id,
    hookId: hookA.body.id,
  };

  // Location B: its own key, hook, call, event (with a delivery) and contact.
  const store = t.bridge.store;
  const now = t.sim.clock.now();
  const location = store.locations.create(
    { name: B_NAME, country: 'AU', timezone: 'Australia/Brisbane' },
    new Date(now),
  );
  const keyB = store.apiKeys.create(location.id, 'client B', new Date(now)).key;
  const hookB = await api(t.url, keyB, 'POST', '/v1/hooks', {
    target_url: 'https://b.example.com/hook',
    event: 'call.missed',
  });
  expect(hookB.status).toBe(201);
  const stored = store.calls.get(a.id, a.callId)!;
  const callIdB = 'b-only-call-0001';
  const facts = { ...stored.facts, call_id: callIdB, external_number: B_CONTACT };
  const eventB: CallEvent = {
    ...eventA,
    id: `${callIdB}:call.missed`,
    call_id: callIdB,
    caller_number: B_CONTACT,
    location: { id: location.id, name: B_NAME },
  };
  store.transaction(() => {
    store.calls.upsert(
      location.id,
      { facts, status: 'ended', enrichment: null, missed: true, missedEmitted: true },
      now,
    );
    store.events.append(location.id, eventB, { now });
    store.contacts.upsert(
      location.id,
      {
        numberKey: B_CONTACT,
        contactId: 'crm-b-1',
        name: 'Beatrice Client-B',
        company: null,
        email: null,
        url: null,
        source: 'cli',
      },
      now,
    );
  });
  await api(t.url, keyB, 'PUT', '/v1/source-lists', {
    lists: [{ id: 'b-secret-list', name: 'B secret list', dialed_numbers: ['+61731234567'] }],
  });
  b = {
    id: location.id,
    key: keyB,
    callId: callIdB,
    eventId: eventB.id,
    hookId: hookB.body.id,
    contact: B_CONTACT,
  };
});
afterAll(() => t.close());

/** Every route the API serves (HEAD left out: fastify adds it to each GET). */
function routesOf(app: FastifyInstance): Array<{ method: string; url: string }> {
  const routes: Array<{ method: string; url: string }> = [];
  const parents: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│\s]*)[├└]── (\S+) \(([^)]+)\)/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    parents.length = depth;
    const url = (parents[depth - 1] ?? '') + match[2];
    parents[depth] = url;
    for (const method of match[3].split(',').map((m) => m.trim()))
      if (method !== 'HEAD') routes.push({ method, url });
  }
  return routes;
}

/** A plausible request for a route: its id parameters filled in, a harmless valid body. */
function requestFor(route: { method: string; url: string }, ids: Record<string, string>) {
  const url = route.url.replace(/:(\w+)/g, (_m, name: string) =>
    encodeURIComponent(ids[name] ?? 'x'),
  );
  const bodies: Record<string, unknown> = {
    'POST /v1/hooks': { target_url: 'https://x.example.com/hook', event: 'call.ended' },
    'PATCH /v1/calls/:id': { notes: 'from the wrong location' },
    'PUT /v1/source-lists': { lists: [] },
    'PUT /v1/business-hours': { weekly: {} },
  };
  return {
    url,
    body:
      bodies[`${route.method} ${route.url}`] ??
      (route.method === 'GET' || route.method === 'DELETE' ? undefined : {}),
  };
}

/** Routes without a key: health, metrics and the API's own OpenAPI document. */
/** No key needed: health, metrics, the OpenAPI document, and the dashboard's page and files. */
const OPEN = new Set([
  '/healthz',
  '/metrics',
  '/v1/openapi.json',
  '/dashboard',
  '/dashboard/dashboard.css',
  '/dashboard/dashboard.js',
  '/dashboard/favicon.svg',
]);

describe("another location's ids", () => {
  /**
   * One check per route that names a record. A new such route fails the guard below until it
   * gets its check here.
   */
  const crossChecks: Record<string, () => Promise<void>> = {
    'GET /v1/calls/:id': async () => {
      const res = await api(t.url, a.key, 'GET', `/v1/calls/${b.callId}`);
      expect([res.status, res.body.error]).toEqual([404, 'not_found']);
      expect(res.text).not.toContain(B_NAME);
    },
    'PATCH /v1/calls/:id': async () => {
      const before = storeSnapshot(t);
      const res = await api(t.url, a.key, 'PATCH', `/v1/calls/${b.callId}`, {
        notes: 'overwritten by A',
        contact_name: 'A was here',
      });
      expect(res.status).toBe(404);
      expect(storeSnapshot(t)).toEqual(before);
    },
    'DELETE /v1/hooks/:id': async () => {
      const res = await api(t.url, a.key, 'DELETE', `/v1/hooks/${b.hookId}`);
      expect(res.status).toBe(404);
      const hooks = await api(t.url, b.key, 'GET', '/v1/hooks');
      expect(hooks.body.data.map((h: { id: string }) => h.id)).toContain(b.hookId);
    },
    'GET /v1/events/:id/deliveries': async () => {
      const res = await api(
        t.url,
        a.key,
        'GET',
        `/v1/events/${encodeURIComponent(b.eventId)}/deliveries`,
      );
      expect(res.status).toBe(404);
      const own = await api(
        t.url,
        b.key,
        'GET',
        `/v1/events/${encodeURIComponent(b.eventId)}/deliveries`,
      );
      expect(own.status).toBe(200);
      expect(own.body.data).toHaveLength(1);
    },
    'GET /3cx/contacts/:number': async () => {
      const res = await api(t.url, a.key, 'GET', `/3cx/contacts/${encodeURIComponent(b.contact)}`);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('Beatrice');
    },
  };

  it('every route with an id parameter has a cross-location check', () => {
    const withIds = routesOf(t.bridge.api)
      .filter((r) => r.url.includes(':'))
      .map((r) => `${r.method} ${r.url}`);
    expect(withIds).toEqual(
      expect.arrayContaining([
        'GET /v1/calls/:id',
        'PATCH /v1/calls/:id',
        'DELETE /v1/hooks/:id',
        'GET /v1/events/:id/deliveries',
      ]),
    );
    expect(withIds.filter((r) => !(r in crossChecks))).toEqual([]);
  });

  it.each(Object.keys(crossChecks))('%s answers 404 for the other location', async (route) => {
    const exists = routesOf(t.bridge.api).some((r) => `${r.method} ${r.url}` === route);
    if (!exists) return; // a route not (or no longer) served has nothing to leak
    await crossChecks[route]();
  });

  it('B cannot reach A either', async () => {
    expect((await api(t.url, b.key, 'GET', `/v1/calls/${a.callId}`)).status).toBe(404);
    expect((await api(t.url, b.key, 'PATCH', `/v1/calls/${a.callId}`, { notes: 'x' })).status).toBe(
      404,
    );
    expect((await api(t.url, b.key, 'DELETE', `/v1/hooks/${a.hookId}`)).status).toBe(404);
    const deliveries = `/v1/events/${encodeURIComponent(a.eventId)}/deliveries`;
    expect((await api(t.url, b.key, 'GET', deliveries)).status).toBe(404);
  });

  it('lists, feeds, settings and lookups show only the key’s own location', async () => {
    const mine = JSON.stringify([
      (await api(t.url, a.key, 'GET', '/v1/calls?limit=100')).body,
      (await api(t.url, a.key, 'GET', '/v1/events?limit=100')).body,
      (await api(t.url, a.key, 'GET', '/v1/events?limit=100&include_suppressed=true')).body,
      (await api(t.url, a.key, 'GET', '/v1/hooks')).body,
      (await api(t.url, a.key, 'GET', '/v1/me')).body,
      (await api(t.url, a.key, 'GET', '/v1/status')).body,
      (await api(t.url, a.key, 'GET', '/v1/source-lists')).body,
      (await api(t.url, a.key, 'GET', '/v1/business-hours')).body,
    ]);
    for (const secret of [b.id, b.callId, b.eventId, b.hookId, B_NAME, b.contact, 'b-secret-list'])
      expect([secret, mine.includes(secret)]).toEqual([secret, false]);
    expect(mine).toContain(a.callId);

    const lookup = await api(
      t.url,
      a.key,
      'GET',
      `/3cx/lookup?number=${encodeURIComponent(b.contact)}`,
    );
    if (lookup.status !== 404) {
      expect(lookup.status).toBe(200);
      expect(lookup.body.found).toBe(false);
    }
  });

  it("a location's settings are changed only through its own key", async () => {
    const before = await api(t.url, b.key, 'GET', '/v1/source-lists');
    const put = await api(t.url, a.key, 'PUT', '/v1/source-lists', { lists: [] });
    expect(put.status).toBe(200);
    expect(await api(t.url, b.key, 'GET', '/v1/source-lists')).toMatchObject({ body: before.body });
  });
});

describe('keys', () => {
  it('a revoked key answers 401 on every endpoint that needs a key', async () => {
    const { key, info } = t.bridge.store.apiKeys.create(a.id, 'soon revoked', new Date());
    expect((await api(t.url, key, 'GET', '/v1/me')).status).toBe(200);
    t.bridge.store.apiKeys.revoke(info.id, new Date());
    const routes = routesOf(t.bridge.api).filter((r) => !OPEN.has(r.url));
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const before = storeSnapshot(t);
    for (const route of routes) {
      const { url, body } = requestFor(route, { id: a.callId, number: b.contact });
      for (const k of [key, '', 'cxb_' + 'x'.repeat(43), 'Bearer', `${key} extra`]) {
        const res = await send(
          t,
          route.method,
          url,
          body === undefined ? undefined : JSON.stringify(body),
          body === undefined ? null : 'application/json',
          k,
        );
        expect([route.method, route.url, k === key ? 'revoked' : k, res.status]).toEqual([
          route.method,
          route.url,
          k === key ? 'revoked' : k,
          401,
        ]);
        expect(res.json).toMatchObject({ error: 'unauthorized' });
      }
    }
    expect(storeSnapshot(t)).toEqual(before);
  });
});

describe('health, metrics, the OpenAPI document and the dashboard’s files', () => {
  it('need no key, and reveal no location, call, number or secret', async () => {
    for (const path of OPEN) {
      for (const headers of [{}, { authorization: 'Bearer not-a-key' }]) {
        const res = await fetch(`${t.url}${path}`, { headers });
        expect([path, res.status]).toEqual([path, 200]);
        const text = await res.text();
        for (const secret of [
          'Adelaide Office',
          B_NAME,
          a.callId,
          b.callId,
          '+61412000999',
          b.contact,
          a.key,
          b.key,
          a.key.slice(0, 12),
          'bridge-secret',
          t.sim.url,
          'b.example.com',
        ])
          expect([path, secret, text.includes(secret)]).toEqual([path, secret, false]);
      }
    }
  });
});
