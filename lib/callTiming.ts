import type { LegFacts } from './legFacts';

/**
 * When a call started and ended: its first leg's start (the legs come in order), its last
 * leg's end, gathered leg by leg (`noteTiming`).
 */
export interface CallTiming {
  startedAt: number;
  endedAt: number;
}

/** One leg's part in the timing, in the classifier's one walk over the legs (lib/classifyCall.ts). */
export function noteTiming(timing: CallTiming, f: LegFacts): void {
  // Stryker disable next-line EqualityOperator: equivalent, a maximum: taking an equal value changes nothing
  if (f.end > timing.endedAt) timing.endedAt = f.end;
}

/**
 * How long the caller waited, in whole seconds: until answered, until voicemail picked up, or
 * until the end.
 */
export function ringSeconds(
  timing: CallTiming,
  answering: LegFacts | undefined,
  voicemailLeg: LegFacts | undefined,
): number {
  const waitEnd = answering
    ? answering.start + answering.ring * 1000
    : voicemailLeg
      ? voicemailLeg.start
      : timing.endedAt;
  return Math.round(Math.max(0, waitEnd - timing.startedAt) / 1000);
}
