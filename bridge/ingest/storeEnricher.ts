import type { CallEventType } from '../../lib/callEvent';
import { enrichCall, missHistoryQuestion } from '../../lib/enrichment';
import type { CallFacts } from '../../lib/settledCall';
import { toIsoUtc } from '../../lib/utcTime';
import { EnrichmentSettingsCache } from '../locationEnrichment';
import type { BridgeStore } from '../store/bridgeStore';
import type { MissHistory, StoredMissQuestion } from '../store/calls';
import type { KnownContact } from '../store/contacts';
import type { Location } from '../store/locations';
import type { CallEnricher, EnrichmentDecision, EnrichmentReads } from './callEnricher';

const DAY_MS = 86_400_000;

/** No number key: nothing to read, no history. */
const NO_HISTORY: MissHistory = { count: 0, lastMissedAt: null, emitted: [] };

/** What `readAhead` read for one batch's calls, as `enrich` uses it. */
interface BatchReads extends EnrichmentReads {
  locationId: string;
  /** Each call's questions, one per version of it in the batch that asks another, answered. */
  asked: Map<string, Array<{ question: StoredMissQuestion; answer: MissHistory }>>;
  /** The calls whose answer a call stored before them in the same batch may change. */
  stale: Set<string>;
  /** The numbers whose contact was read; `contacts` holds those known. */
  numbersRead: Set<string>;
  contacts: Map<string, KnownContact>;
}

/**
 * The bridge's enrichment: reads what lib/enrichment needs from the store (the number's misses
 * in the repeat window, counted, and the emitted misses that may fold a redial; the known
 * contact) and applies the rules with the location's settings. A batch's reads are done once
 * for all its calls (`readAhead`); the decisions are the same as with a read per call
 * (docs/design.md, "Round trips on the hot paths").
 */
export class StoreEnricher implements CallEnricher {
  private readonly settings = new EnrichmentSettingsCache();

  readAhead(
    location: Location,
    calls: readonly CallFacts[],
    now: number,
    store: BridgeStore,
  ): EnrichmentReads {
    const questions: StoredMissQuestion[] = [];
    const askedOf = new Map<string, StoredMissQuestion[]>();
    for (const call of calls) {
      const question = this.questionOf(location, call, now);
      if (question === null) continue;
      const of = askedOf.get(call.call_id) ?? [];
      if (of.some((q) => sameQuestion(q, question))) continue;
      of.push(question);
      askedOf.set(call.call_id, of);
      questions.push(question);
    }
    const ids = new Set(calls.map((c) => c.call_id));
    const { answers, storedMisses } = store.calls.missHistoryOfEach(location.id, questions, [
      ...ids,
    ]);
    const asked = new Map<string, Array<{ question: StoredMissQuestion; answer: MissHistory }>>();
    questions.forEach((question, i) => {
      const of = asked.get(question.callId) ?? [];
      of.push({ question, answer: answers[i] });
      asked.set(question.callId, of);
    });
    const numbersRead = new Set(questions.map((q) => q.numberKey));
    const contacts = store.contacts.findEach(location.id, [...numbersRead]);
    // The batch stores its calls one after the other, and a call stored changes what a later
    // call of the same number reads (a number missed twice in one batch: the second sees the
    // first). An answer read ahead holds only while no other call of the batch can be written
    // into it: none of them has its number, or is stored as a miss of it. The others read again.
    const stale = new Set<string>();
    const numbersOfCalls = new Map<string, Set<string>>();
    const addNumber = (key: string | null | undefined, callId: string) => {
      if (!key) return;
      const of = numbersOfCalls.get(key) ?? new Set<string>();
      of.add(callId);
      numbersOfCalls.set(key, of);
    };
    for (const call of calls) addNumber(call.external_number, call.call_id);
    for (const question of questions) addNumber(question.numberKey, question.callId);
    for (const [callId, number] of storedMisses) addNumber(number, callId);
    for (const { callId, numberKey } of questions) {
      const sameNumber = numbersOfCalls.get(numberKey) ?? new Set<string>();
      if ([...sameNumber].some((id) => id !== callId && ids.has(id))) stale.add(callId);
    }
    const reads: BatchReads = {
      enricher: this,
      locationId: location.id,
      asked,
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
    const question = this.questionOf(location, call, now);
    const ahead =
      reads?.enricher === this && (reads as BatchReads).locationId === location.id
        ? (reads as BatchReads)
        : null;
    const readAhead =
      question === null || ahead === null || ahead.stale.has(call.call_id)
        ? undefined
        : ahead.asked.get(call.call_id)?.find((a) => sameQuestion(a.question, question));
    const history =
      question === null
        ? NO_HISTORY
        : (readAhead?.answer ?? store.calls.missHistoryOfEach(location.id, [question]).answers[0]);
    const stored =
      question === null
        ? null
        : ahead?.numbersRead.has(question.numberKey)
          ? (ahead.contacts.get(question.numberKey) ?? null)
          : store.contacts.find(location.id, question.numberKey);
    const result = enrichCall(call, {
      settings,
      earlierMisses: { count: history.count, lastMissedAt: history.lastMissedAt },
      recentEmittedMisses: history.emitted,
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
   * What the enrichment of a call asks the store (lib/enrichment `missHistoryQuestion`), as
   * the store's texts. The emitted misses are read no further back than the longest window
   * that counts misses (the repeat window or the dialler cooldown) and a day's slack. Null: no
   * number (withheld), nothing to read.
   */
  private questionOf(location: Location, call: CallFacts, now: number): StoredMissQuestion | null {
    const settings = this.settings.of(location);
    const asked = missHistoryQuestion(call, settings, now);
    if (asked === null) return null;
    const lookback =
      Math.max(settings.repeatWindowDays * DAY_MS, settings.diallerCooldownMinutes * 60_000) +
      DAY_MS;
    const reach = asked.foldReach;
    return {
      callId: call.call_id,
      numberKey: asked.numberKey,
      countFromIso: toIsoUtc(asked.count.fromMs),
      countToIso: toIsoUtc(asked.count.toMs),
      fold:
        reach === null
          ? null
          : {
              sinceIso: toIsoUtc(asked.count.toMs - lookback),
              startedByIso: toIsoUtc(reach.startedByMs),
              endedFromIso: toIsoUtc(reach.endedFromMs),
            },
    };
  }
}

/** Two versions of a call ask the same (a batch's answer read for one holds for the other). */
function sameQuestion(a: StoredMissQuestion, b: StoredMissQuestion): boolean {
  return (
    a.numberKey === b.numberKey &&
    a.countFromIso === b.countFromIso &&
    a.countToIso === b.countToIso &&
    a.fold?.sinceIso === b.fold?.sinceIso &&
    a.fold?.startedByIso === b.fold?.startedByIso &&
    a.fold?.endedFromIso === b.fold?.endedFromIso
  );
}
