/**
 * The one store interface the repositories use, synchronous on both stores (docs/design.md,
 * "One synchronous store, two databases"): SQLite implements it directly over `node:sqlite`,
 * Postgres over `pg` on a worker thread (bridge/store/sql/syncPgClient.ts).
 *
 * SQL is written once in the subset both understand (`?` placeholders, `ON CONFLICT … DO`,
 * `RETURNING`, `IS NOT DISTINCT FROM`); where a statement must differ, the repository gives
 * both texts in one place (`bySqlDialect`).
 */
export type SqlDialect = 'sqlite' | 'postgres';

/** A parameter: what both drivers accept. Booleans are stored as 0/1. */
export type SqlValue = null | number | bigint | string | NodeJS.ArrayBufferView;

/** A column's value as read: integers and reals as numbers (Postgres int8 parsed to numbers). */
export type SqlOutput = null | number | bigint | string | Uint8Array;

export type SqlRow = Record<string, SqlOutput>;

/** A statement compiled once (a named prepared statement on Postgres). */
export interface SqlStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
}

export interface SqlDatabase {
  readonly dialect: SqlDialect;
  readonly isOpen: boolean;
  /** Inside `transaction(…)` (or a BEGIN of the caller's). */
  readonly isTransaction: boolean;
  prepare(text: string): SqlStatement;
  /**
   * Run a statement (one of this database's) whose result nobody reads: an insert or update
   * inside a transaction. On Postgres, inside a transaction, it is sent without waiting for its
   * answer, so the event loop does not wait for its round trip; if it fails, the transaction's
   * next statement or its COMMIT throws its error (the transaction fails, as if `run` had
   * thrown). Elsewhere, and on SQLite, it is `run`.
   */
  send(statement: SqlStatement, ...params: SqlValue[]): void;
  /**
   * Run a statement without parameters once, when the transaction commits, however many times
   * it is asked for in the transaction (a wake-up for other instances: one per transaction is
   * what they get anyway). On Postgres it goes with the COMMIT, in the same round trip. Outside
   * a transaction it runs at once; a transaction rolled back runs none.
   */
  atCommit(statement: SqlStatement): void;
  /** Run statements without parameters (several, separated by `;`). */
  exec(text: string): void;
  /**
   * Run `work` in one write transaction; nested calls join the outer one. SQLite takes the
   * write lock up front (`BEGIN IMMEDIATE`); Postgres runs it on the instance's one store
   * connection (READ COMMITTED; the few read-then-write steps lock their rows).
   */
  transaction<T>(work: () => T): T;
  close(): void;
}

/** The text for this database's dialect, where the two cannot share one. */
export function bySqlDialect(db: SqlDatabase, texts: Record<SqlDialect, string>): string {
  return texts[db.dialect];
}

/**
 * Compile a repository's SQL once, when the repository is made: `node:sqlite` compiles on
 * every `prepare`, and compiling per call halved ingest speed (BENCHMARKS.md: 3,157 → 5,745
 * events/s once statements were reused). A statement is synchronous and used by one call at
 * a time, so sharing it is safe.
 */
export function prepareAll<K extends string>(
  db: SqlDatabase,
  texts: Record<K, string>,
): Record<K, SqlStatement> {
  const out = {} as Record<K, SqlStatement>;
  for (const key of Object.keys(texts) as K[]) out[key] = db.prepare(texts[key]);
  return out;
}

/** Work in one transaction of `db` (the repositories' shorthand for `db.transaction`). */
export function inTransaction<T>(db: SqlDatabase, work: () => T): T {
  return db.transaction(work);
}
