import type { Command } from 'commander';
import { checkConnection } from '../../lib/threecx/checkConnection';
import { checkCallControl } from '../callcontrol/checkCallControl';
import type { CliIo } from './io';
import { addPbxOptions, connectFromFlags, type PbxFlags } from './pbxConnection';

/**
 * `3cx-bridge check`: the connection to 3CX, step by step (reachable, token, version,
 * permission to read the call log), each failure with what to fix. Exit code 1 on a failure.
 */
export function registerCheckCommand(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  addPbxOptions(
    program.command('check').description('Check the connection to a 3CX PBX step by step'),
  ).action(async (flags: PbxFlags) => {
    const { client, pbxUrl, transport, allowSelfSignedTls } = connectFromFlags(flags, io);
    io.stdout(`Checking ${pbxUrl} …\n`);
    const steps = await checkConnection(client);
    for (const step of steps) {
      const mark = step.skipped ? '–' : step.ok ? '✓' : '✗';
      io.stdout(`${mark} ${step.step.padEnd(9)} ${step.detail}\n`);
      if (!step.ok && !step.skipped && step.fix) io.stdout(`  → ${step.fix}\n`);
    }
    const ok = steps.every((s) => s.ok || s.skipped);
    // Call Control is optional (the location is polled either way): it informs, never fails.
    if (steps.find((s) => s.step === 'token')?.ok) {
      const cc = await checkCallControl(client, transport, { allowSelfSignedTls });
      const mark = cc.level === 'ok' ? '✓' : cc.level === 'warn' ? '!' : '–';
      io.stdout(`${mark} ${'callctl'.padEnd(9)} ${cc.detail}\n`);
      if (cc.fix) io.stdout(`  → ${cc.fix}\n`);
    }
    io.stdout(
      ok
        ? "\nAll good: the bridge can read this PBX's call history.\n"
        : '\nFix the first ✗ above and run the check again.\n',
    );
    if (!ok) setExitCode(1);
  });
}
