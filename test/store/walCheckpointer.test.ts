import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { sqliteOf } from '../../bridge/store/sql/sqliteDatabase';
import { WalCheckpointer } from '../../bridge/store/sql/walCheckpointer';

/**
 * The write-ahead log is checkpointed by a worker thread, never by a commit on the event loop
 * (issue 16: the commit that crossed 1,000 pages held the loop up to 157 ms).
 */
describe('WAL checkpoints in a worker thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-wal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const pragma = (raw: DatabaseSync, name: string) =>
    Object.values(raw.prepare(`PRAGMA ${name}`).get()!)[0];

  /** Wait for a condition the worker brings about (it runs on its own timer). */
  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  }

  it('commits never checkpoint, and the worker keeps the log from growing', async () => {
    const path = join(dir, 'a.db');
    const raw = new DatabaseSync(path);
    raw.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x TEXT)');
    const checkpointer = new WalCheckpointer(raw, path, 5);
    try {
      await until(() => pragma(raw, 'wal_autocheckpoint') === 0);
      expect(pragma(raw, 'wal_autocheckpoint')).toBe(0);
      // 3,000 pages in 30 commits. With no checkpoint on the connection and none in a worker
      // the log would hold them all (12 MB); the worker's checkpoints let SQLite restart it.
      const insert = raw.prepare('INSERT INTO t VALUES (?)');
      for (let batch = 0; batch < 30; batch++) {
        raw.exec('BEGIN');
        for (let i = 0; i < 100; i++) insert.run('x'.repeat(4000));
        raw.exec('COMMIT');
        await sleep(25);
      }
      expect(statSync(`${path}-wal`).size).toBeLessThan(1000 * 4096);
    } finally {
      checkpointer.stop();
      raw.close();
    }
  });

  it('gives checkpointing back to the connection when stopped', async () => {
    const path = join(dir, 'b.db');
    const raw = new DatabaseSync(path);
    raw.exec('PRAGMA journal_mode = WAL');
    const checkpointer = new WalCheckpointer(raw, path, 5);
    try {
      await until(() => pragma(raw, 'wal_autocheckpoint') === 0);
      expect(pragma(raw, 'wal_autocheckpoint')).toBe(0);
      checkpointer.stop();
      expect(pragma(raw, 'wal_autocheckpoint')).toBe(1000);
    } finally {
      raw.close();
    }
  });

  it('a store on a file starts the worker with its first transaction', async () => {
    const store = BridgeStore.open(join(dir, 'c.db'), SecretBox.ephemeral());
    try {
      const raw = sqliteOf(store.db);
      store.transaction(() => undefined);
      await until(() => pragma(raw, 'wal_autocheckpoint') === 0);
      expect(pragma(raw, 'wal_autocheckpoint')).toBe(0);
    } finally {
      store.close();
    }
  });
});
