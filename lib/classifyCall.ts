import { callSides } from './callDirection';
import { legOutcome, outcomeOf } from './callOutcome';
import { answererOf, callParties, nonEmpty, type PartyOptions } from './callParties';
import { callTiming } from './callTiming';
import type { LegFacts } from './legFacts';
import type { SettledCall } from './settledCall';
import { toIsoUtc } from './utcTime';
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
): SettledCall {
  const sides = callSides(facts);
  const { direction } = sides;
  const parties = callParties(facts, sides, options);
  const legs = legOutcome(facts, direction);
  const outcome = outcomeOf({
    direction,
    answered: legs.answering !== undefined,
    voicemail: legs.voicemailLeg !== undefined,
    agentsRung: parties.agentsRung.length,
  });
  const timing = callTiming(facts, legs);
  const { caller, callee, external, queueLeg, agentsRung } = parties;
  const firstPoll = options.queuePolls?.[0];
  return {
    call_id: key,
    direction,
    outcome,
    voicemail: legs.voicemailLeg !== undefined,
    voicemail_left: isVoicemailLeft(
      legs.voicemailLeg ? legs.voicemailSeconds : null,
      options.voicemailLeftSeconds ?? DEFAULT_VOICEMAIL_LEFT_SECONDS,
    ),
    voicemail_seconds: Math.round(legs.voicemailSeconds),
    caller_number: caller.number,
    caller_number_raw: caller.raw,
    caller_anonymous: caller.kind === 'anonymous',
    caller_name: nonEmpty(parties.callerName),
    callee_number: callee.number,
    callee_number_raw: callee.raw,
    callee_name: nonEmpty(parties.calleeName),
    // An outside party's number (lib/callParties.ts outsideNumber) is E.164 or null.
    external_number: external === undefined ? null : external.number,
    dialed_number: options.dialedNumber ?? null,
    queue: queueLeg ? nonEmpty(queueLeg.dst.dn) : (firstPoll?.queue ?? null),
    queue_name: queueLeg ? nonEmpty(queueLeg.dst.displayName) : (firstPoll?.queueName ?? null),
    agents_rung: agentsRung,
    answered_by: legs.answering ? answererOf(legs.answering, options) : null,
    answered_by_name: legs.answering ? nonEmpty(legs.answering.dst.displayName) : null,
    started_at: toIsoUtc(timing.startedAt),
    ended_at: toIsoUtc(timing.endedAt),
    ring_seconds: timing.ringSeconds,
    talk_seconds: Math.round(legs.talkSeconds),
    leg_count: facts.length,
  };
}
