import { chmodSync, constants, copyFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SecretBox } from './secrets/secretBox';
import { BridgeStore } from './store/bridgeStore';
import { isPostgresUrl } from './store/database';
import { DEFAULT_MAX_SUBSCRIPTIONS_PER_LOCATION } from './store/subscriptions';

/** Where the bridge keeps its data unless told otherwise: `./data/bridge.db`. */
export const DEFAULT_DB_PATH = './data/bridge.db';
export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The store: `--db` (a file or a `postgres://` URL), else `BRIDGE_DATABASE_URL` (Postgres,
 * shared by several instances), else `BRIDGE_DB`, else `./data/bridge.db`.
 */
export function dbPathFrom(flag: string | undefined, env: Env): string {
  const given = flag ?? env.BRIDGE_DATABASE_URL ?? env.BRIDGE_DB ?? DEFAULT_DB_PATH;
  return isPostgresUrl(given) ? given : resolve(given);
}

/**
 * The key file of a database: `BRIDGE_SECRET_KEY_FILE`, else the database's own file beside it,
 * named after it (`x.db` → `x.db.key`), so two databases in one folder never share a key.
 */
export function secretKeyFileFor(dbPath: string, env: Env): string {
  return env.BRIDGE_SECRET_KEY_FILE ?? `${dbPath}.key`;
}

/**
 * The key that seals a database's secrets: `BRIDGE_SECRET_KEY`, else the key file
 * (`BRIDGE_SECRET_KEY_FILE`, or `<database>.key`, made on first use). Every command and `serve`
 * load it here, with the same environment.
 */
export function loadSecrets(dbPath: string, env: Env): SecretBox {
  if (isPostgresUrl(dbPath)) {
    // Every instance must open the secrets the others sealed: no key file made per machine.
    if (!env.BRIDGE_SECRET_KEY && !env.BRIDGE_SECRET_KEY_FILE)
      throw new Error(
        'A Postgres store is shared by every bridge instance, and so is the key that seals its secrets: set BRIDGE_SECRET_KEY (the same on every instance; the SQLite key file `data/bridge.db.key` holds it when you migrated) or BRIDGE_SECRET_KEY_FILE.',
      );
    return SecretBox.load({
      envKey: env.BRIDGE_SECRET_KEY,
      keyFile: env.BRIDGE_SECRET_KEY_FILE ?? '',
    });
  }
  if (!env.BRIDGE_SECRET_KEY && !env.BRIDGE_SECRET_KEY_FILE) adoptFolderKeyFile(dbPath);
  return SecretBox.load({ envKey: env.BRIDGE_SECRET_KEY, keyFile: secretKeyFileFor(dbPath, env) });
}

/**
 * Before 1.0 every database in a folder used that folder's `secret.key`. A database that
 * already exists without a key file of its own gets a copy of it (owner-only): its sealed
 * secrets open as before. The folder's file stays, as other databases there may use it.
 */
function adoptFolderKeyFile(dbPath: string): void {
  const own = `${dbPath}.key`;
  const shared = join(dirname(dbPath), 'secret.key');
  if (existsSync(own) || !existsSync(shared) || !existsSync(dbPath)) return;
  copyFileSync(shared, own, constants.COPYFILE_EXCL);
  chmodSync(own, 0o600);
}

/** Open the store as the CLI commands do (`serve` passes the same key to the service). */
export function openStoreAt(dbPath: string, env: Env): BridgeStore {
  return BridgeStore.open(dbPath, loadSecrets(dbPath, env));
}

export function portFrom(flag: string | undefined, env: Env): number {
  const text = flag ?? env.PORT ?? String(DEFAULT_PORT);
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`The port must be a number from 0 to 65535, not "${text}".`);
  return port;
}

/** `BRIDGE_MAX_SUBSCRIPTIONS_PER_LOCATION`: active subscriptions one location may have. */
export function maxSubscriptionsFrom(env: Env): number {
  const text = env.BRIDGE_MAX_SUBSCRIPTIONS_PER_LOCATION;
  if (text === undefined || text === '') return DEFAULT_MAX_SUBSCRIPTIONS_PER_LOCATION;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(
      `BRIDGE_MAX_SUBSCRIPTIONS_PER_LOCATION must be a whole number of at least 1, not "${text}".`,
    );
  return n;
}
