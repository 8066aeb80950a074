import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { testDatabaseUrl, type TestStoreKind } from '../support/postgres/testPostgres';

/** The stores every store test runs on. */
export const STORE_KINDS: readonly TestStoreKind[] = ['sqlite', 'postgres'];

/** A fresh, empty store of one kind (a temp SQLite file, or a new Postgres database). */
export async function openTestStore(
  kind: TestStoreKind,
): Promise<{ store: BridgeStore; target: string; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), '3cx-bridge-store-'));
  const target = kind === 'sqlite' ? join(dir, 'bridge.db') : await testDatabaseUrl();
  const store = BridgeStore.open(target, SecretBox.fromKey(Buffer.alloc(32, 7)));
  return {
    store,
    target,
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
