import type { Command } from 'commander';
import { z } from 'zod';
import { parseLocationEnrichmentSettings } from '../../lib/enrichment';
import { normalisePbxUrl, pbxUrlAssumption } from '../../lib/threecx/pbxUrl';
import { dbPathFrom, openStoreAt } from '../config';
import { countryAndZoneIssues, locationSettingsSchema } from '../locationSettings';
import type { BridgeStore } from '../store/bridgeStore';
import { describeDatabase } from '../store/database';
import { AmbiguousLocationNameError, type Location } from '../store/locations';
import { UsageError, type CliIo } from './io';
import { formatTable } from './table';

export function withStore<T>(
  dbFlag: string | undefined,
  io: CliIo,
  work: (store: BridgeStore) => T,
): T {
  const store = openStoreAt(dbPathFrom(dbFlag, io.env), io.env);
  try {
    return work(store);
  } finally {
    store.close();
  }
}

export function findLocation(store: BridgeStore, idOrName: string): Location {
  let location: Location | null;
  try {
    location = store.locations.find(idOrName);
  } catch (error) {
    // Several locations of that name: the user picks one by its id.
    if (error instanceof AmbiguousLocationNameError) throw new UsageError(error.message);
    throw error;
  }
  if (!location) {
    const names = store.locations.list().map((l) => `"${l.name}"`);
    throw new UsageError(
      `No location "${idOrName}" in the database ${store.path} (` +
        (names.length === 0 ? 'it has none yet' : `it has ${names.join(', ')}`) +
        '). If the bridge keeps its data elsewhere, name that database: --db PATH, BRIDGE_DB or BRIDGE_DATABASE_URL.',
    );
  }
  return location;
}

/**
 * ` --db PATH` when the command was given one, for the commands a message suggests next. A
 * Postgres URL is printed without its password (the next command needs it typed again, or
 * `BRIDGE_DATABASE_URL`): a terminal's scrollback is no place for it.
 */
export function dbFlag(db: string | undefined): string {
  return db ? ` --db ${quoteArg(describeDatabase(db))}` : '';
}

