import type { CallEnrichment, CallEventType } from '../../lib/callEvent';
import type { SettledCall } from '../../lib/settledCall';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';

/** What enrichment decided about one call (lib/enrichment applies the rules). */
export interface EnrichmentDecision {
  enrichment: CallEnrichment;
  /** The dialler cooldown folds this miss into an earlier call: no `call.missed` goes out. */
  foldInto: string | null;
}

/** Adds the workflow context to a call before its events are built, reading the store. */
export interface CallEnricher {
  enrich(
    location: Location,
    call: SettledCall,
    event: CallEventType,
    now: number,
    store: BridgeStore,
  ): EnrichmentDecision;
}
