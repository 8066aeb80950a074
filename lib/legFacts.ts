import {
  PartyClassifier,
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
  const facts = emptyLegFacts();
  return readLegInto(facts, leg, new PartyClassifier(rules)) ? facts : null;
}

/** A record for `readLegInto` to fill: the settle engine reuses a few of them call after call. */
export function emptyLegFacts(): LegFacts {
  // Placeholders until `readLegInto` writes every field, before any is read; only the sides count.
  // (A `restore` must lead a statement or property: after the last one it would never apply.)
  return {
    // Stryker disable all: equivalent, placeholders (see above)
    leg: EMPTY_LEG,
    cdrId: '',
    segment: 0,
    subrow: 0,
    start: 0,
    ring: 0,
    talk: 0,
    end: 0,
    answered: null,
    srcRole: 'system',
    dstRole: 'system',
    // Stryker restore all
    src: emptyParty('source'),
    dst: emptyParty('destination'),
  };
}

// Stryker disable next-line all: equivalent, a placeholder (see emptyLegFacts)
const EMPTY_LEG: CallLeg = { CallId: 0, StartTime: '' };

/**
 * `readLeg` into a record that already exists (its two party views included), so reading a
 * leg allocates nothing (the parties classified by the reader's one `PartyClassifier`); false (the record half-written, to be reused) without a readable
 * `StartTime`.
 */
export function readLegInto(facts: LegFacts, leg: CallLeg, parties: PartyClassifier): boolean {
  const start = parseUtcMillis(leg.StartTime);
  if (start !== start) return false; // NaN
  const ring = parseDurationSeconds(leg.RingingDuration) ?? 0;
  const talk = parseDurationSeconds(leg.TalkingDuration) ?? 0;
  // Stryker disable next-line StringLiteral: equivalent, only rule regexes read it and none matches an absent CallType or any other text
  const callType = leg.CallType ?? '';
  // Stryker disable next-line StringLiteral: equivalent, only the queue rule's regex reads it and it matches no default
  const direction = leg.Direction ?? '';
  readParty(
    facts.src,
    leg.SourceType,
    leg.SourceDn,
    leg.SourceCallerId,
    leg.SourceDisplayName,
    callType,
    direction,
  );
  readParty(
    facts.dst,
    leg.DestinationType,
    leg.DestinationDn,
    leg.DestinationCallerId,
    leg.DestinationDisplayName,
    callType,
    direction,
  );
  facts.leg = leg;
  facts.cdrId = leg.CdrId ?? '';
  // Orders legs only: anything but a number (3CX omits nulls; garbage must not throw) is 0.
  const segment = leg.SegmentId;
  facts.segment = typeof segment === 'number' ? segment : 0;
  const subrow = leg.SubrowDescNumber;
  facts.subrow = typeof subrow === 'number' ? subrow : 0;
  facts.start = start;
  facts.ring = ring;
  facts.talk = talk;
  facts.end = start + (ring + talk) * 1000;
  facts.answered = leg.Answered ?? null;
  // Both parties' plans in one look-up: they share the leg's `CallType` and `Direction`.
  const { src, dst } = facts;
  const plans = parties.legPlans(src, dst);
  facts.srcRole = parties.roleBy(src, plans.source);
  facts.dstRole = parties.roleBy(dst, plans.destination);
  return true;
}

function readParty(
  party: PartyView,
  type: number | null | undefined,
  dn: string | null | undefined,
  callerId: string | null | undefined,
  displayName: string | null | undefined,
  callType: string,
  direction: string,
): void {
  party.type = type ?? null;
  party.dn = dn ?? '';
  party.callerId = callerId ?? '';
  party.displayName = displayName ?? '';
  party.callType = callType;
  party.direction = direction;
}

function emptyParty(side: LegSide): PartyView {
  return {
    // Stryker disable all: equivalent, placeholders: readParty writes them before they are read
    type: null,
    dn: '',
    callerId: '',
    displayName: '',
    callType: '',
    direction: '',
    // Stryker restore all
    side,
  };
}

/**
 * A total order on what the engine reads of a leg, so that shuffled input gives identical
 * output. Time, segment and ids decide almost always; the rest only orders rows equal in
 * those (rows without `CdrId`, from PBXs before V20 Update 6, docs/3cx-facts.md §1.4), where a
 * name or a `CallType` still changes the result.
 */
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
    compareText(a.src.callerId, b.src.callerId) ||
    a.ring - b.ring ||
    answeredRank(a.answered) - answeredRank(b.answered) ||
    typeRank(a.dst.type) - typeRank(b.dst.type) ||
    typeRank(a.src.type) - typeRank(b.src.type) ||
    compareText(a.dst.displayName, b.dst.displayName) ||
    compareText(a.src.displayName, b.src.displayName) ||
    compareText(a.src.callType, b.src.callType) ||
    compareText(a.src.direction, b.src.direction)
  );
}

/** `Answered` as a number to order by: absent, false, true. */
export function answeredRank(answered: boolean | null): number {
  return answered === true ? 2 : answered === false ? 1 : 0;
}

/** A type code to order by; absent (or not a number) first. */
function typeRank(type: number | null): number {
  // Stryker disable next-line UnaryOperator: equivalent in effect, an absent type then ties with type 1, and the settled call reads the two the same (a side is outside if any leg says so)
  return typeof type === 'number' ? type : -1;
}

export function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
