import { classifyParty, DEFAULT_LEG_RULES, partyView, type LegRule } from '../../lib/legRules';
import type { CallLeg } from '../../lib/threecx/callLeg';

const base: CallLeg = { CallId: 1, StartTime: '2026-03-02T09:00:00Z' };

describe('leg classification rules', () => {
  it('reads the DN type codes the facts sheet guesses', () => {
    const role = (type: number) =>
      classifyParty(
        partyView({ ...base, DestinationType: type, DestinationDn: '800' }, 'destination'),
      );
    expect([0, 1, 4, 5, 6, 16, 8].map(role)).toEqual([
      'extension',
      'external',
      'queue',
      'voicemail',
      'ivr',
      'ring_group',
      'system',
    ]);
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

  it('documents the evidence for every rule', () => {
    for (const rule of DEFAULT_LEG_RULES) expect(rule.evidence).toMatch(/^(obs|unv|inf|off|3p):/);
  });
});
