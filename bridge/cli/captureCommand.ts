import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createAnonymiser } from '../../lib/threecx/anonymiseCallLegs';
import type { CliIo } from './io';
import { addPbxOptions, connectFromFlags, parseSince, type PbxFlags } from './pbxConnection';

/**
 * `3cx-bridge capture --since 1d --out FILE`: raw call-log rows with numbers and names
 * anonymised consistently, so a real PBX's quirks can become test fixtures
 * (`3cx-bridge settle FILE` reads them back).
 */
export function registerCaptureCommand(program: Command, io: CliIo): void {
  addPbxOptions(
    program
      .command('capture')
      .description('Save anonymised call-log rows from a PBX as a test fixture'),
  )
    .option('--since <duration>', 'how far back: 2h, 1d, 1w', '1d')
    .requiredOption('--out <file>', 'where to write the JSON')
    .option('--raw', 'keep real numbers and names (only for your own debugging: do not share)')
    .action(async (flags: PbxFlags & { since: string; out: string; raw?: boolean }) => {
      const { client, country, pbxUrl } = connectFromFlags(flags, io);
      const now = Date.now();
      const from = now - parseSince(flags.since);
      // The fixture records the version its rows come from (row shapes change between
      // updates: docs/3cx-facts.md §1.3); a client that may not read it leaves it null.
      await client.systemStatus().catch(() => null);
      const rows = await client.callLog({ from, to: now });
      const legs = flags.raw ? rows : createAnonymiser({ country }).legs(rows);
      const capture = {
        captured_at: new Date(now).toISOString(),
        period: { from: new Date(from).toISOString(), to: new Date(now).toISOString() },
        pbx_version: client.pbxVersion,
        anonymised: !flags.raw,
        value: legs,
      };
      await writeFile(flags.out, `${JSON.stringify(capture, null, 2)}\n`);
      io.stdout(
        `Saved ${legs.length} call-log rows from ${pbxUrl} to ${flags.out}${flags.raw ? ' (NOT anonymised)' : ' (anonymised)'}.\n`,
      );
    });
}
