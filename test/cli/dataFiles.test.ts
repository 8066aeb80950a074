import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStoreAt } from '../../bridge/config';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { runCli } from '../support/runCli';

/**
 * The files the bridge keeps (issue 14, items 7 and 8): the database holds callers' numbers
 * and is private to its owner, with its WAL files and folder; each database has its own key
 * file named after it, and a database that used its folder's shared `secret.key` keeps working.
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), '3cx-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** `location add` for a journal-only location in `db`; its printed key. */
async function addLocation(db: string, name = 'Adelaide Office', env = {}): Promise<string> {
  const added = await runCli(
    [
      'location',
      'add',
      '--name',
      name,
      '--country',
      'AU',
      '--timezone',
      'Australia/Adelaide',
      '--db',
      db,
    ],
    env,
  );
  expect(added.code).toBe(0);
  return /API key \(shown once, store it now\): (cxb_\S+)/.exec(added.stdout)![1];
}

describe('the database files', () => {
  it('are created owner-only: the folder, the database and its WAL files', async () => {
    const db = join(dir, 'some', 'dir', 'x.db');
    await addLocation(db);
    expect(modeOf(join(dir, 'some'))).toBe(0o700);
    expect(modeOf(join(dir, 'some', 'dir'))).toBe(0o700);
    expect(modeOf(db)).toBe(0o600);

    const store = openStoreAt(db, {});
    try {
      store.locations.create(
        { name: 'Perth', country: 'AU', timezone: 'Australia/Perth' },
        new Date(),
      );
      for (const wal of [`${db}-wal`, `${db}-shm`]) {
        expect(existsSync(wal)).toBe(true);
        expect([wal, modeOf(wal)]).toEqual([wal, 0o600]);
      }
    } finally {
      store.close();
    }
  });

  it('lose the permissions for others when an older version left them readable', async () => {
    const db = join(dir, 'bridge.db');
    await addLocation(db);
    chmodSync(db, 0o644);
    openStoreAt(db, {}).close();
    expect(modeOf(db)).toBe(0o640);
  });
});

describe('the key file', () => {
  it('is named after its database: two databases in one folder have two keys', async () => {
    const folder = join(dir, 'some', 'dir');
    await addLocation(join(folder, 'x.db'));
    await addLocation(join(folder, 'y.db'));
    const x = readFileSync(join(folder, 'x.db.key'), 'utf8');
    const y = readFileSync(join(folder, 'y.db.key'), 'utf8');
    expect(x).not.toBe(y);
    expect(modeOf(join(folder, 'x.db.key'))).toBe(0o600);
    expect(existsSync(join(folder, 'secret.key'))).toBe(false);
  });

  it("is copied from the folder's secret.key for a database that used it", async () => {
    // What an older version made: the database, sealed with the folder's shared key.
    const db = join(dir, 'old.db');
    const shared = join(dir, 'secret.key');
    const old = BridgeStore.open(db, SecretBox.load({ keyFile: shared }));
    const location = old.locations.create(
      {
        name: 'Adelaide Office',
        pbxUrl: 'https://pbx.example.com:5001',
        clientId: '900',
        clientSecret: 'the-3cx-secret',
        country: 'AU',
        timezone: 'Australia/Adelaide',
      },
      new Date(),
    );
    old.close();

    const store = openStoreAt(db, {});
    try {
      expect(store.locations.clientSecret(location.id)).toBe('the-3cx-secret');
    } finally {
      store.close();
    }
    expect(readFileSync(`${db}.key`, 'utf8')).toBe(readFileSync(shared, 'utf8'));
    expect(modeOf(`${db}.key`)).toBe(0o600);
    // Other databases in the folder may still use it.
    expect(existsSync(shared)).toBe(true);
    // A new database in the same folder gets a key of its own.
    await addLocation(join(dir, 'new.db'));
    expect(readFileSync(join(dir, 'new.db.key'), 'utf8')).not.toBe(readFileSync(shared, 'utf8'));
  });

  it('that is not a key, or a BRIDGE_SECRET_KEY that is not one, is named with what to do', async () => {
    const db = join(dir, 'bridge.db');
    const short = await runCli(['location', 'list', '--db', db], { BRIDGE_SECRET_KEY: 'short' });
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/BRIDGE_SECRET_KEY must hold the bridge secret key: 32 bytes/);
    expect(short.stderr).toContain('openssl rand -base64 32');
    const keyFile = join(dir, 'broken.key');
    writeFileSync(keyFile, 'not a key\n');
    const broken = await runCli(['location', 'list', '--db', db], {
      BRIDGE_SECRET_KEY_FILE: keyFile,
    });
    expect(broken.stderr).toContain(`The key file ${keyFile} must hold the bridge secret key`);
  });

  it('is BRIDGE_SECRET_KEY_FILE when set, for every command', async () => {
    mkdirSync(join(dir, 'keys'));
    const env = { BRIDGE_SECRET_KEY_FILE: join(dir, 'keys', 'bridge.key') };
    const db = join(dir, 'bridge.db');
    await addLocation(db, 'Adelaide Office', env);
    expect(existsSync(env.BRIDGE_SECRET_KEY_FILE)).toBe(true);
    expect(existsSync(`${db}.key`)).toBe(false);
    const list = await runCli(['location', 'list', '--db', db], env);
    expect(list.code).toBe(0);
  });
});
