import {
  buildCallFollowUpEvent,
  callEventId,
  type CallEventType,
  type FollowUpEventType,
} from '../../lib/callEvent';
import { missedAtOf } from '../../lib/enrichment/missedCall';
import { matchCallback } from '../../lib/followUp/callbackMatch';
import { followUpAfterMatch, followUpChanged } from '../../lib/followUp/followUpState';
import { returnDueAt } from '../../lib/followUp/returnDeadline';
import type { SettledCall } from '../../lib/settledCall';
import { announceCallUpdate } from '../callUpdatedEvents';
import { followUpView, toCallRecord } from '../http/callRecordView';
import { EnrichmentSettingsCache } from '../locationEnrichment';
import type { BridgeStore } from '../store/bridgeStore';
import type { StoredCall } from '../store/calls';
import type { Location } from '../store/locations';

/** Misses older than this are no longer matched with new calls (a month is a cold lead). */
export const FOLLOW_UP_HORIZON_MS = 30 * 86_400_000;
/** A visible call in progress holds `call.unreturned` back this long at most. */
const LIVE_CALL_HOLD_MS = 2 * 3600_000;

/** One call the ingest just stored, as LocationIngest reports it. */
export interface StoredCallEvent {
  type: CallEventType;
  call: SettledCall;
  suppressed: boolean;
}

/**
 * Call-back tracking (docs/design.md "Follow-up"): every miss that fired `call.missed` is
 * followed up on its record until a later call with the same number connects
 * (lib/followUp/callbackMatch.ts), which fires `call.returned`; a miss still awaiting a call
 * back when its deadline passes fires `call.unreturned` (`sweep`). Every change of a record's
 * follow-up is also a `call.updated`, like any other change of the record.
 *
 * Everything happens inside the transaction that stored the calls (or, for the deadline, in a
 * transaction of its own), so the follow-up, its events and their deliveries land together or
 * not at all; and it is recomputed from the stored calls each time, so the order in which calls
 * arrive (poller, journal, a late leg) does not change the answer.
 */
export class FollowUpTracker {
  private readonly settings = new EnrichmentSettingsCache();

  constructor(
    private readonly store: BridgeStore,
    private readonly options: {
      publicUrl: () => string;
      /** An event was stored (for `bridge_events_total`). */
      eventStored?: (type: CallEventType) => void;
      /**
       * The outside numbers of the calls on the location's PBX now, as its poller last read
       * `/ActiveCalls`: a call back in progress that the call log does not show yet.
       */
      activeNumbers?: (location: Location) => ReadonlySet<string>;
    },
  ) {}

  /**
   * After an ingest commit stored calls and events (inside its transaction): start following
   * up its new misses, and match again every number one of its calls had. Returns how many
   * events it stored.
   */
  afterCallsStored(location: Location, stored: readonly StoredCallEvent[], now: number): number {
    const numbers = new Set<string>();
    for (const { type, call, suppressed } of stored) {
      if (type === 'call.missed') this.recordMiss(location, call);
      // A miss the dialler cooldown folded belongs to the one it was folded into.
      if (type === 'call.missed' && !suppressed) {
        const numberKey = call.external_number;
        const due = numberKey
          ? returnDueAt(Date.parse(missedAtOf(call)), this.settings.of(location))
          : null;
        this.store.followUps.start(
          location.id,
          call.call_id,
          numberKey
            ? { status: 'awaiting', dueAtMs: due === null ? null : Date.parse(due) }
            : { status: 'no_number', dueAtMs: null },
        );
      }
      if (type !== 'call.started' && call.external_number) numbers.add(call.external_number);
    }
    let events = 0;
    for (const numberKey of numbers) events += this.matchNumber(location, numberKey, now);
    return events;
  }

  /** Keep what the reports read of a miss: its `call.missed` as it was stored. */
  private recordMiss(location: Location, call: SettledCall): void {
    const stored = this.store.events.get(location.id, callEventId(call.call_id, 'call.missed'));
    if (!stored) return;
    const e = stored.event;
    this.store.followUps.recordMiss(
      location.id,
      call.call_id,
      {
        branch: e.branch,
        repeat: e.is_repeat_miss,
        source_list: e.source_list,
        dialed_number: e.dialed_number,
        voicemail_left: e.voicemail_left,
        known_contact: e.known_contact,
        anonymous: e.caller_anonymous,
      },
      { seq: stored.seq, createdAt: stored.createdAt },
    );
  }

