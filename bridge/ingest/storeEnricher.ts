import type { CallEventType } from '../../lib/callEvent';
import { callerNumberKey, enrichCall } from '../../lib/enrichment';
import type { SettledCall } from '../../lib/settledCall';
import { EnrichmentSettingsCache } from '../locationEnrichment';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import type { CallEnricher, EnrichmentDecision } from './callEnricher';

const DAY_MS = 86_400_000;

/**
 * The bridge's enrichment: reads what lib/enrichment needs from the store (the number's earlier
 * misses, recent emitted misses for the dialler cooldown, the known contact) and applies the
 * rules with the location's settings.
 */
export class StoreEnricher implements CallEnricher {
  private readonly settings = new EnrichmentSettingsCache();

  enrich(
    location: Location,
    call: SettledCall,
    _event: CallEventType,
    now: number,
    store: BridgeStore,
  ): EnrichmentDecision {
    const settings = this.settings.of(location);
    const numberKey = callerNumberKey(call, settings.country);
    const startedMs = Date.parse(call.started_at);
    const lookback =
      Math.max(settings.repeatWindowDays * DAY_MS, settings.diallerCooldownMinutes * 60_000) +
      DAY_MS;
    const earlier = numberKey
      ? store.calls.missesFrom(
          location.id,
          numberKey,
          new Date(startedMs - lookback).toISOString(),
          call.call_id,
        )
      : [];
    const stored = numberKey ? store.contacts.find(location.id, numberKey) : null;
    const result = enrichCall(call, {
      settings,
      earlierMisses: earlier.map((m) => ({
        call_id: m.call_id,
        number_key: m.number_key,
        missed_at: m.started_at,
      })),
      recentEmittedMisses: earlier
        .filter((m) => m.emitted)
        .map((m) => ({
          call_id: m.call_id,
          number_key: m.number_key,
          started_at: m.started_at,
          ended_at: m.ended_at,
        })),
      contact: stored
        ? {
            contact_id: stored.contactId,
            name: stored.name,
            company: stored.company,
            email: stored.email,
            url: stored.url,
            numbers: [stored.numberKey],
          }
        : null,
      now,
    });
    return { enrichment: result.enrichment, foldInto: result.foldInto };
  }
}
