import type { CallEventType } from '../lib/callEvent';

/**
 * The `locations` bench's knobs for what a location looks like beyond its traffic: which
 * triggers it subscribes and how its PBX pages reports. Read from the environment once per run.
 */

/** A location with every Zapier trigger of a call's life on (README.md: the Zapier app's triggers). */
export const ALL_THREE_TRIGGERS: readonly CallEventType[] = [
  'call.missed',
  'call.started',
  'call.ended',
];

const KNOWN_TRIGGERS = new Set<string>(ALL_THREE_TRIGGERS);

/**
 * `BENCH_LOCATIONS_EVENTS`: the event types each location subscribes, one REST hook each, all at
 * the one receiver origin (a location's Zaps all post to hooks.zapier.com). Default (or `all`,
 * `3`): the three triggers, as `throughput`'s three subscriptions; a comma list names them
 * (`call.missed` alone is the bench before 2026-12-03). A location with all three is common, and
 * one with `call.missed` alone sends a third of the webhooks or fewer (BENCHMARKS.md, `audit2`).
 */
export function locationEvents(env: NodeJS.ProcessEnv = process.env): CallEventType[] {
  const value = (env.BENCH_LOCATIONS_EVENTS ?? '').trim();
  if (value === '' || value === 'all' || value === '3') return [...ALL_THREE_TRIGGERS];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !KNOWN_TRIGGERS.has(name));
  if (unknown.length > 0 || names.length === 0)
    throw new Error(
      `BENCH_LOCATIONS_EVENTS: ${unknown.join(', ') || 'empty'} is not one of ${ALL_THREE_TRIGGERS.join(', ')} (or all)`,
    );
  return [...new Set(names)] as CallEventType[];
}

/**
 * `BENCH_LOCATIONS_MAX_PAGE_ROWS`: each simulated PBX serves at most this many rows a report
 * page, whatever `$top` asks, as some PBXs do (docs/3cx-facts.md §1.3). Default (unset or 0): no
 * cap. Anything but a whole number ≥ 0 is refused, rather than read as no cap.
 */
export function maxPageRows(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = (env.BENCH_LOCATIONS_MAX_PAGE_ROWS ?? '').trim();
  if (value === '') return undefined;
  const rows = Number(value);
  if (!Number.isInteger(rows) || rows < 0)
    throw new Error(`BENCH_LOCATIONS_MAX_PAGE_ROWS: ${value} is not a whole number of rows`);
  return rows === 0 ? undefined : rows;
}

/**
 * `BENCH_LOCATIONS_SUBSCRIBED_BEFORE`: when each location's subscriptions were made. Default
 * (unset or 1): before its PBX's back-filled history, modelling a bridge restarted after
 * downtime, whose first poll's history is delivered (it happened after the Zaps were turned
 * on), as in the runs before 2026-12-04. `0`: when the bench starts, as for locations just
 * added, whose history a subscription does not receive (bridge/store/outbox.ts `receives`);
 * with legs logged 300 s after they end, such a location then receives nothing in a 110 s
 * run, so that mode measures polling without delivery and is not the default (BENCHMARKS.md,
 * `since`). Anything else is refused.
 */
export function subscribedBefore(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.BENCH_LOCATIONS_SUBSCRIBED_BEFORE ?? '').trim();
  if (value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new Error(`BENCH_LOCATIONS_SUBSCRIBED_BEFORE: ${value} is not 0 or 1`);
}
