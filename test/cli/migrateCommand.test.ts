import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticEvents } from '../../bench/syntheticEvents';
import { loadSecrets } from '../../bridge/config';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { testDatabaseUrl } from '../support/postgres/testPostgres';
import { runCli } from '../support/runCli';

/** `3cx-bridge migrate`: a SQLite store copied into Postgres without loss, safe to re-run. */
describe('3cx-bridge migrate --from sqlite:… --to postgres://…', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), '3cx-bridge-migrate-'));
    file = join(dir, 'bridge.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies locations, keys, secrets, events and pending deliveries, and refuses to copy twice unless told', async () => {
    const now = Date.UTC(2026, 2, 3, 9);
    const secrets = loadSecrets(file, {});
    const sqlite = BridgeStore.open(file, secrets);
    const location = sqlite.locations.create(
      {
        name: 'Adelaide Office',
        pbxUrl: 'https://pbx.example.com',
        clientId: 'bridge',
        clientSecret: 'the-3cx-secret',
        country: 'AU',
        timezone: 'Australia/Adelaide',
      },
      new Date(now),
    );
    const { key } = sqlite.apiKeys.create(location.id, 'zapier', new Date(now));
    const hook = sqlite.subscriptions.create(
      {
        locationId: location.id,
        kind: 'webhook',
        event: 'call.missed',
        targetUrl: 'https://example.com/h',
        signingSecret: 'whsec_abc',
      },
      // Before the synthetic calls (from 2 March): a subscription receives only what occurred
      // once it existed (bridge/store/outbox.ts), and the copy must carry pending deliveries.
      new Date(Date.UTC(2026, 2, 2, 8)),
    );
    // More rows than one batch, so the copy pages.
    for (const event of syntheticEvents(1200, { locationId: location.id }))
      sqlite.events.append(location.id, event, { now });
    const feed = sqlite.events.feed(location.id, { limit: 50 });
    const pending = sqlite.deliveries.countsByStatus().pending;
    sqlite.close();

    const url = await testDatabaseUrl();
    const migrate = (...extra: string[]) =>
      runCli(['migrate', '--from', `sqlite:${file}`, '--to', url, ...extra]);
    const first = await migrate();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('events: 1,200 of 1,200');
    expect(first.stdout).toContain('the counts match');
    expect(first.stdout).not.toContain(new URL(url).password);

    const postgres = BridgeStore.open(url, secrets);
    try {
      expect(postgres.apiKeys.authenticate(key, new Date(now))?.locationId).toBe(location.id);
      expect(postgres.locations.clientSecret(location.id)).toBe('the-3cx-secret');
      expect(postgres.subscriptions.signingSecret(hook.id)).toBe('whsec_abc');
      expect(postgres.events.feed(location.id, { limit: 50 })).toEqual(feed);
      expect(postgres.deliveries.countsByStatus().pending).toBe(pending);
      expect(pending).toBeGreaterThan(0);
      // New rows continue after the copied ones.
      const [next] = syntheticEvents(1201, { locationId: location.id }).slice(-1);
      expect(postgres.events.append(location.id, next, { now })).toBeGreaterThan(
        feed.events[0].seq,
      );
    } finally {
      postgres.close();
    }

    const again = await migrate();
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds \d+ rows.*--into-non-empty/);
    const rerun = await migrate('--into-non-empty');
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('the counts match');
  });
});
