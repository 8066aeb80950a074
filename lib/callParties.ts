import type { LegFacts } from './legFacts';
import type { PartyView } from './legRules';
import { normalisePhoneNumber, type NormalisedNumber, type NumberOptions } from './phoneNumber';
import { agentRang, type QueuePoll } from './queuePoll';
import type { CallSides } from './callDirection';
import { trimText } from './trimText';

/** Who took part in a call. */
export interface CallParties {
  caller: NormalisedNumber;
  callerName: string;
  callee: NormalisedNumber;
  calleeName: string;
  /** The outside party, whichever direction; undefined for an internal call. */
  external: NormalisedNumber | undefined;
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
  let caller: NormalisedNumber;
  let callerName: string;
  let callee: NormalisedNumber;
  let calleeName: string;
  if (inboundLeg !== undefined) {
    caller = outsideNumber(inboundLeg.src, numberOptions);
    callerName = inboundLeg.src.displayName;
    const target = firstToExtension(facts) ?? first;
    callee = normalisePhoneNumber(target.dst.dn || target.dst.callerId, numberOptions);
    calleeName = target.dst.displayName;
  } else {
    caller = normalisePhoneNumber(first.src.dn || first.src.callerId, numberOptions);
    callerName = first.src.displayName;
    const target = outboundLeg ?? first;
    callee = outboundLeg
      ? outsideNumber(target.dst, numberOptions)
      : normalisePhoneNumber(target.dst.dn || target.dst.callerId, numberOptions);
    calleeName = target.dst.displayName;
  }

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

  const external = direction === 'inbound' ? caller : direction === 'outbound' ? callee : undefined;
  into.caller = caller;
  into.callerName = callerName;
  into.callee = callee;
  into.calleeName = calleeName;
  into.external = external;
  into.agentsRung = agentsRung.slice();
  into.queueLeg = queueLeg;
  return into;
}

const NO_NUMBER: NormalisedNumber = Object.freeze({ kind: 'invalid', number: null, raw: '' });

/** A record for `callParties` to fill: the settle engine reuses one call after call. */
export function noParties(): CallParties {
  return {
    // Stryker disable all: equivalent, placeholders: callParties writes every field before it is read
    caller: NO_NUMBER,
    callerName: '',
    callee: NO_NUMBER,
    calleeName: '',
    external: undefined,
    agentsRung: [],
    queueLeg: undefined,
    // Stryker restore all
  };
}

function firstToExtension(facts: readonly LegFacts[]): LegFacts | undefined {
  for (let i = 0; i < facts.length; i++) if (facts[i].dstRole === 'extension') return facts[i];
  return undefined;
}

/**
 * The number of an outside party. Its caller id, else its display name: 3CX shows a withheld
 * caller by name with the trunk's DN in place of a number (`anonymous (10000)` in exports,
 * docs/3cx-facts.md §8), and some trunks put the number only in the name (§5). Never a PBX DN:
 * the trunk's DN is no number to call back.
 */
export function outsideNumber(party: PartyView, options: NumberOptions): NormalisedNumber {
  const byId = normalisePhoneNumber(party.callerId, options);
  if (byId.kind === 'external' || byId.kind === 'anonymous') return byId;
  const byName = normalisePhoneNumber(party.displayName, options);
  if (byName.kind === 'external' || byName.kind === 'anonymous') return byName;
  return { kind: 'invalid', number: null, raw: byId.raw };
}

/**
 * The extension that answered; for an outside answerer (a forward, an outbound callee) its
 * number, in E.164 when it reads as one.
 */
export function answererOf(f: LegFacts, options: NumberOptions = {}): string | null {
  // Stryker disable next-line ConditionalExpression: equivalent, an extension's DN is no outside number, so the fallback below gives the same DN
  if (f.dstRole !== 'external') return nonEmpty(f.dst.dn || f.dst.callerId);
  return outsideNumber(f.dst, options).number ?? nonEmpty(f.dst.callerId || f.dst.dn);
}

export function nonEmpty(text: string): string | null {
  const t = trimText(text);
  return t === '' ? null : t;
}
