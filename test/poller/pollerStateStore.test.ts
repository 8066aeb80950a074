import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialPollerState, type PollerState } from '../../lib/poller/pollerState';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { MIGRATIONS } from '../../bridge/store/schema';

/**
 * The poller's state is stored incrementally (bridge/store/pollerStates.ts): a poll writes the
 * call keys it changed, not the whole state, yet what a restart reads back is exactly what was
 * saved last, and a rolled-back save leaves nothing half-remembered.
 */
describe('the poller state in the store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), '3cx-poller-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const secrets = SecretBox.ephemeral();
  function open(): BridgeStore {
    return BridgeStore.open(join(dir, 'bridge.db'), secrets);
  }
  function newLocation(store: BridgeStore): string {
    return store.locations.create({ name: 'Office', country: 'AU', timezone: 'UTC' }, new Date(0))
      .id;
  }
  function busyState(calls: number): PollerState {
    const finished = new Map<string, number>();
    const pending = new Map<string, number>();
    for (let i = 0; i < calls; i++) {
      finished.set(`00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, 2_000_000 + i);
      if (i % 10 === 0) pending.set(`p-${i}`, 1_500_000 + i);
    }
    return {
      ...initialPollerState(1_000_000),
      activeSince: new Map([['901', 999_000]]),
      pending,
      finished,
    };
  }
  function rowWrites(store: BridgeStore, work: () => void): number {
    const count = () => (store.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    const before = count();
    store.transaction(work);
    return count() - before;
  }

  it('reads back exactly what was saved, after a restart too', () => {
    let store = open();
    const id = newLocation(store);
    const state = busyState(500);
    store.transaction(() => store.pollerStates.save(id, state, 5));
    expect(store.pollerStates.load(id)).toEqual(state);
    store.close();
    store = open();
    try {
      expect(store.pollerStates.load(id)).toEqual(state);
    } finally {
      store.close();
    }
  });

  it('a poll that changes a few calls writes a few rows, not the whole state', () => {
    const store = open();
    try {
      const id = newLocation(store);
      store.transaction(() => store.pollerStates.save(id, busyState(2_000), 5));
      const loaded = store.pollerStates.load(id)!;
      const pending = new Map(loaded.pending).set('p-new', 1_600_000);
      pending.delete('p-0');
      const next: PollerState = {
        ...loaded,
        watermark: loaded.watermark + 1,
        pending,
        finished: new Map(loaded.finished).set('p-0', 3_000_000),
      };
      // The state row, one pending key added and one removed, one finished key added.
      expect(rowWrites(store, () => store.pollerStates.save(id, next, 6))).toBe(4);
      expect(store.pollerStates.load(id)).toEqual(next);
    } finally {
      store.close();
    }
  });

  it('a save whose transaction rolled back is not what the next load returns', () => {
    const store = open();
    try {
      const id = newLocation(store);
      const first = busyState(50);
      store.transaction(() => store.pollerStates.save(id, first, 5));
      store.pollerStates.load(id);
      const changed: PollerState = {
        ...first,
        pending: new Map(),
        finished: new Map([['only', 7]]),
      };
      expect(() =>
        store.transaction(() => {
          store.pollerStates.save(id, changed, 6);
          throw new Error('the events could not be stored');
        }),
      ).toThrow('the events could not be stored');
      expect(store.pollerStates.load(id)).toEqual(first);
      // And the next save after the rollback still leaves exactly its own keys stored.
      store.transaction(() => store.pollerStates.save(id, changed, 7));
      store.close();
      const reopened = open();
      try {
        expect(reopened.pollerStates.load(id)).toEqual(changed);
      } finally {
        reopened.close();
      }
    } catch (error) {
      store.close();
      throw error;
    }
  });

  it('a state stored whole as JSON by an older version is carried over by the migration', () => {
    const path = join(dir, 'bridge.db');
    const raw = new DatabaseSync(path);
    const before = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE poller_call_keys'));
    expect(before).toBeGreaterThan(0);
    for (const sql of MIGRATIONS.slice(0, before)) raw.exec(sql);
    raw.exec(`PRAGMA user_version = ${before}`);
    raw
      .prepare(
        `INSERT INTO locations (id, name, country, timezone, created_at)
         VALUES ('loc_old', 'Old Office', 'AU', 'UTC', '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    const old = busyState(30);
    // The older version's JSON: every map as an object.
    const oldJson = JSON.stringify({
      ...old,
      pending: Object.fromEntries(old.pending),
      finished: Object.fromEntries(old.finished),
      activeSince: Object.fromEntries(old.activeSince),
    });
    raw
      .prepare(`INSERT INTO poller_states (location_id, state, updated_at) VALUES (?, ?, ?)`)
      .run('loc_old', oldJson, '2026-01-01T00:00:00.000Z');
    raw.close();
    const store = open();
    try {
      expect(store.pollerStates.load('loc_old')).toEqual(old);
    } finally {
      store.close();
    }
  });
});
