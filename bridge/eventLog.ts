import type { Logger } from 'pino';
import type { CallEventType } from '../lib/callEvent';
import type { IngestedEvent } from './ingest/locationIngest';

/** What the log reads of an event the ingest stored (bridge/ingest/locationIngest.ts `onEvent`). */
export type LoggedEvent = Pick<IngestedEvent, 'type' | 'call' | 'suppressed'>;

/** How often `serve` writes each location's counts at `info` (bridge/bridgeService.ts). */
export const EVENT_LOG_INTERVAL_MS = 60_000;

/** One location's events since its last counts line. */
interface LocationCounts {
  name: string;
  events: Partial<Record<CallEventType, number>>;
  suppressed: number;
}

/**
 * What the log says about stored events, by level:
 *
 * - `debug`: one line per stored event, with the call id, its outcome and the caller's number:
 *   for someone tracing one call (`LOG_LEVEL=debug`). The number is there because it is what a
 *   trace is searched by; it is personal data, which is why only an opt-in level carries it.
 * - `info`: per location, one line of counts by event type (`eventCounts`, every
 *   `EVENT_LOG_INTERVAL_MS` and when the bridge stops), no numbers and no call ids.
 *
 * Why counts on a timer, not a line per event or per poll: at 200 PBXs × 30 calls/min the per
 * event lines were ~250 a second (unreadable, with a caller's number in each), and writing them
 * cost the bridge ~55 µs of CPU an event, 15–19 % of its end-to-end rate (BENCHMARKS.md, "do the
 * benchmarks flatter?"). A line per poll would still be tens a second at that size, and the Call
 * Control stream and the CRM journal commit one call at a time, so a line per commit is a line per
 * call for them. Counts per location per interval keep `info` to a few lines a second at most,
 * whatever the source, and show whether each location is getting calls and missing them; a
 * single call is found through the API, the dashboard, or `debug`. The demo prints its own line
 * per event (bridge/demo.ts), so its missed calls show whatever the level.
 *
 * Cheap when a level is off: the per-event object is built only when `debug` is on; counting is
 * a map lookup and an increment.
 */
export class EventLog {
  private readonly counts = new Map<string, LocationCounts>();
  /** Where the counts being kept began: the last `eventCounts`, or the start. */
  private since: number;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.since = now();
  }

  /** An event was stored for the location: counted for `info`, and its own line at `debug`. */
  stored(location: { id: string; name: string }, event: LoggedEvent): void {
    let counts = this.counts.get(location.id);
    if (counts === undefined) {
      counts = { name: location.name, events: {}, suppressed: 0 };
      this.counts.set(location.id, counts);
    }
    if (event.suppressed) counts.suppressed++;
    else counts.events[event.type] = (counts.events[event.type] ?? 0) + 1;
    if (!this.logger.isLevelEnabled('debug')) return;
    this.logger.debug(
      {
        location: location.name,
        event: event.type,
        call: event.call.call_id,
        outcome: event.type === 'call.started' ? undefined : event.call.outcome,
        caller: event.call.caller_number ?? event.call.caller_number_raw,
        suppressed: event.suppressed || undefined,
      },
      `${event.type}${event.suppressed ? ' (suppressed: dialler cooldown)' : ''}`,
    );
  }

  /**
   * One `info` line per location that stored events since the last call (or the start):
   * counts by type, those the dialler cooldown folded apart (stored, not delivered), and when
   * the count began. Then counting starts again.
   */
  eventCounts(): void {
    const now = this.now();
    const seconds = Math.round((now - this.since) / 1000);
    for (const [id, c] of this.counts) {
      const parts = Object.entries(c.events).map(([type, n]) => `${n} ${type}`);
      if (c.suppressed > 0) parts.push(`${c.suppressed} suppressed`);
      this.logger.info(
        {
          location: c.name,
          locationId: id,
          events: c.events,
          suppressed: c.suppressed || undefined,
          since: new Date(this.since).toISOString(),
        },
        `${c.name}: events stored in the last ${seconds} s: ${parts.join(', ')}`,
      );
    }
    this.counts.clear();
    this.since = now;
  }
}
