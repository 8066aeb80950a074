import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { SQLITE_CACHE_KIB } from '../../bridge/store/database';
import { sqliteOf } from '../../bridge/store/sql/sqliteDatabase';

/**
 * The SQLite file's connection settings. With a million calls stored (a 2.6 GB file) SQLite's
 * default 2 MiB page cache sent every index walk back to the operating system: the event loop's
 * median delay was 372 ms under load, 26 ms with the larger cache (BENCHMARKS.md).
 */
describe('the SQLite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-sqlite-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes ahead (readers never wait for the writer) and keeps 64 MiB of pages in memory', () => {
    const store = BridgeStore.open(join(dir, 'bridge.db'), SecretBox.ephemeral());
    try {
      const raw = sqliteOf(store.db);
      const pragma = (name: string) => Object.values(raw.prepare(`PRAGMA ${name}`).get()!)[0];
      expect(pragma('journal_mode')).toBe('wal');
      expect(pragma('cache_size')).toBe(-SQLITE_CACHE_KIB);
      expect(SQLITE_CACHE_KIB).toBe(64 * 1024);
    } finally {
      store.close();
    }
  });

  it('compiles each statement once and reuses it (node:sqlite compiles on every prepare)', () => {
    const store = BridgeStore.open(':memory:', SecretBox.ephemeral());
    try {
      const sql = 'SELECT COUNT(*) AS n FROM locations WHERE name = ?';
      const first = store.db.prepare(sql);
      expect(store.db.prepare(sql)).toBe(first);
      expect(store.db.prepare(`${sql} `)).not.toBe(first);
      // Shared, it still answers each call afresh.
      expect(first.get('a')).toEqual({ n: 0 });
      expect(store.db.prepare(sql).get('b')).toEqual({ n: 0 });
    } finally {
      store.close();
    }
  });
});
