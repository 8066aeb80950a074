import { callSides, noSides } from './callDirection';
import { legOutcome, noLegOutcome, outcomeOf, type LegOutcome } from './callOutcome';
import {
  answererOf,
  callParties,
  noParties,
  nonEmpty,
  type CallParties,
  type PartyOptions,
} from './callParties';
import { callTiming, noTiming, type CallTiming } from './callTiming';
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
  return new ClassifiedCall(key, facts, options, direction, outcome, parties, legs, timing);
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
 * A settled call as the engine makes it: the fields of `SettledCall`, written in one order by
 * one constructor. Not an object literal: V8 tracks where literals are made and, seeing them
 * outlive a scavenge (the results of a poll are kept until it ends), allocates them in the old
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
    key: string,
    facts: readonly LegFacts[],
    options: ClassifyOptions,
    direction: CallDirection,
    outcome: CallOutcome,
    parties: CallParties,
    legs: LegOutcome,
    timing: CallTiming,
  ) {
    const { queueLeg } = parties;
    const firstPoll = options.queuePolls?.[0];
    this.call_id = key;
    this.direction = direction;
    this.outcome = outcome;
    this.voicemail = legs.voicemailLeg !== undefined;
    this.voicemail_left = isVoicemailLeft(
      legs.voicemailLeg ? legs.voicemailSeconds : null,
      options.voicemailLeftSeconds ?? DEFAULT_VOICEMAIL_LEFT_SECONDS,
    );
    this.voicemail_seconds = Math.round(legs.voicemailSeconds);
    this.caller_number = parties.callerNumber;
    this.caller_number_raw = parties.callerRaw;
    this.caller_anonymous = parties.callerAnonymous;
    this.caller_name = nonEmpty(parties.callerName);
    this.callee_number = parties.calleeNumber;
    this.callee_number_raw = parties.calleeRaw;
    this.callee_name = nonEmpty(parties.calleeName);
    // An outside party's number (lib/callParties.ts outsideNumber) is E.164 or null.
    this.external_number = parties.externalNumber;
    this.dialed_number = options.dialedNumber ?? null;
    this.queue = queueLeg ? nonEmpty(queueLeg.dst.dn) : (firstPoll?.queue ?? null);
    this.queue_name = queueLeg
      ? nonEmpty(queueLeg.dst.displayName)
      : (firstPoll?.queueName ?? null);
    this.agents_rung = parties.agentsRung;
    this.answered_by = legs.answering ? answererOf(legs.answering, options) : null;
    this.answered_by_name = legs.answering ? nonEmpty(legs.answering.dst.displayName) : null;
    // Whole milliseconds, as the ISO text holds them: a duration's fraction (`00:00:24.5123456`)
    // makes a fractional end, and the poller's stored state keeps these numbers.
    this.started_ms = Math.trunc(timing.startedAt);
    this.ended_ms = Math.trunc(timing.endedAt);
    this.ring_seconds = timing.ringSeconds;
    this.talk_seconds = Math.round(legs.talkSeconds);
    this.leg_count = facts.length;
  }
}
