import { readFileSync } from 'node:fs';
import type { CallEvent } from '../../lib/callEvent';
import { startReceiver, type Receiver } from '../support/receiver';
import { storeTables } from '../support/storeTables';
import { startTestBridge, type TestBridge } from '../support/testBridge';

async function api(t: TestBridge, method: string, path: string, body?: unknown, key = t.apiKey) {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A caller rings the sales queue, nobody answers, they leave a voicemail (now, or `at`). */
function missedCall(t: TestBridge, caller = '+61412345678', at?: number) {
  return t.sim.pbx.placeCall({
    kind: 'queue',
    result: 'voicemail',
    caller,
    messageSeconds: 20,
    at,
  });
}

async function settle(t: TestBridge, endedAt: number) {
  // Past the hang-up and the grace period, polling every 5 s as the scheduler would.
  while (t.sim.clock.now() < endedAt + 20_000) await t.advance(5);
}

describe('the bridge delivers a missed call to its subscribers', () => {
  let t: TestBridge;
  let receiver: Receiver;
  beforeEach(async () => {
    t = await startTestBridge();
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await t.close();
    await receiver.close();
  });

  it('exactly once, with the event contract fields, never while the caller is still on the line', async () => {
    const hook = await api(t, 'POST', '/v1/hooks', {
      target_url: receiver.url,
      event: 'call.missed',
    });
    expect(hook.status).toBe(201);
    await t.tick();
    const call = missedCall(t);
    while (t.sim.clock.now() < call.endedAt) {
      await t.advance(5);
      expect(receiver.received).toHaveLength(0);
    }
    await settle(t, call.endedAt);
    for (let i = 0; i < 10; i++) await t.advance(5);
    expect(receiver.received).toHaveLength(1);
    const event = receiver.received[0].json as CallEvent;
    expect(event).toMatchObject({
      id: `${call.callHistoryId}:call.missed`,
      event: 'call.missed',
      call_id: call.callHistoryId,
      direction: 'inbound',
      outcome: 'voicemail',
      voicemail: true,
      voicemail_left: true,
      caller_number: '+61412345678',
      queue: '8001',
      location: { id: t.locationId, name: 'Adelaide Office' },
    });
    expect(event.dialed_number).toBe(call.did);
    expect(event.record_url).toBe(`${t.url}/v1/calls/${call.callHistoryId}`);
    expect(Date.parse(event.occurred_at)).toBe(call.endedAt);
  });

  it('to every subscription of the event, and the feed shows the same payload', async () => {
    const second = await startReceiver();
    try {
      await api(t, 'POST', '/v1/hooks', { target_url: receiver.url, event: 'call.missed' });
      await api(t, 'POST', '/v1/hooks', { target_url: second.url, event: 'call.missed' });
      await api(t, 'POST', '/v1/hooks', {
        target_url: second.url.replace('/hook', '/ended'),
        event: 'call.ended',
      });
      await t.tick();
      const call = missedCall(t);
      await settle(t, call.endedAt);
      expect(receiver.received.map((r) => (r.json as CallEvent).event)).toEqual(['call.missed']);
      expect(second.received.map((r) => `${r.path} ${(r.json as CallEvent).event}`).sort()).toEqual(
        ['/ended call.ended', '/hook call.missed'],
      );
      const feed = await api(t, 'GET', '/v1/events?event=call.missed');
      expect(feed.body.data).toEqual([receiver.received[0].json]);
    } finally {
      await second.close();
    }
  });

  it('retries after a 500 and delivers on the 200, with the same event id', async () => {
    receiver.respond = (_r, i) => ({ status: i === 0 ? 500 : 200 });
    await api(t, 'POST', '/v1/hooks', { target_url: receiver.url, event: 'call.missed' });
    await t.tick();
    const call = missedCall(t);
    await settle(t, call.endedAt);
    await t.advance(5);
    expect(receiver.received).toHaveLength(2);
    const [first, retry] = receiver.received.map((r) => r.json as CallEvent);
    expect(retry.id).toBe(first.id);
    expect(retry).toEqual(first);
    const history = await api(t, 'GET', `/v1/events/${encodeURIComponent(first.id)}/deliveries`);
    expect(history.body.data[0]).toMatchObject({ status: 'delivered' });
    expect(
      history.body.data[0].attempts.map((a: { status_code: number }) => a.status_code),
    ).toEqual([500, 200]);
  });

  it('removes a subscription that answers 410 Gone', async () => {
    receiver.respond = () => ({ status: 410 });
    const hook = await api(t, 'POST', '/v1/hooks', {
      target_url: receiver.url,
      event: 'call.missed',
    });
    await t.tick();
    const call = missedCall(t);
    await settle(t, call.endedAt);
    expect(receiver.received).toHaveLength(1);
    const hooks = await api(t, 'GET', '/v1/hooks');
    expect(hooks.body.data.map((h: { id: string }) => h.id)).not.toContain(hook.body.id);
    const again = missedCall(t, '+61400000001');
    await settle(t, again.endedAt);
    for (let i = 0; i < 5; i++) await t.advance(30);
    expect(receiver.received).toHaveLength(1);
  });

  // A Zap turned on for a location just added: its first poll stores the last 15 minutes, and a
  // subscription receives only what occurred once it existed (docs/api.md, POST /v1/hooks).
  it("not for the history a new location's first poll stores, which stays in the feed, but for the next call", async () => {
    const old = missedCall(t, '+61412000001', t.sim.clock.now() - 10 * 60_000);
    const hook = await api(t, 'POST', '/v1/hooks', {
      target_url: receiver.url,
      event: 'call.missed',
    });
    expect(hook.status).toBe(201);
    for (let i = 0; i < 6; i++) await t.advance(5);
    const feed = await api(t, 'GET', '/v1/events?event=call.missed');
    expect((feed.body.data as CallEvent[]).map((e) => e.call_id)).toEqual([old.callHistoryId]);
    expect(receiver.received).toHaveLength(0);

    const next = missedCall(t, '+61412000002');
    await settle(t, next.endedAt);
    for (let i = 0; i < 6; i++) await t.advance(5);
    expect(receiver.received.map((r) => (r.json as CallEvent).call_id)).toEqual([
      next.callHistoryId,
    ]);
  });
});

describe('locations and keys', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge();
  });
  afterAll(async () => {
    await t.close();
  });

  it("keeps one location out of another location's calls and hooks", async () => {
    const other = await t.addLocation('Brisbane Office', 'second');
    await t.tick();
    const call = missedCall(t);
    await settle(t, call.endedAt);
    const mine = await api(t, 'GET', `/v1/calls/${call.callHistoryId}`);
    expect(mine.status).toBe(200);
    // The second location polls the same simulated PBX; give it a call id it does not have.
    const theirs = await api(t, 'GET', `/v1/calls/no-such-call`, undefined, other.apiKey);
    expect(theirs.status).toBe(404);
    const hook = await api(t, 'POST', '/v1/hooks', {
      target_url: 'https://example.com/x',
      event: 'call.ended',
    });
    const cross = await api(t, 'DELETE', `/v1/hooks/${hook.body.id}`, undefined, other.apiKey);
    expect(cross.status).toBe(404);
    const me = await api(t, 'GET', '/v1/me', undefined, other.apiKey);
    expect(me.body.name).toBe('Brisbane Office');
  });

  it('answers 401 to a missing, wrong or revoked key', async () => {
    expect((await api(t, 'GET', '/v1/me', undefined, '')).status).toBe(401);
    expect((await api(t, 'GET', '/v1/me', undefined, 'cxb_' + 'x'.repeat(43))).status).toBe(401);
    const { key, info } = t.bridge.store.apiKeys.create(t.locationId, 'temp', new Date());
    expect((await api(t, 'GET', '/v1/me', undefined, key)).status).toBe(200);
    t.bridge.store.apiKeys.revoke(info.id, new Date());
    const revoked = await api(t, 'GET', '/v1/me', undefined, key);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toBe('unauthorized');
  });

  it('never writes an API key or a 3CX client secret in plaintext to the database file', async () => {
    const db = t.bridge.store.db;
    let file: string;
    if (db.dialect === 'sqlite') {
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      file = readFileSync(t.dbPath).toString('latin1');
    } else {
      // Postgres: every row of every table, bytes as text.
      file = storeTables(db)
        .flatMap((table) => db.prepare(`SELECT * FROM ${table}`).all())
        .map((row) =>
          Object.values(row)
            .map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : String(v)))
            .join(' '),
        )
        .join('\n');
    }
    expect(file).not.toContain(t.apiKey);
    expect(file).not.toContain(t.apiKey.slice(4, 30));
    expect(file).not.toContain('bridge-secret');
  });
});
