import { Command, CommanderError } from 'commander';
import { processIo, UsageError, type CliIo } from './io';
import { registerCallsCommand } from './callsCommand';
import { registerCaptureCommand } from './captureCommand';
import { registerCheckCommand } from './checkCommand';
import { registerContextCommands } from './contextCommands';
import { registerKeyCommands } from './keyCommands';
import { registerLocationCommands } from './locationCommands';
import { registerMigrateCommand } from './migrateCommand';
import { registerReportCommands } from './reportCommand';
import { registerReplayCommand } from './replayCommand';
import { registerServeCommand } from './serveCommand';
import { registerSettleCommand } from './settleCommand';
import { registerTestEventCommand } from './testEventCommand';
import { registerWebhookCommands } from './webhookCommands';
import { isThreeCxError } from '../../lib/threecx/errors';
import packageJson from '../../package.json';

/**
 * `3cx-bridge`: the bridge's command line. Every command is registered from its own file.
 * Returns the exit code: 0 fine, 1 failed, 2 bad usage or bad input (the user can fix it).
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = new Command('3cx-bridge')
    .description('The 3CX missed-call bridge: 3CX call history in, one clean event per call out.')
    .version(packageJson.version)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  let exitCode = 0;
  registerServeCommand(program, io);
  registerLocationCommands(program, io);
  registerKeyCommands(program, io);
  registerWebhookCommands(program, io);
  registerTestEventCommand(program, io);
  registerContextCommands(program, io);
  registerReportCommands(program, io);
  registerCheckCommand(program, io, (code) => {
    exitCode = code;
  });
  registerCallsCommand(program, io);
  registerCaptureCommand(program, io);
  registerSettleCommand(program, io);
  registerReplayCommand(program, io);
  registerMigrateCommand(program, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      io.stderr(`3cx-bridge: ${err.message}\n`);
      return 2;
    }
    if (isThreeCxError(err)) {
      io.stderr(`3cx-bridge: ${err.message}\n`);
      return 1;
    }
    io.stderr(`3cx-bridge: ${(err as Error).message}\n`);
    return 1;
  }
}

/** Entry point of `bin/3cx-bridge.js`. */
export function run(): void {
  // `3cx-bridge report | head`: the reader went away. What is left to print has nowhere to
  // go, which is not the command's failure (without a listener Node throws, with a stack).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`3cx-bridge: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
