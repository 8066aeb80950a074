import type { Command } from 'commander';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { secretKeyFileFor } from '../config';
import { copyStore, rowsIn } from '../store/copyStore';
import { describeDatabase, isPostgresUrl, openDatabase } from '../store/database';
import { UsageError, type CliIo } from './io';

interface MigrateFlags {
  from: string;
  to: string;
  intoNonEmpty?: boolean;
  batch?: string;
}

/**
 * `3cx-bridge migrate --from sqlite:./data/bridge.db --to postgres://…`: copy a bridge's
 * SQLite store into Postgres (locations, keys, sealed secrets, subscriptions, calls, events,
 * pending deliveries, poller state, contacts, journal, Call Control links) in batches with
 * progress, and compare the counts. Safe to run again: rows the target has are kept.
 */
export function registerMigrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('Copy a SQLite store into a Postgres database (for several instances)')
    .requiredOption('--from <sqlite:path>', 'the SQLite store, e.g. sqlite:./data/bridge.db')
    .requiredOption('--to <postgres://…>', 'the Postgres database (its schema is created)')
    .option('--into-non-empty', 'write into a target that already has data (a re-run)')
    .option('--batch <rows>', 'rows per transaction', '500')
    .action((flags: MigrateFlags) => {
      const from = flags.from.replace(/^sqlite:/, '');
      if (isPostgresUrl(from) || !existsSync(from))
        throw new UsageError(
          `--from must name an existing SQLite file (sqlite:./data/bridge.db), not "${flags.from}".`,
        );
      if (!isPostgresUrl(flags.to))
        throw new UsageError(
          `--to must be a postgres:// URL, not "${describeDatabase(flags.to)}".`,
        );
      const batch = Number(flags.batch);
      if (!Number.isInteger(batch) || batch < 1 || batch > 1000)
        throw new UsageError('--batch must be a whole number from 1 to 1000.');
      const source = openDatabase(resolve(from));
      try {
        const target = openDatabase(flags.to);
        try {
          const already = rowsIn(target);
          if (already > 0 && !flags.intoNonEmpty)
            throw new UsageError(
              `${describeDatabase(flags.to)} already holds ${already} rows. To continue a copy that stopped, or add to it, run again with --into-non-empty (rows it has are kept).`,
            );
          let last = '';
          const result = copyStore(source, target, {
            batch,
            onProgress: ({ table, copied, total }) => {
              const line = `${table}: ${copied.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`;
              if (copied === total || copied === 0 || line !== last) io.stdout(`  ${line}\n`);
              last = line;
            },
          });
          const short = result.tables.filter((t) => t.target < t.source);
          if (short.length > 0)
            throw new Error(
              `The copy is incomplete: ${short.map((t) => `${t.table} ${t.target} of ${t.source}`).join(', ')}. Run again with --into-non-empty.`,
            );
          io.stdout(
            `Copied to ${describeDatabase(flags.to)}: ${result.tables.map((t) => `${t.table} ${t.source}`).join(', ')}; the counts match.\n` +
              `Start every instance with BRIDGE_DATABASE_URL and the same secret key as this store: BRIDGE_SECRET_KEY set to the contents of ${secretKeyFileFor(resolve(from), io.env)} (or BRIDGE_SECRET_KEY_FILE pointing at it); the copied 3CX client secrets and signing secrets open only with it.\n`,
          );
        } finally {
          target.close();
        }
      } finally {
        source.close();
      }
    });
}
