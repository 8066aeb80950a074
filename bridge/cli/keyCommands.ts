import type { Command } from 'commander';
import { KEY_SCOPES, type KeyScope } from '../store/apiKeys';
import { UsageError, type CliIo } from './io';
import { findLocation, withStore } from './locationCommands';
import { formatTable } from './table';

/** `key create|list|revoke`: API keys per location. A new key is shown once. */
export function registerKeyCommands(program: Command, io: CliIo): void {
  const key = program.command('key').description("Manage a location's API keys");

  key
    .command('create')
    .description('Create an API key for a location and print it (shown once)')
    .requiredOption('--location <location>', 'id or name')
    .option('--label <label>', 'what the key is for, e.g. "Zapier"')
    .option(
      '--scope <scope>',
      'full (Zapier, Make, the API) or template (only the 3CX CRM template: lookup, contacts, journal)',
      'full',
    )
    .option('--db <path>', 'bridge database file')
    .action((flags: { location: string; label?: string; scope: string; db?: string }) => {
      if (!(KEY_SCOPES as readonly string[]).includes(flags.scope))
        throw new UsageError(`--scope must be ${KEY_SCOPES.join(' or ')}, not "${flags.scope}".`);
      const scope = flags.scope as KeyScope;
      withStore(flags.db, io, (store) => {
        const loc = findLocation(store, flags.location);
        const { key: plaintext, info } = store.apiKeys.create(
          loc.id,
          flags.label ?? null,
          new Date(),
          scope,
        );
        io.stdout(
          `Created key ${info.id} for "${loc.name}"` +
            (scope === 'template'
              ? ': only for the 3CX CRM template (lookup, contacts, journal); it gets 403 on /v1.'
              : '.') +
            `\n\nAPI key (shown once, store it now): ${plaintext}\n`,
        );
      });
    });

  key
    .command('list')
    .description("List a location's keys (never the keys themselves)")
    .requiredOption('--location <location>', 'id or name')
    .option('--db <path>', 'bridge database file')
    .action((flags: { location: string; db?: string }) => {
      withStore(flags.db, io, (store) => {
        const loc = findLocation(store, flags.location);
        io.stdout(
          formatTable(
            store.apiKeys.list(loc.id).map((k) => ({
              id: k.id,
              key: k.prefix,
              scope: k.scope,
              label: k.label,
              created: k.createdAt,
              last_used: k.lastUsedAt,
              revoked: k.revokedAt,
            })),
          ),
        );
      });
    });

  key
    .command('revoke')
    .description('Revoke a key: requests with it answer 401 from now on')
    .argument('<key-id>', 'the key id from `key list` (key_…)')
    .option('--db <path>', 'bridge database file')
    .action((id: string, flags: { db?: string }) => {
      withStore(flags.db, io, (store) => {
        if (!store.apiKeys.revoke(id, new Date()))
          throw new UsageError(
            `No active key ${id}. \`3cx-bridge key list --location …\` shows them.`,
          );
        io.stdout(`Revoked ${id}.\n`);
      });
    });
}
