import { DatabaseSync } from 'node:sqlite';
import type { SqlDatabase, SqlStatement } from './sqlDatabase';

/**
 * The SQLite store: `node:sqlite` statements are handed out as they are (no wrapper on the hot
 * paths), transactions are `BEGIN IMMEDIATE` so a concurrent CLI write waits on the busy
 * timeout instead of failing half-way.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;

  constructor(readonly raw: DatabaseSync) {}

  get isOpen(): boolean {
    return this.raw.isOpen;
  }

  get isTransaction(): boolean {
    return this.raw.isTransaction;
  }

  prepare(text: string): SqlStatement {
    return this.raw.prepare(text);
  }

  exec(text: string): void {
    this.raw.exec(text);
  }

  transaction<T>(work: () => T): T {
    if (this.raw.isTransaction) return work();
    this.raw.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.raw.exec('COMMIT');
      return result;
    } catch (error) {
      this.raw.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    if (this.raw.isOpen) this.raw.close();
  }
}

/** The `node:sqlite` database under a SQLite store (SQLite-only tools: benchmarks, plans). */
export function sqliteOf(db: { dialect: string }): DatabaseSync {
  if (!(db instanceof SqliteDatabase))
    throw new Error('This works on a SQLite store only (BRIDGE_DATABASE_URL names Postgres).');
  return db.raw;
}
