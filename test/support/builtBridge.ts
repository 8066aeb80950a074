import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/**
 * The real `3cx-bridge` process, for tests that must kill or signal it. The process runs the
 * compiled JavaScript in dist/ (what `npm start` runs), so `ensureBuilt()` rebuilds dist/ first
 * when any source is newer than its output: `npm test` type-checks but does not build.
 */
const ROOT = join(__dirname, '..', '..');
/** The folders and files the bridge's build (`tsc -b bridge`) compiles. */
const BUILD_INPUTS = ['index.ts', 'triggers', 'actions', 'lib', 'bridge', 'sim'];

function sourcesOf(path: string): string[] {
  const full = join(ROOT, path);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return path.endsWith('.ts') ? [path] : [];
  return readdirSync(full).flatMap((name) => sourcesOf(join(path, name)));
}

/** Sources whose compiled file in dist/ is missing or older than the source. */
export function staleSources(): string[] {
  const stale: string[] = [];
  const inputs = BUILD_INPUTS.flatMap(sourcesOf).filter((source) => !source.endsWith('.d.ts'));
  for (const source of inputs) {
    const output = join(ROOT, 'dist', source.replace(/\.ts$/, '.js'));
    if (!existsSync(output) || statSync(output).mtimeMs < statSync(join(ROOT, source)).mtimeMs)
      stale.push(relative(ROOT, join(ROOT, source)));
  }
  return stale;
}

/**
 * Build dist/ (`tsc -b bridge`, incremental) unless it is up to date. A lock directory keeps
 * two test workers from building at once; a build that fails to type-check fails the test.
 */
export async function ensureBuilt(): Promise<void> {
  if (staleSources().length === 0) return;
  const lock = join(
    tmpdir(),
    `3cx-bridge-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`,
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker builds; a lock older than two minutes was left by a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if (staleSources().length === 0) return;
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-b', 'bridge'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 110_000,
    });
    if (result.status !== 0)
      throw new Error(
        `building dist/ failed (exit ${result.status}):\n${result.stdout}${result.stderr}`,
      );
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A running `3cx-bridge` process and what it printed so far. */
export interface BridgeProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running, and wait for it. */
  kill(): Promise<void>;
}

/** A running `3cx-bridge serve`. */
export interface ServeProcess extends BridgeProcess {
  /** `http://127.0.0.1:PORT` as the process printed it. */
  url: string;
}

/**
 * `node bridge/bin/3cx-bridge.js ARGS` in `cwd` with a clean environment: only PATH, HOME and `env`
 * (LOG_LEVEL defaults to warn), so a developer's own settings never leak into a test. With
 * `terminal`, its output is a terminal, as when someone runs it by hand (util-linux `script`
 * gives it a pseudo-terminal; everything printed arrives on stdout).
 */
export function spawnBridgeProcess(
  args: string[],
  env: Record<string, string> = {},
  cwd = ROOT,
  options: { terminal?: boolean } = {},
): BridgeProcess {
  const command = [process.execPath, join(ROOT, 'bridge', 'bin', '3cx-bridge.js'), ...args];
  const [file, ...argv] = options.terminal
    ? [
        'script',
        '-qfec',
        command.map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' '),
        '/dev/null',
      ]
    : command;
  const child = spawn(file, argv, {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (err += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * `node bridge/bin/3cx-bridge.js serve --db <dbPath> --port 0` with a clean environment: resolves when
 * it prints the address it listens on.
 */
export async function spawnServe(
  dbPath: string,
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<ServeProcess> {
  const p = spawnBridgeProcess(['serve', '--db', dbPath, '--port', '0'], env);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      p.child.kill('SIGKILL');
      reject(
        new Error(`serve did not start within ${timeoutMs} ms:\n${p.stdout()}\n${p.stderr()}`),
      );
    }, timeoutMs);
    const check = () => {
      const match = /3CX bridge listening on (http:\/\/\S+) /.exec(p.stdout());
      if (match) {
        clearTimeout(timer);
        p.child.stdout!.off('data', check);
        resolve(match[1]);
      }
    };
    p.child.stdout!.on('data', check);
    void p.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `serve exited (${code ?? signal}) before listening:\n${p.stdout()}\n${p.stderr()}`,
        ),
      );
    });
  });
  return { ...p, url };
}
