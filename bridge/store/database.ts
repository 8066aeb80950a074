import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { MIGRATIONS } from './schema';

/**
 * Open (or create) the bridge's SQLite database: WAL so readers never wait for the writer,
 * foreign keys on, a busy timeout for the CLI writing while `serve` runs, and every pending
 * migration applied in one transaction each. The file holds callers' numbers: it is private
 * to its owner (`ownerOnly`).
 */
export function openDatabase(path: string): DatabaseSync {
  if (path !== ':memory:') ownerOnly(path);
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * A new database is created owner-only (0600) in a folder made owner-only (0700); SQLite gives
 * the `-wal` and `-shm` files the database file's permissions. A database an older version
 * created readable by everyone loses the "others" permissions (group ones, set on purpose for
 * a backup user, are left alone).
 */
function ownerOnly(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) {
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (error) {
      // Another process created it first: it is that process's file, with its permissions.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      const mode = statSync(file).mode & 0o777;
      if (mode & 0o007) chmodSync(file, mode & ~0o007);
    } catch {
      // Absent, or not ours to change: SQLite opens it as it is.
    }
  }
}

/**
 * Compile a repository's SQL once, when the repository is made: `node:sqlite` compiles on
 * every `prepare`, and compiling per call halved ingest speed (BENCHMARKS.md: 3,157 → 5,745
 * events/s once statements were reused). A statement is synchronous and used by one call at
 * a time, so sharing it is safe.
 */
export function prepareAll<K extends string>(
  db: DatabaseSync,
  texts: Record<K, string>,
): Record<K, StatementSync> {
  const out = {} as Record<K, StatementSync>;
  for (const key of Object.keys(texts) as K[]) out[key] = db.prepare(texts[key]);
  return out;
}

function migrate(db: DatabaseSync): void {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  for (let version = row.user_version; version < MIGRATIONS.length; version++) {
    inTransaction(db, () => {
      db.exec(MIGRATIONS[version]);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    });
  }
}

/**
 * Run `work` in one write transaction (`BEGIN IMMEDIATE`: take the write lock up front, so a
 * concurrent CLI write waits on the busy timeout instead of failing half-way).
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  if (db.isTransaction) return work();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
