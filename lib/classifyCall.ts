import { directionOf, noteSides, type CallSides } from './callDirection';
import {
  answeringLeg,
  noteOutcome,
  outcomeOf,
  talkSeconds,
  type LegOutcome,
} from './callOutcome';
import {
  answererOf,
  callParties,
  noParties,
  nonEmpty,
  noteParties,
  type CallParties,
  type PartyLegs,
  type PartyOptions,
} from './callParties';
import { noteTiming, ringSeconds, type CallTiming } from './callTiming';
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
 * lib/voicemailLeft.ts) and the timing (lib/callTiming.ts), gathered in one walk over the legs.
 */
export function classifyCall(
  key: string,
  facts: readonly LegFacts[],
  options: ClassifyOptions = {},
  scratch: CallReading = new CallReading(),
): SettledCall {
  scratch.walk(facts);
  const direction = directionOf(scratch);
  const parties = callParties(facts, scratch, scratch, direction, options, scratch.parties);
  const outcome = outcomeOf({
    direction,
    answered: answeringLeg(scratch, direction) !== undefined,
    voicemail: scratch.voicemailLeg !== undefined,
    agentsRung: parties.agentsRung.length,
  });
  return new ClassifiedCall(key, facts, options, direction, outcome, parties, scratch);
}

/**
 * What one walk over a call's legs gathers for each part of the classification (each part's
 * rule for a leg is in its own file: `noteSides`, `noteParties`, `noteOutcome`, `noteTiming`),
 * with the parties' record: made once and reused call after call by the settle engine, since
 * only the settled call itself outlives the call. One walk, not one per part: a call has
 * two or three legs, and each walk's set-up cost about as much as its legs (BENCHMARKS.md,
 * issue 16 item 4, `settle11`).
 */
export class CallReading implements CallSides, PartyLegs, LegOutcome, CallTiming {
  inboundLeg: LegFacts | undefined = undefined;
  outboundLeg: LegFacts | undefined = undefined;
  extensionLeg: LegFacts | undefined = undefined;
  queueLeg: LegFacts | undefined = undefined;
  readonly agents: string[] = [];
  answeringInside: LegFacts | undefined = undefined;
  talkInside = 0;
  answeringOutbound: LegFacts | undefined = undefined;
  talkOutbound = 0;
  voicemailLeg: LegFacts | undefined = undefined;
  voicemailSeconds = 0;
  startedAt = 0;
  endedAt = 0;
  readonly parties = noParties();

  /** Gather what the call's legs say, forgetting the call before. */
  walk(facts: readonly LegFacts[]): void {
    this.inboundLeg = undefined;
    this.outboundLeg = undefined;
    this.extensionLeg = undefined;
    this.queueLeg = undefined;
    const { agents } = this;
    // Emptied by `pop`: setting an array's length goes through the runtime, a cost per call.
    while (agents.length > 0) agents.pop();
    this.answeringInside = undefined;
    this.talkInside = 0;
    this.answeringOutbound = undefined;
    this.talkOutbound = 0;
    this.voicemailLeg = undefined;
    this.voicemailSeconds = 0;
    const first = facts[0];
    this.startedAt = first.start;
    this.endedAt = first.end;
    for (let i = 0; i < facts.length; i++) {
      const f = facts[i];
      noteSides(this, f);
      noteParties(this, f);
      noteOutcome(this, f);
      noteTiming(this, f);
    }
  }
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
    reading: CallReading,
  ) {
    const { caller, callee, external, queueLeg, agentsRung } = parties;
    const { voicemailLeg, voicemailSeconds } = reading;
    const answering = answeringLeg(reading, direction);
    const firstPoll = options.queuePolls?.[0];
    this.call_id = key;
    this.direction = direction;
    this.outcome = outcome;
    this.voicemail = voicemailLeg !== undefined;
    this.voicemail_left = isVoicemailLeft(
      voicemailLeg ? voicemailSeconds : null,
      options.voicemailLeftSeconds ?? DEFAULT_VOICEMAIL_LEFT_SECONDS,
    );
    this.voicemail_seconds = Math.round(voicemailSeconds);
    this.caller_number = caller.number;
    this.caller_number_raw = caller.raw;
    this.caller_anonymous = caller.kind === 'anonymous';
    this.caller_name = nonEmpty(parties.callerName);
    this.callee_number = callee.number;
    this.callee_number_raw = callee.raw;
    this.callee_name = nonEmpty(parties.calleeName);
    // An outside party's number (lib/callParties.ts outsideNumber) is E.164 or null.
    this.external_number = external === undefined ? null : external.number;
    this.dialed_number = options.dialedNumber ?? null;
    this.queue = queueLeg ? nonEmpty(queueLeg.dst.dn) : (firstPoll?.queue ?? null);
    this.queue_name = queueLeg
      ? nonEmpty(queueLeg.dst.displayName)
      : (firstPoll?.queueName ?? null);
    this.agents_rung = agentsRung;
    this.answered_by = answering ? answererOf(answering, options) : null;
    this.answered_by_name = answering ? nonEmpty(answering.dst.displayName) : null;
    // Whole milliseconds, as the ISO text holds them: a duration's fraction (`00:00:24.5123456`)
    // makes a fractional end, and the poller's stored state keeps these numbers.
    this.started_ms = Math.trunc(reading.startedAt);
    this.ended_ms = Math.trunc(reading.endedAt);
    this.ring_seconds = ringSeconds(reading, answering, voicemailLeg);
    this.talk_seconds = Math.round(talkSeconds(reading, direction));
    this.leg_count = facts.length;
  }
}
