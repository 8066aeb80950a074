import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { sqliteOf } from '../../bridge/store/sql/sqliteDatabase';
import { WAL_CHECKPOINT_NICE, WalCheckpointer } from '../../bridge/store/sql/walCheckpointer';
import { threadsOfThisProcess } from '../support/threadPriority';

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

  /** This process's threads at `nice`, by id. */
  const threadsAtNice = (nice: number) =>
    [...threadsOfThisProcess()].filter(([, thread]) => thread.nice === nice).map(([tid]) => tid);

  const linux = process.platform === 'linux' ? it : it.skip;

  linux(
    "checkpoints from a thread at a lower priority, the bridge's threads left as they were",
    async () => {
      const path = join(dir, 'd.db');
      const raw = new DatabaseSync(path);
      raw.exec('PRAGMA journal_mode = WAL');
      const before = new Set(threadsAtNice(WAL_CHECKPOINT_NICE));
      const atZero = threadsAtNice(0);
      const checkpointer = new WalCheckpointer(raw, path, 5);
      try {
        await until(() => pragma(raw, 'wal_autocheckpoint') === 0);
        const lowered = threadsAtNice(WAL_CHECKPOINT_NICE).filter((tid) => !before.has(tid));
        expect(WAL_CHECKPOINT_NICE).toBeGreaterThan(0);
        expect(lowered).toHaveLength(1);
        // The main thread and every thread that was there before keep their priority.
        expect(threadsAtNice(0)).toEqual(expect.arrayContaining(atZero));
        expect(atZero).toContain(String(process.pid));
      } finally {
        checkpointer.stop();
        raw.close();
      }
    },
  );

  linux('checkpoints anyway when the priority is refused, and says so once', async () => {
    // Jest's `process` emits no 'warning' events: the call itself is watched.
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const stores = ['e.db', 'f.db'].map((name) => {
      const path = join(dir, name);
      const raw = new DatabaseSync(path);
      raw.exec('PRAGMA journal_mode = WAL');
      // Out of Linux's range (-20…19): `os.setPriority` throws in the worker.
      return { raw, checkpointer: new WalCheckpointer(raw, path, 5, 99) };
    });
    try {
      for (const { raw } of stores) {
        await until(() => pragma(raw, 'wal_autocheckpoint') === 0);
        expect(pragma(raw, 'wal_autocheckpoint')).toBe(0);
      }
      // Both workers' refusals came before their 'ready', so both have been handled.
      expect(emitWarning.mock.calls).toEqual([
        [
          expect.stringContaining("WAL checkpoints at the bridge's priority"),
          { code: 'BRIDGE_CHECKPOINT_PRIORITY' },
        ],
      ]);
    } finally {
      emitWarning.mockRestore();
      for (const { raw, checkpointer } of stores) {
        checkpointer.stop();
        raw.close();
      }
    }
  });
});
