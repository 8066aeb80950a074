import { WITHHELD } from './phoneNumber';
import type { CallLeg } from './threecx/callLeg';

/**
 * What a party of a call-log leg is. This file is the one place that decides it.
 *
 * 3CX does not document the DN type codes (`SourceType`, `DestinationType`, docs/3cx-facts.md §1.4,
 * §7 q1, and public lists contradict each other, §8), so the decision combines every signal the
 * facts sheet lists and says how sure each one is: first the PBX's own configuration (`dnRoles`:
 * its trunks, from the inbound-calls report or the admin), then what the row shows (a voicemail
 * box, `CallType`, a withheld caller), then the codes, then the shape of the numbers. Rows of a
 * CSV export carry no codes and no `CallType` at all (lib/threecx/callLogExport.ts).
 *
 * Rules are data: the first rule that matches a party wins; no rule means `system` (routing,
 * never a person), which is what the shared parking `SP1` and an AI voice agent with no DN
 * are (docs/3cx-facts.md §8). To teach the engine a new code or DN, add one line to
 * `DEFAULT_LEG_RULES` (or pass `dnRoles` for one PBX's DNs).
 */
export type PartyRole =
  | 'external' // an outside number, reached through a trunk
  | 'extension' // a person's extension (an agent)
  | 'queue'
  | 'ring_group'
  | 'ivr' // Digital Receptionist
  | 'voicemail'
  | 'system'; // inbound rules, parking, fax, scripts: routing, never a person

export type LegSide = 'source' | 'destination';

/** The signals one side of a leg offers. */
export interface PartyView {
  side: LegSide;
  type: number | null;
  dn: string;
  callerId: string;
  displayName: string;
  /** Leg-level `CallType` (describes the destination entity) and `Direction`. */
  callType: string;
  direction: string;
}

export interface LegRule {
  role: PartyRole;
  /** Apply to one side only; both when absent. */
  side?: LegSide;
  /** DN type codes (`SourceType` / `DestinationType`). */
  type?: readonly number[];
  dn?: RegExp;
  callerId?: RegExp;
  displayName?: RegExp;
  callType?: RegExp;
  direction?: RegExp;
  /** Where the rule comes from, in the evidence tags of docs/3cx-facts.md. */
  evidence: string;
}

/**
 * The default rule table. Order matters: specific, stronger evidence first.
 * Tags: `obs` seen on a live PBX, `unv` unverified third-party claim, `inf` our inference.
 */
