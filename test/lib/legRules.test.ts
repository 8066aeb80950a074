import {
  classifyParty,
  DEFAULT_LEG_RULES,
  PartyClassifier,
  partyView,
  type LegRule,
} from '../../lib/legRules';
import type { CallLeg } from '../../lib/threecx/callLeg';

const base: CallLeg = { CallId: 1, StartTime: '2026-03-02T09:00:00Z' };

describe('leg classification rules', () => {
  it('reads the DN type codes the facts sheet guesses', () => {
    const role = (type: number) =>
      classifyParty(
        partyView({ ...base, DestinationType: type, DestinationDn: '800' }, 'destination'),
      );
    expect([0, 1, 4, 5, 6, 16, 2, 7, 8, 12, 13].map(role)).toEqual([
      'extension',
      'external',
      'queue',
      'voicemail',
      'ivr',
      'ring_group',
      'ring_group',
      'system',
      'system',
      'system',
      'system',
    ]);
  });

  it('reads a withheld party as outside whatever code it carries, by caller id or by name', () => {
    const source = (leg: Partial<CallLeg>) =>
      classifyParty(partyView({ ...base, ...leg }, 'source'));
    expect(source({ SourceType: 0, SourceCallerId: 'anonymous', SourceDn: '10000' })).toBe(
      'external',
    );
    expect(
      source({ SourceDn: '10000', SourceCallerId: '10000', SourceDisplayName: 'ANONYMOUS' }),
    ).toBe('external');
    expect(source({ SourceDn: '10000', SourceCallerId: '10000' })).toBe('extension');
  });

  it('reads a destination queue from Direction Inbound Queue when nothing else says so', () => {
    const leg = {
      ...base,
      DestinationDn: '800',
      DestinationCallerId: '800',
      Direction: 'Inbound Queue',
    };
    expect(classifyParty(partyView(leg, 'destination'))).toBe('queue');
    expect(classifyParty(partyView(leg, 'source'))).toBe('system');
    expect(classifyParty(partyView({ ...leg, Direction: 'Inbound' }, 'destination'))).toBe(
      'extension',
    );
  });

  it('reads voicemail by name on the destination only', () => {
    const leg = {
      ...base,
      SourceDisplayName: 'Vodafone Voicemail',
      SourceDn: '0871239999',
      SourceCallerId: '0871239999',
      DestinationDisplayName: 'Voicemail Box',
      DestinationDn: '100',
    };
    expect(classifyParty(partyView(leg, 'destination'))).toBe('voicemail');
    expect(classifyParty(partyView(leg, 'source'))).toBe('external');
  });

  it('reads numbers as dialled, with separators, as outside; shared parking and a voice agent as system', () => {
    const dst = (leg: Partial<CallLeg>) =>
      classifyParty(partyView({ ...base, ...leg }, 'destination'));
    expect(dst({ DestinationCallerId: '0044 20 7946 0321' })).toBe('external');
    expect(dst({ DestinationCallerId: '353871234567' })).toBe('external');
    expect(dst({ DestinationCallerId: '123456' })).toBe('system');
    expect(dst({ DestinationDn: 'SP1', DestinationCallerId: 'SP1' })).toBe('system');
    expect(dst({ DestinationDisplayName: 'Voice Agent' })).toBe('system');
    expect(dst({ DestinationDn: '1234567' })).toBe('system');
  });

  it("takes the PBX's own word first: a trunk DN is outside", () => {
    const leg = { ...base, SourceType: 0, SourceDn: '10000', SourceCallerId: '10000' };
    expect(classifyParty(partyView(leg, 'source'))).toBe('extension');
    expect(classifyParty(partyView(leg, 'source'), { dnRoles: { '10000': 'external' } })).toBe(
      'external',
    );
  });

  it('reads only the DNs a PBX named: a DN spelled like an object property gets the rules', () => {
    for (const dn of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const leg = { ...base, DestinationType: 0, DestinationDn: dn, DestinationCallerId: dn };
      const byRules = classifyParty(partyView(leg, 'destination'));
      expect(
        classifyParty(partyView(leg, 'destination'), { dnRoles: { '10000': 'external' } }),
      ).toBe(byRules);
    }
  });

  it('prefers the observed CallType over a guessed code', () => {
    const leg = { ...base, DestinationType: 0, DestinationDn: '8001', CallType: 'Queue' };
    expect(classifyParty(partyView(leg, 'destination'))).toBe('queue');
  });

  it('spots voicemail by display name when no code is known', () => {
    const leg = { ...base, DestinationDn: '999', DestinationDisplayName: 'VMail 101' };
    expect(classifyParty(partyView(leg, 'destination'))).toBe('voicemail');
  });

  it('falls back to the numbers on rows without codes', () => {
    const leg = {
      ...base,
      SourceDn: '10000',
      SourceCallerId: '+61412345678',
      DestinationDn: '101',
      DestinationCallerId: '101',
    };
    expect(classifyParty(partyView(leg, 'source'))).toBe('external');
    expect(classifyParty(partyView(leg, 'destination'))).toBe('extension');
  });

  it('lets one PBX name its own DNs, and a new rule is one line', () => {
    const leg = { ...base, DestinationType: 42, DestinationDn: 'SP7' };
    expect(classifyParty(partyView(leg, 'destination'))).toBe('system');
    expect(classifyParty(partyView(leg, 'destination'), { dnRoles: { SP7: 'voicemail' } })).toBe(
      'voicemail',
    );
    const rules: LegRule[] = [
      { role: 'queue', type: [42], evidence: 'test' },
      ...DEFAULT_LEG_RULES,
    ];
    expect(classifyParty(partyView(leg, 'destination'), { rules })).toBe('queue');
  });

  it('classifies party after party as classifyParty does, whatever came before', () => {
    // The classifier keeps the plans of the last few CallType/Direction pairs and each pattern's
    // last answer: parties in every order must still get their own roles.
    const legs: CallLeg[] = [
      { ...base, CallType: 'Queue', Direction: 'Inbound', DestinationDn: '800' },
      { ...base, CallType: 'Queue', Direction: 'Inbound Queue', DestinationDn: '800' },
      { ...base, CallType: 'Extension', Direction: 'Inbound Queue', DestinationType: 0 },
      { ...base, CallType: 'Extension', Direction: 'Inbound', DestinationType: 0 },
      { ...base, CallType: 'Extension', DestinationDisplayName: 'Voicemail 101' },
      { ...base, CallType: 'Extension', DestinationDisplayName: 'Alice' },
      { ...base, SourceType: 0, SourceCallerId: 'anonymous', DestinationDn: '101' },
      { ...base, SourceType: 0, SourceCallerId: '101', DestinationDn: '8001' },
      { ...base, SourceType: 0, SourceCallerId: 'anonymous', DestinationDn: '999' },
    ];
    for (const options of [undefined, { dnRoles: { '999': 'voicemail' as const } }]) {
      const classifier = new PartyClassifier(options);
      const views = [...legs, ...legs.slice().reverse(), ...legs].flatMap((leg) => [
        partyView(leg, 'source'),
        partyView(leg, 'destination'),
      ]);
      expect(views.map((v) => classifier.role(v))).toEqual(
        views.map((v) => classifyParty(v, options)),
      );
    }
    expect(new Set(legs.map((l) => classifyParty(partyView(l, 'destination'))))).toEqual(
      new Set(['queue', 'extension', 'voicemail']),
    );
  });

  it('answers a pattern for texts taking turns, each its own answer, as the pattern alone does', () => {
    // A destination's name changes leg after leg among a few (IVR, queue, agent, voicemail
    // box): the answers kept for each must be that text's own.
    const classifier = new PartyClassifier();
    const names = ['Main Menu', 'Voicemail 101', 'Sales Queue', 'VMail 102', 'Alice', 'voice mail'];
    const order = [0, 1, 2, 1, 3, 0, 4, 5, 5, 3, 2, 0, 1, 4];
    const roles = order.map((i) =>
      classifier.role(
        partyView(
          { ...base, CallType: 'Extension', DestinationDisplayName: names[i] },
          'destination',
        ),
      ),
    );
    expect(roles).toEqual(order.map((i) => ([1, 3, 5].includes(i) ? 'voicemail' : 'extension')));
  });

  it('answers texts of one length and last character, taking turns, each its own answer', () => {
    // Each pattern keeps its answers for the last texts it tested: texts alike in length and
    // last character (callers' numbers, `Voicemail 101` and `Xoicemail 101`) must never get
    // each other's answer, whether they come once or again and again.
    const classifier = new PartyClassifier();
    const names = ['Voicemail 101', 'Xoicemail 101', 'VMail 102', 'VMall 102', '', 'Voicemail 101'];
    const callers = ['anonymous', 'bnonymous', '+61412345678', 'withheld', 'xithheld'];
    const views = [0, 1, 2, 3, 4].flatMap((turn) =>
      [...names, ...names.slice().reverse()].map((name, i) =>
        partyView(
          {
            ...base,
            SourceType: 0,
            SourceCallerId: callers[(i + turn) % callers.length],
            CallType: 'Extension',
            DestinationDisplayName: name,
          },
          i % 2 === 0 ? 'destination' : 'source',
        ),
      ),
    );
    const roles = views.map((v) => classifier.role(v));
    expect(roles).toEqual(views.map((v) => classifyParty(v)));
    expect(new Set(roles)).toEqual(new Set(['voicemail', 'extension', 'external']));
  });

  it('runs a pattern with state (g or y flag) afresh every time, as RegExp.test does', () => {
    for (const dn of [/^8/g, /8/y]) {
      const rules: LegRule[] = [{ role: 'queue', dn, evidence: 'test' }];
      const party = partyView({ ...base, DestinationDn: '8001' }, 'destination');
      const classifier = new PartyClassifier({ rules });
      // lastIndex moves past the match, so every other test fails, as with the pattern alone.
      expect([1, 2, 3].map(() => classifier.role(party))).toEqual(['queue', 'system', 'queue']);
      expect([1, 2, 3].map(() => classifyParty(party, { rules }))).toEqual([
        'system',
        'queue',
        'system',
      ]);
    }
  });

  it('documents the evidence for every rule', () => {
    for (const rule of DEFAULT_LEG_RULES) expect(rule.evidence).toMatch(/^(obs|unv|inf|off|3p):/);
  });
});

