import type { Command } from 'commander';
import { CALL_EVENT_TYPES, type CallEventType } from '../../lib/callEvent';
import { eventFiltersSchema } from '../../lib/eventFilters';
import { newSigningSecret } from '../delivery/webhookSigning';
import { maxSubscriptionsFrom } from '../config';
import { targetUrlSchema } from '../http/targetUrl';
import { SubscriptionLimitError, type Subscription } from '../store/subscriptions';
import { UsageError, type CliIo } from './io';
import { findLocation, withStore } from './locationCommands';
import { formatTable } from './table';

/**
 * `webhook add|list|remove`: plain webhooks (Make, n8n, your own endpoint). Unlike Zapier's REST
 * hooks they are added by an admin, and every delivery is signed (Standard Webhooks).
 */
export function registerWebhookCommands(program: Command, io: CliIo): void {
  const webhook = program.command('webhook').description('Manage plain, signed webhooks');

  webhook
    .command('add')
    .description('Send one event type to a URL; prints the signing secret (shown once)')
    .requiredOption('--location <location>', 'id or name')
    .requiredOption('--url <url>', 'https URL to POST events to')
    .requiredOption('--event <event>', CALL_EVENT_TYPES.join(' | '))
    .option('--filters <json>', 'trigger filters as JSON, e.g. \'{"business_hours":"in_hours"}\'')
    .option(
      '--allow-local-http',
      'allow plain http to this machine (testing; serve needs BRIDGE_ALLOW_LOCAL_HTTP_TARGETS=1 too)',
    )
    .option(
      '--allow-private-target',
      'allow a private address (an internal receiver; serve needs BRIDGE_ALLOW_PRIVATE_TARGETS=1 too)',
    )
    .option('--db <path>', 'bridge database file')
    .action(
      (flags: {
        location: string;
        url: string;
        event: string;
        filters?: string;
        allowLocalHttp?: boolean;
        allowPrivateTarget?: boolean;
        db?: string;
      }) => {
        if (!(CALL_EVENT_TYPES as readonly string[]).includes(flags.event)) {
          throw new UsageError(`--event must be one of ${CALL_EVENT_TYPES.join(', ')}`);
        }
        const url = targetUrlSchema({
          allowLoopback: Boolean(flags.allowLocalHttp),
          allowPrivate:
            Boolean(flags.allowPrivateTarget) || io.env.BRIDGE_ALLOW_PRIVATE_TARGETS === '1',
        }).safeParse(flags.url);
        if (!url.success) {
          const plainHttp = /^\s*http:\/\//i.test(flags.url);
          throw new UsageError(
            `--url ${url.error.issues[0].message}` +
              (plainHttp && !flags.allowLocalHttp
                ? '. Plain http:// is allowed only to this machine (localhost, 127.0.0.1, [::1]), for testing: add --allow-local-http. Anything else needs https://.'
                : plainHttp
                  ? '. --allow-local-http allows plain http:// only to this machine (localhost, 127.0.0.1, [::1]); anything else needs https://.'
                  : ''),
          );
        }
        let filters = null;
        if (flags.filters) {
          let json: unknown;
          try {
            json = JSON.parse(flags.filters);
          } catch {
            throw new UsageError('--filters is not valid JSON');
          }
          const parsed = eventFiltersSchema.safeParse(json);
          if (!parsed.success)
            throw new UsageError(
              `--filters: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'filters'} ${i.message}`).join('; ')}. ` +
                `The filters are ${Object.keys(eventFiltersSchema.shape).join(', ')} (docs/api.md "Endpoints": POST /v1/hooks).`,
            );
          filters = parsed.data;
        }
        withStore(flags.db, io, (store) => {
          const loc = findLocation(store, flags.location);
          const secret = newSigningSecret();
          let sub: Subscription;
          try {
            sub = store.subscriptions.create(
              {
                locationId: loc.id,
                kind: 'webhook',
                event: flags.event as CallEventType,
                targetUrl: url.data,
                filters,
                signingSecret: secret,
              },
              new Date(),
              { maxActive: maxSubscriptionsFrom(io.env) },
            );
          } catch (error) {
            if (error instanceof SubscriptionLimitError) throw new UsageError(error.message);
            throw error;
          }
          io.stdout(
            `Added webhook ${sub.id}: ${sub.event} → ${sub.targetUrl}\n\n` +
              `Signing secret (shown once): ${secret}\n` +
              'Verify the webhook-id / webhook-timestamp / webhook-signature headers with any Standard Webhooks library.\n',
          );
          // Subscribing is not delivering: `serve` checks the address again with its own setting.
          if (flags.allowLocalHttp && !flags.allowPrivateTarget)
            io.stderr(
              'Note: `serve` delivers to this machine only when started with BRIDGE_ALLOW_LOCAL_HTTP_TARGETS=1 (or BRIDGE_ALLOW_PRIVATE_TARGETS=1).\n',
            );
        });
      },
    );

  webhook
    .command('list')
    .description("List a location's subscriptions (webhooks and Zapier REST hooks)")
    .requiredOption('--location <location>', 'id or name')
    .option('--db <path>', 'bridge database file')
    .action((flags: { location: string; db?: string }) => {
      withStore(flags.db, io, (store) => {
        const loc = findLocation(store, flags.location);
        io.stdout(
          formatTable(
            store.subscriptions.listActive(loc.id).map((s) => ({
              id: s.id,
              kind: s.kind,
              event: s.event,
              url: s.targetUrl,
              filters: s.filters ? JSON.stringify(s.filters) : '',
              created: s.createdAt,
            })),
          ),
        );
      });
    });

  webhook
    .command('remove')
    .description('Stop sending to a subscription')
    .requiredOption('--location <location>', 'id or name')
    .argument('<id>', 'subscription id (hook_…)')
    .option('--db <path>', 'bridge database file')
    .action((id: string, flags: { location: string; db?: string }) => {
      withStore(flags.db, io, (store) => {
        const loc = findLocation(store, flags.location);
        if (!store.subscriptions.remove(loc.id, id, 'removed with the CLI', new Date()))
          throw new UsageError(`No subscription ${id} in "${loc.name}".`);
        io.stdout(`Removed ${id}.\n`);
      });
    });
}
