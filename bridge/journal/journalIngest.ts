import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import { eventsForSettledCall, firesCallStarted, type CallEventType } from '../../lib/callEvent';
import type { PollerEvent } from '../../lib/poller/pollerState';
import type { CallFacts } from '../../lib/settledCall';
import type { LocationIngest } from '../ingest/locationIngest';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import { closestStart, isSameCall, sameCallWindow, type CallSighting } from './callCorrelation';
import { journalCall } from './journalCall';
import { isJournalCallId } from './journalCallId';
import { JournalEntryRepo, type StoredJournalEntry } from './journalEntries';
import type { JournalEntry } from './journalEntry';
import { journalHoldMs } from './holdDeadline';

/** What became of a journal entry, as `POST /3cx/journal` answers it. */
export interface JournalReceipt {
  /**
   * - `released`: its events are stored and on their way to subscribers.
   * - `held`: waiting until `release_at` for the poller's more detailed version.
   * - `superseded`: the poller already reported this call (`call_id`); nothing new.
   * - `duplicate`: this call was journaled before; nothing new.
   */
  status: 'released' | 'held' | 'superseded' | 'duplicate';
  /** The call the entry is (or will be) stored as. */
  call_id: string;
  release_at: string | null;
}

/**
 * The CRM-template journal as the bridge's second event source (docs/design.md "Ingest"). An entry
 * becomes a call's facts (`CallFacts`) and goes through the location's `LocationIngest`, exactly the
 * poller's path, so enrichment, the outbox and delivery are the same. The same call reported by
 * both sources gives one call record and one set of events, whichever comes first:
 *
 * - journal after the poller: the entry matches the poller's ended call and adds nothing;
 * - journal first, location polled over XAPI: the entry is held (bridge/journal/holdDeadline.ts);
 *   if the poller settles the call meanwhile, the poller's detailed version is the one that
 *   went out and the entry is superseded at its deadline; if not, the entry is released then,
 *   under the poller's call id when the poller has seen the call live, else under its own;
 * - poller after a released entry: the poller's events take the journal call's id
 *   (`correlatePollerEvents`), so they are the same events, already stored: nothing new goes
 *   out, and the call record keeps one id (with the poller's richer facts);
 * - location without XAPI: the entry is released at once.
 *
 * Calls are matched by bridge/journal/callCorrelation.ts.
 */
export class JournalIngest {
  private readonly entries: JournalEntryRepo;
  private sweeping: Promise<number> | null = null;

  constructor(
    private readonly deps: {
      store: BridgeStore;
      ingestFor: (location: Location) => LocationIngest;
      now: () => number;
      logger?: Logger;
      /** Events were stored: wake the delivery worker. */
      eventsStored?: () => void;
      /**
       * The location's poller cannot be waited for (holdDeadline.ts `pollerIsFailing`, as the
       * instance that polls it stored it: the entry may arrive at any instance).
       */
      pollerFailing?: (location: Location) => boolean;
      /**
       * The locations whose held entries this instance releases: those it holds the lease of,
       * with several instances (the poller that may still report the call runs there); null
       * for every location (one instance).
       */
      sweptLocations?: () => readonly string[] | null;
    },
  ) {
    this.entries = new JournalEntryRepo(deps.store.db);
  }

  /**
   * A validated entry from `POST /3cx/journal` (the location as the request's key loaded it,
   * so with current settings); `body` is kept as received, for support.
   */
  async accept(location: Location, entry: JournalEntry, body: unknown): Promise<JournalReceipt> {
    const { store } = this.deps;
    const now = this.deps.now();
    const call = journalCall(entry, { country: location.country });
    const hold = this.deps.pollerFailing?.(location) ? null : journalHoldMs(location);
    // 3CX posts when the call ends, so the hold runs from arrival (holdDeadline.ts).
    const releaseAt = now + (hold ?? 0);
    const inserted = store.transaction(() => {
      if (!this.entries.insert(location.id, { call, body, releaseAt }, now)) return false;
      this.learnContact(location, entry, call, now);
      return true;
    });
    const stored = this.entries.get(location.id, call.call_id)!;
    if (!inserted) {
      return {
        status: 'duplicate',
        call_id: stored.eventsCallId ?? stored.matchedCallId ?? stored.callId,
        release_at: stored.status === 'held' ? new Date(stored.releaseAt).toISOString() : null,
      };
    }
    const receipt = await this.resolve(location, stored, now);
    // A line per post is a line per call, so it is `debug`, like the per-event line: `info`
    // gets the events it stores as counts per location (bridge/eventLog.ts says why).
    this.deps.logger?.debug(
      {
        location: location.id,
        call: receipt.call_id,
        journal: stored.callId,
        status: receipt.status,
      },
      'journal entry',
    );
    return receipt;
  }