export const DEFAULT_LEG_RULES: readonly LegRule[] = [
  // Voicemail first: a voicemail leg may also carry an extension's DN and CallType.
  {
    role: 'voicemail',
    type: [5],
    evidence: 'unv: type code 5 = Voicemail (docs/3cx-facts.md §1.4)',
  },
  {
    role: 'voicemail',
    side: 'destination',
    displayName: /\bv(?:oice)?\s?mail\b/i,
    evidence: 'inf: "Voicemail"/"VMail" in the display name',
  },
  {
    role: 'voicemail',
    side: 'destination',
    callType: /voice\s?mail/i,
    evidence: 'inf: a CallType naming voicemail',
  },
  // CallType describes the destination entity of the leg (seen on V20 Update 6+).
  {
    role: 'queue',
    side: 'destination',
    callType: /^queue$/i,
    evidence: 'obs: CallType "Queue" (docs/3cx-facts.md §1.4, bma)',
  },
  {
    role: 'ivr',
    side: 'destination',
    callType: /digital receptionist|^ivr$/i,
    evidence: 'obs: CallType "Digital Receptionist" (docs/3cx-facts.md §1.4, bma)',
  },
  {
    role: 'ring_group',
    side: 'destination',
    callType: /ring\s?group/i,
    evidence: 'inf: a CallType naming ring groups',
  },
  {
    role: 'external',
    side: 'destination',
    callType: /^external$/i,
    evidence: 'obs: CallType "External" (docs/3cx-facts.md §1.4, bma)',
  },
  {
    role: 'extension',
    side: 'destination',
    callType: /^extension$/i,
    evidence: 'obs: CallType "Extension" (docs/3cx-facts.md §1.4, bma)',
  },
  // A withheld caller is outside whatever code it carries: no extension is anonymous. Exports
  // show it as `anonymous` or `anonymous (10000)`, the trunk's DN where the number would be.
  {
    role: 'external',
    callerId: WITHHELD,
    evidence: 'obs: withheld callers come as "anonymous", any case (docs/3cx-facts.md §5, §8, exp)',
  },
  {
    role: 'external',
    displayName: WITHHELD,
    evidence: 'obs: "anonymous (10000)" through the trunk in exports (docs/3cx-facts.md §8, exp)',
  },
  // DN type codes: the only signal on pre-Update-6 rows and on the source side.
  { role: 'queue', type: [4], evidence: 'unv: type code 4 = Queue (docs/3cx-facts.md §1.4)' },
  {
    role: 'ring_group',
    type: [2, 16],
    evidence:
      'unv: 2 = ring group in a public V20.0.8 schema, 16 = Group in an older list (docs/3cx-facts.md §1.4, §8)',
  },
  { role: 'ivr', type: [6], evidence: 'unv: type code 6 = IVR (docs/3cx-facts.md §1.4)' },
  {
    role: 'system',
    type: [7, 8, 12, 13],
    evidence: 'unv: 7 Fax, 8 Parking, 12 EndCall, 13 inbound routing (docs/3cx-facts.md §1.4, §8)',
  },
  { role: 'external', type: [1], evidence: 'unv: type code 1 = External (docs/3cx-facts.md §1.4)' },
  {
    role: 'extension',
    type: [0],
    evidence: 'unv: type code 0 = Extension (docs/3cx-facts.md §1.4)',
  },
  {
    role: 'system',
    side: 'destination',
    callType: /^system$/i,
    evidence: 'obs: CallType "System" (docs/3cx-facts.md §1.4, bma)',
  },
  {
    role: 'queue',
    side: 'destination',
    direction: /queue/i,
    evidence: 'obs: Direction "Inbound Queue" (docs/3cx-facts.md §1.4, bma)',
  },
  // No code and no CallType (older rows with unknown codes): read the numbers.
  {
    role: 'external',
    // Seven digits or more, as 3CX or the trunk wrote them: `+353…`, `0871234567`, `353…`,
    // `0044 20 7946 0321` (exports show numbers as dialled, docs/3cx-facts.md §8).
    callerId: /^\+?(?:\d[\s\-./]?){7,}$/,
    evidence: 'inf: a full phone number as caller id (docs/3cx-facts.md §5, §8)',
  },
  {
    role: 'extension',
    dn: /^\d{1,6}$/,
    evidence: 'inf: a short DN is an extension (docs/3cx-facts.md §5)',
  },
];

export interface LegRuleOptions {
  rules?: readonly LegRule[];
  /** Roles of this PBX's own DNs, checked first: `{ "999": "voicemail", "10000": "external" }`. */
  dnRoles?: Readonly<Record<string, PartyRole>>;
}

export function partyView(leg: CallLeg, side: LegSide): PartyView {
  const source = side === 'source';
  return {
    side,
    type: (source ? leg.SourceType : leg.DestinationType) ?? null,
    // Stryker disable next-line StringLiteral: equivalent, the rules' regexes match no default text, so the role is the same
    dn: (source ? leg.SourceDn : leg.DestinationDn) ?? '',
    // Stryker disable next-line StringLiteral: equivalent, the rules' regexes match no default text, so the role is the same
    callerId: (source ? leg.SourceCallerId : leg.DestinationCallerId) ?? '',
    // Stryker disable next-line StringLiteral: equivalent, the rules' regexes match no default text, so the role is the same
    displayName: (source ? leg.SourceDisplayName : leg.DestinationDisplayName) ?? '',
    // Stryker disable next-line StringLiteral: equivalent, the rules' regexes match no default text, so the role is the same
    callType: leg.CallType ?? '',
    // Stryker disable next-line StringLiteral: equivalent, the rules' regexes match no default text, so the role is the same
    direction: leg.Direction ?? '',
  };
}

/** No options: the default rules, no DN roles. One shared record, not a new `{}` per party. */
const NO_OPTIONS: LegRuleOptions = Object.freeze({});

/** The role of one party; `system` when no rule matches (routing, never a person). */
export function classifyParty(party: PartyView, options: LegRuleOptions = NO_OPTIONS): PartyRole {
  return new PartyClassifier(options).role(party);
}

/**
 * `classifyParty` for leg after leg with one set of options, as the settle engine reads them:
 * the rule table is found once, and both parties' plans of a leg are found with one look-up by
 * what the leg shows (`CallType`, `Direction` and the two type codes), not one a party.
 */
export class PartyClassifier {
  private readonly roles: Readonly<Record<string, PartyRole>> | undefined;
  private readonly book: RuleBook;

  constructor(options: LegRuleOptions = NO_OPTIONS) {
    this.roles = options.dnRoles;
    this.book = ruleBook(options.rules ?? DEFAULT_LEG_RULES);
  }

