import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { MIGRATIONS } from './schema';

/**
 * Open (or create) the bridge's SQLite database: WAL so readers never wait for the writer,
 * foreign keys on, a busy timeout for the CLI writing while `serve` runs, and every pending
 * migration applied in one transaction each.
 */
export function openDatabase(path: string): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  migrate(db);
  cacheStatements(db);
  return db;
}

/**
 * `node:sqlite` compiles the SQL on every `prepare`, and the repositories prepare per call:
 * keep each compiled statement (by its SQL text) for the life of the connection. Measured
 * (BENCHMARKS.md): ingest 3,157 → 5,639 events/s. Statements are synchronous and single-use
 * at a time, so sharing one is safe; the SQL texts are a fixed, small set.
 */
function cacheStatements(db: DatabaseSync): void {
  const compile = db.prepare.bind(db);
  const cache = new Map<string, StatementSync>();
  db.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = compile(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
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