  /** Release (or retire) every held entry whose deadline has passed; how many were released. */
  sweep(): Promise<number> {
    // One sweep at a time: the timer and a test's `tick()` may ask at once.
    this.sweeping ??= this.sweepDue().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  /** Resolves once no sweep is running (the bridge stops only after it). */
  async idle(): Promise<void> {
    await this.sweeping?.catch(() => undefined);
  }

  /**
   * The poller's hook (LocationIngest, inside its transaction): a poller call that turns out to
   * be a journal call already released takes that call's id, so its events are the ones
   * already stored and the call record stays one. A journal call is claimed by one poller call
   * only: two calls from the same number in the tolerance window are never merged by the poller.
   */
  correlatePollerEvents(
    locationId: string,
    events: readonly PollerEvent[],
  ): readonly PollerEvent[] {
    const questionOf = (call: CallFacts) => ({
      direction: call.direction,
      numberKey: call.external_number,
      ...sameCallWindow(call.started_at),
      claimableBy: call.call_id,
    });
    // Every call's candidates in one read (the first version of each call in the events); an
    // entry claimed in this loop is no longer a candidate for the others, so a call among whose
    // candidates one was claimed reads again: each call sees what a read of its own would see.
    const asked = new Map<string, CallFacts>();
    for (const { call } of events)
      if (!isJournalCallId(call.call_id) && !asked.has(call.call_id)) asked.set(call.call_id, call);
    const readAhead = this.entries.releasedBetweenEach(
      locationId,
      [...asked.values()].map(questionOf),
    );
    const claimedHere = new Set<string>();
    const rewrites = new Map<string, string | null>();
    for (const { call } of events) {
      if (rewrites.has(call.call_id) || isJournalCallId(call.call_id)) continue;
      const ahead = asked.get(call.call_id) === call ? readAhead.get(call.call_id) : undefined;
      const candidates = (
        ahead === undefined || ahead.some((e) => claimedHere.has(e.callId))
          ? this.entries.releasedBetween(locationId, questionOf(call))
          : ahead
      )
        .filter((e) => e.eventsCallId !== null && e.eventsCallId !== call.call_id)
        .filter((e) => isSameCall(sightingOf(call), sightingOf(e.call)))
        .map((e) => ({ entry: e, startedAt: e.call.started_at }));
      const match = closestStart(candidates, call.started_at);
      if (match) {
        this.entries.claim(locationId, match.entry.callId, call.call_id);
        claimedHere.add(match.entry.callId);
      }
      rewrites.set(call.call_id, match?.entry.eventsCallId ?? null);
    }
    if (![...rewrites.values()].some((id) => id !== null)) return events;
    return events.map((e) => {
      const id = rewrites.get(e.call.call_id);
      return id ? { type: e.type, call: { ...e.call, call_id: id } } : e;
    });
  }

  private async sweepDue(): Promise<number> {
    const now = this.deps.now();
    let released = 0;
    const due = this.entries.due(now, 500, this.deps.sweptLocations?.() ?? null);
    for (let i = 0; i < due.length; i++) {
      // One release per loop iteration: releases that came due together (a number the hold
      // kept back, a restart) were one iteration of back-to-back commits, 42–65 ms every 5 s in
      // bigstore (BENCHMARKS.md, `stall5`), holding up every other location's work and the API.
      // The wait is here, between entries, never inside `resolve`: its check for the poller's
      // call and its commit stay in one turn, so a poll storing the call cannot come between.
      if (i > 0) await yieldToLoop();
      const entry = due[i];
      const location = this.deps.store.locations.get(entry.locationId);
      if (!location) continue; // removed: its entries go with it (ON DELETE CASCADE)
      try {
        const receipt = await this.resolve(location, entry, now);
        if (receipt.status === 'released') released++;
      } catch (error) {
        // One bad entry must not hold up the others; it stays held and is retried next sweep.
        this.deps.logger?.error(
          { location: location.id, journal: entry.callId, err: error },
          'journal release failed',
        );
      }
    }
    return released;
  }

  /**
   * Decide an entry: superseded when the poller has reported the call, still held before its
   * deadline, else released. Releasing twice (a crash between the commit and the mark) is
   * harmless: the events are stored by id, once.
   */
  private async resolve(
    location: Location,
    entry: StoredJournalEntry,
    now: number,
  ): Promise<JournalReceipt> {
    const match = this.pollerCallFor(location.id, entry.call);
    if (match?.status === 'ended') {
      this.entries.markSuperseded(location.id, entry.callId, match.callId, now);
      return { status: 'superseded', call_id: match.callId, release_at: null };
    }
    if (entry.releaseAt > now) {
      return {
        status: 'held',
        call_id: entry.callId,
        release_at: new Date(entry.releaseAt).toISOString(),
      };
    }
    // The poller has seen the call live (its `call.started` is out) but not settled it: the
    // journal's end goes out under the poller's id, and the poller's own end later adds only
    // its detail to the record.
    const callId = match?.callId ?? entry.callId;
    const call: CallFacts = { ...entry.call, call_id: callId };
    await this.deps.ingestFor(location).commitJournal(eventsOf(call, location));
    this.entries.markReleased(
      location.id,
      entry.callId,
      { eventsCallId: callId, matchedCallId: match?.callId ?? null },
      now,
    );
    this.deps.eventsStored?.();
    return { status: 'released', call_id: callId, release_at: null };
  }

  /** The poller's call (never a journal call) that is this journal call, or null. */
  private pollerCallFor(
    locationId: string,
    call: CallFacts,
  ): { callId: string; status: 'live' | 'ended' } | null {
    const candidates = this.deps.store.calls
      .startedBetween(locationId, {
        direction: call.direction,
        numberKey: call.external_number,
        ...sameCallWindow(call.started_at),
      })
      .filter((c) => !isJournalCallId(c.callId))
      .filter((c) => isSameCall(sightingOf(call), { ...sightingOf(call), startedAt: c.startedAt }));
    return closestStart(candidates, call.started_at);
  }

  /**
   * A contact 3CX matched through the template's lookup (`[Contact::ContactID]`) teaches the
   * bridge the number when it knew none. Never from `[Name]` alone: that may be the trunk's
   * caller-id text, and a stranger marked `known_contact` would miss the workflow's
   * "who are you?" follow-up.
   */
  private learnContact(
    location: Location,
    entry: JournalEntry,
    call: CallFacts,
    now: number,
  ): void {
    const numberKey = call.external_number;
    if (!entry.contactId || !numberKey) return;
    if (this.deps.store.contacts.find(location.id, numberKey)) return;
    this.deps.store.contacts.upsert(
      location.id,
      {
        numberKey,
        contactId: entry.contactId,
        name: entry.name,
        company: null,
        email: null,
        url: null,
        source: 'journal',
      },
      now,
    );
  }
}

/** The events a settled call fires, `call.started` included: the journal sees a call once. */
function eventsOf(call: CallFacts, location: Location): PollerEvent[] {
  const options = { includeInternal: location.settings.includeInternal };
  const types: CallEventType[] = [
    ...(firesCallStarted(call, options) ? (['call.started'] as const) : []),
    ...eventsForSettledCall(call, options),
  ];
  return types.map((type) => ({ type, call }));
}

function sightingOf(call: CallFacts): CallSighting {
  return { direction: call.direction, numberKey: call.external_number, startedAt: call.started_at };
}
