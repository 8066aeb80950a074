import type { LegOutcome } from './callOutcome';
import type { LegFacts } from './legFacts';

export interface CallTiming {
  startedAt: number;
  endedAt: number;
  /** How long the caller waited: until answered, until voicemail picked up, or until the end. */
  ringSeconds: number;
}

/** When a call started and ended (its first start, its last leg's end) and how long it rang. */
export function callTiming(
  facts: readonly LegFacts[],
  outcome: LegOutcome,
  into: CallTiming = noTiming(),
): CallTiming {
  const first = facts[0];
  let endedAt = first.end;
  // Stryker disable next-line EqualityOperator: equivalent, a maximum: taking an equal value changes nothing
  for (let i = 1; i < facts.length; i++) if (facts[i].end > endedAt) endedAt = facts[i].end;
  const { answering, voicemailLeg } = outcome;
  const waitEnd = answering
    ? answering.start + answering.ring * 1000
    : voicemailLeg
      ? voicemailLeg.start
      : endedAt;
  into.startedAt = first.start;
  into.endedAt = endedAt;
  into.ringSeconds = Math.round(Math.max(0, waitEnd - first.start) / 1000);
  return into;
}

/** A record for `callTiming` to fill: the settle engine reuses one call after call. */
export function noTiming(): CallTiming {
  // Stryker disable next-line all: equivalent, placeholders: callTiming writes every field before it is read
  return { startedAt: 0, endedAt: 0, ringSeconds: 0 };
}
