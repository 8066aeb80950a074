import type { Command } from 'commander';
import type { FollowUpFigures } from '../../lib/followUp/followUpFigures';
import { dbPathFrom, openStoreAt } from '../config';
import { generateAdminToken } from '../secrets/adminToken';
import type { BridgeStore } from '../store/bridgeStore';
import { followUpReport, type SubscriptionDeliveries } from '../reports/followUpReport';
import { reconcile, type LocationReconciliation } from '../reports/reconciliation';
import { parseReportPeriod, ReportPeriodError, type ReportGroup } from '../reports/reportPeriod';
import { UsageError, type CliIo } from './io';
import { findLocation, withStore } from './locationCommands';
import { connectFromFlags } from './pbxConnection';
import { formatTable } from './table';

interface ReportFlags {
  location?: string;
  since: string;
  until?: string;
  group: string;
  reconcile?: boolean;
  json?: boolean;
  db?: string;
}

/**
 * `3cx-bridge report [--location X] --since 30d`: did the follow-up work (the same report as
 * `GET /v1/reports/follow-up`), per location and, without `--location`, for all of them
 * together; `--reconcile` adds 3CX's own count of unanswered calls and the gap line by line.
 * Run where the bridge's database is: whoever can read it is the bridge's admin.
 * `3cx-bridge admin-token` makes the token that lets the admin read the same over HTTP.
 */
export function registerReportCommands(program: Command, io: CliIo): void {
  program
    .command('report')
    .description(
      'Follow-up report: missed, fired, delivered, reply, call-back and recovery rates, time to call back (all locations unless --location)',
    )
    .option('--location <location>', 'one location (id or name)')
    .option(
      '--since <when>',
      'start: a duration back from now (30d, 2w, 12h) or an ISO date-time',
      '30d',
    )
    .option('--until <when>', 'end: a duration back from now or an ISO date-time (default now)')
    .option('--group <day|week>', 'rows per local day or week', 'week')
    .option(
      '--reconcile',
      "also read 3CX's own count of unanswered inbound calls and explain the gap (uses the location's 3CX API client; a period of 31 days at most)",
    )
    .option('--json', 'print the report as JSON (the API’s shape)')
    .option('--db <path>', 'bridge database file')
    .action(async (flags: ReportFlags) => {
      if (flags.group !== 'day' && flags.group !== 'week')
        throw new UsageError(`--group must be day or week, not "${flags.group}"`);
      const group = flags.group as ReportGroup;
      const now = Date.now();
      let period;
      try {
        period = parseReportPeriod(
          { since: flags.since, until: flags.until },
          now,
          flags.reconcile ? 31 : undefined,
        );
      } catch (error) {
        if (error instanceof ReportPeriodError) throw new UsageError(error.message);
        throw error;
      }
      const { report, locations } = withStore(flags.db, io, (store) => {
        const locations = flags.location
          ? [findLocation(store, flags.location)]
          : store.locations.list();
        return {
          locations,
          report: followUpReport(store, locations, period, group, {
            acrossLocations: !flags.location && locations.length > 1,
          }),
        };
      });
      const reconciliations: LocationReconciliation[] = [];
      if (flags.reconcile) {
        for (const location of locations) {
          const source = location.pbxUrl
            ? connectFromFlags({ location: location.id, db: flags.db }, io).client
            : null;
          reconciliations.push(
            await withStoreAsync(flags.db, io, (store) =>
              reconcile(store, location, period, source),
            ),
          );
        }
      }
      if (flags.json) {
        io.stdout(
          `${JSON.stringify(flags.reconcile ? { ...report, reconciliation: reconciliations } : report, null, 2)}\n`,
        );
        return;
      }
      io.stdout(`Follow-up report ${report.period.since} – ${report.period.until}\n`);
      for (const location of report.locations) {
        io.stdout(`\n== ${location.location.name} (${location.location.timezone})\n`);
        io.stdout(
          figuresTable([
            ['total', location.totals],
            ...location.groups.map((g) => [g.label, g] as [string, FollowUpFigures]),
          ]),
        );
        if (location.subscriptions.length > 0) {
          io.stdout('\ncall.missed per subscription:\n');
          io.stdout(subscriptionTable(location.subscriptions));
        }
        const reconciliation = reconciliations.find((r) => r.location.id === location.location.id);
        if (reconciliation) io.stdout(reconciliationText(reconciliation));
      }
      if (report.all_locations) {
        io.stdout(`\n== All ${report.locations.length} locations\n`);
        io.stdout(
          figuresTable([
            ['total', report.all_locations.totals],
            ...report.all_locations.groups.map((g) => [g.label, g] as [string, FollowUpFigures]),
          ]),
        );
      }
    });

  program
    .command('admin-token')
    .description(
      "Make a token for the bridge's admin: set it as BRIDGE_ADMIN_TOKEN for `serve`, then it reads every location's reports and dashboard",
    )
    .action(() => {
      const token = generateAdminToken();
      io.stdout(
        `${token}\n\nStart the bridge with it in its environment (it is never stored):\n  BRIDGE_ADMIN_TOKEN=${token} npx 3cx-bridge serve\nSign in to /dashboard with it, or send it as "Authorization: Bearer …" to /v1/reports/*.\n`,
      );
    });
}

