import type { CallEventType } from '../../lib/callEvent';
import { callerNumberKey, enrichCall } from '../../lib/enrichment';
import type { CallFacts } from '../../lib/settledCall';
import { EnrichmentSettingsCache } from '../locationEnrichment';
import type { BridgeStore } from '../store/bridgeStore';
import type { MissesQuestion, NumberMiss } from '../store/calls';
import type { KnownContact } from '../store/contacts';
import type { Location } from '../store/locations';
import type { CallEnricher, EnrichmentDecision, EnrichmentReads } from './callEnricher';

const DAY_MS = 86_400_000;

/** What `readAhead` read for one batch's calls, as `enrich` uses it. */
interface BatchReads extends EnrichmentReads {
  locationId: string;
  /** Each call's question, as asked (the first of its versions in the batch). */
  questions: Map<string, MissesQuestion>;
  misses: Map<string, NumberMiss[]>;
  /** The calls whose answer a call stored before them in the same batch may change. */
  stale: Set<string>;
  /** The numbers whose contact was read; `contacts` holds those known. */
  numbersRead: Set<string>;
  contacts: Map<string, KnownContact>;
}

/**
 * The bridge's enrichment: reads what lib/enrichment needs from the store (the number's earlier
 * misses, recent emitted misses for the dialler cooldown, the known contact) and applies the
 * rules with the location's settings. A batch's reads are done once for all its calls
 * (`readAhead`); the decisions are the same as with a read per call (docs/design.md, "Round
 * trips on the hot paths").
 */
export class StoreEnricher implements CallEnricher {
  private readonly settings = new EnrichmentSettingsCache();

  readAhead(
    location: Location,
    calls: readonly CallFacts[],
    _now: number,
    store: BridgeStore,
  ): EnrichmentReads {
    const questions = new Map<string, MissesQuestion>();
    for (const call of calls) {
      const question = this.questionOf(location, call);
      if (question !== null && !questions.has(call.call_id)) questions.set(call.call_id, question);
    }
    const misses = store.calls.missesFromEach(location.id, [...questions.values()]);
    const numbersRead = new Set([...questions.values()].map((q) => q.numberKey));
    const contacts = store.contacts.findEach(location.id, [...numbersRead]);
    // The batch stores its calls one after the other, and a call stored changes what a later
    // call of the same number reads (a number missed twice in one batch: the second sees the
    // first). An answer read ahead holds only while no other call of the batch can be written
    // into it: none of them is among its rows or has its number. The others read again.
    const stale = new Set<string>();
    const ids = new Set(calls.map((c) => c.call_id));
    const numbersOfCalls = new Map<string, Set<string>>();
    for (const call of calls) {
      for (const key of [call.external_number, questions.get(call.call_id)?.numberKey]) {
        if (!key) continue;
        const of = numbersOfCalls.get(key) ?? new Set<string>();
        of.add(call.call_id);
        numbersOfCalls.set(key, of);
      }
    }
    for (const [callId, question] of questions) {
      const sameNumber = numbersOfCalls.get(question.numberKey);
      const written = (id: string) => id !== callId && ids.has(id);
      if (
        [...(sameNumber ?? [])].some(written) ||
        (misses.get(callId) ?? []).some((m) => written(m.call_id))
      )
        stale.add(callId);
    }
    const reads: BatchReads = {
      enricher: this,
      locationId: location.id,
      questions,
      misses,
      stale,
      numbersRead,
      contacts,
    };
    return reads;
  }

  enrich(
    location: Location,
    call: CallFacts,
    _event: CallEventType,
    now: number,
    store: BridgeStore,
    reads?: EnrichmentReads,
  ): EnrichmentDecision {
    const settings = this.settings.of(location);
    const question = this.questionOf(location, call);
    const ahead =
      reads?.enricher === this && (reads as BatchReads).locationId === location.id
        ? (reads as BatchReads)
        : null;
    const asked = ahead?.questions.get(call.call_id);
    const earlier =
      question === null
        ? []
        : ahead &&
            asked?.numberKey === question.numberKey &&
            asked.sinceIso === question.sinceIso &&
            !ahead.stale.has(call.call_id)
          ? (ahead.misses.get(call.call_id) ?? [])
          : store.calls.missesFrom(
              location.id,
              question.numberKey,
              question.sinceIso,
              call.call_id,
            );
    const stored =
      question === null
        ? null
        : ahead?.numbersRead.has(question.numberKey)
          ? (ahead.contacts.get(question.numberKey) ?? null)
          : store.contacts.find(location.id, question.numberKey);
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

  /**
   * What the enrichment of a call asks the store: its number's misses since the longest window
   * that counts them (the repeat window or the dialler cooldown, and a day's slack), and the
   * number's contact. Null: no number (withheld), nothing to read.
   */
  private questionOf(location: Location, call: CallFacts): MissesQuestion | null {
    const settings = this.settings.of(location);
    const numberKey = callerNumberKey(call, settings.country);
    if (!numberKey) return null;
    const lookback =
      Math.max(settings.repeatWindowDays * DAY_MS, settings.diallerCooldownMinutes * 60_000) +
      DAY_MS;
    return {
      callId: call.call_id,
      numberKey,
      sinceIso: new Date(Date.parse(call.started_at) - lookback).toISOString(),
    };
  }
}