describe('the words and numbers the rules read, one by one', () => {
  const dst = (leg: Partial<CallLeg>) =>
    classifyParty(partyView({ ...base, DestinationDn: '', ...leg }, 'destination'));

  it.each([
    ['Queue', 'queue'],
    ['queue', 'queue'],
    ['Queue Manager', 'system'],
    ['Digital Receptionist', 'ivr'],
    ['IVR', 'ivr'],
    ['IVR menu', 'system'],
    ['Ring Group', 'ring_group'],
    ['RingGroup', 'ring_group'],
    ['External', 'external'],
    ['External line', 'system'],
    ['Extension', 'extension'],
    ['Extensions', 'system'],
    ['System', 'system'],
    ['VoiceMail', 'voicemail'],
    ['Voice Mail', 'voicemail'],
  ])('CallType %s on the destination is %s', (callType, role) => {
    expect(dst({ CallType: callType })).toBe(role);
    // CallType describes the destination only.
    expect(classifyParty(partyView({ ...base, CallType: callType }, 'source'))).toBe('system');
  });

  it.each([
    ['VMail 101', 'voicemail'],
    ['Voicemail Box', 'voicemail'],
    ['Voice Mail Menu', 'voicemail'],
    ['vmail', 'voicemail'],
    ['Email desk', 'system'],
    ['Avmail', 'system'],
    ['Voicemails', 'system'],
  ])('a destination named %s is %s', (name, role) => {
    expect(dst({ DestinationDisplayName: name })).toBe(role);
  });

  it.each([
    ['1234567', 'external'],
    ['+1234567', 'external'],
    ['12-34-56-7', 'external'],
    ['+353 87 123 4567', 'external'],
    ['123456', 'system'],
    ['12  34567', 'system'],
    ['1234567a', 'system'],
  ])('a caller id %s is %s', (callerId, role) => {
    expect(dst({ DestinationCallerId: callerId })).toBe(role);
  });

  it.each([
    ['1', 'extension'],
    ['123456', 'extension'],
    ['1234567', 'system'],
    ['12a', 'system'],
  ])('a DN %s alone is %s', (dn, role) => {
    expect(dst({ DestinationDn: dn })).toBe(role);
  });

  it('reads Direction for a queue on the destination, with any case or words around it', () => {
    expect(dst({ Direction: 'inbound queue' })).toBe('queue');
    expect(dst({ Direction: 'Queue' })).toBe('queue');
    expect(dst({ Direction: 'Inbound' })).toBe('system');
  });
});