/** An argument as it would be typed in a shell: quoted when it has spaces or quotes. */
export function quoteArg(text: string): string {
  return /^[\w./:@+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `yes`/`no` (or true/false, on/off, 1/0); anything else is refused, never read as "no". */
function yesOrNo(option: string, text: string): boolean {
  if (/^(yes|true|on|1)$/i.test(text)) return true;
  if (/^(no|false|off|0)$/i.test(text)) return false;
  throw new UsageError(`--${option} takes yes or no, not "${text}".`);
}

/** Check a country and a time zone the way the enrichment rules will use them. */
function checkCountryAndZone(country: string, timezone: string): void {
  const issues = countryAndZoneIssues(country, timezone);
  if (issues.length > 0)
    throw new UsageError(issues.map((i) => `--${i.field}: ${i.message}`).join('\n'));
}

/** `--pbx-url` as the client will use it, saying what was assumed about a bare host name. */
function pbxUrlOption(text: string, io: CliIo): string {
  let pbxUrl: string;
  try {
    pbxUrl = normalisePbxUrl(text);
  } catch (error) {
    throw new UsageError(`--pbx-url: ${(error as Error).message}`);
  }
  const assumed = pbxUrlAssumption(text);
  if (assumed) io.stderr(`Note: --pbx-url ${assumed}\n`);
  return pbxUrl;
}

/**
 * Another location already polling this PBX as this API client: refused without `--force`,
 * since 3CX keeps one live token per API client (docs/3cx-facts.md §1.2).
 */
function refuseSharedClient(
  store: BridgeStore,
  io: CliIo,
  pbxUrl: string,
  clientId: string | null,
  exceptId: string | null,
  force: boolean | undefined,
  done: string,
): void {
  const sharing = store.locations
    .list()
    .find((l) => l.id !== exceptId && l.pbxUrl === pbxUrl && l.clientId === clientId);
  if (!sharing) return;
  const problem =
    `Location "${sharing.name}" already polls ${pbxUrl} as API client ${sharing.clientId}. ` +
    '3CX allows one live token per API client, so two locations using it keep logging each other out.';
  if (!force)
    throw new UsageError(
      `${problem} Create another API client for this location in the 3CX admin console (Integrations → API → Add), ` +
        'or run again with --force if that is really what you want.',
    );
  io.stderr(`Warning: ${problem} ${done} anyway (--force).\n`);
}

interface AddFlags {
  name: string;
  pbxUrl?: string;
  clientId?: string;
  clientSecret?: string;
  country: string;
  timezone: string;
  db?: string;
  selfSigned?: boolean;
  force?: boolean;
}

/**
 * `location add|list|remove|set`: the 3CX systems (locations) this bridge serves. Adding one
 * prints its first API key, once: it is stored only as a hash.
 */
export function registerLocationCommands(program: Command, io: CliIo): void {
  const location = program
    .command('location')
    .description('Manage the 3CX systems (locations) this bridge serves');

  location
    .command('add')
    .description('Add a location and print its API key (shown once)')
    .requiredOption('--name <name>', 'what users see, e.g. "Adelaide Office"')
    .option(
      '--pbx-url <url>',
      '3CX admin console address, e.g. https://pbx.example.com:5001 (leave out for a journal-only location)',
    )
    .option('--client-id <id>', '3CX API client id (Admin → Integrations → API)')
    .option(
      '--client-secret <secret>',
      '3CX API key; or set THREECX_CLIENT_SECRET to keep it out of shell history',
    )
    .requiredOption('--country <cc>', 'ISO 3166 country of the phone numbers, e.g. AU')
    .requiredOption('--timezone <zone>', 'IANA time zone of the office, e.g. Australia/Adelaide')
    .option('--self-signed', 'accept a self-signed certificate on the PBX')
    .option(
      '--force',
      'add it even though another location uses the same PBX and API client (they will log each other out)',
    )
    .option(
      '--db <path>',
      'bridge database file or postgres:// URL (default: BRIDGE_DATABASE_URL, BRIDGE_DB or ./data/bridge.db)',
    )
    .action((flags: AddFlags) => {
      const secret = flags.clientSecret ?? io.env.THREECX_CLIENT_SECRET;
      if (flags.pbxUrl && (!flags.clientId || !secret)) {
        throw new UsageError(
          'A location polling 3CX needs --client-id and --client-secret (or THREECX_CLIENT_SECRET).',
        );
      }
      const pbxUrl = flags.pbxUrl ? pbxUrlOption(flags.pbxUrl, io) : null;
      checkCountryAndZone(flags.country, flags.timezone);
      withStore(flags.db, io, (store) => {
        const namesake = store.locations.list().find((l) => l.name === flags.name);
        if (namesake)
          // Every other command finds a location by its name (or id): two of one name would
          // make that name unusable.
          throw new UsageError(
            `There is already a location named "${flags.name}" (${namesake.id}${namesake.pbxUrl ? `, polling ${namesake.pbxUrl}` : ', journal only'}). ` +
              `Choose another --name, or see it with: 3cx-bridge location list${dbFlag(flags.db)}`,
          );
        if (pbxUrl)
          refuseSharedClient(store, io, pbxUrl, flags.clientId ?? null, null, flags.force, 'Added');
        const created = store.transaction(() => {
          const loc = store.locations.create(
            {
              name: flags.name,
              pbxUrl,
              clientId: flags.clientId ?? null,
              clientSecret: pbxUrl ? secret : null,
              country: flags.country,
              timezone: flags.timezone,
              settings: flags.selfSigned ? { allowSelfSignedTls: true } : {},
            },
            new Date(),
          );
          return {
            loc,
            key: store.apiKeys.create(loc.id, 'created with the location', new Date()),
          };
        });
        io.stdout(
          [
            `Added location "${created.loc.name}" (${created.loc.id}).`,
            created.loc.pbxUrl
              ? `It polls ${created.loc.pbxUrl} as API client ${created.loc.clientId}.`
              : 'It has no XAPI connection: events come from the CRM-template journal.',
            '',
            `API key (shown once, store it now): ${created.key.key}`,
            '',
            'Use it in the Zapier app (Bridge URL + API Key) or as "Authorization: Bearer <key>".',
            `For the 3CX CRM template, make a key that can do only that: 3cx-bridge key create --location ${quoteArg(created.loc.name)} --scope template${dbFlag(flags.db)}`,
            created.loc.pbxUrl
              ? `Check the 3CX connection: 3cx-bridge check --location ${quoteArg(created.loc.name)}${dbFlag(flags.db)}`
              : '',
          ]
            .filter((l, i, all) => l !== '' || all[i - 1] !== '')
            .join('\n') + '\n',
        );
      });
    });

  location
    .command('list')
    .description('List locations')
    .option('--db <path>', 'bridge database file')
    .option('--json', 'print JSON')
    .action((flags: { db?: string; json?: boolean }) => {
      withStore(flags.db, io, (store) => {
        const rows = store.locations.list().map((l) => ({
          id: l.id,
          name: l.name,
          source: l.pbxUrl ? `xapi ${l.pbxUrl}` : 'journal only',
          country: l.country,
          timezone: l.timezone,
          keys: store.apiKeys.list(l.id).filter((k) => !k.revokedAt).length,
        }));
        io.stdout(flags.json ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows));
      });
    });

  location
    .command('remove')
    .description('Remove a location with its keys, calls, events and subscriptions')
    .argument('<location>', 'id or name')
    .option('--yes', 'do not ask (required: this deletes data)')
    .option('--db <path>', 'bridge database file')
    .action((idOrName: string, flags: { yes?: boolean; db?: string }) => {
      withStore(flags.db, io, (store) => {
        const loc = findLocation(store, idOrName);
        if (!flags.yes)
          throw new UsageError(
            `This deletes "${loc.name}" and all its data. Run again with --yes to confirm.`,
          );
        store.locations.remove(loc.id);
        io.stdout(`Removed location "${loc.name}" (${loc.id}).\n`);
      });
    });

  location
    .command('connect')
    .description(
      'Connect a location to its 3CX, or change the connection (a new address, API client or secret); keeps its keys, calls and events',
    )
    .argument('<location>', 'id or name')
    .option('--pbx-url <url>', '3CX admin console address (default: the one stored)')
    .option('--client-id <id>', '3CX API client id (default: the one stored)')
    .option(
      '--client-secret <secret>',
      "the API client's key; or set THREECX_CLIENT_SECRET to keep it out of shell history (default: the one stored, same client only)",
    )
    .option('--force', 'connect even though another location uses the same PBX and API client')
    .option('--db <path>', 'bridge database file or postgres:// URL')
    .action(
      (
        idOrName: string,
        flags: {
          pbxUrl?: string;
          clientId?: string;
          clientSecret?: string;
          force?: boolean;
          db?: string;
        },
      ) => {
        const secret = flags.clientSecret ?? io.env.THREECX_CLIENT_SECRET ?? null;
        const given = flags.pbxUrl ? pbxUrlOption(flags.pbxUrl, io) : null;
        withStore(flags.db, io, (store) => {
          const loc = findLocation(store, idOrName);
          const pbxUrl = given ?? loc.pbxUrl;
          const clientId = flags.clientId ?? loc.clientId;
          if (!pbxUrl || !clientId)
            throw new UsageError(
              `"${loc.name}" has no 3CX connection yet: give --pbx-url, --client-id and --client-secret (or THREECX_CLIENT_SECRET).`,
            );
          // A stored secret belongs to its API client: another client needs its own.
          if (secret === null && (clientId !== loc.clientId || !loc.pbxUrl))
            throw new UsageError(
              `API client ${clientId} needs its secret: give --client-secret (or THREECX_CLIENT_SECRET).`,
            );
          if (secret === null && pbxUrl === loc.pbxUrl && clientId === loc.clientId)
            throw new UsageError(
              `Nothing to change: "${loc.name}" already polls ${pbxUrl} as API client ${clientId}. Give a new --pbx-url, --client-id or --client-secret.`,
            );
          refuseSharedClient(store, io, pbxUrl, clientId, loc.id, flags.force, 'Connected');
          const updated = store.locations.setConnection(loc.id, {
            pbxUrl,
            clientId,
            clientSecret: secret,
          });
          io.stdout(
            [
              `"${updated.name}" now polls ${updated.pbxUrl} as API client ${updated.clientId}${secret === null ? ' (secret kept)' : ' (new secret stored)'}.`,
              'Its API keys, calls and events are kept; a running bridge takes the change up within 30 s, without a restart.',
              `Check the 3CX connection: 3cx-bridge check --location ${quoteArg(updated.name)}${dbFlag(flags.db)}`,
            ].join('\n') + '\n',
          );
        });
      },
    );

  location
    .command('set')
    .description("Change a location's settings")
    .argument('<location>', 'id or name')
    .option(
      '--country <code>',
      'ISO country code: how national numbers read (new calls; stored ones keep their numbers)',
    )
    .option(
      '--timezone <zone>',
      'IANA time zone (e.g. Australia/Adelaide): business hours and call-back deadlines',
    )
    .option('--poll-interval <seconds>', 'seconds between polls of the PBX (default 5)')
    .option(
      '--grace <seconds>',
      'quiet seconds after the last leg before a call settles (default 10)',
    )
    .option(
      '--voicemail-left <seconds>',
      'voicemail leg length that counts as a message left (default 10)',
    )
    .option(
      '--overlap <seconds>',
      'how far back each poll re-reads, for late call-log rows (default 600)',
    )
    .option(
      '--include-internal <yes|no>',
      'fire call.started/call.ended for extension-to-extension calls',
    )
    .option(
      '--call-control <auto|on|off>',
      'listen to the 3CX Call Control stream: auto = when the API client has access (default)',
    )
    .option(
      '--fast-settle-quiet <seconds>',
      'quiet time before the stream settles a plain miss (default 1.5)',
    )
    .option(
      '--repeat-window <days>',
      'misses from one number within this many days make a repeat miss (default 7)',
    )
    .option(
      '--cooldown <minutes>',
      'a redial within this many minutes folds into the earlier miss (default 10; 0 = off)',
    )
    .option(
      '--return-deadline <minutes>',
      'a miss nobody called back within this many minutes of business hours fires call.unreturned (default 30; 0 = off)',
    )
    .option('--db <path>', 'bridge database file')
    .action((idOrName: string, flags: Record<string, string | undefined>) => {
      withStore(flags.db, io, (store) => {
        const loc = findLocation(store, idOrName);
        const num = (flag: string, value: string | undefined) => {
          if (value === undefined) return undefined;
          const n = Number(value);
          if (!Number.isFinite(n))
            throw new UsageError(`--${flag} must be a number, not "${value}"`);
          return n;
        };
        const patch: Record<string, unknown> = {};
        const put = (key: string, value: unknown) => {
          if (value !== undefined) patch[key] = value;
        };
        put('pollIntervalSeconds', num('poll-interval', flags.pollInterval));
        put('graceSeconds', num('grace', flags.grace));
        put('voicemailLeftSeconds', num('voicemail-left', flags.voicemailLeft));
        put('overlapSeconds', num('overlap', flags.overlap));
        if (flags.includeInternal !== undefined)
          put('includeInternal', yesOrNo('include-internal', flags.includeInternal));
        put('callControl', flags.callControl?.toLowerCase());
        put('fastSettleQuietSeconds', num('fast-settle-quiet', flags.fastSettleQuiet));
        const enrichment = { ...loc.settings.enrichment };
        if (flags.repeatWindow !== undefined)
          enrichment.repeatWindowDays = num('repeat-window', flags.repeatWindow);
        if (flags.cooldown !== undefined)
          enrichment.diallerCooldownMinutes = num('cooldown', flags.cooldown);
        if (flags.returnDeadline !== undefined)
          enrichment.returnDeadlineMinutes = num('return-deadline', flags.returnDeadline);
        put('enrichment', enrichment);
        const merged = { ...loc.settings, ...patch };
        const parsed = locationSettingsSchema.safeParse(merged);
        if (!parsed.success)
          throw new UsageError(
            parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'),
          );
        const country = flags.country?.trim() || loc.country;
        const timezone = flags.timezone?.trim() || loc.timezone;
        // One check of the place and the enrichment settings, as the enrichment rules read them;
        // the place by its option's name.
        try {
          parseLocationEnrichmentSettings({ ...parsed.data.enrichment, country, timezone });
        } catch (error) {
          throw new UsageError(
            (error as z.ZodError).issues
              .map((i) => {
                const field = i.path.join('.');
                const named = field === 'country' || field === 'timezone' ? `--${field}` : field;
                return `${named}: ${i.message}`;
              })
              .join('\n'),
          );
        }
        // One transaction: a refused setting leaves the place as it was, and the other way round.
        const updated = store.transaction(() => {
          if (country !== loc.country || timezone !== loc.timezone)
            store.locations.setPlace(loc.id, country, timezone);
          return store.locations.updateSettings(loc.id, parsed.data);
        });
        io.stdout(
          `Updated "${updated.name}" (${updated.country}, ${updated.timezone}):\n${JSON.stringify(updated.settings, null, 2)}\n`,
        );
      });
    });
}
