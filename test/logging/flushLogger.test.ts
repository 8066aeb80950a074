import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createLogger, flushLogger } from '../../bridge/logger';

/** `serve` waits for `flushLogger` after stopping: what was logged is written by then. */
describe('flushLogger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), '3cx-bridge-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves once the lines a buffering writer still holds are in the file', async () => {
    const file = join(dir, 'bridge.log');
    // A writer that holds lines until 4 KB have gathered: without a flush, nothing is written.
    const destination = pino.destination({ dest: file, minLength: 4096, sync: false });
    await new Promise((resolve) => destination.once('ready', resolve));
    const logger = createLogger({
      level: 'info',
      destination: destination as unknown as NodeJS.WritableStream,
    });
    logger.info({ locationId: 'l1' }, 'the last line before the exit');
    expect(readFileSync(file, 'utf8')).toBe('');

    await flushLogger(logger);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'the last line before the exit',
    ]);
    destination.end();
  });
});
