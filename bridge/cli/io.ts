/** Where a command writes: the process by default, buffers in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Read a file path, or standard input for `-`. */
  readInput: (path: string) => Promise<string>;
  /** Environment variables (container configuration, secrets kept off the command line). */
  env: Readonly<Record<string, string | undefined>>;
  /** Standard output is a terminal (a person reads it): `serve` logs readable lines, not JSON. */
  stdoutIsTerminal?: boolean;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readInput: async (path) => {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    const { readFile } = await import('node:fs/promises');
    return readFile(path, 'utf8');
  },
  env: process.env,
  stdoutIsTerminal: process.stdout.isTTY === true,
};

/** A failure the user caused and can fix: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
