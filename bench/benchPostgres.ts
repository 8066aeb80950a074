import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresDatabase } from '../bridge/store/sql/postgresDatabase';
import type { SyncPgClient } from '../bridge/store/sql/syncPgClient';
import type { SqlDatabase } from '../bridge/store/sql/sqlDatabase';
import { round, sleep, type Row } from './report';

const ROOT = join(__dirname, '..', '..');

/** An embedded Postgres of the benchmark's own (scripts/embeddedPostgres.mjs) on 127.0.0.1. */
export interface BenchPostgres {
  /** The server's URL without a database name: append one (`${url}bench1`). */
  url: string;
  createDatabase(url: string): void;
  dropDatabase(url: string): void;
  stop(): Promise<void>;
}

/**
 * Start one in `dir` (its run folder). It stops when told, or by itself within seconds once
 * this process is gone (the script watches its owner), so a benchmark that never calls `stop`
 * leaves nothing behind; the child does not keep this process alive.
 */
export async function startPostgres(dir: string): Promise<BenchPostgres> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'scripts', 'embeddedPostgres.mjs'), dir, String(process.pid)],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  child.unref();
  const urlFile = join(dir, 'url');
  const deadline = Date.now() + 90_000;
  while (!existsSync(urlFile)) {
    if (Date.now() > deadline) throw new Error('embedded Postgres did not start');
    await sleep(100);
  }
  const admin = readFileSync(urlFile, 'utf8')
    .trim()
    .replace(/postgres$/, '');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onAdmin = (sql: string) => {
    const db = new PostgresDatabase(`${admin}postgres`);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };
  const nameOf = (url: string) => new URL(url).pathname.slice(1);
  return {
    url: admin,
    createDatabase: (url) => onAdmin(`CREATE DATABASE ${nameOf(url)}`),
    // FORCE: a bridge that was stopped may leave its connection closing for a moment.
    dropDatabase: (url) => onAdmin(`DROP DATABASE IF EXISTS ${nameOf(url)} WITH (FORCE)`),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Which store the bench bridges use: `BENCH_STORE=postgres`, else SQLite (the default). */
export type BenchStoreKind = 'sqlite' | 'postgres';

export function benchStoreKind(): BenchStoreKind {
  const kind = process.env.BENCH_STORE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres')
    throw new Error(`BENCH_STORE=${kind}: expected sqlite or postgres`);
  return kind;
}

let shared: Promise<BenchPostgres> | null = null;
let databases = 0;

/**
 * A fresh, empty database on the process's one embedded Postgres (started on first use), and
 * how to drop it once its bridge has stopped.
 */
export async function benchPostgresDatabase(): Promise<{ url: string; drop(): void }> {
  shared ??= startPostgres(mkdtempSync(join(tmpdir(), '3cx-bridge-benchpg-')));
  const postgres = await shared;
  const url = `${postgres.url}bench_${process.pid}_${++databases}`;
  postgres.createDatabase(url);
  return { url, drop: () => postgres.dropDatabase(url) };
}

/**
 * The round trips a Postgres store makes (each statement, BEGIN and COMMIT is one: the event
 * loop waits for each, bridge/store/sql/syncPgClient.ts), counted by statement text around the
 * store's own connection. Nothing on SQLite (`attach` gives null).
 */
export class RoundTrips {
  /** Every statement, whether the event loop waited for it or not. */
  total = 0;
  /** Of them, those sent without a wait. */
  sent = 0;
  readonly byText = new Map<string, number>();

  private count(text: string): void {
    this.total++;
    this.byText.set(text, (this.byText.get(text) ?? 0) + 1);
  }

  static attach(db: SqlDatabase): RoundTrips | null {
    if (!(db instanceof PostgresDatabase)) return null;
    const counter = new RoundTrips();
    // A private member: the store exposes no count, and the bench must not change it.
    const client: SyncPgClient = db['client'];
    const query = client.query.bind(client);
    client.query = (text: string, params?: readonly unknown[], name?: string | null) => {
      counter.count(text);
      return query(text, params, name);
    };
    // Sent without a wait (`SqlDatabase.send`): still a round trip of the connection, but the
    // event loop does not wait for it; counted apart as well.
    const send = client.send.bind(client);
    client.send = (text: string, params: readonly unknown[], name?: string | null) => {
      counter.sent++;
      counter.count(`(sent) ${text}`);
      return send(text, params, name);
    };
    return counter;
  }

  reset(): void {
    this.total = 0;
    this.sent = 0;
    this.byText.clear();
  }

  /** The `n` statements sent most often, with their share per `per` (an event, a webhook). */
  top(n: number, per: number, perLabel: string): Row[] {
    return [...this.byText]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([text, count]) => ({
        statement: text.replace(/\s+/g, ' ').slice(0, 90),
        'round trips': count,
        [`per ${perLabel}`]: per > 0 ? round(count / per, 2) : '',
      }));
  }
}
