/**
 * The body of the Postgres store's worker thread (bridge/store/sql/syncPgClient.ts): one `pg`
 * connection, one request at a time. It is started from this function's source text (a worker
 * needs JavaScript, and the tests run the TypeScript sources), so it is self-contained: it
 * uses only its argument and `require`.
 *
 * Each reply is posted on the port, then the shared flag is set and notified: the main thread,
 * blocked in `Atomics.wait`, wakes and reads the reply with `receiveMessageOnPort`.
 */
export function pgWorkerMain(data: {
  pgPath: string;
  port: import('node:worker_threads').MessagePort;
  shared: SharedArrayBuffer;
}): void {
  const pg = require(data.pgPath) as typeof import('pg');
  const flag = new Int32Array(data.shared);
  // int8 (counts, sums, identities, epoch ms) and numeric as numbers, as SQLite returns them:
  // every such value the bridge stores is below 2^53.
  const toNumber = (value: string) => Number(value);
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 20 || oid === 1700
        ? toNumber
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  let config: import('pg').ClientConfig | null = null;
  let client: import('pg').Client | null = null;
  let broken = false;

  const connected = async (): Promise<import('pg').Client> => {
    if (client && !broken) return client;
    if (client) void client.end().catch(() => undefined);
    const fresh = new pg.Client({ ...config, types });
    broken = false;
    // A lost connection: the next request reconnects (an open transaction is lost with it and
    // its COMMIT fails, which the caller sees).
    fresh.on('error', () => {
      broken = true;
    });
    await fresh.connect();
    client = fresh;
    return fresh;
  };

  const reply = (message: unknown) => {
    data.port.postMessage(message);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };

  const toBuffer = (value: unknown) =>
    value instanceof Uint8Array && !Buffer.isBuffer(value)
      ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      : value;

  type Request =
    | { op: 'connect'; config: import('pg').ClientConfig }
    | { op: 'query' | 'send'; name: string | null; text: string; params: unknown[] }
    | { op: 'close' };

  // The statements sent without a wait for their answer (`send`), each issued once the one
  // before it has answered (`pg` deprecates queueing a query behind a running one), and the
  // first error among them not yet reported: the next query's answer is that error. `sending`
  // never rejects.
  let sending: Promise<void> = Promise.resolve();
  let sendError: unknown = null;
  const run = (
    c: import('pg').Client,
    request: { name: string | null; text: string; params: unknown[] },
  ) =>
    c.query({
      ...(request.name ? { name: request.name } : {}),
      text: request.text,
      values: request.params.map(toBuffer),
    });

  /**
   * A statement nobody waits for: run on the transaction's connection, never on a new one (a
   * reconnect would run it outside the transaction, committed on its own). After an error the
   * rest are not run: the transaction has failed and its next query will say so.
   */
  const send = (request: { name: string | null; text: string; params: unknown[] }) => {
    const c = client;
    sending = sending.then(async () => {
      if (sendError !== null) return;
      if (c === null || c !== client || broken) {
        sendError = new Error('The Postgres connection was lost in the middle of a transaction.');
        return;
      }
      try {
        await run(c, request);
      } catch (error) {
        sendError = error;
      }
    });
  };

  data.port.on('message', (request: Request) => {
    if (request.op === 'send') {
      send(request);
      return;
    }
    void (async () => {
      try {
        if (request.op === 'connect') {
          config = request.config;
          await connected();
          reply({ ok: true });
        } else if (request.op === 'query') {
          // After the statements sent before it; answered with the first of their errors if
          // one failed (the query still runs: a COMMIT then rolls back, a ROLLBACK is done).
          await sending;
          const failed = sendError;
          sendError = null;
          const c = await connected();
          const answer = run(c, request);
          if (failed !== null) {
            await answer.catch(() => undefined);
            throw failed;
          }
          const result = await answer;
          const results = Array.isArray(result) ? result : [result];
          const last = results[results.length - 1];
          reply({ ok: true, rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 });
        } else {
          if (client) await client.end().catch(() => undefined);
          client = null;
          reply({ ok: true });
          data.port.close();
        }
      } catch (error) {
        const e = error as Error & Record<string, unknown>;
        reply({
          ok: false,
          error: {
            message: e.message,
            code: e.code ?? null,
            detail: e.detail ?? null,
            constraint: e.constraint ?? null,
          },
        });
      }
    })();
  });
}
