import { emptyLegFacts, readLeg, readLegInto } from '../../lib/legFacts';
import { PartyClassifier } from '../../lib/legRules';
import type { CallLeg } from '../../lib/threecx/callLeg';

/** One leg read once (lib/legFacts.ts), as the export replay (bridge/replay) reads its rows. */
describe('reading a leg', () => {
  const row: CallLeg = {
    CallId: 7,
    CdrId: 'c1',
    SegmentId: 2,
    SubrowDescNumber: 3,
    StartTime: '2026-03-02T09:00:00.250Z',
    SourceType: 1,
    SourceDn: '10000',
    SourceCallerId: '+61412345678',
    DestinationDn: '999',
    DestinationDisplayName: 'Voicemail 101',
    RingingDuration: 'PT2S',
    TalkingDuration: '00:00:30',
    Answered: true,
  };

  it('gives its times in milliseconds, its durations in seconds and the role of both parties', () => {
    const start = Date.UTC(2026, 2, 2, 9, 0, 0, 250);
    expect(readLeg(row, undefined)).toMatchObject({
      leg: row,
      cdrId: 'c1',
      segment: 2,
      subrow: 3,
      start,
      ring: 2,
      talk: 30,
      end: start + 32_000,
      answered: true,
      srcRole: 'external',
      dstRole: 'voicemail',
      src: { side: 'source', dn: '10000', callerId: '+61412345678', displayName: '' },
      dst: { side: 'destination', dn: '999', callerId: '', displayName: 'Voicemail 101' },
    });
  });

  it("uses this PBX's own DN roles when given", () => {
    expect(readLeg(row, { dnRoles: { '999': 'queue' } })?.dstRole).toBe('queue');
  });

  it("gives each party's texts from the row it was read from, absent ones as ''", () => {
    // Each text its own field of the row, also for a reader that reads them from the row only
    // when asked (tried in BENCHMARKS.md, `settle19`).
    const full: CallLeg = {
      ...row,
      SourceDn: '101',
      SourceCallerId: '+61400000001',
      SourceDisplayName: 'Alice Nguyen',
      DestinationDn: '102',
      DestinationCallerId: '+61400000002',
      DestinationDisplayName: 'Bob Smith',
    };
    const texts = (leg: CallLeg) => {
      const facts = readLeg(leg, undefined);
      const { src, dst } = facts!;
      return [src.dn, src.callerId, src.displayName, dst.dn, dst.callerId, dst.displayName];
    };
    expect(texts(full)).toEqual([
      '101',
      '+61400000001',
      'Alice Nguyen',
      '102',
      '+61400000002',
      'Bob Smith',
    ]);
    expect(texts({ CallId: 8, StartTime: row.StartTime })).toEqual(['', '', '', '', '', '']);
  });

  it('reads the texts of the row last read into a reused record', () => {
    const facts = emptyLegFacts();
    const parties = new PartyClassifier();
    const second: CallLeg = {
      ...row,
      SourceType: 0,
      SourceDn: '103',
      SourceCallerId: 'anonymous',
      SourceDisplayName: 'Chloe Park',
      DestinationCallerId: '8000',
    };
    expect(readLegInto(facts, row, parties)).toBe(true);
    expect(readLegInto(facts, second, parties)).toBe(true);
    expect([facts.src.dn, facts.src.callerId, facts.src.displayName, facts.dst.callerId]).toEqual([
      '103',
      'anonymous',
      'Chloe Park',
      '8000',
    ]);
    // The source's role is decided from those texts: a withheld caller is outside, whatever
    // its code (an extension's here).
    expect(facts.srcRole).toBe('external');
  });

  it('reads nothing from a leg it cannot place in time', () => {
    expect(readLeg({ ...row, StartTime: 'soon' }, undefined)).toBeNull();
  });
});
