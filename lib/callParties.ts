import type { LegFacts } from './legFacts';
import type { PartyView } from './legRules';
import {
  phoneNumberOf,
  type NumberKind,
  type NumberOptions,
  type PhoneNumberKind,
} from './phoneNumber';
import { agentRang, type QueuePoll } from './queuePoll';
import type { CallSides } from './callDirection';
import { trimText } from './trimText';

/** Who took part in a call. */
export interface CallParties {
  /** E.164 for an outside caller, the extension for an internal one; null when withheld or garbage. */
  callerNumber: string | null;
  /** The text the caller's number was read from, as 3CX sent it. */
  callerRaw: string;
  callerAnonymous: boolean;
  callerName: string;
  calleeNumber: string | null;
  calleeRaw: string;
  calleeName: string;
  /** The outside party's number, whichever direction; null for an internal call. */
  externalNumber: string | null;
  /** Distinct extensions that rang, in the order they first rang, then agents only the abandoned-queue report names. */
  agentsRung: string[];
  /** The first queue leg. */
  queueLeg: LegFacts | undefined;
}

export interface PartyOptions extends NumberOptions {
  /** Agents the call's queue polled, from the abandoned-queue report (lib/queuePoll.ts). */
  queuePolls?: readonly QueuePoll[];
}

/**
 * The agents are gathered here, then copied at their exact length: a growing array per call
 * was the costliest allocation of settling (it outlives the call, in the result).
 */
const AGENTS: string[] = [];

/**
 * The kind of each number read (`phoneNumberOf`, `outsideNumber`), kept from call to call: a
 * record per number was a third of what settling threw away (BENCHMARKS.md, issue 16 item 4,
 * thirteenth round). Settling is synchronous, one call at a time.
 */
const FOUND: OutsideNumber = { kind: 'invalid', raw: '' };

export function callParties(
  facts: readonly LegFacts[],
  sides: CallSides,
  options: PartyOptions = {},
  into: CallParties = noParties(),
): CallParties {
  // The options are number options too (`country`): no object is made per call.
  const numberOptions: NumberOptions = options;
  const first = facts[0];
  const { direction, inboundLeg, outboundLeg } = sides;
  const found = FOUND;
  let callerKind: PhoneNumberKind;
  if (inboundLeg !== undefined) {
    const party = inboundLeg.src;
    into.callerNumber = outsideNumber(party, numberOptions, found);
    into.callerRaw = found.raw;
    callerKind = found.kind;
    into.callerName = party.displayName;
    const target = firstToExtension(facts) ?? first;
    const raw = target.dst.dn || target.dst.callerId;
    into.calleeNumber = phoneNumberOf(raw, numberOptions, found);
    into.calleeRaw = raw;
    into.calleeName = target.dst.displayName;
  } else {
    const raw = first.src.dn || first.src.callerId;
    into.callerNumber = phoneNumberOf(raw, numberOptions, found);
    into.callerRaw = raw;
    callerKind = found.kind;
    into.callerName = first.src.displayName;
    if (outboundLeg !== undefined) {
      const party = outboundLeg.dst;
      into.calleeNumber = outsideNumber(party, numberOptions, found);
      into.calleeRaw = found.raw;
      into.calleeName = party.displayName;
    } else {
      const calleeRaw = first.dst.dn || first.dst.callerId;
      into.calleeNumber = phoneNumberOf(calleeRaw, numberOptions, found);
      into.calleeRaw = calleeRaw;
      into.calleeName = first.dst.displayName;
    }
  }
  into.callerAnonymous = callerKind === 'anonymous';
  into.externalNumber =
    direction === 'inbound'
      ? into.callerNumber
      : direction === 'outbound'
        ? into.calleeNumber
        : null;

  const agentsRung = AGENTS;
  // Emptied by `pop`: setting an array's length goes through the runtime, a cost per call.
  while (agentsRung.length > 0) agentsRung.pop();
  let queueLeg: LegFacts | undefined;
  for (let i = 0; i < facts.length; i++) {
    const f = facts[i];
    if (f.dstRole === 'queue') queueLeg ??= f;
    else if (f.dstRole === 'extension' && (f.ring > 0 || f.answered === true)) {
      const dn = f.dst.dn || f.dst.callerId;
      if (dn !== '' && !agentsRung.includes(dn)) agentsRung.push(dn);
    }
  }
  if (direction === 'outbound') {
    // The extension that placed an outbound call did not "ring".
    const i = agentsRung.indexOf(first.src.dn);
    if (i >= 0) agentsRung.splice(i, 1);
  } else if (options.queuePolls !== undefined) {
    for (const poll of options.queuePolls) {
      if (agentRang(poll) && !agentsRung.includes(poll.agent)) agentsRung.push(poll.agent);
    }
  }
  into.agentsRung = agentsRung.slice();
  into.queueLeg = queueLeg;
  return into;
}

/** A record for `callParties` to fill: the settle engine reuses one call after call. */
export function noParties(): CallParties {
  return {
    // Stryker disable all: equivalent, placeholders: callParties writes every field before it is read
    callerNumber: null,
    callerRaw: '',
    callerAnonymous: false,
    callerName: '',
    calleeNumber: null,
    calleeRaw: '',
    calleeName: '',
    externalNumber: null,
    agentsRung: [],
    queueLeg: undefined,
    // Stryker restore all
  };
}

function firstToExtension(facts: readonly LegFacts[]): LegFacts | undefined {
  for (let i = 0; i < facts.length; i++) if (facts[i].dstRole === 'extension') return facts[i];
  return undefined;
}

/** What `outsideNumber` found besides the number: its kind, and the text it was read from. */
export interface OutsideNumber extends NumberKind {
  /** The caller id, or the display name when the number was read from it. */
  raw: string;
}

/**
 * The number of an outside party. Its caller id, else its display name: 3CX shows a withheld
 * caller by name with the trunk's DN in place of a number (`anonymous (10000)` in exports,
 * docs/3cx-facts.md §8), and some trunks put the number only in the name (§5). Never a PBX DN:
 * the trunk's DN is no number to call back. Its kind, and which text it came from, are written
 * to `found`: when neither reads as an outside number, null, a kind that is not an outside
 * one, and the caller id as the text.
 */
export function outsideNumber(
  party: PartyView,
  options: NumberOptions,
  found: OutsideNumber,
): string | null {
  found.raw = party.callerId;
  const byId = phoneNumberOf(party.callerId, options, found);
  if (isOutside(found)) return byId;
  const byName = phoneNumberOf(party.displayName, options, found);
  if (isOutside(found)) {
    found.raw = party.displayName;
    return byName;
  }
  return null;
}

/** An outside party's number, or a withheld one: what an outside party's text may read as. */
function isOutside(found: NumberKind): boolean {
  return found.kind === 'external' || found.kind === 'anonymous';
}

/**
 * The extension that answered; for an outside answerer (a forward, an outbound callee) its
 * number, in E.164 when it reads as one.
 */
export function answererOf(f: LegFacts, options: NumberOptions = {}): string | null {
  // Stryker disable next-line ConditionalExpression: equivalent, an extension's DN is no outside number, so the fallback below gives the same DN
  if (f.dstRole !== 'external') return nonEmpty(f.dst.dn || f.dst.callerId);
  return outsideNumber(f.dst, options, FOUND) ?? nonEmpty(f.dst.callerId || f.dst.dn);
}

export function nonEmpty(text: string): string | null {
  const t = trimText(text);
  return t === '' ? null : t;
}
