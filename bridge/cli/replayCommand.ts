import type { Command } from 'commander';
import type { PartyRole } from '../../lib/legRules';
import { dateOrderFor, type DateOrder } from '../../lib/threecx/export/pbxLocalTime';
import { settleResultFacts } from '../../lib/settledCall';
import { DEFAULT_VOICEMAIL_LEFT_SECONDS } from '../../lib/voicemailLeft';
import { ExportFormatError, replayExports, type ExportFile } from '../replay/replayExports';
import { formatReplayReport } from '../replay/replayReport';
import { UsageError, type CliIo } from './io';

interface ReplayFlags {
  callLog: string[];
  abandoned?: string[];
  inbound?: string[];
  country: string;
  timezone: string;
  dateOrder?: string;
  trunk?: string[];
  dnRole?: string[];
  voicemailLeft: string;
  json?: boolean;
}

const ROLES: readonly PartyRole[] = [
  'external',
  'extension',
  'queue',
  'ring_group',
  'ivr',
  'voicemail',
  'system',
];

/**
 * `3cx-bridge replay`: what the bridge would have fired, from 3CX's own report exports as an
 * admin downloads them (Reports → Call Log / Abandoned Queue Calls / Inbound Calls → CSV). The
 * way to check the bridge against last week before going live.
 */
export function registerReplayCommand(program: Command, io: CliIo): void {
  program
    .command('replay')
    .description(
      "Run 3CX's CSV report exports through the bridge: calls by direction and outcome, what call.missed would fire, and where the bridge and 3CX's statuses differ",
    )
    .requiredOption(
      '--call-log <file...>',
      'Call Log export (CSV); several overlapping exports are fine',
    )
    .option(
      '--abandoned <file...>',
      'Abandoned Queue Calls export (CSV): the agents each queue polled',
    )
    .option('--inbound <file...>', 'Inbound Calls export (CSV): DIDs and trunk DNs')
    .requiredOption('--country <cc>', 'the PBX country, for numbers as dialled (ISO 3166, e.g. IE)')
    .requiredOption(
      '--timezone <zone>',
      'the PBX time zone the exports are in (e.g. Europe/Dublin)',
    )
    .option('--date-order <order>', 'DMY, MDY or YMD (default: MDY for US, else DMY)')
    .option('--trunk <dn...>', "the trunks' DNs (outside parties), e.g. 10000")
    .option('--dn-role <dn=role...>', `what a DN is: ${ROLES.join('|')}, e.g. 8000=ivr`)
    .option(
      '--voicemail-left <seconds>',
      'time on a voicemail box that counts as a message left',
      String(DEFAULT_VOICEMAIL_LEFT_SECONDS),
    )
    .option('--json', 'print {"settled": [...], "pending": [...]} exactly as `settle` does')
    .action(async (flags: ReplayFlags) => {
      const read = (files: readonly string[] | undefined) =>
        Promise.all((files ?? []).map((file) => readExport(io, file)));
      const voicemailLeft = Number(flags.voicemailLeft);
      if (!Number.isFinite(voicemailLeft) || voicemailLeft < 0) {
        throw new UsageError(
          `--voicemail-left must be a number of seconds ≥ 0, not ${flags.voicemailLeft}`,
        );
      }
      let lastProgress = '';
      try {
        const result = await replayExports({
          callLogs: await read(flags.callLog),
          abandoned: await read(flags.abandoned),
          inbound: await read(flags.inbound),
          country: countryOf(flags.country),
          timeZone: flags.timezone,
          dateOrder: dateOrderOf(flags.dateOrder, flags.country),
          trunkDns: (flags.trunk ?? [])
            .flatMap((t) => t.split(','))
            .map((t) => t.trim())
            .filter(Boolean),
          dnRoles: dnRolesOf(flags.dnRole ?? []),
          voicemailLeftSeconds: voicemailLeft,
          onProgress: (file, rows) => {
            lastProgress = `${file}: ${rows.toLocaleString('en')} rows read`;
            io.stderr(`${lastProgress}\n`);
          },
        });
        if (flags.json) io.stdout(`${JSON.stringify(settleResultFacts(result.result), null, 2)}\n`);
        else io.stdout(formatReplayReport(result, flags.timezone));
        if (result.problems.length > 0) {
          io.stderr(
            `3cx-bridge: ${result.problems.length} malformed row(s) were counted and left out${flags.json ? ' (run without --json to list them)' : ''}\n`,
          );
        }
      } catch (error) {
        if (error instanceof ExportFormatError) throw new UsageError(error.message);
        if (error instanceof RangeError) throw new UsageError(error.message);
        throw error;
      }
    });
}

async function readExport(io: CliIo, file: string): Promise<ExportFile> {
  const text = await io.readInput(file).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      `cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
    );
  });
  return { file, text };
}

function countryOf(country: string): string {
  const cc = country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(cc))
    throw new UsageError(`--country must be a two-letter ISO code such as IE, not ${country}`);
  return cc;
}

function dateOrderOf(order: string | undefined, country: string): DateOrder {
  if (order === undefined) return dateOrderFor(country);
  const upper = order.toUpperCase();
  if (upper === 'DMY' || upper === 'MDY' || upper === 'YMD') return upper;
  throw new UsageError(`--date-order must be DMY, MDY or YMD, not ${order}`);
}

function dnRolesOf(pairs: readonly string[]): Record<string, PartyRole> {
  const roles: Record<string, PartyRole> = {};
  for (const pair of pairs.flatMap((p) => p.split(','))) {
    const [dn, role] = pair.split('=').map((s) => s.trim());
    if (!dn || !ROLES.includes(role as PartyRole)) {
      throw new UsageError(
        `--dn-role takes DN=ROLE with ROLE one of ${ROLES.join(', ')}, not ${pair}`,
      );
    }
    roles[dn] = role as PartyRole;
  }
  return roles;
}
