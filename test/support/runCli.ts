import { main } from '../../bridge/cli/main';
import { testDatabaseUrl, testStoreKind } from './postgres/testPostgres';

/** Run `3cx-bridge …` in-process, capturing what it prints, with its own environment. */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  // Postgres runs: `--db <file>` names the database that file stands for (testBridge.ts), and
  // the key is the file's key file, as the test bridge loaded it.
  const at = args.indexOf('--db');
  if (testStoreKind() === 'postgres' && at >= 0 && !/^postgres/.test(args[at + 1] ?? '')) {
    const file = args[at + 1];
    args = [...args.slice(0, at + 1), await testDatabaseUrl(file), ...args.slice(at + 2)];
    env = { BRIDGE_SECRET_KEY_FILE: `${file}.key`, ...env };
  }
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readInput: async (path) => {
      if (path === '-') return stdin;
      const { readFile } = await import('node:fs/promises');
      return readFile(path, 'utf8');
    },
    env,
  });
  return { code, stdout, stderr };
}

/** `location add` for a location polling `pbxUrl` as API client `clientId`, in the database `db`. */
export function locationAddArgs(
  name: string,
  pbxUrl: string,
  clientId: string,
  db: string,
  zone = { country: 'AU', timezone: 'Australia/Adelaide' },
): string[] {
  return ['location', 'add', '--name', name, '--pbx-url', pbxUrl, '--client-id', clientId].concat([
    '--country',
    zone.country,
    '--timezone',
    zone.timezone,
    '--db',
    db,
  ]);
}
