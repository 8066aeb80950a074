import { callSides, noSides } from './callDirection';
import { legOutcome, noLegOutcome, outcomeOf } from './callOutcome';
import { answererOf, callParties, noParties, nonEmpty, type PartyOptions } from './callParties';
import { callTiming, noTiming } from './callTiming';
import type { LegFacts } from './legFacts';
import type { CallDirection, CallOutcome, SettledCall } from './settledCall';
import { DEFAULT_VOICEMAIL_LEFT_SECONDS, isVoicemailLeft } from './voicemailLeft';

/** Also the party options (`country`, `queuePolls`), passed on as they are: nothing is made per call. */
export interface ClassifyOptions extends PartyOptions {
  voicemailLeftSeconds?: number;
  dialedNumber?: string | null;
}

export { DEFAULT_VOICEMAIL_LEFT_SECONDS };

/**
 * What happened to one call, from its legs in order (docs/design.md "Classify",
 * docs/3cx-facts.md §1.5): its direction (lib/callDirection.ts), the parties
 * (lib/callParties.ts), the outcome (lib/callOutcome.ts, `voicemail_left` by
 * lib/voicemailLeft.ts) and the timing (lib/callTiming.ts).
 */
export function classifyCall(
  key: string,
  facts: readonly LegFacts[],
  options: ClassifyOptions = {},
  scratch: CallReading = new CallReading(),
): SettledCall {
  const sides = callSides(facts, scratch.sides);
  const { direction } = sides;
  const parties = callParties(facts, sides, options, scratch.parties);
  const legs = legOutcome(facts, direction, scratch.outcome);
  const outcome = outcomeOf({
    direction,
    answered: legs.answering !== undefined,
    voicemail: legs.voicemailLeg !== undefined,
    agentsRung: parties.agentsRung.length,
  });
  const timing = callTiming(facts, legs, scratch.timing);
  const { answering, voicemailLeg } = legs;
  const { queueLeg } = parties;
  const firstPoll = options.queuePolls?.[0];
  return new ClassifiedCall(
    key,
    direction,
    outcome,
    voicemailLeg !== undefined,
    isVoicemailLeft(
      voicemailLeg ? legs.voicemailSeconds : null,
      options.voicemailLeftSeconds ?? DEFAULT_VOICEMAIL_LEFT_SECONDS,
    ),
    Math.round(legs.voicemailSeconds),
    parties.callerNumber,
    parties.callerRaw,
    parties.callerAnonymous,
    nonEmpty(parties.callerName),
    parties.calleeNumber,
    parties.calleeRaw,
    nonEmpty(parties.calleeName),
    // An outside party's number (lib/callParties.ts outsideNumber) is E.164 or null.
    parties.externalNumber,
    options.dialedNumber ?? null,
    queueLeg ? nonEmpty(queueLeg.dst.dn) : (firstPoll?.queue ?? null),
    queueLeg ? nonEmpty(queueLeg.dst.displayName) : (firstPoll?.queueName ?? null),
    parties.agentsRung,
    answering ? answererOf(answering, options) : null,
    answering ? nonEmpty(answering.dst.displayName) : null,
    // Whole milliseconds, as the ISO text holds them: a duration's fraction (`00:00:24.5123456`)
    // makes a fractional end, and the poller's stored state keeps these numbers.
    Math.trunc(timing.startedAt),
    Math.trunc(timing.endedAt),
    timing.ringSeconds,
    Math.round(legs.talkSeconds),
    facts.length,
  );
}

/**
 * The records `classifyCall` works in (direction, parties, leg outcome, timing): made once and
 * reused call after call by the settle engine, since only the settled call itself outlives the
 * call. Allocation is most of what settling costs beyond reading (BENCHMARKS.md §4).
 */
export class CallReading {
  readonly sides = noSides();
  readonly parties = noParties();
  readonly outcome = noLegOutcome();
  readonly timing = noTiming();
}

/**
 * A settled call as the engine makes it: the fields of `SettledCall`, in the contract's order,
 * written by one constructor that does nothing else, so that every settled call has one shape
 * and V8 inlines the constructor where the call is classified: the object is then allocated
 * there, after its values, and filled at once (BENCHMARKS.md, issue 16 item 4, thirteenth
 * round). Not an object literal: V8 tracks where literals are made and, seeing them outlive a
 * scavenge (the results of a poll are kept until it ends), allocates them in the old
 * generation from then on. Every field pointing at a young string then costs a write-barrier
 * entry, a remembered-set slot and a promotion; the old objects wait for a full mark of the
 * heap. Made by a constructor, they stay young and die cheaply (BENCHMARKS.md §4).
 */
class ClassifiedCall implements SettledCall {
  declare call_id: string;
  declare direction: CallDirection;
  declare outcome: CallOutcome;
  declare voicemail: boolean;
  declare voicemail_left: boolean;
  declare voicemail_seconds: number;
  declare caller_number: string | null;
  declare caller_number_raw: string;
  declare caller_anonymous: boolean;
  declare caller_name: string | null;
  declare callee_number: string | null;
  declare callee_number_raw: string;
  declare callee_name: string | null;
  declare external_number: string | null;
  declare dialed_number: string | null;
  declare queue: string | null;
  declare queue_name: string | null;
  declare agents_rung: string[];
  declare answered_by: string | null;
  declare answered_by_name: string | null;
  declare started_ms: number;
  declare ended_ms: number;
  declare ring_seconds: number;
  declare talk_seconds: number;
  declare leg_count: number;

  constructor(
    call_id: string,
    direction: CallDirection,
    outcome: CallOutcome,
    voicemail: boolean,
    voicemail_left: boolean,
    voicemail_seconds: number,
    caller_number: string | null,
    caller_number_raw: string,
    caller_anonymous: boolean,
    caller_name: string | null,
    callee_number: string | null,
    callee_number_raw: string,
    callee_name: string | null,
    external_number: string | null,
    dialed_number: string | null,
    queue: string | null,
    queue_name: string | null,
    agents_rung: string[],
    answered_by: string | null,
    answered_by_name: string | null,
    started_ms: number,
    ended_ms: number,
    ring_seconds: number,
    talk_seconds: number,
    leg_count: number,
  ) {
    this.call_id = call_id;
    this.direction = direction;
    this.outcome = outcome;
    this.voicemail = voicemail;
    this.voicemail_left = voicemail_left;
    this.voicemail_seconds = voicemail_seconds;
    this.caller_number = caller_number;
    this.caller_number_raw = caller_number_raw;
    this.caller_anonymous = caller_anonymous;
    this.caller_name = caller_name;
    this.callee_number = callee_number;
    this.callee_number_raw = callee_number_raw;
    this.callee_name = callee_name;
    this.external_number = external_number;
    this.dialed_number = dialed_number;
    this.queue = queue;
    this.queue_name = queue_name;
    this.agents_rung = agents_rung;
    this.answered_by = answered_by;
    this.answered_by_name = answered_by_name;
    this.started_ms = started_ms;
    this.ended_ms = ended_ms;
    this.ring_seconds = ring_seconds;
    this.talk_seconds = talk_seconds;
    this.leg_count = leg_count;
  }
}
