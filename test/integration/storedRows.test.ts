import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { MIGRATIONS } from '../../bridge/store/schema';
import { CorruptRowError } from '../../bridge/store/storedJson';
import { syntheticEvents } from '../../bench/syntheticEvents';
import { api } from '../support/bridgeApi';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import { settledCall } from '../badInput/support';

/**
 * JSON read back from the database is parsed against the shape the bridge writes. A damaged
 * row is an error that names its table and row, for that one request or poll; it never
 * reaches a subscriber or an API answer as data, and the process keeps serving the rest.
 */
describe('a damaged stored row, through the running bridge', () => {
  let t: TestBridge;
  let callId: string;

  beforeAll(async () => {
    t = await startTestBridge();
    callId = (await settledCall(t)).callHistoryId!;
  });
  afterAll(() => t.close());

  const db = () => t.bridge.store.db;

  it('an event payload of the wrong shape: the feed says which row, the rest keeps working', async () => {
    const { seq } = db().prepare('SELECT MAX(seq) AS seq FROM events').get() as { seq: number };
    const original = db().prepare('SELECT payload FROM events WHERE seq = ?').get(seq) as {
      payload: string;
    };
    db()
      .prepare(
        db().dialect === 'sqlite'
          ? `UPDATE events SET payload = json_set(payload, '$.direction', 'sideways') WHERE seq = ?`
          : `UPDATE events SET payload = jsonb_set(payload::jsonb, '{direction}', '"sideways"')::text WHERE seq = ?`,
      )
      .run(seq);
    try {
      const feed = await api(t.url, t.apiKey, 'GET', '/v1/events');
      expect(feed.status).toBe(500);
      expect(feed.body.error).toBe('stored_data_corrupt');
      expect(feed.body.message).toContain(`events row seq=${seq}`);
      expect(feed.body.message).toContain('payload');
      expect(feed.body.message).toContain('direction');
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
      expect((await api(t.url, t.apiKey, 'GET', `/v1/calls/${callId}`)).status).toBe(200);
    } finally {
      db().prepare('UPDATE events SET payload = ? WHERE seq = ?').run(original.payload, seq);
    }
    expect((await api(t.url, t.apiKey, 'GET', '/v1/events')).status).toBe(200);
  });

  it("a call's facts that are not JSON: that call answers 500 naming the row", async () => {
    const before = db().prepare('SELECT facts FROM calls WHERE call_id = ?').get(callId) as {
      facts: string;
    };
    db().prepare(`UPDATE calls SET facts = '{"call_id": ' WHERE call_id = ?`).run(callId);
    try {
      const res = await api(t.url, t.apiKey, 'GET', `/v1/calls/${callId}`);
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ error: 'stored_data_corrupt' });
      expect(res.body.message).toContain(`calls row location_id=${t.locationId} call_id=${callId}`);
      expect(res.body.message).toMatch(/facts \(not JSON/);
    } finally {
      db().prepare('UPDATE calls SET facts = ? WHERE call_id = ?').run(before.facts, callId);
    }
    expect((await api(t.url, t.apiKey, 'GET', `/v1/calls/${callId}`)).status).toBe(200);
  });

  it('a tag list that is not a list of strings is refused, not shown', async () => {
    db().prepare(`UPDATE calls SET tags = '[1, {"x": 2}]' WHERE call_id = ?`).run(callId);
    try {
      const res = await api(t.url, t.apiKey, 'GET', '/v1/calls');
      expect(res.status).toBe(500);
      expect(res.body.message).toContain('tags');
    } finally {
      db().prepare(`UPDATE calls SET tags = '[]' WHERE call_id = ?`).run(callId);
    }
  });

  it("a damaged poller state fails that location's polls with the row named, nothing else", async () => {
    const { state } = db()
      .prepare('SELECT state FROM poller_states WHERE location_id = ?')
      .get(t.locationId) as { state: string };
    db()
      .prepare(
        `UPDATE poller_states SET state = '{"version": 1, "watermark": "soon"}' WHERE location_id = ?`,
      )
      .run(t.locationId);
    try {
      await expect(t.bridge.pollNow(t.locationId)).rejects.toThrow(CorruptRowError);
      await expect(t.bridge.pollNow(t.locationId)).rejects.toThrow(
        `poller_states row location_id=${t.locationId}`,
      );
      const status = await api(t.url, t.apiKey, 'GET', '/v1/status');
      expect(status.status).toBe(200);
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    } finally {
      db()
        .prepare('UPDATE poller_states SET state = ? WHERE location_id = ?')
        .run(state, t.locationId);
    }
    await t.tick();
  });
});

describe('stored rows of an older shape', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), '3cx-stored-rows-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an event stored before `next_open_at` existed reads as null after the migration', () => {
    const path = join(dir, 'bridge.db');
    const [event] = syntheticEvents(1, { locationId: 'loc_old' });
    const { next_open_at: _absent, ...oldEvent } = event;

    // A database as version 2 of the schema wrote it.
    const raw = new DatabaseSync(path);
    for (const sql of MIGRATIONS.slice(0, 2)) raw.exec(sql);
    raw.exec('PRAGMA user_version = 2');
    raw
      .prepare(
        `INSERT INTO locations (id, name, country, timezone, created_at)
         VALUES ('loc_old', 'Old Office', 'AU', 'Australia/Adelaide', '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    raw
      .prepare(
        `INSERT INTO events (location_id, id, type, call_id, occurred_at, payload, created_at)
         VALUES ('loc_old', ?, ?, ?, ?, ?, '2026-03-02T09:00:00.000Z')`,
      )
      .run(event.id, event.event, event.call_id, event.occurred_at, JSON.stringify(oldEvent));
    raw.close();

    const store = BridgeStore.open(path, SecretBox.fromKey(Buffer.alloc(32, 3)));
    try {
      expect(store.events.get('loc_old', event.id)?.event).toEqual({
        ...event,
        next_open_at: null,
      });
      const feed = store.events.feed('loc_old', { limit: 10 });
      expect(feed.events.map((e) => e.event.id)).toEqual([event.id]);
    } finally {
      store.close();
    }
  });
});
