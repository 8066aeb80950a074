import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openStoreAt } from '../../bridge/config';
import { generateApiKey, hashApiKey } from '../../bridge/secrets/apiKeys';
import { MIGRATIONS } from '../../bridge/store/schema';
import { runCli } from '../support/runCli';
import {
  addJournalOnlyLocation,
  api,
  journal,
  threecxFor,
} from '../support/template/journalTestKit';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * The key typed into the PBX's CRM template is a template-scoped key (issue 14, item 7): it
 * reaches lookup, contacts and the journal, and nothing under /v1, so whoever reads it off the
 * 3CX console cannot read the location's calls or redirect its hooks. Contact links are
 * http(s) only: 3CX shows them to agents as links.
 */
let t: TestBridge;
let office: { locationId: string; apiKey: string };
beforeEach(async () => {
  t = await startTestBridge();
  office = addJournalOnlyLocation(t, 'Darwin Office');
});
afterEach(() => t.close());

/** `key create --scope template` on the running bridge's database, as an admin runs it. */
async function createTemplateKey(): Promise<string> {
  const created = await runCli([
    'key',
    'create',
    '--location',
    'Darwin Office',
    '--scope',
    'template',
    '--label',
    '3CX template',
    '--db',
    t.dbPath,
  ]);
  expect(created.code).toBe(0);
  expect(created.stdout).toMatch(/only for the 3CX CRM template/);
  return /API key \(shown once, store it now\): (cxb_\S+)/.exec(created.stdout)![1];
}

describe('a template-scoped key', () => {
  it('does everything 3cx-template.xml does', async () => {
    const key = await createTemplateKey();
    const threecx = threecxFor(t, key);
    const now = t.sim.clock.now();

    const [created] = await threecx.run('CreateContactRecordFromClient', {
      Number: '+61499999999',
      FirstName: 'Sam',
      LastName: 'Lee',
    });
    expect(created.response?.status).toBe(200);
    expect((await threecx.lookup('0499999999')).contact).toMatchObject({ FirstName: 'Sam' });
    const reported = await journal(threecx, {
      callType: 'Missed',
      number: '+61412345678',
      agent: '101',
      startedAt: now - 30_000,
      endedAt: now - 2_000,
    });
    expect(reported.response?.status).toBe(200);
    expect(reported.matched).toBe(true);
    expect((await api(t, key, 'GET', '/3cx/contacts/%2B61499999999')).status).toBe(200);
  });

  it('gets 403 on every /v1 route, saying which key to use instead', async () => {
    const key = await createTemplateKey();
    for (const [method, path, body] of [
      ['GET', '/v1/me'],
      ['GET', '/v1/calls'],
      ['GET', '/v1/events'],
      ['GET', '/v1/hooks'],
      ['POST', '/v1/hooks', { target_url: 'https://attacker.example/x', event: 'call.missed' }],
      ['PUT', '/v1/source-lists', { lists: [], default_list: null }],
      ['POST', '/v1/test-events'],
    ] as const) {
      const answer = await api(t, key, method, path, body);
      expect([method, path, answer.status, answer.body]).toEqual([
        method,
        path,
        403,
        { error: 'forbidden', message: expect.stringMatching(/3CX CRM template.*key create/) },
      ]);
    }
    // Nothing was subscribed.
    expect(t.bridge.store.subscriptions.listActive(office.locationId)).toEqual([]);
  });

  it('is listed with its scope; full keys keep working on both', async () => {
    await createTemplateKey();
    const listed = await runCli(['key', 'list', '--location', 'Darwin Office', '--db', t.dbPath]);
    expect(listed.stdout).toMatch(/scope/);
    expect(listed.stdout).toMatch(/template/);
    expect(listed.stdout).toMatch(/full/);

    expect((await api(t, office.apiKey, 'GET', '/v1/me')).status).toBe(200);
    expect((await threecxFor(t, office.apiKey).lookup('0499999999')).run.response?.status).toBe(
      200,
    );
  });

  it('refuses a scope it does not know', async () => {
    const wrong = await runCli([
      'key',
      'create',
      '--location',
      'Darwin Office',
      '--scope',
      'admin',
      '--db',
      t.dbPath,
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--scope must be full or template/);
  });
});

describe('contact links', () => {
  it('are http(s) only: a javascript: or data: URL is refused and never served', async () => {
    for (const url of [
      'javascript:alert(document.cookie)',
      'JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      'crm.example.com/contacts/1',
    ]) {
      const refused = await api(t, office.apiKey, 'POST', '/3cx/contacts', {
        number: '+61499999999',
        first_name: 'Sam',
        url,
      });
      expect([url, refused.status, refused.body.details]).toEqual([
        url,
        400,
        [{ path: 'url', message: 'must be an http:// or https:// URL' }],
      ]);
    }
    const lookup = await api(t, office.apiKey, 'GET', '/3cx/lookup?number=0499999999');
    expect(lookup.body).toEqual({ found: false });

    const accepted = await api(t, office.apiKey, 'POST', '/3cx/contacts', {
      number: '+61499999999',
      first_name: 'Sam',
      url: 'https://crm.example.com/contacts/1',
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.contact.url).toBe('https://crm.example.com/contacts/1');
  });
});

describe('a database from before key scopes and the contact-link rule', () => {
  it('keeps its keys as full keys and drops stored links that are not http(s)', async () => {
    const dir = mkdtempSync(join(tmpdir(), '3cx-scope-migration-'));
    try {
      const dbPath = join(dir, 'bridge.db');
      const raw = new DatabaseSync(dbPath);
      for (const sql of MIGRATIONS.slice(0, 4)) raw.exec(sql);
      raw.exec('PRAGMA user_version = 4');
      raw.exec(`INSERT INTO locations (id, name, country, timezone, created_at)
        VALUES ('loc_1', 'Old Office', 'AU', 'Australia/Darwin', '2026-01-01T00:00:00Z')`);
      const oldKey = generateApiKey();
      raw
        .prepare(
          `INSERT INTO api_keys (id, location_id, key_hash, prefix, created_at)
           VALUES ('key_1', 'loc_1', ?, 'cxb_…', '2026-01-01T00:00:00Z')`,
        )
        .run(hashApiKey(oldKey));
      raw.exec(`INSERT INTO contacts (location_id, number_key, name, url, source, updated_at) VALUES
        ('loc_1', '+61411111111', 'Bad', 'javascript:alert(1)', 'template', '2026-01-01T00:00:00Z'),
        ('loc_1', '+61422222222', 'Good', 'https://crm.example.com/2', 'template', '2026-01-01T00:00:00Z')`);
      raw.close();

      const store = openStoreAt(dbPath, {});
      try {
        expect(store.apiKeys.authenticate(oldKey, new Date())).toMatchObject({ scope: 'full' });
        expect(store.contacts.find('loc_1', '+61411111111')).toMatchObject({
          name: 'Bad',
          url: null,
        });
        expect(store.contacts.find('loc_1', '+61422222222')?.url).toBe('https://crm.example.com/2');
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
