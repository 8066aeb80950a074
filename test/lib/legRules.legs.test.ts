import fc from 'fast-check';
import { emptyLegFacts, readLegInto } from '../../lib/legFacts';
import {
  DEFAULT_LEG_RULES,
  PartyClassifier,
  type LegRule,
  type LegRuleOptions,
  type LegSide,
  type PartyRole,
} from '../../lib/legRules';
import type { CallLeg } from '../../lib/threecx/callLeg';

/**
 * The roles the settle engine reads leg after leg (`readLegInto`, one `PartyClassifier`: both
 * parties' plans found with one look-up, plans' needless last steps dropped) must be what the
 * rules say when read the plain way: the PBX's own DN roles (own keys only) first, then the
 * first rule, in order, whose every condition holds, else `system` (lib/legRules.ts).
 */
interface Party {
  side: LegSide;
  type: unknown;
  dn: string;
  callerId: string;
  displayName: string;
}

function roleByTheBook(leg: CallLeg, side: LegSide, options: LegRuleOptions): PartyRole {
  const source = side === 'source';
  const party: Party = {
    side,
    type: (source ? leg.SourceType : leg.DestinationType) ?? null,
    dn: (source ? leg.SourceDn : leg.DestinationDn) ?? '',
    callerId: (source ? leg.SourceCallerId : leg.DestinationCallerId) ?? '',
    displayName: (source ? leg.SourceDisplayName : leg.DestinationDisplayName) ?? '',
  };
  const roles = options.dnRoles;
  if (roles !== undefined && Object.prototype.hasOwnProperty.call(roles, party.dn))
    return roles[party.dn];
  for (const r of options.rules ?? DEFAULT_LEG_RULES) {
    if (r.side !== undefined && r.side !== party.side) continue;
    if (r.type !== undefined && !(r.type as readonly unknown[]).includes(party.type)) continue;
    if (r.callType !== undefined && !r.callType.test(leg.CallType ?? '')) continue;
    if (r.direction !== undefined && !r.direction.test(leg.Direction ?? '')) continue;
    // The party's own texts last: a pattern with state (g, y) is run only where the rest holds.
    if (r.dn !== undefined && !r.dn.test(party.dn)) continue;
    if (r.callerId !== undefined && !r.callerId.test(party.callerId)) continue;
    if (r.displayName !== undefined && !r.displayName.test(party.displayName)) continue;
    return r.role;
  }
  return 'system';
}

// Codes 3CX uses, none, and odd ones (negative, large, a fraction, not a number at all).
const CODES = [0, 1, 2, 4, 5, 6, 7, 8, 13, 16, 31, 32, 42, -1, 1.5, 1e9, NaN, null, '5'];
const TEXTS = [
  '',
  '101',
  '8000',
  '10000',
  'anonymous',
  'Withheld Number',
  'Voicemail 101',
  'VMail 102',
  'Main Menu',
  'Alice Nguyen',
  '+61412345678',
  '0871234567',
  'SP1',
  'constructor',
  'toString',
  '__proto__',
];
const CALL_TYPES = ['', 'Extension', 'Queue', 'Digital Receptionist', 'External', 'Voice Mail'];
const DIRECTIONS = ['', 'Inbound', 'Inbound Queue', 'Outbound', 'Internal'];

/** Side-only rules, rules that need no text (ending a plan on one side), and patterns that give the plan's role anyway. */
const CUSTOM: LegRule[] = [
  { role: 'queue', type: [42], evidence: 'test: an odd code' },
  { role: 'ivr', side: 'source', dn: /^8/, evidence: 'test: source only, by DN' },
  { role: 'voicemail', side: 'destination', callerId: /^V/, evidence: 'test: destination only' },
  { role: 'external', type: [1], callerId: /^\+/, evidence: 'test: a step that says the same' },
  { role: 'extension', type: [1], displayName: /Alice/, evidence: 'test: a step in between' },
  { role: 'external', type: [1], evidence: 'test: no text needed' },
  { role: 'ring_group', side: 'source', evidence: 'test: every source left' },
  { role: 'queue', direction: /queue/i, dn: /^8/, evidence: 'test: Direction and DN' },
  { role: 'extension', dn: /^\d{1,6}$/, evidence: 'test: a short DN' },
  { role: 'external', dn: /^\d{1,6}$/, evidence: 'test: never reached' },
];

