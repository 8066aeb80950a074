import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../sim';
import { runCli } from '../support/runCli';

/**
 * What a new user met on the command line (issue 14, item 8): every message says what was
 * assumed, where it looked and what to type next.
 */
let dir: string;
let db: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), '3cx-newcomer-'));
  db = join(dir, 'some dir', 'x.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = { THREECX_CLIENT_SECRET: 'from-the-environment' };

function addLocation(name: string, pbxUrl: string, extra: string[] = [], clientId = '900') {
  return runCli(
    [
      'location',
      'add',
      '--name',
      name,
      '--pbx-url',
      pbxUrl,
      '--client-id',
      clientId,
      '--country',
      'AU',
      '--timezone',
      'Australia/Adelaide',
      '--db',
      db,
      ...extra,
    ],
    SECRET,
  );
}

describe('location add', () => {
  it('suggests next commands that work: with the --db it was given', async () => {
    const added = await addLocation('Adelaide Office', 'https://pbx.example.com:5001');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`3cx-bridge check --location 'Adelaide Office' --db '${db}'`);
    expect(added.stdout).toContain(
      `3cx-bridge key create --location 'Adelaide Office' --scope template --db '${db}'`,
    );
    // What it suggests runs as printed (here: finds the location in that database).
    const keys = await runCli(['key', 'list', '--location', 'Adelaide Office', '--db', db]);
    expect(keys.code).toBe(0);
  });

  it('says what it assumed for an address without a scheme', async () => {
    const added = await addLocation('Adelaide Office', 'pbx.example.com');
    expect(added.code).toBe(0);
    expect(added.stderr).toMatch(
      /Note: --pbx-url "pbx\.example\.com" has no http:\/\/ or https:\/\/: using https:\/\/pbx\.example\.com \(port 443\)\..*https:\/\/pbx\.example\.com:5001/,
    );
    expect(added.stdout).toContain('It polls https://pbx.example.com as API client 900.');
    // Given in full, nothing to say.
    const full = await addLocation('Perth Office', 'https://pbx2.example.com:5001');
    expect(full.stderr).toBe('');
  });

  it('refuses a second location on the same PBX and API client, unless forced', async () => {
    expect((await addLocation('Adelaide Office', 'https://pbx.example.com:5001')).code).toBe(0);
    const again = await addLocation('Adelaide Sales', 'pbx.example.com:5001/#/office');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /Location "Adelaide Office" already polls https:\/\/pbx\.example\.com:5001 as API client 900\. 3CX allows one live token per API client/,
    );
    expect(again.stderr).toMatch(/Integrations → API → Add.*--force/);
    const list = await runCli(['location', 'list', '--db', db, '--json']);
    expect(JSON.parse(list.stdout)).toHaveLength(1);

    const forced = await addLocation('Adelaide Sales', 'https://pbx.example.com:5001', ['--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/Warning: .*log(ging)? each other out.*--force/);
    // Another API client on the same PBX is fine.
    const other = await addLocation('Adelaide Support', 'https://pbx.example.com:5001', [], '901');
    expect([other.code, other.stderr]).toEqual([0, '']);
  });
});

describe('location add with a name already taken', () => {
  it('refuses it, naming the location that has it: every command finds a location by name', async () => {
    expect((await addLocation('Adelaide Office', 'https://pbx.example.com:5001')).code).toBe(0);
    const again = await addLocation('Adelaide Office', 'https://pbx2.example.com:5001', [
      '--force',
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /already a location named "Adelaide Office" \(loc_[\w-]+, polling https:\/\/pbx\.example\.com:5001\)\. Choose another --name/,
    );
    expect(again.stderr).toContain(`3cx-bridge location list --db '${db}'`);
    const list = await runCli(['location', 'list', '--db', db, '--json']);
    expect(JSON.parse(list.stdout)).toHaveLength(1);
    // The name still finds its one location.
    expect((await runCli(['key', 'list', '--location', 'Adelaide Office', '--db', db])).code).toBe(
      0,
    );
  });
});

describe('a location that is not there', () => {
  it('names the database searched and what it holds', async () => {
    const empty = await runCli(['key', 'list', '--location', 'Adelaide Office', '--db', db]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(
      `No location "Adelaide Office" in the database ${db} (it has none yet).`,
    );
    expect(empty.stderr).toMatch(/--db PATH, BRIDGE_DB or BRIDGE_DATABASE_URL/);

    await addLocation('Perth Office', 'https://pbx.example.com:5001');
    const wrong = await runCli(['hours', 'show', '--location', 'Adelaide', '--db', db]);
    expect(wrong.stderr).toContain(`in the database ${db} (it has "Perth Office")`);
  });
});

describe('webhook add with a plain http:// URL', () => {
  it('names the option for local testing, and what it allows', async () => {
    await addLocation('Perth Office', 'https://pbx.example.com:5001');
    const webhook = (url: string, extra: string[] = []) =>
      runCli([
        'webhook',
        'add',
        '--location',
        'Perth Office',
        '--event',
        'call.missed',
        '--url',
        url,
        '--db',
        db,
        ...extra,
      ]);
    const local = await webhook('http://127.0.0.1:9000/hook');
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/must be an https URL.*add --allow-local-http/);
    const allowed = await webhook('http://127.0.0.1:9000/hook', ['--allow-local-http']);
    expect(allowed.code).toBe(0);
    // Subscribed is not delivered: serve has its own setting, and the user must hear of it.
    expect(allowed.stderr).toContain('only when started with BRIDGE_ALLOW_LOCAL_HTTP_TARGETS=1');
    // A misspelt filter: the ones there are, named.
    const misspelt = await webhook('https://crm.example.com/hook', [
      '--filters',
      '{"business_hour":"after_hours"}',
    ]);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toMatch(
      /"business_hour".*The filters are source_list, business_hours,/,
    );
    const remote = await webhook('http://crm.example.com/hook', ['--allow-local-http']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/only to this machine.*needs https:\/\//);
  });
});

describe('check against a PBX that speaks plain HTTP', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      clients: [{ clientId: 'bridge', clientSecret: 'bridge-secret', role: 'system_owner' }],
    });
  });
  afterAll(() => sim.close());

  it('says so and gives the http:// address, instead of "could not reach"', async () => {
    const https = sim.url.replace(/^http:/, 'https:');
    const out = await runCli([
      'check',
      '--pbx-url',
      https,
      '--client-id',
      'bridge',
      '--client-secret',
      'bridge-secret',
    ]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`The PBX answered plain HTTP, not HTTPS, at ${https}`);
    expect(out.stdout).toContain(`Use ${sim.url} as the PBX address`);
    expect(out.stdout).not.toMatch(/Could not reach/);
  });
});

describe('a Postgres database that cannot be reached', () => {
  it('names the database (without its password) and what to check', async () => {
    // A port this test just had and gave back: nothing listens on it.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const url = `postgres://bridge:hunter2@127.0.0.1:${port}/bridge`;
    const run = await runCli(['location', 'list', '--db', url], {
      BRIDGE_SECRET_KEY: '00'.repeat(32),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `Could not connect to the Postgres database postgres://bridge:***@127.0.0.1:${port}/bridge: `,
    );
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stderr).toMatch(/Check that Postgres is running.*BRIDGE_DATABASE_URL/);
    expect(run.stderr).not.toContain('hunter2');
  });
});
