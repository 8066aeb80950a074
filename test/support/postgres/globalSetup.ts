import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The jest run's folder for its one embedded Postgres: started by the first test file that
 * needs it (testPostgres.ts), stopped by globalTeardown.ts. A run that needs no Postgres pays
 * nothing (measured: initdb and start take about 2.3 s here, a database per file 0.4 s).
 */
export default function globalSetup(): void {
  process.env.BRIDGE_TEST_PG_RUN_DIR = mkdtempSync(join(tmpdir(), '3cx-bridge-pgrun-'));
  process.env.BRIDGE_TEST_OWNER_PID = String(process.pid);
}
