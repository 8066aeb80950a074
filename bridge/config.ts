import { join, resolve } from 'node:path';
import { SecretBox } from './secrets/secretBox';
import { BridgeStore } from './store/bridgeStore';
import { DEFAULT_MAX_SUBSCRIPTIONS_PER_LOCATION } from './store/subscriptions';

/** Where the bridge keeps its data unless told otherwise: `./data/bridge.db`. */
export const DEFAULT_DB_PATH = './data/bridge.db';
export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';

export type Env = Readonly<Record<string, string | undefined>>;

export function dbPathFrom(flag: string | undefined, env: Env): string {
  return resolve(flag ?? env.BRIDGE_DB ?? DEFAULT_DB_PATH);
}

/** The secret key file lives beside the database unless `BRIDGE_SECRET_KEY` is set. */
export function secretKeyFileFor(dbPath: string, env: Env): string {
  return env.BRIDGE_SECRET_KEY_FILE ?? join(dbPath, '..', 'secret.key');
}

/**
 * The key that seals a database's secrets: `BRIDGE_SECRET_KEY`, else the key file
 * (`BRIDGE_SECRET_KEY_FILE`, or `secret.key` beside the database, made on first use).
 */
export function loadSecrets(dbPath: string, env: Env): SecretBox {
  return SecretBox.load({ envKey: env.BRIDGE_SECRET_KEY, keyFile: secretKeyFileFor(dbPath, env) });
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