  /** How many plans its rule table keeps now: bounded, however odd the input (`MAX_PLANS`). */
  get plansKept(): number {
    return this.book.kept;
  }

  /** The role of one party. */
  role(party: PartyView): PartyRole {
    const { type } = party;
    const plans = this.book.legPlans(party.callType, party.direction, type, type);
    return this.roleBy(party, party.side === 'source' ? plans.source : plans.destination);
  }

  /** The plans of both parties of one leg (they share its `CallType` and `Direction`). */
  legPlans(source: PartyView, destination: PartyView): LegPlans {
    return this.book.legPlans(source.callType, source.direction, source.type, destination.type);
  }

  /** The role of a party by its side's plan: the PBX's own word on its DN first. */
  roleBy(party: PartyView, plan: PartyPlan): PartyRole {
    const roles = this.roles;
    // Own keys only: a DN spelled like an Object property (`constructor`, `toString`) is no role.
    if (roles !== undefined && Object.hasOwn(roles, party.dn)) return roles[party.dn];
    const { steps } = plan;
    for (let i = 0; i < steps.length; i++) {
      const r = steps[i];
      if (r.dn !== null && !r.dn.test(party.dn)) continue;
      if (r.callerId !== null && !r.callerId.test(party.callerId)) continue;
      if (r.displayName !== null && !r.displayName.test(party.displayName)) continue;
      return r.role;
    }
    return plan.otherwise;
  }
}

/**
 * A rule's pattern that remembers its last answer: the legs of a call repeat their caller id
 * and names, so most tests are of the text tested just before, and comparing two short strings
 * costs a fraction of running the pattern. A pattern with the `g` or `y` flag has state
 * (`lastIndex`) and is run every time, as `RegExp.test` would be.
 */
class PatternTest {
  readonly pure: boolean;
  private lastText: string | undefined = undefined;
  // Stryker disable next-line BooleanLiteral: equivalent, never read before the first answer is kept
  private lastAnswer = false;

  constructor(private readonly pattern: RegExp) {
    // Stryker disable next-line ConditionalExpression: equivalent when never pure, a cache and a shortcut: every pattern run and every step walked gives the same answers (always pure is caught by the g/y tests)
    this.pure = !pattern.global && !pattern.sticky;
  }

  test(text: string): boolean {
    // Stryker disable next-line ConditionalExpression: equivalent, a cache: running the pattern again gives the same answer
    if (text === this.lastText) return this.lastAnswer;
    const answer = this.pattern.test(text);
    // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent, a cache: not keeping the answer only runs the pattern again
    if (this.pure) {
      this.lastText = text;
      this.lastAnswer = answer;
    }
    return answer;
  }
}

/**
 * Rules as written leave out the conditions they do not use, so each has its own shape and
 * reading them is slow (megamorphic) on the settle hot path. They are copied once into one
 * fixed shape, with `null` for "any".
 */
interface CompiledRule {
  role: PartyRole;
  side: LegSide | null;
  type: readonly number[] | null;
  dn: PatternTest | null;
  callerId: PatternTest | null;
  displayName: PatternTest | null;
  callType: RegExp | null;
  direction: RegExp | null;
  /** No pattern with state (`g`, `y`): testing it or not changes no later answer. */
  pure: boolean;
}

/**
 * What is left of the rule table for a party once its side, type code, `CallType` and
 * `Direction` are known: the rules that still depend on its DN, caller id or name, in order,
 * and the role when none of them matches (the first rule that needs nothing more, else
 * `system`). Those four signals take few values on a PBX, so a plan is made once per
 * combination and a party is then decided with a look-up and, mostly, one pattern or none:
 * running the whole table per party was the largest part of settling (BENCHMARKS.md §4).
 */
export interface PartyPlan {
  steps: CompiledRule[];
  otherwise: PartyRole;
}

/** The plans of both parties of a leg, for one `CallType`, `Direction` and pair of type codes. */
export interface LegPlans {
  callType: string;
  direction: string;
  source: PartyPlan;
  destination: PartyPlan;
}

/** Plans kept per rule table before it starts afresh: bounds the memory of odd input. */
const MAX_PLANS = 1024;

/**
 * Leg plans kept per pair of type codes, compared by their texts: a PBX shows a pair of codes
 * with a few `CallType`/`Direction` texts (inbound, a queue's, legacy rows' none); more, and
 * they are replaced in turn.
 */
const TEXTS_PER_CODES = 8;

/** The side plans of one `CallType` and `Direction`, each made once. */
interface TextPlans {
  source: SidePlans;
  destination: SidePlans;
}

