import { spawn } from 'node:child_process';

/**
 * Run `script` in a fresh Node process (`node -e`, with `args` as `process.argv[1…]`) whose
 * environment is `env` plus PATH, and resolve with the JSON it writes to standard output. For
 * what a process reads only when it starts, as Node reads NODE_EXTRA_CA_CERTS.
 */
export function runNodeScript<T>(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as T);
      } catch {
        reject(new Error(`child printed ${out}`));
      }
    });
  });
}
