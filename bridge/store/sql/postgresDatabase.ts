import type { SqlDatabase, SqlRow, SqlStatement, SqlValue } from './sqlDatabase';
import { toNumberedPlaceholders } from './placeholders';
import { DEFAULT_PG_TIMEOUTS, SyncPgClient, type PgTimeouts } from './syncPgClient';

/**
 * The Postgres store behind the same synchronous interface as SQLite: each statement is
 * translated to `$n` placeholders once and prepared by name on the instance's one store
 * connection (bridge/store/sql/syncPgClient.ts).
 */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  private readonly client: SyncPgClient;
  private readonly names = new Map<string, string>();
  /** Each statement handed out: its text and name, for `send`. */
  private readonly prepared = new WeakMap<SqlStatement, { text: string; name: string }>();
  private inTransaction = false;
  /** The statements to run with this transaction's COMMIT (`atCommit`), by text. */
  private readonly atCommitTexts = new Set<string>();

  constructor(
    readonly url: string,
    timeouts: PgTimeouts = DEFAULT_PG_TIMEOUTS,
  ) {
    this.client = new SyncPgClient(url, timeouts);
  }

  get isOpen(): boolean {
    return this.client.isOpen;
  }

  get isTransaction(): boolean {
    return this.inTransaction;
  }

  prepare(text: string): SqlStatement {
    const pgText = toNumberedPlaceholders(text);
    let name = this.names.get(pgText);
    if (name === undefined) {
      name = `s${this.names.size + 1}`;
      this.names.set(pgText, name);
    }
    const query = (params: SqlValue[]) => this.client.query(pgText, params, name);
    const statement: SqlStatement = {
      run: (...params) => ({ changes: query(params).rowCount }),
      get: (...params) => query(params).rows[0] as SqlRow | undefined,
      all: (...params) => query(params).rows as SqlRow[],
    };
    this.prepared.set(statement, { text: pgText, name });
    return statement;
  }

  /**
   * Inside a transaction: sent without waiting (`SyncPgClient.send`). Its error, if any, is the
   * answer to the transaction's next statement, at the latest its COMMIT, so the transaction
   * fails with it. Outside one there is no later statement bound to report it: `run`.
   */
  send(statement: SqlStatement, ...params: SqlValue[]): void {
    const prepared = this.prepared.get(statement);
    if (!this.inTransaction || prepared === undefined) {
      statement.run(...params);
      return;
    }
    this.client.send(prepared.text, params, prepared.name);
  }

  atCommit(statement: SqlStatement): void {
    const prepared = this.prepared.get(statement);
    if (!this.inTransaction || prepared === undefined) {
      statement.run();
      return;
    }
    this.atCommitTexts.add(prepared.text);
  }

  exec(text: string): void {
    this.client.query(text);
  }

  transaction<T>(work: () => T): T {
    if (this.inTransaction) return work();
    this.client.query('BEGIN');
    this.inTransaction = true;
    this.atCommitTexts.clear();
    try {
      const result = work();
      // One simple query, one round trip: the statements asked for at commit, then COMMIT (if
      // one fails, COMMIT does not run and the transaction rolls back below).
      this.client.query([...this.atCommitTexts, 'COMMIT'].join('; '));
      return result;
    } catch (error) {
      if (this.client.isOpen) {
        try {
          this.client.query('ROLLBACK');
        } catch {
          // The connection is gone: the server rolled the transaction back itself.
        }
      }
      throw error;
    } finally {
      this.inTransaction = false;
      this.atCommitTexts.clear();
    }
  }

  close(): void {
    this.client.close();
  }
}