/**
 * One side's plans by type code: the codes 3CX uses (small integers) and none by index; any
 * other value (a large or odd code) by a map.
 */
interface SidePlans {
  byCode: (PartyPlan | undefined)[];
  other: Map<number | null, PartyPlan>;
}

/** Type codes looked up by index (3CX's run 0–16, docs/3cx-facts.md §1.4); no code is one more. */
const INDEXED_CODES = 32;
const CODE_SLOTS = INDEXED_CODES + 1;

/** A type code's index, -1 for one that is not a small integer or absent. */
function codeSlot(type: number | null): number {
  // Stryker disable next-line ConditionalExpression: equivalent, no code kept in the map instead is the same plan
  if (type === null) return INDEXED_CODES;
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: equivalent, a code not indexed is kept in a map, the same plan either way
  return typeof type === 'number' && type >= 0 && type < INDEXED_CODES && (type | 0) === type
    ? type
    : -1;
}

function sidePlans(): SidePlans {
  return {
    // Stryker disable next-line ArrayDeclaration: equivalent, a cache: an empty array reads undefined the same
    byCode: new Array<PartyPlan | undefined>(CODE_SLOTS).fill(undefined),
    other: new Map(),
  };
}

class RuleBook {
  /** Leg plans by the pair of indexed codes (`codeSlot`), then by texts: the common look-up. */
  private byCodes: (LegPlans[] | undefined)[] = [];
  // Nested maps, not a composite key: building a key string per party cost more than the rules.
  private byText = new Map<string, Map<string, TextPlans>>();
  /** Plans made since the book last started afresh. */
  private count = 0;
  /** The next leg plan a full pair of codes replaces. */
  private next = 0;

  constructor(private readonly rules: readonly CompiledRule[]) {}

  get kept(): number {
    return this.count;
  }

