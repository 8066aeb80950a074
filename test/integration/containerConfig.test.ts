import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEnvLocation, envLocationWarnings } from '../../bridge/envLocation';
import { openStoreAt } from '../../bridge/config';

/**
 * A container configured only by environment variables, without BRIDGE_API_KEY: the location
 * exists but nothing can reach it. The operator must be told on start, and told how to fix it,
 * without a key ever being written to the (collected) log.
 */
describe('a location from the environment without an API key', () => {
  const env = {
    THREECX_URL: 'https://pbx.example.com:5001',
    THREECX_CLIENT_ID: '900',
    THREECX_CLIENT_SECRET: 's3cret',
    BRIDGE_LOCATION_NAME: 'Perth Office',
  };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), '3cx-env-nokey-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('warns with the command that fixes it, until a usable key exists', () => {
    const store = openStoreAt(join(dir, 'bridge.db'), env);
    try {
      const location = ensureEnvLocation(store, env, new Date());
      const [warning, ...more] = envLocationWarnings(store, location);
      expect(more).toEqual([]);
      expect(warning).toContain('"Perth Office"');
      expect(warning).toContain(`key create --location ${location!.id}`);
      expect(warning).toContain('BRIDGE_API_KEY');
      expect(warning).not.toMatch(/cxb_/);

      const { info } = store.apiKeys.create(location!.id, 'zapier', new Date());
      expect(envLocationWarnings(store, location)).toEqual([]);

      store.apiKeys.revoke(info.id, new Date());
      expect(envLocationWarnings(store, location)).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  it('says nothing when no location comes from the environment', () => {
    const store = openStoreAt(join(dir, 'bridge.db'), {});
    try {
      expect(envLocationWarnings(store, ensureEnvLocation(store, {}, new Date()))).toEqual([]);
    } finally {
      store.close();
    }
  });
});
