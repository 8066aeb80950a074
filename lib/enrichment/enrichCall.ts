import type { CallEnrichment } from '../callEvent';
import type { CallFacts } from '../settledCall';
import { toIsoUtc, toMillis } from '../utcTime';
import { branchFor, nextOpening } from './businessHours';
import { diallerCooldown, type TimedMiss } from './diallerCooldown';
import { contactFields, type KnownContact } from './knownContacts';
import type { LocationEnrichmentSettings } from './locationEnrichmentSettings';
import { callerNumberKey, isMissedCall } from './missedCall';
import { missHistory, repeatMisses, type EarlierMiss } from './repeatMisses';
import { sourceListFor } from './sourceLists';

/**
 * Everything a workflow branches on, for one settled call: source list, business-hours
 * branch, repeat-miss context, known contact, and whether the dialler cooldown folds this miss
 * into an earlier one. Pure: the bridge reads the store and passes what it found.
 */
export interface EnrichmentContext {
  /** The location's parsed settings (`locationEnrichmentSettingsSchema`). */
  settings: LocationEnrichmentSettings;
  /**
   * The location's misses from the repeat window before this call: `missed_at` is the call's
   * `started_at` (`missedAtOf`). Any number, any order; those of other numbers, outside the
   * window or of this same call are ignored. Folded attempts count: each was a call we missed.
   */
  earlierMisses: readonly EarlierMiss[];
  /** The location's misses that fired `call.missed` recently (at least the cooldown back). */
  recentEmittedMisses: readonly TimedMiss[];
  /** The contact the store matched to the outside number, or null. */
  contact: KnownContact | null;
  /** The bridge's clock (epoch ms): stands in for a call time that cannot be read. */
  now: number;
}

export interface EnrichmentResult {
  enrichment: CallEnrichment;
  /** This miss is a redial within the cooldown: store its `call.missed` as suppressed. */
  suppressed: boolean;
  /** The emitted miss whose `attempts` goes up instead; null unless suppressed. */
  foldInto: string | null;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export function enrichCall(call: CallFacts, context: EnrichmentContext): EnrichmentResult {
  const { settings } = context;
  const country = settings.country;
  const startedMs = readableOr(call.started_at, context.now);
  const endedMs = readableOr(call.ended_at, startedMs);
  const numberKey = callerNumberKey(call, country);
  const missed = isMissedCall(call);

  // The branch follows when the call came in (the same instant as `missedAtOf`): the PBX routed it by its office hours then,
  // and the filter `business_hours` promises "calls that started in business hours".
  const branch = branchFor(startedMs, settings.businessHours);
  const nextOpenMs =
    branch === 'in_hours' ? startedMs : nextOpening(startedMs, settings.businessHours);

  const thisCall: EarlierMiss = {
    call_id: call.call_id,
    number_key: numberKey,
    missed_at: startedMs,
  };
  const repeatSettings = { windowMs: settings.repeatWindowDays * DAY_MS, country };
  const repeat = missed
    ? repeatMisses(thisCall, context.earlierMisses, repeatSettings)
    : missHistory(thisCall, context.earlierMisses, repeatSettings);

  const cooldown = missed
    ? diallerCooldown(
        { call_id: call.call_id, number_key: numberKey, started_at: startedMs, ended_at: endedMs },
        context.recentEmittedMisses,
        { cooldownMs: settings.diallerCooldownMinutes * MINUTE_MS, country },
      )
    : ({ suppressed: false } as const);

  const contact = contactFields(context.contact);
  return {
    enrichment: {
      // Only an inbound call has a DID, so only it belongs to a source list.
      source_list:
        call.direction === 'inbound'
          ? sourceListFor(call.dialed_number, settings.sourceLists, country)
          : null,
      in_business_hours: branch === 'in_hours',
      branch,
      next_open_at: nextOpenMs === null ? null : toIsoUtc(nextOpenMs),
      missed_count_7d: repeat.missed_count_7d,
      is_repeat_miss: repeat.is_repeat_miss,
      last_missed_at: repeat.last_missed_at,
      known_contact: contact.known_contact,
      contact_id: contact.contact_id,
      contact_url: contact.contact_url,
      contact_name: contact.contact_name,
      attempts: 1,
    },
    suppressed: cooldown.suppressed,
    foldInto: cooldown.suppressed ? cooldown.foldInto : null,
  };
}

function readableOr(value: string, fallbackMs: number): number {
  const ms = toMillis(value);
  return Number.isFinite(ms) ? ms : fallbackMs;
}
