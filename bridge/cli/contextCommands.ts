import type { Command } from 'commander';
import { ZodError } from 'zod';
import { businessHoursFromOfficeHours } from '../../lib/enrichment';
import {
  businessHoursView,
  enrichmentSettingsOf,
  sourceListsView,
  updateEnrichmentSettings,
} from '../locationEnrichment';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import { UsageError, type CliIo } from './io';
import { findLocation, withStore } from './locationCommands';
import { connectFromFlags } from './pbxConnection';
import { formatTable } from './table';
import { parseWeekly } from './weeklySyntax';

function update(store: BridgeStore, location: Location, patch: Record<string, unknown>) {
  try {
    return updateEnrichmentSettings(store, location, patch).settings;
  } catch (error) {
    if (error instanceof ZodError) {
      throw new UsageError(error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
    }
    throw error;
  }
}

/**
 * Workflow context per location: `source-list` (DID → CRM source list) and `hours` (business
 * hours, holidays, import from the PBX). The same settings the API's `/v1/source-lists` and
 * `/v1/business-hours` change.
 */
export function registerContextCommands(program: Command, io: CliIo): void {
  const lists = program
    .command('source-list')
    .description('Map dialled numbers (DIDs) to CRM source lists');

  lists
    .command('list')
    .description("List a location's source lists and their numbers")
    .requiredOption('--location <location>', 'id or name')
    .option('--db <path>', 'bridge database file')
    .action((flags: { location: string; db?: string }) => {
      withStore(flags.db, io, (store) => {
        const view = sourceListsView(enrichmentSettingsOf(findLocation(store, flags.location)));
        io.stdout(
          formatTable(
            view.data.map((l) => ({
              id: l.id,
              name: l.name,
              numbers: l.dialed_numbers.join(' '),
              default: l.default ? 'yes' : '',
            })),
          ),
        );
      });
    });

  lists
    .command('set')
    .description('Add or replace a source list')
    .requiredOption('--location <location>', 'id or name')
    .requiredOption('--id <id>', 'what workflows see in source_list, e.g. sales')
    .requiredOption('--name <name>', 'what people see, e.g. "Sales line"')
    .option(
      '--numbers <numbers>',
      'the DIDs, comma-separated, any format (+61881234501, 08 8123 4501)',
      '',
    )
    .option('--default', 'also use this list for calls to numbers no list names')
    .option('--db <path>', 'bridge database file')
    .action(
      (flags: {
        location: string;
        id: string;
        name: string;
        numbers: string;
        default?: boolean;
        db?: string;
      }) => {
        withStore(flags.db, io, (store) => {
          const location = findLocation(store, flags.location);
          const current = enrichmentSettingsOf(location).sourceLists;
          const list = {
            id: flags.id,
            name: flags.name,
            dialed_numbers: flags.numbers
              .split(',')
              .map((n) => n.trim())
              .filter(Boolean),
          };
          const others = current.lists.filter((l) => l.id !== flags.id);
          const settings = update(store, location, {
            sourceLists: {
              lists: [...others, list],
              defaultList: flags.default ? flags.id : current.defaultList,
            },
          });
          io.stdout(
            formatTable(
              sourceListsView(settings).data.map((l) => ({
                id: l.id,
                name: l.name,
                numbers: l.dialed_numbers.join(' '),
                default: l.default ? 'yes' : '',
              })),
            ),
          );
        });
      },
    );

  lists
    .command('remove')
    .description('Remove a source list (calls to its numbers then get the default list, if any)')
    .requiredOption('--location <location>', 'id or name')
    .requiredOption('--id <id>', 'the list to remove')
    .option('--db <path>', 'bridge database file')
    .action((flags: { location: string; id: string; db?: string }) => {
      withStore(flags.db, io, (store) => {
        const location = findLocation(store, flags.location);
        const current = enrichmentSettingsOf(location).sourceLists;
        if (!current.lists.some((l) => l.id === flags.id))
          throw new UsageError(`"${location.name}" has no source list "${flags.id}".`);
        update(store, location, {
          sourceLists: {
            lists: current.lists.filter((l) => l.id !== flags.id),
            defaultList: current.defaultList === flags.id ? null : current.defaultList,
          },
        });
        io.stdout(`Removed source list "${flags.id}".\n`);
      });
    });

  const hours = program
    .command('hours')
    .description("A location's business hours and holidays (for in_hours / after_hours)");

  hours
    .command('show')
    .description("Show a location's weekly hours, holidays, and whether it is open now")
    .requiredOption('--location <location>', 'id or name')
    .option('--db <path>', 'bridge database file')
    .action((flags: { location: string; db?: string }) => {
      withStore(flags.db, io, (store) => {
        io.stdout(
          `${JSON.stringify(businessHoursView(enrichmentSettingsOf(findLocation(store, flags.location)), Date.now()), null, 2)}\n`,
        );
      });
    });

  hours
    .command('set')
    .description("Set the weekly opening hours, in the location's time zone")
    .requiredOption('--location <location>', 'id or name')
    .requiredOption(
      '--weekly <week>',
      'e.g. "mon-fri 09:00-17:00; sat 10:00-14:00" (days not named are closed)',
    )
    .option('--db <path>', 'bridge database file')
    .action((flags: { location: string; weekly: string; db?: string }) => {
      const weekly = parseWeekly(flags.weekly);
      withStore(flags.db, io, (store) => {
        const location = findLocation(store, flags.location);
        const current = (location.settings.enrichment.businessHours ?? {}) as Record<
          string,
          unknown
        >;
        const settings = update(store, location, {
          businessHours: { ...current, timezone: location.timezone, weekly },
        });
        io.stdout(`${JSON.stringify(businessHoursView(settings, Date.now()), null, 2)}\n`);
      });
    });

  hours
    .command('holiday')
    .description('Add a closed day (or range of days)')
    .requiredOption('--location <location>', 'id or name')
    .requiredOption('--name <name>', 'e.g. "Christmas Day"')
    .option('--date <YYYY-MM-DD>', 'one day')
    .option('--start <YYYY-MM-DD>', 'first day of a range')
    .option('--end <YYYY-MM-DD>', 'last day of a range (inclusive)')
    .option('--recurring', 'every year on the same date(s)')
    .option('--db <path>', 'bridge database file')
    .action(
      (flags: {
        location: string;
        name: string;
        date?: string;
        start?: string;
        end?: string;
        recurring?: boolean;
        db?: string;
      }) => {
        withStore(flags.db, io, (store) => {
          const location = findLocation(store, flags.location);
          const current = (location.settings.enrichment.businessHours ?? {}) as {
            holidays?: unknown[];
          };
          const holiday = {
            name: flags.name,
            date: flags.date,
            start: flags.start,
            end: flags.end,
            recurring: Boolean(flags.recurring),
          };
          for (const key of Object.keys(holiday) as Array<keyof typeof holiday>)
            if (holiday[key] === undefined) delete holiday[key];
          const settings = update(store, location, {
            businessHours: {
              ...current,
              timezone: location.timezone,
              holidays: [...(current.holidays ?? []), holiday],
            },
          });
          io.stdout(
            `Added "${flags.name}". ${settings.businessHours.holidays.length} holiday(s) in total.\n`,
          );
        });
      },
    );

  hours
    .command('import')
    .description('Copy the office hours and holidays configured on the 3CX PBX (XAPI /OfficeHours)')
    .requiredOption('--location <location>', 'id or name (its stored 3CX connection is used)')
    .option('--db <path>', 'bridge database file')
    .action(async (flags: { location: string; db?: string }) => {
      const { client } = connectFromFlags({ location: flags.location, db: flags.db }, io);
      const officeHours = await client.officeHours();
      withStore(flags.db, io, (store) => {
        const location = findLocation(store, flags.location);
        let imported;
        try {
          imported = businessHoursFromOfficeHours(officeHours, location.timezone);
        } catch (error) {
          throw new UsageError(
            `The PBX's office hours cannot be imported: ${(error as Error).message}`,
          );
        }
        // The PBX applies its office hours on its own clock (OfficeHours.TimeZoneId): the
        // imported hours keep that zone, so in_hours/after_hours matches how 3CX routed the call.
        const settings = update(store, location, { businessHours: imported });
        if (imported.timezone !== location.timezone) {
          io.stdout(
            `Note: the PBX keeps its office hours in ${imported.timezone}, the location is in ${location.timezone}; the imported hours use the PBX's zone, as 3CX routes calls by it. Use \`hours set\` to keep them in the location's zone instead.\n`,
          );
        }
        io.stdout(`${JSON.stringify(businessHoursView(settings, Date.now()), null, 2)}\n`);
      });
    });
}
