import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { openStoreAt } from '../../bridge/config';
import { startSimulator } from '../../sim';
import { ensureBuilt, spawnBridgeProcess, type BridgeProcess } from '../support/builtBridge';

/**
 * `3cx-bridge serve` as a container or `npm start` runs it: the real process (bin/3cx-bridge.js
 * on the compiled dist/), told where to listen and where its database is by `PORT`, `HOST` and
 * `BRIDGE_DB` alone, no flags. Run from a working directory of its own, so a database written
 * to the default `./data/bridge.db` instead would show. Every process is killed in afterAll.
 */
/** How long a process may take to print what a test waits for. */
const WAIT_MS = 20_000;

let dir: string;
const processes: Served[] = [];

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), '3cx-bridge-serve-'));
}, 150_000);

afterAll(async () => {
  for (const p of processes) await p.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Served extends BridgeProcess {
  /** Resolves with the first match of `pattern` in stdout; rejects on a timeout or an exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** `3cx-bridge serve` with only `env` (plus PATH and HOME; LOG_LEVEL info), in `cwd`. */
function serve(
  env: Record<string, string>,
  cwd: string,
  options: { terminal?: boolean } = {},
): Served {
  const p = spawnBridgeProcess(['serve'], { LOG_LEVEL: 'info', ...env }, cwd, options);
  let gone = false;
  void p.exited.then(() => (gone = true));
  const served: Served = {
    ...p,
    async waitFor(pattern, timeoutMs = WAIT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(p.stdout());
        if (match) return match;
        if (gone || Date.now() > deadline)
          throw new Error(
            `${gone ? 'serve exited' : `no ${pattern} within ${timeoutMs} ms`}\n` +
              `stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`,
          );
        await sleep(50);
      }
    },
    async kill() {
      await Promise.race([p.kill(), after(5000, null)]);
    },
  };
  processes.push(served);
  return served;
}

/** A port nothing listens on: listen on port 0, note the port, close. */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with `value` after `ms`, without keeping the test process alive. */
function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

/** SIGINT, as Ctrl-C: a clean stop with exit code 0 and "Stopped.", well within 15 s. */
async function expectCleanStop(p: Served): Promise<void> {
  p.child.kill('SIGINT');
  const exit = await Promise.race([p.exited, after(15_000, 'still running 15 s after SIGINT')]);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(p.stdout()).toMatch(/SIGINT: stopping/);
  expect(p.stdout()).toMatch(/\nStopped\.\n/);
}

async function me(url: string, key: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json() };
}

describe('3cx-bridge serve', () => {
  it('listens on HOST:PORT, uses the database at BRIDGE_DB and logs its URL', async () => {
    // Tests listen on 127.0.0.1 only (the default too): HOST is passed and the URL checked.
    const host = '127.0.0.1';
    const port = await freePort(host);
    const cwd = join(dir, 'configured-cwd');
    mkdirSync(cwd);
    const dbPath = join(dir, 'configured', 'state', 'bridge.db');

    // What `location add` and `key create` would have written to that database beforehand.
    const store = openStoreAt(dbPath, {});
    let key: string;
    let locationId: string;
    try {
      const now = new Date();
      const location = store.locations.create(
        { name: 'Adelaide Office', country: 'AU', timezone: 'Australia/Adelaide', settings: {} },
        now,
      );
      locationId = location.id;
      key = store.apiKeys.create(location.id, 'serve test', now).key;
    } finally {
      store.close();
    }

    const p = serve({ PORT: String(port), HOST: host, BRIDGE_DB: dbPath, LOG_LEVEL: 'info' }, cwd);
    const [line, url] = await p.waitFor(/3CX bridge listening on (http:\/\/\S+) .*\n/);
    expect(url).toBe(`http://${host}:${port}`);
    expect(line).toContain(`(1 location(s), database ${dbPath})`);
    // The same in the JSON log, for a log collector (pino writes it asynchronously).
    const [json] = await p.waitFor(/^\{.*"msg":"3CX bridge listening on [^"]*"\}$/m);
    const logged = JSON.parse(json) as Record<string, unknown>;
    expect(logged).toMatchObject({ level: 30, url, db: dbPath, locations: 1 });
    expect(p.stdout()).not.toMatch(/DEMO/);

    // It serves the location of that database, with its key.
    expect(await me(url, key)).toEqual({
      status: 200,
      body: expect.objectContaining({ id: locationId, name: 'Adelaide Office' }),
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(existsSync(join(cwd, 'data'))).toBe(false);

    await expectCleanStop(p);
    expect(p.stderr()).toBe('');
  }, 40_000);

  it('with no location configured, runs the labelled demo with a working key and prints events', async () => {
    const host = '127.0.0.1';
    const port = await freePort(host);
    const cwd = join(dir, 'demo-cwd');
    mkdirSync(cwd);
    // A folder that does not exist yet.
    const dbPath = join(dir, 'demo', 'state', 'bridge.db');

    const p = serve({ PORT: String(port), HOST: host, BRIDGE_DB: dbPath }, cwd);
    const [, key] = await p.waitFor(/Demo API key:\s+(cxb_\S+)/);
    const banner = p.stdout();
    expect(banner).toMatch(/DEMO MODE: no 3CX is configured, so a SIMULATED 3CX plays calls\./);
    expect(banner).toMatch(/Nothing here is a real phone call\./);
    const url = /Bridge API:\s+(http:\/\/\S+)/.exec(banner)?.[1];
    expect(url).toBe(`http://${host}:${port}`);
    expect(banner).toContain(`curl -H "Authorization: Bearer ${key}" ${url}/v1/calls`);
    // Commands a new user pastes as printed: a query quoted for zsh, the CLI through npx.
    expect(banner).toContain(`"${url}/v1/events?event=call.missed"`);
    expect(banner).toContain('npx 3cx-bridge location add');

    // The key printed is a key of the demo location; another is refused.
    expect(await me(url!, key)).toEqual({
      status: 200,
      body: expect.objectContaining({ name: 'Demo Office (simulated 3CX)' }),
    });
    expect((await me(url!, `cxb_${'x'.repeat(43)}`)).status).toBe(401);

    // The seeded calls settle on the first poll: one line per event, labelled as the demo's.
    await p.waitFor(/\[demo \d\d:\d\d:\d\d\] call\.missed +inbound +\+61412345678 /);
    const eventLines = p
      .stdout()
      .split('\n')
      .filter((l) => /^ {2}\[demo \d\d:\d\d:\d\d\] call\.(started|ended|missed) /.test(l));
    expect(eventLines.length).toBeGreaterThanOrEqual(2);
    expect(p.stdout().indexOf('DEMO MODE')).toBeLessThan(p.stdout().indexOf(eventLines[0]));

    // The database goes where BRIDGE_DB says (the demo's own beside it), nothing under the cwd.
    expect(existsSync(dbPath)).toBe(true);
    expect(existsSync(join(dirname(dbPath), 'demo.db'))).toBe(true);
    expect(existsSync(join(cwd, 'data'))).toBe(false);

    await expectCleanStop(p);
    expect(p.stderr()).toBe('');

    // Its log at info (LOG_LEVEL info here): the events as counts, written out on the stop
    // before "Stopped.", and no caller's number (the demo's own lines above carry them).
    const out = p.stdout();
    const json = out.split('\n').filter((l) => l.startsWith('{'));
    const counts = json.find((l) => /"events":\{[^}]*"call\.missed":[1-9]/.test(l));
    expect(counts).toBeDefined();
    expect(JSON.parse(counts!)).toMatchObject({
      level: 30,
      location: 'Demo Office (simulated 3CX)',
    });
    expect(out.indexOf(counts!)).toBeLessThan(out.indexOf('\nStopped.\n'));
    expect(json.filter((l) => /\+61\d{6}/.test(l))).toEqual([]);
  }, 40_000);
});

describe('3cx-bridge serve, when things are not as expected', () => {
  /** A listener on `port` that is not the bridge. */
  async function occupy(host: string): Promise<{ port: number; close: () => Promise<void> }> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as AddressInfo;
    return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  /** Exits by itself (the test fails, not hangs, if it keeps running). */
  async function exitOf(p: Served) {
    return Promise.race([p.exited, after(WAIT_MS, 'still running')]);
  }

  it('exits with a hint when the port is taken, in demo mode and configured', async () => {
    const host = '127.0.0.1';
    const taken = await occupy(host);
    try {
      const demoCwd = join(dir, 'taken-demo');
      mkdirSync(demoCwd);
      // The database of a demo already running on that port: left alone.
      const running = join(demoCwd, 'demo.db');
      writeFileSync(running, 'the running demo');
      writeFileSync(`${running}-wal`, 'its log');
      const demo = serve(
        { PORT: String(taken.port), HOST: host, BRIDGE_DB: join(demoCwd, 'bridge.db') },
        demoCwd,
      );
      expect(await exitOf(demo)).toEqual({ code: 2, signal: null });
      expect(demo.stderr()).toContain(
        `Port ${taken.port} on ${host} is already in use (another bridge or \`npm start\` may be running).`,
      );
      expect(demo.stderr()).toMatch(/PORT=\d+ npm start, npm start -- --port \d+, or 3cx-bridge/);
      expect(readFileSync(running, 'utf8')).toBe('the running demo');
      expect(readFileSync(`${running}-wal`, 'utf8')).toBe('its log');

      const cwd = join(dir, 'taken-configured');
      mkdirSync(cwd);
      const dbPath = join(cwd, 'bridge.db');
      const store = openStoreAt(dbPath, {});
      store.locations.create(
        { name: 'Adelaide Office', country: 'AU', timezone: 'Australia/Adelaide', settings: {} },
        new Date(),
      );
      store.close();
      const configured = serve({ PORT: String(taken.port), HOST: host, BRIDGE_DB: dbPath }, cwd);
      expect(await exitOf(configured)).toEqual({ code: 2, signal: null });
      expect(configured.stderr()).toMatch(/already in use.*--port/s);
    } finally {
      await taken.close();
    }
  }, 60_000);

  it('seals and opens secrets with BRIDGE_SECRET_KEY_FILE, as the other commands do', async () => {
    const sim = await startSimulator({
      clients: [{ clientId: 'bridge', clientSecret: 'bridge-secret', role: 'system_owner' }],
    });
    try {
      const cwd = join(dir, 'key-file');
      mkdirSync(cwd);
      const keyFile = join(cwd, 'keys', 'bridge.key');
      const dbPath = join(cwd, 'state', 'bridge.db');
      const env = { BRIDGE_SECRET_KEY_FILE: keyFile };
      const store = openStoreAt(dbPath, env);
      let key: string;
      try {
        const location = store.locations.create(
          {
            name: 'Adelaide Office',
            pbxUrl: sim.url,
            clientId: 'bridge',
            clientSecret: 'bridge-secret',
            country: 'AU',
            timezone: 'Australia/Adelaide',
            settings: { pollIntervalSeconds: 1 },
          },
          new Date(),
        );
        key = store.apiKeys.create(location.id, 'serve test', new Date()).key;
      } finally {
        store.close();
      }

      const port = await freePort('127.0.0.1');
      const p = serve({ ...env, PORT: String(port), BRIDGE_DB: dbPath }, cwd);
      const [, url] = await p.waitFor(/3CX bridge listening on (http:\/\/\S+) /);
      // It opened the 3CX secret with that key: its polls succeed.
      for (const deadline = Date.now() + WAIT_MS; ; await sleep(100)) {
        const res = await fetch(`${url}/v1/status`, {
          headers: { authorization: `Bearer ${key}` },
        });
        const status = (await res.json()) as {
          poll: { last_success_at: string | null; last_error: string | null };
        };
        if (status.poll.last_success_at !== null) {
          expect(status.poll.last_error).toBeNull();
          break;
        }
        if (Date.now() > deadline)
          throw new Error(`no successful poll: ${JSON.stringify(status)}\n${p.stdout()}`);
      }
      // And made no key file of its own.
      expect(existsSync(`${dbPath}.key`)).toBe(false);
      await expectCleanStop(p);
    } finally {
      await sim.close();
    }
  }, 60_000);

  it('logs readable lines on a terminal, not JSON', async () => {
    const cwd = join(dir, 'terminal');
    mkdirSync(cwd);
    const dbPath = join(cwd, 'bridge.db');
    const store = openStoreAt(dbPath, {});
    store.locations.create(
      { name: 'Adelaide Office', country: 'AU', timezone: 'Australia/Adelaide', settings: {} },
      new Date(),
    );
    store.close();
    const port = await freePort('127.0.0.1');
    const p = serve({ PORT: String(port), BRIDGE_DB: dbPath }, cwd, { terminal: true });
    await p.waitFor(/3CX bridge listening on http:\S+ \(1 location/);
    // pino-pretty's line (coloured on a terminal): a time, the level by name, the message,
    // then the fields one per line.
    await p.waitFor(/INFO.*3CX bridge listening on http:\S+\r?\n\s+.*url/);
    const plain = stripVTControlCharacters(p.stdout());
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: 3CX bridge listening on http:\S+\r?$/m);
    expect(plain).toMatch(/^\s+locations: 1\r?$/m);
    expect(plain).not.toMatch(/"level"/);
    await p.kill();
  }, 40_000);
});
