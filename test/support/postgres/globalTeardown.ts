import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Stop the run's embedded Postgres, if a test started it, and remove its folder. */
export default async function globalTeardown(): Promise<void> {
  const runDir = process.env.BRIDGE_TEST_PG_RUN_DIR;
  if (!runDir) return;
  const pidFile = join(runDir, 'pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        process.kill(pid, 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch {
      // Gone: stopped.
    }
  }
  rmSync(runDir, { recursive: true, force: true });
}
