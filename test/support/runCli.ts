import { main } from '../../bridge/cli/main';

/** Run `3cx-bridge …` in-process, capturing what it prints, with its own environment. */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
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
