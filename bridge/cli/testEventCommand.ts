import type { Command } from 'commander';
import { CALL_EVENT_TYPES, type CallEventType } from '../../lib/callEvent';
import { DEFAULT_HOST, DEFAULT_PORT } from '../config';
import { sendTestEvent, TestEventError } from '../testEvents';
import { UsageError, type CliIo } from './io';
import { findLocation, withStore } from './locationCommands';

/**
 * `test-event --location X [--event call.missed]`: a realistic test call through the real
 * pipeline (bridge/testEvents.ts), so a Zap or scenario can be tested before the first call.
 * It is stored like any event; the running bridge (`serve`) delivers it within a second.
 */
export function registerTestEventCommand(program: Command, io: CliIo): void {
  program
    .command('test-event')
    .description(
      'Send a test event (marked "test": true) to the location\'s subscribers and its event feed',
    )
    .requiredOption('--location <location>', 'id or name')
    .option('--event <event>', CALL_EVENT_TYPES.join(' | '), 'call.missed')
    .option('--source-list <id>', 'the source list whose number the test caller dialled')
    .option(
      '--public-url <url>',
      'address the bridge is reached at, for record_url (or BRIDGE_PUBLIC_URL)',
    )
    .option('--db <path>', 'bridge database file')
    .action(
      (flags: {
        location: string;
        event: string;
        sourceList?: string;
        publicUrl?: string;
        db?: string;
      }) => {
        if (!(CALL_EVENT_TYPES as readonly string[]).includes(flags.event))
          throw new UsageError(`--event must be one of ${CALL_EVENT_TYPES.join(', ')}`);
        const publicUrl = (
          flags.publicUrl ??
          io.env.BRIDGE_PUBLIC_URL ??
          `http://${DEFAULT_HOST}:${DEFAULT_PORT}`
        ).replace(/\/+$/, '');
        withStore(flags.db, io, (store) => {
          const location = findLocation(store, flags.location);
          let result;
          try {
            result = sendTestEvent(
              store,
              location,
              { event: flags.event as CallEventType, sourceList: flags.sourceList },
              { now: Date.now(), publicUrl },
            );
          } catch (err) {
            if (err instanceof TestEventError) throw new UsageError(err.message);
            throw err;
          }
          const { event, subscriptions, deliveries } = result;
          const skipped = subscriptions - deliveries;
          io.stdout(
            `Sent test ${event.event} ${event.id} (caller ${event.caller_number}, "test": true).\n` +
              `Delivering to ${deliveries} of ${subscriptions} ${event.event} subscription${subscriptions === 1 ? '' : 's'}` +
              (skipped > 0 ? ` (${skipped} left out by their filters)` : '') +
              '; it is in the event feed (GET /v1/events) too.\n' +
              (deliveries > 0
                ? 'The running bridge (`3cx-bridge serve`) sends it within a second; `GET /v1/events/{id}/deliveries` shows what happened.\n'
                : 'No Zap or scenario receives it yet: turn one on (or use "Test trigger", which reads the feed).\n'),
          );
        });
      },
    );
}