  /** Match one number's followed-up misses with its calls again; store what changed. */
  matchNumber(location: Location, numberKey: string, now: number): number {
    const since = new Date(now - FOLLOW_UP_HORIZON_MS).toISOString();
    const misses = this.store.followUps.missesOf(location.id, numberKey, since);
    if (misses.length === 0) return 0;
    const calls = this.store.followUps.callsOf(location.id, numberKey, misses[0].startedAt);
    let events = 0;
    for (const miss of misses) {
      const result = matchCallback({ call_id: miss.callId, started_at: miss.startedAt }, calls);
      const next = followUpAfterMatch(miss.state, result);
      if (!followUpChanged(miss.state, next)) continue;
      const before = this.store.calls.get(location.id, miss.callId);
      if (!before) continue;
      this.store.followUps.save(location.id, miss.callId, next);
      const after = this.store.calls.get(location.id, miss.callId)!;
      if (next.return_status === 'returned' && miss.state.return_status !== 'returned')
        events += this.announce(location, 'call.returned', after, next.returned_at!, now);
      events += this.announceUpdate(location, before, after, now);
    }
    return events;
  }

  /**
   * Fire `call.unreturned` for every miss whose deadline has passed without a call back, each
   * in its own transaction. A miss whose number has a call in progress that started before the
   * deadline (stored live, or on the PBX's `/ActiveCalls`) waits (up to two hours) for that call
   * to settle: it may be the call back. With several instances, `among` is the locations this
   * one holds the lease of: their poller's `/ActiveCalls` is the one in this process, and no
   * two instances look at the same miss. Returns how many events it stored.
   */
  sweep(now: number, limit = 500, among: readonly string[] | null = null): number {
    let events = 0;
    for (const due of this.store.followUps.due(now, limit, among)) {
      events += this.store.transaction(() => {
        const before = this.store.calls.get(due.locationId, due.callId);
        const location = this.store.locations.get(due.locationId);
        if (!before || !location || before.followUp.return_status !== 'awaiting') return 0;
        if (
          this.callBackInProgress(location, before, due.dueAtMs) &&
          now - due.dueAtMs < LIVE_CALL_HOLD_MS
        )
          return 0;
        this.store.followUps.save(location.id, before.callId, {
          ...followUpView(before),
          return_status: 'not_returned',
        });
        const after = this.store.calls.get(location.id, before.callId)!;
        const at = new Date(due.dueAtMs).toISOString();
        return (
          this.announce(location, 'call.unreturned', after, at, now) +
          this.announceUpdate(location, before, after, now)
        );
      });
    }
    return events;
  }

  private callBackInProgress(location: Location, miss: StoredCall, dueAtMs: number): boolean {
    const numberKey = miss.facts.external_number;
    if (!numberKey) return false;
    // On the PBX now but not in the call log yet (a call straight to an extension, or a queue
    // call whose polls 3CX hides, is logged when it ends).
    if (this.options.activeNumbers?.(location).has(numberKey)) return true;
    const missedAt = Date.parse(miss.facts.started_at);
    return this.store.followUps
      .callsOf(miss.locationId, numberKey, miss.facts.started_at)
      .some((c) => {
        const at = Date.parse(String(c.started_at));
        return c.status === 'live' && at > missedAt && at <= dueAtMs;
      });
  }

  private announce(
    location: Location,
    type: FollowUpEventType,
    call: StoredCall,
    occurredAt: string,
    now: number,
  ): number {
    const record = toCallRecord(call, location, this.options.publicUrl());
    const event = buildCallFollowUpEvent(type, record, occurredAt);
    if (this.store.events.append(location.id, event, { now }) === null) return 0;
    this.options.eventStored?.(type);
    return 1;
  }

  private announceUpdate(
    location: Location,
    before: StoredCall,
    after: StoredCall,
    now: number,
  ): number {
    const context = { now, publicUrl: this.options.publicUrl() };
    if (announceCallUpdate(this.store, location, before, after, context) === null) return 0;
    this.options.eventStored?.('call.updated');
    return 1;
  }
}
