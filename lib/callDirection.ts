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
export function callSides(facts: readonly LegFacts[], into: CallSides = noSides()): CallSides {
  let inboundLeg: LegFacts | undefined;
  let outboundLeg: LegFacts | undefined;
  for (let i = 0; i < facts.length; i++) {
    const f = facts[i];
    // A leg from outside can show the call inbound; only a leg from a PBX party can show it outbound.
    if (f.srcRole === 'external') inboundLeg ??= f;
    else if (outboundLeg === undefined && f.dstRole === 'external') outboundLeg = f;
  }
  into.direction = inboundLeg ? 'inbound' : outboundLeg ? 'outbound' : 'internal';
  into.inboundLeg = inboundLeg;
  into.outboundLeg = outboundLeg;
  return into;
}

/** A record for `callSides` to fill: the settle engine reuses one call after call. */
export function noSides(): CallSides {
  // Stryker disable next-line all: equivalent, placeholders: callSides writes every field before it is read
  return { direction: 'internal', inboundLeg: undefined, outboundLeg: undefined };
}
