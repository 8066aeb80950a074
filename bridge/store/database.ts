import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PG_MIGRATIONS } from './pgSchema';
import { MIGRATIONS } from './schema';
import { PostgresDatabase } from './sql/postgresDatabase';
import type { SqlDatabase } from './sql/sqlDatabase';
import { SqliteDatabase } from './sql/sqliteDatabase';
import type { PgTimeouts } from './sql/syncPgClient';

export { inTransaction, prepareAll } from './sql/sqlDatabase';

/** A Postgres connection URL (`BRIDGE_DATABASE_URL=postgres://…`) rather than a SQLite file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** A database for messages and logs: a Postgres URL without its password. */
export function describeDatabase(target: string): string {
  if (!isPostgresUrl(target)) return target;
  const url = new URL(target);
  if (url.password) url.password = '***';
  return url.toString();
}

/**
 * Open the bridge's database: a Postgres URL (`postgres://…`), else a SQLite file (or
 * `:memory:`). Every pending migration is applied, one transaction each.
 */
export function openDatabase(
  target: string,
  options: { pgTimeouts?: PgTimeouts } = {},
): SqlDatabase {
  if (isPostgresUrl(target)) {
    let db: PostgresDatabase;
    try {
      db = new PostgresDatabase(target, options.pgTimeouts);
    } catch (error) {
      // The driver's own words (`connect ECONNREFUSED …`, `password authentication failed …`)
      // name neither the database nor what to check.
      throw new Error(
        `Could not connect to the Postgres database ${describeDatabase(target)}: ${(error as Error).message}. ` +
          'Check that Postgres is running and reachable from this machine, and the user, password, host, port and database name in the URL (--db, --to or BRIDGE_DATABASE_URL).',
        { cause: error },
      );
    }
    try {
      migratePostgres(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  }
  return new SqliteDatabase(openSqlite(target), {
    checkpointInWorker: target === ':memory:' ? undefined : target,
  });
}

/** The SQLite page cache per connection, in KiB (`PRAGMA cache_size` takes it negated). */
export const SQLITE_CACHE_KIB = 64 * 1024;

/**
 * Open (or create) a SQLite database: WAL so readers never wait for the writer, foreign keys
 * on, a busy timeout for the CLI writing while `serve` runs. The file holds callers' numbers:
 * it is private to its owner (`ownerOnly`).
 */
function openSqlite(path: string): DatabaseSync {
  if (path !== ':memory:') ownerOnly(path);
  const raw = new DatabaseSync(path);
  // First: switching to WAL needs a lock that another connection may hold for a moment.
  raw.exec('PRAGMA busy_timeout = 5000');
  raw.exec('PRAGMA journal_mode = WAL');
  raw.exec('PRAGMA synchronous = NORMAL');
  raw.exec('PRAGMA foreign_keys = ON');
  // SQLite's default page cache is 2 MiB: with a million calls stored (a 2.6 GB file) every
  // index walk went back to the operating system for its pages. 64 MiB holds the hot indexes.
  raw.exec(`PRAGMA cache_size = -${SQLITE_CACHE_KIB}`);
  const db = new SqliteDatabase(raw);
  const row = raw.prepare('PRAGMA user_version').get() as { user_version: number };
  for (let version = row.user_version; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      raw.exec(MIGRATIONS[version]);
      raw.exec(`PRAGMA user_version = ${version + 1}`);
    });
  }
  return raw;
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

/** Any fixed number: the advisory lock instances starting together take to migrate one by one. */
const MIGRATION_LOCK = 0x3cb81d9e;

/**
 * Postgres migrations (pgSchema.ts), versioned in `bridge_schema`. Instances starting at the
 * same time take an advisory lock in the migration's transaction, so one migrates and the
 * others then find the work done.
 */
function migratePostgres(db: PostgresDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS bridge_schema (version INTEGER NOT NULL)');
  for (;;) {
    const done = db.transaction(() => {
      db.prepare('SELECT pg_advisory_xact_lock(?)').get(MIGRATION_LOCK);
      const row = db.prepare('SELECT MAX(version) AS v FROM bridge_schema').get();
      const version = Number(row?.v ?? 0);
      if (version > PG_MIGRATIONS.length)
        throw new Error(
          `The Postgres database is at schema version ${version}, newer than this bridge knows (${PG_MIGRATIONS.length}): upgrade the bridge.`,
        );
      if (version === PG_MIGRATIONS.length) return true;
      db.exec(PG_MIGRATIONS[version]);
      db.prepare('INSERT INTO bridge_schema (version) VALUES (?)').run(version + 1);
      return false;
    });
    if (done) return;
  }
}
