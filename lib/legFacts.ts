import {
  classifyParty,
  type LegRuleOptions,
  type LegSide,
  type PartyRole,
  type PartyView,
} from './legRules';
import { parseDurationSeconds } from './duration';
import type { CallLeg } from './threecx/callLeg';
import { parseUtcMillis } from './utcTime';

/**
 * One leg, read once: times in milliseconds, durations in seconds, both parties and their
 * roles. Call-log rows come in many shapes (3CX omits null keys, versions differ), so reading
 * their properties is slow, megamorphic access; the settle engine reads each row field exactly
 * once here and works on these fixed-shape records afterwards.
 */
export interface LegFacts {
  leg: CallLeg;
  callId: number;
  cdrId: string;
  segment: number;
  subrow: number;
  start: number;
  ring: number;
  talk: number;
  end: number;
  answered: boolean | null;
  src: PartyView;
  dst: PartyView;
  srcRole: PartyRole;
  dstRole: PartyRole;
}

/** Null when the leg has no readable `StartTime` and so cannot be placed in time. */
export function readLeg(leg: CallLeg, rules: LegRuleOptions | undefined): LegFacts | null {
  const start = parseUtcMillis(leg.StartTime);
  if (start !== start) return null; // NaN
  const ring = parseDurationSeconds(leg.RingingDuration) ?? 0;
  const talk = parseDurationSeconds(leg.TalkingDuration) ?? 0;
  // Stryker disable next-line StringLiteral: equivalent, only rule regexes read it and none matches an absent CallType or any other text
  const callType = leg.CallType ?? '';
  // Stryker disable next-line StringLiteral: equivalent, only the queue rule's regex reads it and it matches no default
  const direction = leg.Direction ?? '';
  const src = party(
    'source',
    leg.SourceType,
    leg.SourceDn,
    leg.SourceCallerId,
    leg.SourceDisplayName,
    callType,
    direction,
  );
  const dst = party(
    'destination',
    leg.DestinationType,
    leg.DestinationDn,
    leg.DestinationCallerId,
    leg.DestinationDisplayName,
    callType,
    direction,
  );
  return {
    leg,
    callId: leg.CallId,
    cdrId: leg.CdrId ?? '',
    // Orders legs only: anything but a number (3CX omits nulls; garbage must not throw) is 0.
    segment: typeof leg.SegmentId === 'number' ? leg.SegmentId : 0,
    subrow: typeof leg.SubrowDescNumber === 'number' ? leg.SubrowDescNumber : 0,
    start,
    ring,
    talk,
    end: start + (ring + talk) * 1000,
    answered: leg.Answered ?? null,
    src,
    dst,
    srcRole: classifyParty(src, rules),
    dstRole: classifyParty(dst, rules),
  };
}

function party(
  side: LegSide,
  type: number | null | undefined,
  dn: string | null | undefined,
  callerId: string | null | undefined,
  displayName: string | null | undefined,
  callType: string,
  direction: string,
): PartyView {
  return {
    side,
    type: type ?? null,
    dn: dn ?? '',
    callerId: callerId ?? '',
    displayName: displayName ?? '',
    callType,
    direction,
  };
}

/** A total order on legs, so that shuffled input gives identical output. */
export function legOrder(a: LegFacts, b: LegFacts): number {
  return (
    a.start - b.start ||
    a.segment - b.segment ||
    a.subrow - b.subrow ||
    a.end - b.end ||
    compareText(a.cdrId, b.cdrId) ||
    compareText(a.dst.dn, b.dst.dn) ||
    compareText(a.src.dn, b.src.dn) ||
    compareText(a.dst.callerId, b.dst.callerId) ||
    compareText(a.src.callerId, b.src.callerId)
  );
}

export function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