/** `CallType` and `Direction` tested on one side only, or together: a leg's plans depend on what either side's rules test. */
const ONE_SIDE_TEXTS: LegRule[] = [
  { role: 'ivr', side: 'source', callType: /receptionist/i, evidence: 'test: source CallType' },
  { role: 'queue', side: 'source', direction: /queue/i, evidence: 'test: source Direction' },
  { role: 'ring_group', side: 'destination', type: [4], direction: /^in/i, evidence: 'test' },
  { role: 'system', callType: /^ext/i, direction: /out/i, evidence: 'test: both texts' },
  { role: 'extension', side: 'destination', type: [0], evidence: 'test: a code ends it' },
  ...DEFAULT_LEG_RULES,
];

const OPTIONS: [string, LegRuleOptions][] = [
  ['the default rules', {}],
  ['CallType and Direction rules on one side', { rules: ONE_SIDE_TEXTS }],
  ['DN roles, own keys only', { dnRoles: { '101': 'queue', '8000': 'ivr', '10000': 'external' } }],
  ['custom rules', { rules: CUSTOM }],
  ['the custom rules in reverse order', { rules: CUSTOM.slice().reverse() }],
  [
    'the default rules in reverse order, with DN roles',
    { rules: DEFAULT_LEG_RULES.slice().reverse(), dnRoles: { SP1: 'system' } },
  ],
];

const legArb: fc.Arbitrary<CallLeg> = fc
  .record({
    SourceType: fc.constantFrom(...CODES),
    DestinationType: fc.constantFrom(...CODES),
    SourceDn: fc.constantFrom(...TEXTS),
    DestinationDn: fc.constantFrom(...TEXTS),
    SourceCallerId: fc.constantFrom(...TEXTS),
    DestinationCallerId: fc.constantFrom(...TEXTS),
    SourceDisplayName: fc.constantFrom(...TEXTS),
    DestinationDisplayName: fc.constantFrom(...TEXTS),
    CallType: fc.constantFrom(...CALL_TYPES),
    Direction: fc.constantFrom(...DIRECTIONS),
  })
  .map((l) => ({ CallId: 1, StartTime: '2026-03-02T09:00:00Z', ...l }) as CallLeg);

