import type { CallEnrichment, CallEventType } from '../../lib/callEvent';
import type { CallFacts } from '../../lib/settledCall';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';

/** What enrichment decided about one call (lib/enrichment applies the rules). */
export interface EnrichmentDecision {
  enrichment: CallEnrichment;
  /** The dialler cooldown folds this miss into an earlier call: no `call.missed` goes out. */
  foldInto: string | null;
}

/**
 * What an enricher read of the store for a batch's calls at once (`readAhead`), handed back to
 * `enrich` for each of them; its shape is the enricher's own.
 */
export interface EnrichmentReads {
  readonly enricher: CallEnricher;
}

/** Adds the workflow context to a call before its events are built, reading the store. */
export interface CallEnricher {
  /**
   * `reads`: what `readAhead` read for the batch this call is in; the decision is the one
   * `enrich` would take reading the store itself at this moment.
   */
  enrich(
    location: Location,
    call: CallFacts,
    event: CallEventType,
    now: number,
    store: BridgeStore,
    reads?: EnrichmentReads,
  ): EnrichmentDecision;
  /**
   * Read what `enrich` will need for all of a batch's calls, one read per kind (on Postgres a
   * read per call is a round trip the event loop waits for), before any of them is stored.
   */
  readAhead?(
    location: Location,
    calls: readonly CallFacts[],
    now: number,
    store: BridgeStore,
  ): EnrichmentReads;
}
