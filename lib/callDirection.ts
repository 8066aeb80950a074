import type { LegFacts } from './legFacts';
import type { CallDirection } from './settledCall';

/** Which way a call went, and the legs that show it. */
export interface CallSides {
  direction: CallDirection;
  /** The first leg from an outside party: its caller id is the caller's. */
  inboundLeg: LegFacts | undefined;
  /** The first leg from a PBX party to an outside one. */
  outboundLeg: LegFacts | undefined;
}

/**
 * docs/design.md "Classify": `inbound` when an outside party placed the call (any leg comes
 * from one), `outbound` when a PBX party called an outside number, otherwise `internal`. Who is
 * "outside" is decided once per party by lib/legRules.ts.
 */
export function callSides(facts: readonly LegFacts[]): CallSides {
  let inboundLeg: LegFacts | undefined;
  let outboundLeg: LegFacts | undefined;
  for (let i = 0; i < facts.length; i++) {
    const f = facts[i];
    if (inboundLeg === undefined && f.srcRole === 'external') inboundLeg = f;
    if (outboundLeg === undefined && f.dstRole === 'external' && f.srcRole !== 'external')
      outboundLeg = f;
  }
  const direction: CallDirection = inboundLeg ? 'inbound' : outboundLeg ? 'outbound' : 'internal';
  return { direction, inboundLeg, outboundLeg };
}
