import { readLeg } from '../../lib/legFacts';
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

  it('reads nothing from a leg it cannot place in time', () => {
    expect(readLeg({ ...row, StartTime: 'soon' }, undefined)).toBeNull();
  });
});
