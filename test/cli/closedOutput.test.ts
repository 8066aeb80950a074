import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt } from '../support/builtBridge';

/**
 * A command's output piped into a reader that stops early (`3cx-bridge report | head`): the
 * command finishes quietly, as shell tools do, instead of crashing with an EPIPE stack trace.
 */
it('a reader that closes early gets no stack trace', async () => {
  await ensureBuilt();
  const bin = join(__dirname, '..', '..', 'bridge', 'bin', '3cx-bridge.js');
  // `true` exits at once, long before the bridge has started and writes its help.
  const run = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" --help | true`], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status).toBe(0);
  expect(run.stderr).not.toContain('EPIPE');
  expect(run.stderr).toBe('');
}, 60_000);
