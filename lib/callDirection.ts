import type { LegFacts } from './legFacts';
import type { CallDirection } from './settledCall';

/** The legs that show which way a call went, gathered leg by leg (`noteSides`). */
export interface CallSides {
  /** The first leg from an outside party: its caller id is the caller's. */
  inboundLeg: LegFacts | undefined;
  /** The first leg from a PBX party to an outside one. */
  outboundLeg: LegFacts | undefined;
}

/**
 * One leg's part in the direction, in the classifier's one walk over the legs
 * (lib/classifyCall.ts). Who is "outside" is decided once per party by lib/legRules.ts.
 */
export function noteSides(sides: CallSides, f: LegFacts): void {
  // A leg from outside can show the call inbound; only a leg from a PBX party can show it outbound.
  if (f.srcRole === 'external') sides.inboundLeg ??= f;
  else if (sides.outboundLeg === undefined && f.dstRole === 'external') sides.outboundLeg = f;
}

/**
 * docs/design.md "Classify": `inbound` when an outside party placed the call (any leg comes
 * from one), `outbound` when a PBX party called an outside number, otherwise `internal`.
 */
export function directionOf(sides: CallSides): CallDirection {
  return sides.inboundLeg ? 'inbound' : sides.outboundLeg ? 'outbound' : 'internal';
}
