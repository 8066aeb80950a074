import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { pgWorkerMain } from './pgWorker';
import { waitForReply } from './workerReply';

/** A Postgres error on the main thread, with its SQLSTATE (`code`, e.g. 23505 unique violation). */
export class PostgresError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly detail: string | null,
    readonly constraint: string | null,
  ) {
    super(message);
    this.name = 'PostgresError';
  }
}

/**
 * How long the bridge lets one statement run, wait for a lock, or sit idle in a transaction on
 * Postgres (ms). A blocked query fails with its SQLSTATE instead of holding the event loop: the
 * main thread waits at most `statementTimeoutMs` plus a margin for any answer.
 */
export interface PgTimeouts {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionMs: number;
  connectTimeoutMs: number;
}

export const DEFAULT_PG_TIMEOUTS: PgTimeouts = {
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 10_000,
  idleInTransactionMs: 60_000,
  connectTimeoutMs: 10_000,
};

/** The margin past the server's own timeout before the main thread gives up waiting. */
const WAIT_MARGIN_MS = 5_000;

type Reply =
  | { ok: true; rows?: Array<Record<string, unknown>>; rowCount?: number }
  | {
      ok: false;
      error: {
        message: string;
        code: string | null;
        detail: string | null;
        constraint: string | null;
      };
    };

/**
 * A synchronous Postgres connection: the main thread posts a request to a worker thread that
 * owns one `pg` client, then blocks in `Atomics.wait` until the worker's `await client.query()`
 * answers (the pattern of synckit and similar libraries). This keeps the store's interface
 * synchronous, so the bridge's ~200 store calls and their transactions are the same code on
 * SQLite and Postgres (docs/design.md). One connection: a transaction is its BEGIN…COMMIT.
 */
export class SyncPgClient {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private readonly waitMs: number;
  private open = true;

  constructor(connectionString: string, timeouts: PgTimeouts = DEFAULT_PG_TIMEOUTS) {
    const shared = new SharedArrayBuffer(4);
    this.flag = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(
      `(${pgWorkerMain.toString()})(require('node:worker_threads').workerData)`,
      {
        eval: true,
        workerData: { pgPath: require.resolve('pg'), port: port2, shared },
        transferList: [port2],
      },
    );
    // The worker holds no timers of its own: the process may exit while it idles.
    this.worker.unref();
    this.waitMs =
      Math.max(timeouts.statementTimeoutMs, timeouts.connectTimeoutMs, timeouts.lockTimeoutMs) +
      WAIT_MARGIN_MS;
    try {
      this.connect(connectionString, timeouts);
    } catch (error) {
      // Nothing to keep: the worker goes with the failed connection.
      this.open = false;
      void this.worker.terminate();
      throw error;
    }
  }

  private connect(connectionString: string, timeouts: PgTimeouts): void {
    this.request({
      op: 'connect',
      config: {
        connectionString,
        application_name: '3cx-bridge',
        statement_timeout: timeouts.statementTimeoutMs,
        lock_timeout: timeouts.lockTimeoutMs,
        idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
        connectionTimeoutMillis: timeouts.connectTimeoutMs,
      },
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  /**
   * One statement with `$n` parameters; `name` makes it a prepared statement on the connection
   * (parsed once). Without parameters and name, several statements may be sent at once.
   */
  query(
    text: string,
    params: readonly unknown[] = [],
    name: string | null = null,
  ): { rows: Array<Record<string, unknown>>; rowCount: number } {
    const reply = this.request({ op: 'query', name, text, params });
    return { rows: reply.rows ?? [], rowCount: reply.rowCount ?? 0 };
  }

  /**
   * A statement whose answer nobody waits for: posted to the worker, which runs it in turn
   * (the connection runs its statements in order) while this thread goes on. Its error is kept
   * by the worker and given as the answer to the next `query`, whatever that query's own
   * answer (the caller's transaction is then aborted, and its COMMIT would only roll back).
   */
  send(text: string, params: readonly unknown[], name: string | null = null): void {
    if (!this.open) throw new Error('The Postgres store is closed.');
    this.port.postMessage({ op: 'send', name, text, params });
  }

  close(): void {
    if (!this.open) return;
    try {
      this.request({ op: 'close' });
    } finally {
      this.open = false;
      void this.worker.terminate();
    }
  }

  private request(message: object): Extract<Reply, { ok: true }> {
    if (!this.open) throw new Error('The Postgres store is closed.');
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(message);
    const received = waitForReply(this.flag, this.port, this.waitMs);
    if (!received) {
      // No answer in time (the server and network timeouts should have answered first): the
      // connection is unusable, since a late reply would answer the next request.
      this.open = false;
      void this.worker.terminate();
      throw new PostgresError(
        `Postgres did not answer within ${this.waitMs} ms; the store connection is closed.`,
        null,
        null,
        null,
      );
    }
    const reply = received.message as Reply;
    if (!reply.ok)
      throw new PostgresError(
        reply.error.message,
        reply.error.code,
        reply.error.detail,
        reply.error.constraint,
      );
    return reply;
  }
}
