import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEnvLocation, envLocationWarnings } from '../../bridge/envLocation';
import { openStoreAt } from '../../bridge/config';
import { UsageError } from '../../bridge/cli/io';
import { findLocation } from '../../bridge/cli/locationCommands';

/** A container configured only by environment variables: its location. */
const env = {
  THREECX_URL: 'https://pbx.example.com:5001',
  THREECX_CLIENT_ID: '900',
  THREECX_CLIENT_SECRET: 's3cret',
  BRIDGE_LOCATION_NAME: 'Perth Office',
};
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), '3cx-env-location-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A container configured only by environment variables, without BRIDGE_API_KEY: the location
 * exists but nothing can reach it. The operator must be told on start, and told how to fix it,
 * without a key ever being written to the (collected) log.
 */
describe('a location from the environment without an API key', () => {
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

/**
 * The environment's location is created once and then left alone (changes made with the CLI
 * stick), so a misspelt time zone or country would be stored for good and fail every poll.
 */
describe('a location from the environment with a wrong time zone or country', () => {
  it.each([
    [{ BRIDGE_TIMEZONE: 'Australia/Pert' }, /^BRIDGE_TIMEZONE: .*Australia\/Pert/],
    [{ BRIDGE_COUNTRY: 'Australia' }, /^BRIDGE_COUNTRY: /],
  ])('is refused before it is stored, naming the variable (%o)', (wrong, message) => {
    const store = openStoreAt(join(dir, 'bridge.db'), env);
    try {
      expect(() => ensureEnvLocation(store, { ...env, ...wrong }, new Date())).toThrow(message);
      expect(store.locations.list()).toEqual([]);
      // Corrected, the next start creates it.
      const fixed = ensureEnvLocation(
        store,
        { ...env, BRIDGE_TIMEZONE: 'Australia/Perth' },
        new Date(),
      );
      expect(fixed?.timezone).toBe('Australia/Perth');
    } finally {
      store.close();
    }
  });
});

describe('a database holding two locations of one name (made before names were unique)', () => {
  it('makes the CLI name both ids, as a usage error the user fixes with an id', () => {
    const store = openStoreAt(join(dir, 'bridge.db'), {});
    try {
      const location = { country: 'AU', timezone: 'Australia/Adelaide', name: 'Adelaide Office' };
      const a = store.locations.create(location, new Date());
      const b = store.locations.create(location, new Date());
      let thrown: unknown;
      try {
        findLocation(store, 'Adelaide Office');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UsageError);
      expect((thrown as Error).message).toContain(a.id);
      expect((thrown as Error).message).toContain(b.id);
      expect((thrown as Error).message).toMatch(/use the id/);
      expect(findLocation(store, b.id).id).toBe(b.id);
    } finally {
      store.close();
    }
  });
});