describe('roles of leg after leg, as the settle engine reads them', () => {
  it.each(OPTIONS)('are the roles by the book, with %s', (_name, options) => {
    fc.assert(
      fc.property(fc.array(legArb, { minLength: 1, maxLength: 60 }), (legs) => {
        const parties = new PartyClassifier(options);
        const facts = emptyLegFacts();
        for (const leg of [...legs, ...legs.slice().reverse()]) {
          expect(readLegInto(facts, leg, parties)).toBe(true);
          expect([facts.srcRole, facts.dstRole]).toEqual([
            roleByTheBook(leg, 'source', options),
            roleByTheBook(leg, 'destination', options),
          ]);
        }
      }),
      { seed: 16, numRuns: 150 },
    );
  });

  it('keeps each leg its own roles when two legs share their texts but not their codes, or the other way', () => {
    const parties = new PartyClassifier();
    const facts = emptyLegFacts();
    const leg = (over: Partial<CallLeg>): CallLeg => ({
      CallId: 1,
      StartTime: '2026-03-02T09:00:00Z',
      SourceDn: '10000',
      SourceCallerId: '+61412345678',
      DestinationDn: '101',
      CallType: 'Extension',
      Direction: 'Inbound',
      ...over,
    });
    const roles = (l: CallLeg) => {
      readLegInto(facts, l, parties);
      return [facts.srcRole, facts.dstRole];
    };
    for (let turn = 0; turn < 3; turn++) {
      expect(roles(leg({ SourceType: 1, DestinationType: 0 }))).toEqual(['external', 'extension']);
      expect(roles(leg({ SourceType: 0, DestinationType: 1 }))).toEqual(['extension', 'extension']);
      expect(roles(leg({ SourceType: 1, DestinationType: 5 }))).toEqual(['external', 'voicemail']);
      expect(roles(leg({ SourceType: 1, DestinationType: 0, CallType: 'Queue' }))).toEqual([
        'external',
        'queue',
      ]);
      expect(roles(leg({ SourceType: 1, DestinationType: 0, Direction: 'Inbound Queue' }))).toEqual(
        ['external', 'extension'],
      );
      // No code and no CallType: Direction names the queue; with another Direction, the short DN.
      expect(roles(leg({ SourceType: 1, CallType: '', Direction: 'Inbound Queue' }))).toEqual([
        'external',
        'queue',
      ]);
      expect(roles(leg({ SourceType: 1, CallType: '' }))).toEqual(['external', 'extension']);
      // An odd destination code beside code 1, then code 0 beside none: plans of their own.
      expect(roles(leg({ SourceType: 1, DestinationType: -1 }))).toEqual(['external', 'extension']);
      expect(roles(leg({ SourceType: 0 }))).toEqual(['extension', 'extension']);
      // A withheld caller on an extension's code: the withheld-caller rules still run there.
      expect(roles(leg({ SourceType: 0, SourceCallerId: 'anonymous' }))).toEqual([
        'external',
        'extension',
      ]);
      expect(roles(leg({ SourceType: 0, SourceCallerId: '101' }))).toEqual([
        'extension',
        'extension',
      ]);
    }
  });

  it('runs a pattern with state (g) every time, even in a rule that gives the role the party gets anyway', () => {
    // One pattern in two rules: its `lastIndex` after the destination's test decides the
    // source's answer, as it does when the rules are read one by one.
    const rulesWith = (pattern: RegExp): LegRule[] => [
      { role: 'queue', side: 'destination', dn: pattern, evidence: 'test' },
      { role: 'queue', side: 'destination', evidence: 'test' },
      { role: 'ivr', side: 'source', dn: pattern, evidence: 'test' },
    ];
    const rules = rulesWith(/^8/g);
    const book = rulesWith(/^8/g);
    const parties = new PartyClassifier({ rules });
    const facts = emptyLegFacts();
    const leg: CallLeg = {
      CallId: 1,
      StartTime: '2026-03-02T09:00:00Z',
      SourceDn: '8001',
      DestinationDn: '8002',
    };
    for (let i = 0; i < 4; i++) {
      readLegInto(facts, leg, parties);
      // The engine reads the source first, then the destination; so does the book here.
      const bySource = roleByTheBook(leg, 'source', { rules: book });
      expect([facts.srcRole, facts.dstRole]).toEqual([
        bySource,
        roleByTheBook(leg, 'destination', { rules: book }),
      ]);
      // The destination's test moves the pattern past the start, and back: the source matches.
      expect(facts.srcRole).toBe('ivr');
    }
  });

  it('gives the legs of a code pair their roles whether or not their plans test Direction or CallType', () => {
    const parties = new PartyClassifier();
    const facts = emptyLegFacts();
    const roles = (over: Partial<CallLeg>) => {
      readLegInto(
        facts,
        { CallId: 1, StartTime: '2026-03-02T09:00:00Z', DestinationDn: '101', ...over },
        parties,
      );
      return [facts.srcRole, facts.dstRole];
    };
    // Legs of three code pairs: a voicemail box's code decides before any text is tested, a
    // queue's CallType before Direction is; with no CallType and an unknown destination code,
    // Direction is tested, and decides.
    const legs: [Partial<CallLeg>, PartyRole][] = [
      [{ DestinationType: 5, CallType: 'Queue', Direction: 'Inbound Queue' }, 'voicemail'],
      [{ DestinationType: 5, CallType: 'Extension', Direction: 'Inbound' }, 'voicemail'],
      [{ DestinationType: 5, CallType: '', Direction: '' }, 'voicemail'],
      [{ DestinationType: 0, CallType: 'Queue', Direction: 'Inbound Queue' }, 'queue'],
      [{ DestinationType: 0, CallType: 'Queue', Direction: 'Inbound' }, 'queue'],
      [{ DestinationType: 0, CallType: 'Extension', Direction: 'Inbound' }, 'extension'],
      [{ DestinationType: 0, CallType: 'System', Direction: 'Inbound' }, 'extension'],
      [{ DestinationType: 3, CallType: '', Direction: 'Inbound Queue' }, 'queue'],
      [{ DestinationType: 3, CallType: '', Direction: 'Inbound' }, 'extension'],
    ];
    for (let turn = 0; turn < 3; turn++)
      for (const [over, role] of legs)
        expect(roles({ SourceType: 1, ...over })).toEqual(['external', role]);
  });

  it('reads the Direction a source-side rule tests where the destination plan tests no text', () => {
    // The voicemail box's code decides the destination before any text is tested.
    const parties = new PartyClassifier({
      rules: [
        { role: 'queue', side: 'source', direction: /queue/i, evidence: 'test: source Direction' },
        ...DEFAULT_LEG_RULES,
      ],
    });
    const facts = emptyLegFacts();
    const roles = (direction: string) => {
      readLegInto(
        facts,
        {
          CallId: 1,
          StartTime: '2026-03-02T09:00:00Z',
          SourceType: 1,
          DestinationType: 5,
          CallType: 'Extension',
          Direction: direction,
        },
        parties,
      );
      return [facts.srcRole, facts.dstRole];
    };
    for (let turn = 0; turn < 3; turn++) {
      expect(roles('Inbound Queue')).toEqual(['queue', 'voicemail']);
      expect(roles('Inbound')).toEqual(['external', 'voicemail']);
    }
  });

  /** A pattern that counts its tests: how often plans were made that test it. */
  class CountedPattern extends RegExp {
    tests = 0;
    override test(text: string): boolean {
      this.tests++;
      return super.test(text);
    }
  }

  it('tests a CallType pattern with state once for each new pair of texts, when their plans are made', () => {
    const pattern = new CountedPattern('queue', 'gi');
    const parties = new PartyClassifier({
      rules: [
        { role: 'queue', side: 'destination', callType: pattern, evidence: 'test' },
        ...DEFAULT_LEG_RULES,
      ],
    });
    const facts = emptyLegFacts();
    const tests = ['Inbound', 'Outbound', 'Inbound', 'Internal'].map((direction) => {
      readLegInto(
        facts,
        {
          CallId: 1,
          StartTime: '2026-03-02T09:00:00Z',
          SourceType: 1,
          DestinationType: 0,
          CallType: 'Queue',
          Direction: direction,
        },
        parties,
      );
      return pattern.tests;
    });
    // Each plan made moves the pattern (`lastIndex`), so its answers depend on how many plans
    // were made: one for each new pair of texts, the third leg's pair already known.
    expect(tests).toEqual([1, 2, 2, 3]);
  });

  it('keeps a bounded number of plans however many texts and codes it meets, and still answers by the rules', () => {
    // Its own rule table: the plans are kept per table, shared by every classifier of it.
    const rules = DEFAULT_LEG_RULES.slice();
    const parties = new PartyClassifier({ rules });
    const facts = emptyLegFacts();
    let most = 0;
    for (let i = 0; i < 5000; i++) {
      const leg: CallLeg = {
        CallId: 1,
        StartTime: '2026-03-02T09:00:00Z',
        SourceType: i % 3,
        DestinationType: i % 7,
        SourceDn: '101',
        DestinationDisplayName: i % 5 === 0 ? 'Voicemail 101' : 'Alice',
        CallType: i % 2 === 0 ? 'Queue' : `odd ${i}`,
        Direction: `Inbound ${i % 11}`,
      };
      readLegInto(facts, leg, parties);
      expect([facts.srcRole, facts.dstRole]).toEqual([
        roleByTheBook(leg, 'source', { rules }),
        roleByTheBook(leg, 'destination', { rules }),
      ]);
      most = Math.max(most, parties.plansKept);
    }
    expect(most).toBeGreaterThan(100);
    expect(most).toBeLessThanOrEqual(1024 + 3);
  });
});