  legPlans(
    callType: string,
    direction: string,
    sourceType: number | null,
    destinationType: number | null,
  ): LegPlans {
    const s = codeSlot(sourceType);
    const d = codeSlot(destinationType);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: equivalent, a code taken as odd is looked up in the maps, an odd source's slot is negative all the same, and s / CODE_SLOTS + d is as unique a slot (an odd destination's collision is caught by the tests)
    const slot = s < 0 || d < 0 ? -1 : s * CODE_SLOTS + d;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a cache: not looking makes the plans again, and slot -1 is never kept
    const list = slot < 0 ? undefined : this.byCodes[slot];
    if (list !== undefined)
      // Stryker disable next-line EqualityOperator,BlockStatement: equivalent, a cache: not looking makes the plans again
      for (let i = 0; i < list.length; i++) {
        const plans = list[i];
        // Stryker disable next-line ConditionalExpression: equivalent when never taken, a cache: the plans are made again
        if (plans.callType === callType && plans.direction === direction) return plans;
      }
    // Stryker disable next-line EqualityOperator: equivalent, a bound one plan larger
    if (this.count >= MAX_PLANS) {
      this.byCodes = [];
      this.byText = new Map();
      this.count = 0;
    }
    const texts = this.textPlans(callType, direction);
    const plans: LegPlans = {
      callType,
      direction,
      source: this.plan(texts, 'source', sourceType, s, callType, direction),
      destination: this.plan(texts, 'destination', destinationType, d, callType, direction),
    };
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: equivalent, a cache: plans not kept are made again, and an odd pair's slot (-1) is never read
    if (slot >= 0) {
      // Stryker disable next-line UpdateOperator: equivalent in answers, the leg plans are bounded by the slots too (CODE_SLOTS² × TEXTS_PER_CODES)
      this.count++;
      const kept = (this.byCodes[slot] ??= []);
      // Stryker disable CallExpression: equivalent, a cache: a plan not kept is made again (to the restore below)
      // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: equivalent where the cache keeps one more, every one (the bound still starts afresh) or replaces none; replacing before it is full leaves holes, which crash every test
      if (kept.length >= TEXTS_PER_CODES) {
        // Stryker disable next-line all: equivalent, a cache: which one is replaced only decides what is made again
        kept[this.next++ % TEXTS_PER_CODES] = plans;
      } else kept.push(plans);
      // Stryker restore CallExpression
    }
    return plans;
  }

  private textPlans(callType: string, direction: string): TextPlans {
    let byDirection = this.byText.get(callType);
    // Stryker disable next-line ConditionalExpression: equivalent, a cache: a fresh map only plans again
    if (byDirection === undefined) {
      byDirection = new Map();
      // Stryker disable next-line CallExpression: equivalent, a cache: not keeping the map only plans again
      this.byText.set(callType, byDirection);
    }
    let texts = byDirection.get(direction);
    // Stryker disable next-line ConditionalExpression: equivalent, a cache: fresh maps only plan again
    if (texts === undefined) {
      texts = { source: sidePlans(), destination: sidePlans() };
      // Stryker disable next-line CallExpression: equivalent, a cache: not keeping the plans only plans again
      byDirection.set(direction, texts);
    }
    return texts;
  }

  private plan(
    texts: TextPlans,
    side: LegSide,
    type: number | null,
    slot: number,
    callType: string,
    direction: string,
  ): PartyPlan {
    // Stryker disable next-line EqualityOperator: equivalent, swapped the two sides still keep apart (one table each), the plans are the same
    const bySide = side === 'source' ? texts.source : texts.destination;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a plan kept by index or in the map is the same plan
    let plan = slot < 0 ? bySide.other.get(type) : bySide.byCode[slot];
    // Stryker disable next-line ConditionalExpression: equivalent, a cache: planning again gives the same plan
    if (plan === undefined) {
      plan = this.make(side, type, callType, direction);
      // Stryker disable next-line UpdateOperator: equivalent in answers, a bound counted the other way still starts afresh (the leg plans count up)
      this.count++;
      // Stryker disable next-line all: equivalent, a cache: a plan kept by index or in the map, or not at all, is the same plan
      if (slot < 0) bySide.other.set(type, plan);
      // Stryker disable next-line all: equivalent, a cache: a plan kept by index or in the map, or not at all, is the same plan
      else bySide.byCode[slot] = plan;
    }
    return plan;
  }

  private make(side: LegSide, type: number | null, callType: string, direction: string): PartyPlan {
    const steps: CompiledRule[] = [];
    let otherwise: PartyRole = 'system';
    for (const r of this.rules) {
      if (r.side !== null && r.side !== side) continue;
      if (r.type !== null && (type === null || !r.type.includes(type))) continue;
      if (r.callType !== null && !r.callType.test(callType)) continue;
      if (r.direction !== null && !r.direction.test(direction)) continue;
      // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent, an early end: as a step, a rule that needs nothing more matches every party, so the role is the same
      if (r.dn === null && r.callerId === null && r.displayName === null) {
        otherwise = r.role;
        break;
      }
      steps.push(r);
    }
    // A last step that gives the role the party gets anyway decides nothing: dropped, so its
    // texts are not read (the withheld-caller rules on every inbound leg's outside caller, whose
    // number is a text nobody has read yet: BENCHMARKS.md, `settle16`). A pattern with state
    // stays, to run as `RegExp.test` would.
    // Stryker disable next-line ConditionalExpression: equivalent when never taken: a step left in gives the plan's role anyway
    while (steps.length > 0 && decidesNothing(steps[steps.length - 1], otherwise)) steps.pop();
    return { steps, otherwise };
  }
}

/** A plan's step that gives the role its plan gives anyway, and has no pattern state to move. */
function decidesNothing(step: CompiledRule, otherwise: PartyRole): boolean {
  // Stryker disable next-line ConditionalExpression: equivalent when false (no step dropped: it gives the plan's role anyway); true is caught by test/lib/legRules.legs.test.ts
  return step.role === otherwise && step.pure;
}

const ruleBooks = new WeakMap<readonly LegRule[], RuleBook>();

function ruleBook(rules: readonly LegRule[]): RuleBook {
  let book = ruleBooks.get(rules);
  // Stryker disable next-line ConditionalExpression: equivalent, a cache: compiling the rules again gives the same rules
  if (book === undefined) {
    book = new RuleBook(rules.map(compileRule));
    // Stryker disable next-line CallExpression: equivalent, a cache: compiling the rules again gives the same rules
    ruleBooks.set(rules, book);
  }
  return book;
}

function compileRule(r: LegRule): CompiledRule {
  const dn = patternTest(r.dn);
  const callerId = patternTest(r.callerId);
  const displayName = patternTest(r.displayName);
  return {
    role: r.role,
    side: r.side ?? null,
    type: r.type ?? null,
    dn,
    callerId,
    displayName,
    callType: r.callType ?? null,
    direction: r.direction ?? null,
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: equivalent, a rule taken as having state keeps its steps, which give the plan's role anyway
    pure: (dn?.pure ?? true) && (callerId?.pure ?? true) && (displayName?.pure ?? true),
  };
}

function patternTest(pattern: RegExp | undefined): PatternTest | null {
  return pattern === undefined ? null : new PatternTest(pattern);
}
