import type { LegFacts } from './legFacts';
import type { CallDirection, CallOutcome } from './settledCall';

/** What is known about a call, whichever source it came from (call log, journal). */
export interface OutcomeFacts {
  direction: CallDirection;
  /** A person (an agent, or an outside number the call was forwarded to) picked up and talked. */
  answered: boolean;
  /** The call reached a voicemail box. */
  voicemail: boolean;
  /** How many extensions rang (call-log legs and the abandoned-queue report's polls). */
  agentsRung: number;
}

/**
 * The outcome rule, written once (docs/design.md "Classify"); the settle engine and the journal
 * import it, the simulator's ground truth is checked against it:
 *
 * - `answered` when a person picked up and talked, even if the call later went to voicemail;
 * - else `voicemail` when a voicemail box took the call;
 * - else `abandoned` when no agent ever rang (the caller hung up in the IVR, while queued, or
 *   only a machine such as an AI voice agent took the call); never for an outbound call;
 * - else `missed`: agents rang, nobody answered; also every unanswered outbound call.
 */
export function outcomeOf(facts: OutcomeFacts): CallOutcome {
  if (facts.answered) return 'answered';
  if (facts.voicemail) return 'voicemail';
  if (facts.direction !== 'outbound' && facts.agentsRung === 0) return 'abandoned';
  return 'missed';
}

/** What the legs of one call say about who answered and whether it reached voicemail. */
export interface LegOutcome {
  /** The first leg a person answered. */
  answering: LegFacts | undefined;
  /** Conversation time with people (not IVR, queue music or voicemail). */
  talkSeconds: number;
  /** The first voicemail leg. */
  voicemailLeg: LegFacts | undefined;
  /** Time on every voicemail leg, greeting included. */
  voicemailSeconds: number;
}

export function legOutcome(
  facts: readonly LegFacts[],
  direction: CallDirection,
  into: LegOutcome = noLegOutcome(),
): LegOutcome {
  let answering: LegFacts | undefined;
  let talkSeconds = 0;
  let voicemailLeg: LegFacts | undefined;
  let voicemailSeconds = 0;
  for (let i = 0; i < facts.length; i++) {
    const f = facts[i];
    if (f.dstRole === 'voicemail') {
      voicemailLeg ??= f;
      voicemailSeconds += f.talk;
    } else if (isAnsweringLeg(f, direction)) {
      answering ??= f;
      talkSeconds += f.talk;
    }
  }
  into.answering = answering;
  into.talkSeconds = talkSeconds;
  into.voicemailLeg = voicemailLeg;
  into.voicemailSeconds = voicemailSeconds;
  return into;
}

/** A record for `legOutcome` to fill: the settle engine reuses one call after call. */
export function noLegOutcome(): LegOutcome {
  return {
    // Stryker disable all: equivalent, placeholders: legOutcome writes every field before it is read
    answering: undefined,
    talkSeconds: 0,
    voicemailLeg: undefined,
    voicemailSeconds: 0,
    // Stryker restore all
  };
}

/**
 * A person picked up and talked: an extension (inbound, internal), or an outside number (the
 * callee of an outbound call, or a forward out of an inbound one). Queue, IVR and system legs
 * never count: a queue leg can read `Answered=true` while the caller hung up in the queue
 * (docs/3cx-facts.md §1.5), and a call-flow script or an AI voice agent is not a person
 * (docs/3cx-facts.md §1.5, §8). `Answered=false` wins over talk time; 0 s of talk is no
 * conversation, even where 3CX says `Answered` (outbound legs, docs/3cx-facts.md §8).
 */
export function isAnsweringLeg(f: LegFacts, direction: CallDirection): boolean {
  if (f.answered === false || f.talk <= 0) return false;
  if (direction === 'outbound') return f.dstRole === 'external';
  return f.dstRole === 'extension' || (f.dstRole === 'external' && f.srcRole !== 'external');
}
