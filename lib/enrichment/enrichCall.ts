import type { CallEnrichment } from '../callEvent';
import type { CallFacts } from '../settledCall';
import { toIsoUtc, toMillis } from '../utcTime';
import { branchFor, nextOpening } from './businessHours';
import { diallerCooldown, foldReach, type TimedMiss } from './diallerCooldown';
import { contactFields, type KnownContact } from './knownContacts';
import type { LocationEnrichmentSettings } from './locationEnrichmentSettings';
import { callerNumberKey, isMissedCall } from './missedCall';
import {
  missHistory,
  repeatMisses,
  repeatWindow,
  type CountedMisses,
  type EarlierMiss,
} from './repeatMisses';
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
   * Or the store's count of them, as {@link missHistoryQuestion} asks it.
   */
  earlierMisses: readonly EarlierMiss[] | CountedMisses;
  /**
   * The location's misses that fired `call.missed` recently (at least the cooldown back), or at
   * least those of this number in {@link missHistoryQuestion}'s `foldReach`.
   */
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

/**
 * What the repeat-miss count and the dialler cooldown need of a call's number's history, for a
 * store to answer from its index rather than hand over every miss (a number with 2,000 misses
 * in the window cost 3–4 ms a call read whole: issue 16, BENCHMARKS.md `stall6`): how many
 * misses of `numberKey` other than this call started in `count` (epoch ms, both ends
 * inclusive) and the latest one's start (`CountedMisses`), and the emitted misses that started
 * by `foldReach.startedByMs` and ended (or, without an end, started) from
 * `foldReach.endedFromMs` (null: the cooldown cannot fold this call). Null: no number key,
 * nothing to ask.
 */
export interface MissHistoryQuestion {
  numberKey: string;
  count: { fromMs: number; toMs: number };
  foldReach: { startedByMs: number; endedFromMs: number } | null;
}

export function missHistoryQuestion(
  call: CallFacts,
  settings: LocationEnrichmentSettings,
  now: number,
): MissHistoryQuestion | null {
  const { startedMs, endedMs, numberKey, missed } = callOf(call, settings, now);
  if (numberKey === null) return null;
  return {
    numberKey,
    count: repeatWindow(startedMs, repeatSettingsOf(settings).windowMs),
    foldReach: missed
      ? foldReach(
          {
            call_id: call.call_id,
            number_key: numberKey,
            started_at: startedMs,
            ended_at: endedMs,
          },
          cooldownSettingsOf(settings),
        )
      : null,
  };
}

/** The call as the rules read it: its times (the clock for unreadable ones), number, miss. */
function callOf(call: CallFacts, settings: LocationEnrichmentSettings, now: number) {
  const startedMs = readableOr(call.started_at, now);
  return {
    startedMs,
    endedMs: readableOr(call.ended_at, startedMs),
    numberKey: callerNumberKey(call, settings.country),
    missed: isMissedCall(call),
  };
}

const repeatSettingsOf = (settings: LocationEnrichmentSettings) => ({
  windowMs: settings.repeatWindowDays * DAY_MS,
  country: settings.country,
});

const cooldownSettingsOf = (settings: LocationEnrichmentSettings) => ({
  cooldownMs: settings.diallerCooldownMinutes * MINUTE_MS,
  country: settings.country,
});

export function enrichCall(call: CallFacts, context: EnrichmentContext): EnrichmentResult {
  const { settings } = context;
  const country = settings.country;
  const { startedMs, endedMs, numberKey, missed } = callOf(call, settings, context.now);

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
  const repeatSettings = repeatSettingsOf(settings);
  const repeat = missed
    ? repeatMisses(thisCall, context.earlierMisses, repeatSettings)
    : missHistory(thisCall, context.earlierMisses, repeatSettings);

  const cooldown = missed
    ? diallerCooldown(
        { call_id: call.call_id, number_key: numberKey, started_at: startedMs, ended_at: endedMs },
        context.recentEmittedMisses,
        cooldownSettingsOf(settings),
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
