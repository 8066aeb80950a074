import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * Which store the tests' bridges and stores use: SQLite unless `BRIDGE_TEST_STORE=postgres`
 * (the `postgres` jest project, `npm run test:postgres`).
 */
export type TestStoreKind = 'sqlite' | 'postgres';

export function testStoreKind(): TestStoreKind {
  return process.env.BRIDGE_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
}

let adminUrl: Promise<string> | null = null;

/**
 * The run's embedded Postgres (its admin URL), started by the first test file that asks: one
 * server per jest run, whichever worker comes first; the others wait for its URL.
 */
export function postgresAdminUrl(): Promise<string> {
  adminUrl ??= startOrFind();
  return adminUrl;
}

async function startOrFind(): Promise<string> {
  if (process.env.BRIDGE_TEST_DATABASE_URL) return process.env.BRIDGE_TEST_DATABASE_URL;
  const runDir = process.env.BRIDGE_TEST_PG_RUN_DIR;
  if (!runDir)
    throw new Error('No run folder: jest.config.js must run test/support/postgres/globalSetup.ts.');
  const urlFile = join(runDir, 'url');
  let starter = false;
  try {
    mkdirSync(join(runDir, 'lock'));
    starter = true;
  } catch {
    // Another test file is starting it.
  }
  if (starter) {
    const log = openSync(join(runDir, 'server.log'), 'a');
    const child = spawn(
      process.execPath,
      [
        join(__dirname, '..', '..', '..', 'scripts', 'embeddedPostgres.mjs'),
        runDir,
        process.env.BRIDGE_TEST_OWNER_PID ?? String(process.pid),
      ],
      { detached: true, stdio: ['ignore', log, log] },
    );
    writeFileSync(join(runDir, 'pid'), String(child.pid));
    child.unref();
  }
  const deadline = Date.now() + 90_000;
  while (!existsSync(urlFile)) {
    if (Date.now() > deadline)
      throw new Error(`The test Postgres did not start: see ${join(runDir, 'server.log')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return readFileSync(urlFile, 'utf8').trim();
}

/**
 * A database of the run's Postgres, created if it does not exist. `key` names it: the same key
 * (a test's SQLite path, say) gives the same database, so a restart test reopens its data.
 */
export async function testDatabaseUrl(
  key: string = randomBytes(8).toString('hex'),
): Promise<string> {
  const admin = await postgresAdminUrl();
  const name = `t_${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } catch (error) {
        // Created at the same moment by another test file with the same key.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Where a test's store lives: the SQLite file it names, or (Postgres runs) the database that
 * file's path stands for.
 */
export async function testStoreTarget(sqlitePath: string): Promise<string> {
  return testStoreKind() === 'postgres' ? testDatabaseUrl(sqlitePath) : sqlitePath;
}
