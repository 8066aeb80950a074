import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { settleCalls } from '../../lib/settleCalls';
import { settleResultFacts } from '../../lib/settledCall';
import { validateCallLegs } from '../../lib/threecx/validateCallLegs';
import type { CliIo } from './io';
import { addPbxOptions, connectFromFlags, parseSince, type PbxFlags } from './pbxConnection';
import { formatTable } from './table';

/**
 * `3cx-bridge calls --since 2h`: recent calls as the bridge sees them, settled and classified.
 * The quickest way for an admin to compare detection with what happened on the phones.
 */
export function registerCallsCommand(program: Command, io: CliIo): void {
  addPbxOptions(
    program
      .command('calls')
      .description('Show recent calls, settled and classified, as the bridge sees them'),
  )
    .option('--since <duration>', 'how far back: 30m, 2h, 1d', '2h')
    .option('--json', 'print JSON ({settled, pending})')
    .action(async (flags: PbxFlags & { since: string; json?: boolean }) => {
      const { client, country, timezone } = connectFromFlags(flags, io);
      const now = Date.now();
      const from = now - parseSince(flags.since);
      const [active, rows, inbound] = await Promise.all([
        client.activeCalls(),
        client.callLog({ from, to: now }),
        client.inboundCalls({ from, to: now }).catch(() => []),
      ]);
      const { legs, problems } = validateCallLegs(rows);
      const dialedNumbers = new Map(
        inbound.filter((r) => r.CallHistoryId && r.Did).map((r) => [r.CallHistoryId!, r.Did!]),
      );
      const result = settleCalls(legs, {
        now,
        country,
        activeCallIds: active.map((a) => String(a.Id)),
        dialedNumbers,
      });
      if (flags.json) {
        io.stdout(`${JSON.stringify(settleResultFacts(result), null, 2)}\n`);
        return;
      }
      // The office's own clock for a stored location, to compare with what happened on the
      // phones; UTC otherwise. The header says which.
      const zone = timezone ?? 'UTC';
      const startedHeader = `started (${zone})`;
      io.stdout(
        formatTable(
          result.settled.map((c) => ({
            [startedHeader]: DateTime.fromMillis(c.started_ms, { zone }).toFormat(
              'yyyy-MM-dd HH:mm:ss',
            ),
            direction: c.direction,
            outcome: c.outcome,
            voicemail: c.voicemail ? (c.voicemail_left ? 'message' : 'greeting') : '',
            caller: c.caller_anonymous ? 'withheld' : (c.caller_number ?? c.caller_number_raw),
            dialed: c.dialed_number ?? '',
            queue: c.queue ?? '',
            rung: c.agents_rung.join(','),
            answered_by: c.answered_by ?? '',
            ring_s: c.ring_seconds,
            talk_s: c.talk_seconds,
          })),
        ),
      );
      io.stdout(
        `\n${result.settled.length} settled call(s), ${result.pending.length} still live or settling, ${legs.length} legs read.\n`,
      );
      if (problems.length > 0)
        io.stdout(
          `${problems.length} row(s) could not be used, e.g. row ${problems[0].index}: ${problems[0].message}\n`,
        );
    });
}
