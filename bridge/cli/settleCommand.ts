import type { Command } from 'commander';
import { settleCalls } from '../../lib/settleCalls';
import { settleResultFacts } from '../../lib/settledCall';
import { validateCallLegs } from '../../lib/threecx/validateCallLegs';
import { DEFAULT_VOICEMAIL_LEFT_SECONDS } from '../../lib/voicemailLeft';
import { toMillis } from '../../lib/utcTime';
import { UsageError, type CliIo } from './io';

interface SettleFlags {
  now?: string;
  active?: string;
  grace?: string;
  country?: string;
  voicemailLeft?: string;
}

/**
 * `3cx-bridge settle FILE`: run the settle engine on saved call-log rows (an array of legs or an
 * OData answer `{"value": [...]}`), e.g. rows from `3cx-bridge capture`, and print what the
 * bridge would make of them. The quickest way to check a surprising classification.
 */
export function registerSettleCommand(program: Command, io: CliIo): void {
  program
    .command('settle')
    .description('Settle and classify saved 3CX call-log rows and print the calls as JSON')
    .argument('<file>', 'JSON file with call-log rows (an array, or {"value": [...]}); - for stdin')
    .option('--now <iso>', 'the moment to settle at (default: now)')
    .option('--active <ids>', 'comma-separated call ids the PBX still reports as active')
    .option('--grace <seconds>', 'quiet seconds after the last leg before a call settles', '10')
    .option('--country <cc>', 'default country for national-format numbers (ISO 3166, e.g. AU)')
    .option(
      '--voicemail-left <seconds>',
      'voicemail leg length that counts as a message left',
      String(DEFAULT_VOICEMAIL_LEFT_SECONDS),
    )
    .action(async (file: string, flags: SettleFlags) => {
      const text = await io.readInput(file).catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(
          `cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
        );
      });
      const rows = parseRows(text, file);
      const { legs, problems } = validateCallLegs(rows);
      if (problems.length > 0) {
        const lines = problems.map(
          (p) => `  row ${p.index}${p.row ? ` (${p.row})` : ''} ${p.message}`,
        );
        throw new UsageError(
          `${file}: ${problems.length} row(s) cannot be used:\n${lines.join('\n')}`,
        );
      }
      const now = flags.now === undefined ? Date.now() : toMillis(flags.now);
      if (Number.isNaN(now))
        throw new UsageError(`--now ${flags.now} is not an ISO 8601 date-time`);
      const result = settleCalls(legs, {
        now,
        activeCallIds: flags.active
          ? flags.active
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
        graceSeconds: nonNegative('--grace', flags.grace),
        voicemailLeftSeconds: nonNegative('--voicemail-left', flags.voicemailLeft),
        country: flags.country,
      });
      io.stdout(`${JSON.stringify(settleResultFacts(result), null, 2)}\n`);
    });
}

function parseRows(text: string, file: string): unknown[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(data)) return data;
  if (data && typeof data === 'object' && Array.isArray((data as { value?: unknown }).value)) {
    return (data as { value: unknown[] }).value;
  }
  if (data && typeof data === 'object' && Array.isArray((data as { legs?: unknown }).legs)) {
    return (data as { legs: unknown[] }).legs;
  }
  throw new UsageError(
    `${file} holds neither an array of call-log rows nor an OData answer {"value": [...]}`,
  );
}

function nonNegative(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`${flag} must be a number of seconds ≥ 0, not ${value}`);
  return n;
}