async function withStoreAsync<T>(
  db: string | undefined,
  io: CliIo,
  work: (store: BridgeStore) => Promise<T>,
): Promise<T> {
  const store = openStoreAt(dbPathFrom(db, io.env), io.env);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}

/** `0.4166…` → `41.7 %`; null → `–`. */
export function percent(ratio: number | null): string {
  return ratio === null ? '–' : `${(ratio * 100).toFixed(1)} %`;
}

/** Seconds → `4m 10s`, `2h 05m`; null → `–`. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function figuresTable(rows: Array<[string, FollowUpFigures]>): string {
  return formatTable(
    rows.map(([label, f]) => ({
      period: label,
      missed: f.missed,
      fired: f.fired,
      replied: percent(f.reply_rate),
      'called back': percent(f.callback_rate),
      'recovered 24h': percent(f.recovery_rate_24h),
      'p50 to call back': duration(f.time_to_callback_p50_seconds),
      p90: duration(f.time_to_callback_p90_seconds),
      'repeat misses': percent(f.repeat_miss_rate),
      'after hours': percent(f.after_hours_share),
    })),
  );
}

function subscriptionTable(subscriptions: readonly SubscriptionDeliveries[]): string {
  return formatTable(
    subscriptions.map((s) => ({
      subscription: s.id,
      kind: s.kind,
      target: s.target_host,
      filters: Object.keys(s.filters).length ? JSON.stringify(s.filters) : '',
      offered: s.offered,
      delivered: s.delivered,
      pending: s.pending,
      failing: s.failing,
      failed: s.failed,
      'left out by its options': s.filtered_out,
    })),
  );
}

function reconciliationText(r: LocationReconciliation): string {
  const lines: string[] = ['\nReconciliation with 3CX (report GetInboundCalls):'];
  if (!r.pbx.available || r.pbx.unanswered === null) {
    lines.push(`  3CX's count is not available: ${r.pbx.reason}`);
  } else {
    lines.push(
      `  ${String(r.pbx.unanswered).padStart(6)}  unanswered inbound calls according to 3CX`,
    );
    for (const line of r.lines)
      if (line.count > 0)
        lines.push(
          `  ${(line.sign < 0 ? '- ' : '+ ') + String(line.count).padStart(4)}  ${line.label}`,
        );
    lines.push(
      `  ${'='.padStart(2)}${String(r.bridge.fired).padStart(4)}  call.missed fired${r.balanced ? '' : '  (the lines do not add up: please report this)'}`,
    );
  }
  if (r.numbers.withheld + r.numbers.unreadable > 0)
    lines.push(
      `  Fired with no number to call back: ${r.numbers.withheld} withheld, ${r.numbers.unreadable} unreadable.`,
    );
  for (const did of r.no_source_list)
    lines.push(
      `  ${did.count} fired to ${did.dialed_number ?? 'an unknown DID'}, which mapped to no source list when they fired (3cx-bridge source-list set maps it for later calls).`,
    );
  return `${lines.join('\n')}\n`;
}
