import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStoreAt } from '../../bridge/config';
import { runCli } from '../support/runCli';

describe('3cx-bridge admin commands', () => {
  let dir: string;
  let db: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), '3cx-cli-'));
    db = join(dir, 'bridge.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const add = (extra: string[] = []) =>
    runCli(
      [
        'location',
        'add',
        '--name',
        'Adelaide Office',
        '--pbx-url',
        'https://pbx.example.com:5001/#/dashboard',
        '--client-id',
        '900',
        '--country',
        'au',
        '--timezone',
        'Australia/Adelaide',
        '--db',
        db,
        ...extra,
      ],
      { THREECX_CLIENT_SECRET: 'from-the-environment' },
    );

  it('adds a location, prints its key once, and lists it without secrets', async () => {
    const added = await add();
    expect(added.code).toBe(0);
    const key = /API key \(shown once, store it now\): (cxb_\S+)/.exec(added.stdout)?.[1];
    expect(key).toMatch(/^cxb_[A-Za-z0-9_-]{43}$/);
    expect(added.stdout).toContain('https://pbx.example.com:5001');
    expect(added.stdout).not.toContain('from-the-environment');
    // The key file that seals the 3CX secret is private to the owner.
    expect(statSync(join(dir, 'bridge.db.key')).mode & 0o077).toBe(0);
    const list = await runCli(['location', 'list', '--db', db, '--json']);
    const rows = JSON.parse(list.stdout);
    expect(rows).toEqual([
      expect.objectContaining({
        name: 'Adelaide Office',
        country: 'AU',
        timezone: 'Australia/Adelaide',
        keys: 1,
      }),
    ]);
    expect(list.stdout).not.toContain(key!);
  });

  it('refuses bad input with a message naming the flag, and exit code 2', async () => {
    const noSecret = await runCli([
      'location',
      'add',
      '--name',
      'X',
      '--pbx-url',
      'https://pbx',
      '--client-id',
      '9',
      '--country',
      'AU',
      '--timezone',
      'Australia/Adelaide',
      '--db',
      db,
    ]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/client-secret/);
    const badZone = await runCli([
      'location',
      'add',
      '--name',
      'X',
      '--country',
      'AU',
      '--timezone',
      'Mars/Olympus',
      '--db',
      db,
    ]);
    expect(badZone.code).toBe(2);
    expect(badZone.stderr).toMatch(/timezone/);
    const badCountry = await runCli([
      'location',
      'add',
      '--name',
      'X',
      '--country',
      'Narnia',
      '--timezone',
      'Australia/Adelaide',
      '--db',
      db,
    ]);
    expect(badCountry.code).toBe(2);
    expect((await runCli(['location', 'list', '--db', db, '--json'])).stdout.trim()).toBe('[]');
  });

  it('creates, lists and revokes keys', async () => {
    await add();
    const created = await runCli([
      'key',
      'create',
      '--location',
      'Adelaide Office',
      '--label',
      'Zapier',
      '--db',
      db,
    ]);
    expect(created.code).toBe(0);
    const keyId = /Created key (key_\S+)/.exec(created.stdout)![1];
    const listed = await runCli(['key', 'list', '--location', 'Adelaide Office', '--db', db]);
    expect(listed.stdout).toContain(keyId);
    expect(listed.stdout).toContain('Zapier');
    expect((await runCli(['key', 'revoke', keyId, '--db', db])).code).toBe(0);
    const again = await runCli(['key', 'revoke', keyId, '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(keyId);
  });

  it('adds a signed webhook, shows its secret once, and removes it', async () => {
    await add();
    const added = await runCli([
      'webhook',
      'add',
      '--location',
      'Adelaide Office',
      '--url',
      'https://hooks.example.com/in',
      '--event',
      'call.missed',
      '--filters',
      '{"business_hours":"in_hours"}',
      '--db',
      db,
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/Signing secret \(shown once\): whsec_/);
    const id = /Added webhook (hook_\S+):/.exec(added.stdout)![1];
    expect(
      (await runCli(['webhook', 'list', '--location', 'Adelaide Office', '--db', db])).stdout,
    ).toContain('in_hours');
    const http = await runCli([
      'webhook',
      'add',
      '--location',
      'Adelaide Office',
      '--url',
      'http://hooks.example.com/in',
      '--event',
      'call.missed',
      '--db',
      db,
    ]);
    expect(http.code).toBe(2);
    const badFilter = await runCli([
      'webhook',
      'add',
      '--location',
      'Adelaide Office',
      '--url',
      'https://x.example.com',
      '--event',
      'call.missed',
      '--filters',
      '{"colour":"red"}',
      '--db',
      db,
    ]);
    expect(badFilter.code).toBe(2);
    expect(
      (await runCli(['webhook', 'remove', id, '--location', 'Adelaide Office', '--db', db])).code,
    ).toBe(0);
  });

  it('manages source lists and business hours, validating before storing', async () => {
    await add();
    const sales = await runCli([
      'source-list',
      'set',
      '--location',
      'Adelaide Office',
      '--id',
      'sales',
      '--name',
      'Sales line',
      '--numbers',
      '08 8123 4501',
      '--db',
      db,
    ]);
    expect(sales.code).toBe(0);
    expect(sales.stdout).toContain('+61881234501');
    const clash = await runCli([
      'source-list',
      'set',
      '--location',
      'Adelaide Office',
      '--id',
      'support',
      '--name',
      'Support',
      '--numbers',
      '+61881234501',
      '--db',
      db,
    ]);
    expect(clash.code).toBe(2);
    expect(
      (await runCli(['source-list', 'list', '--location', 'Adelaide Office', '--db', db])).stdout,
    ).not.toContain('support');
    const hours = await runCli([
      'hours',
      'set',
      '--location',
      'Adelaide Office',
      '--weekly',
      'mon-fri 08:30-12:30,13:30-17:00; sat 10:00-14:00',
      '--db',
      db,
    ]);
    expect(hours.code).toBe(0);
    const shown = JSON.parse(
      (await runCli(['hours', 'show', '--location', 'Adelaide Office', '--db', db])).stdout,
    );
    expect(shown.weekly.saturday).toEqual([{ start: '10:00', end: '14:00' }]);
    expect(shown.weekly.sunday).toEqual([]);
    expect(shown.timezone).toBe('Australia/Adelaide');
    expect(
      (
        await runCli([
          'hours',
          'holiday',
          '--location',
          'Adelaide Office',
          '--name',
          'Christmas Day',
          '--date',
          '2026-12-25',
          '--recurring',
          '--db',
          db,
        ])
      ).code,
    ).toBe(0);
    const badWeek = await runCli([
      'hours',
      'set',
      '--location',
      'Adelaide Office',
      '--weekly',
      'someday 9-5',
      '--db',
      db,
    ]);
    expect(badWeek.code).toBe(2);
  });

  it('connects a location to 3CX, or changes its address, client or secret, keeping its keys', async () => {
    const added = await add();
    const key = /API key \(shown once, store it now\): (cxb_\S+)/.exec(added.stdout)![1];
    const connect = (flags: string[], env: Record<string, string> = {}) =>
      runCli(['location', 'connect', 'Adelaide Office', ...flags, '--db', db], env);
    const stored = () => {
      const store = openStoreAt(db, {});
      try {
        const [loc] = store.locations.list();
        return {
          pbxUrl: loc.pbxUrl,
          clientId: loc.clientId,
          secret: store.locations.clientSecret(loc.id),
          keyWorks: store.apiKeys.authenticate(key, new Date())?.locationId === loc.id,
        };
      } finally {
        store.close();
      }
    };

    // A rotated secret, from the environment: address and client stay.
    const rotated = await connect([], { THREECX_CLIENT_SECRET: 'rotated-secret' });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain(
      'now polls https://pbx.example.com:5001 as API client 900 (new secret stored)',
    );
    expect(stored()).toEqual({
      pbxUrl: 'https://pbx.example.com:5001',
      clientId: '900',
      secret: 'rotated-secret',
      keyWorks: true,
    });

    // The PBX moved: a new address keeps the client and its secret.
    const moved = await connect(['--pbx-url', 'pbx2.example.com:5001']);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain('(secret kept)');
    expect(moved.stderr).toContain('using https://pbx2.example.com:5001');
    expect(stored()).toMatchObject({
      pbxUrl: 'https://pbx2.example.com:5001',
      secret: 'rotated-secret',
    });

    // Another API client needs its own secret; nothing given means nothing to change.
    const noSecret = await connect(['--client-id', '901']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('API client 901 needs its secret');
    const nothing = await connect([]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('Nothing to change');
    expect(stored()).toMatchObject({ clientId: '900', secret: 'rotated-secret', keyWorks: true });

    // Another location's client is refused unless forced (one live token per API client).
    await runCli(
      [
        'location',
        'add',
        '--name',
        'Darwin',
        '--pbx-url',
        'https://pbx2.example.com:5001',
        '--client-id',
        '902',
        '--country',
        'AU',
        '--timezone',
        'Australia/Darwin',
        '--db',
        db,
      ],
      { THREECX_CLIENT_SECRET: 's' },
    );
    const shared = await connect(['--client-id', '902', '--client-secret', 'x']);
    expect(shared.code).toBe(2);
    expect(shared.stderr).toContain('Location "Darwin" already polls');
    const forced = await connect(['--client-id', '902', '--client-secret', 'x', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('Connected anyway (--force)');
  });

  it('changes settings and removes a location only when confirmed', async () => {
    await add();
    const set = await runCli([
      'location',
      'set',
      'Adelaide Office',
      '--grace',
      '15',
      '--cooldown',
      '0',
      '--db',
      db,
    ]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('"graceSeconds": 15');
    expect(set.stdout).toContain('"callControl": "auto"');
    const stream = await runCli([
      'location',
      'set',
      'Adelaide Office',
      '--call-control',
      'off',
      '--fast-settle-quiet',
      '2',
      '--db',
      db,
    ]);
    expect(stream.code).toBe(0);
    expect(stream.stdout).toContain('"callControl": "off"');
    expect(stream.stdout).toContain('"fastSettleQuietSeconds": 2');
    const wrong = await runCli([
      'location',
      'set',
      'Adelaide Office',
      '--call-control',
      'maybe',
      '--db',
      db,
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/callControl/);
    // yes/no options: a word that is neither is refused, not taken for "no".
    const internal = (value: string) =>
      runCli(['location', 'set', 'Adelaide Office', '--include-internal', value, '--db', db]);
    expect((await internal('yes')).stdout).toContain('"includeInternal": true');
    const unclear = await internal('perhaps');
    expect(unclear.code).toBe(2);
    expect(unclear.stderr).toContain('--include-internal takes yes or no, not "perhaps"');
    expect((await internal('no')).stdout).toContain('"includeInternal": false');
    expect(
      (await runCli(['location', 'set', 'Adelaide Office', '--grace', 'soon', '--db', db])).code,
    ).toBe(2);
    // Where the office is, fixed without removing the location (and its keys): checked first,
    // a wrong zone changes nothing.
    const place = (...flags: string[]) =>
      runCli(['location', 'set', 'Adelaide Office', ...flags, '--db', db]);
    const moved = await place('--country', 'nz', '--timezone', 'Pacific/Auckland');
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain('"Adelaide Office" (NZ, Pacific/Auckland)');
    const badZone = await place('--timezone', 'Pacific/Atlantis', '--grace', '20');
    expect(badZone.code).toBe(2);
    expect(badZone.stderr).toMatch(/--timezone/);
    const [stored] = JSON.parse((await runCli(['location', 'list', '--db', db, '--json'])).stdout);
    expect(stored).toMatchObject({ country: 'NZ', timezone: 'Pacific/Auckland' });
    expect((await place()).stdout).toContain('"graceSeconds": 15');
    const unconfirmed = await runCli(['location', 'remove', 'Adelaide Office', '--db', db]);
    expect(unconfirmed.code).toBe(2);
    expect(
      (await runCli(['location', 'remove', 'Adelaide Office', '--yes', '--db', db])).code,
    ).toBe(0);
    expect((await runCli(['location', 'list', '--db', db, '--json'])).stdout.trim()).toBe('[]');
  });
});
