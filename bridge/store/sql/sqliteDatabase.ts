import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqlDatabase, SqlStatement, SqlValue } from './sqlDatabase';
import { WalCheckpointer } from './walCheckpointer';

/**
 * The SQLite store: `node:sqlite` statements are handed out as they are (no wrapper on the hot
 * paths), transactions are `BEGIN IMMEDIATE` so a concurrent CLI write waits on the busy
 * timeout instead of failing half-way.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;

  /**
   * Compiled statements by SQL text. `node:sqlite` compiles on every `prepare`, and several
   * repositories prepare per call (follow-ups, call links): without the cache 8 % of a catch-up
   * poll's CPU was SQLite compiling the same few statements (BENCHMARKS.md §2, "Issue 16,
   * delivery and a large store"). A statement runs to completion on each call (nothing here
   * iterates one lazily), so sharing it is safe.
   */
  private readonly statements = new Map<string, StatementSync>();

  /** The worker that checkpoints the log, started with the first transaction (file only). */
  private checkpointer: WalCheckpointer | null = null;

  constructor(
    readonly raw: DatabaseSync,
    private readonly options: {
      /**
       * The database file: its write-ahead log is then checkpointed by a worker thread
       * (bridge/store/sql/walCheckpointer.ts), not by the commits. None: SQLite's own.
       */
      checkpointInWorker?: string;
    } = {},
  ) {}

  get isOpen(): boolean {
    return this.raw.isOpen;
  }

  get isTransaction(): boolean {
    return this.raw.isTransaction;
  }

  prepare(text: string): SqlStatement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.raw.prepare(text);
      // The SQL texts are a fixed set; a bound keeps a text built from data from growing it.
      if (this.statements.size < MAX_CACHED_STATEMENTS) this.statements.set(text, statement);
    }
    return statement;
  }

  send(statement: SqlStatement, ...params: SqlValue[]): void {
    statement.run(...params);
  }

  /** The statements to run before this transaction's COMMIT (`atCommit`). */
  private readonly atCommitStatements = new Set<SqlStatement>();

  atCommit(statement: SqlStatement): void {
    if (this.raw.isTransaction) this.atCommitStatements.add(statement);
    else statement.run();
  }

  exec(text: string): void {
    this.raw.exec(text);
  }

  transaction<T>(work: () => T): T {
    if (this.raw.isTransaction) return work();
    // Only a process that writes gets the worker (the CLI's reads never start one).
    if (this.checkpointer === null && this.options.checkpointInWorker !== undefined)
      this.checkpointer = new WalCheckpointer(this.raw, this.options.checkpointInWorker);
    this.raw.exec('BEGIN IMMEDIATE');
    this.atCommitStatements.clear();
    try {
      const result = work();
      for (const statement of this.atCommitStatements) statement.run();
      this.raw.exec('COMMIT');
      return result;
    } catch (error) {
      this.raw.exec('ROLLBACK');
      throw error;
    } finally {
      this.atCommitStatements.clear();
    }
  }

  close(): void {
    this.checkpointer?.stop();
    if (this.raw.isOpen) this.raw.close();
  }
}

/** Far more than the store's distinct statements (about 200). */
const MAX_CACHED_STATEMENTS = 1000;

/** The `node:sqlite` database under a SQLite store (SQLite-only tools: benchmarks, plans). */
export function sqliteOf(db: { dialect: string }): DatabaseSync {
  if (!(db instanceof SqliteDatabase))
    throw new Error('This works on a SQLite store only (BRIDGE_DATABASE_URL names Postgres).');
  return db.raw;
}
