import { settleCalls } from '../../lib/settleCalls';
import type { SettledCall } from '../../lib/settledCall';
import type { CallLeg } from '../../lib/threecx/callLeg';
import { CallLogExportReader, callLogColumns } from '../../lib/threecx/export/callLogExport';
import { readExportParty } from '../../lib/threecx/export/exportParty';
import { PbxLocalTime } from '../../lib/threecx/export/pbxLocalTime';

/**
 * The settle engine on the leg shapes of real V20 call-log exports (docs/3cx-facts.md §8), as
 * lib/threecx/export/callLogExport.ts reads them: no DN types and no `CallType`, only what the
 * row shows. One call per test, written as the export's rows.
 */
const HEADER = 'Call Time,Call ID,From,To,Direction,Status,Ringing,Talking,Call Activity Details';

function legsOf(rows: string[]): CallLeg[] {
  const reader = new CallLogExportReader(new PbxLocalTime('Europe/Dublin', 'DMY'));
  const columns = callLogColumns(HEADER.split(','));
  return rows.map((row) => {
    const read = reader.read(row.split(','), columns);
    if (read.kind !== 'leg') throw new Error(`not a leg: ${row}`);
    return read.leg;
  });
}

function settle(
  rows: string[],
  options: { dnRoles?: Record<string, 'external'> } = {},
): SettledCall {
  const { settled, pending } = settleCalls(legsOf(rows), {
    now: Date.UTC(2026, 3, 1),
    country: 'IE',
    legRules: { dnRoles: options.dnRoles },
  });
  expect(pending).toEqual([]);
  expect(settled).toHaveLength(1);
  return settled[0];
}

const T = '02/03/2026 09:00';

describe('real export shapes', () => {
  it('reads an anonymous caller as an outside caller with no number, in any case', () => {
    for (const from of ['anonymous', 'Anonymous', 'ANONYMOUS']) {
      expect(
        settle([
          `${T}:00,c1,${from},Brian Walsh (102),Inbound,Unanswered,00:00:20,00:00:00,Timed out`,
        ]),
      ).toMatchObject({
        direction: 'inbound',
        outcome: 'missed',
        caller_number: null,
        caller_number_raw: from,
        caller_anonymous: true,
        agents_rung: ['102'],
      });
    }
  });

  it('reads "anonymous (10000)", the trunk DN where the number would be, as a withheld caller', () => {
    const call = settle([
      `${T}:00,c1,anonymous (10000),Brian Walsh (102),Inbound,Unanswered,00:00:20,00:00:00,`,
    ]);
    expect(call).toMatchObject({
      direction: 'inbound',
      caller_number: null,
      caller_anonymous: true,
    });
    // Known as the trunk (the inbound-calls report, --trunk), the same.
    expect(
      settle(
        [`${T}:00,c1,anonymous (10000),Brian Walsh (102),Inbound,Unanswered,00:00:20,00:00:00,`],
        {
          dnRoles: { '10000': 'external' },
        },
      ),
    ).toMatchObject({
      direction: 'inbound',
      caller_anonymous: true,
      caller_number_raw: 'anonymous',
    });
  });

  it('reads numbers as dialled in the PBX country: 08…, 0044…, 353…', () => {
    const caller = (from: string) =>
      settle([`${T}:00,c1,${from},Aoife Byrne (101),Inbound,Answered,00:00:05,00:01:00,`])
        .caller_number;
    expect(caller('0871234567')).toBe('+353871234567');
    expect(caller('0044 20 7946 0321')).toBe('+442079460321');
    expect(caller('353871234567')).toBe('+353871234567');
    expect(caller('Jane Doe (0871234567)')).toBe('+353871234567');
  });

  it('takes the queue leg (Inbound Queue, Waiting) for the queue, never for an answer', () => {
    expect(
      settle([`${T}:00,c1,0869998888,Sales Queue (800),Inbound Queue,Waiting,00:00:00,00:00:48,`]),
    ).toMatchObject({
      outcome: 'abandoned',
      queue: '800',
      queue_name: 'Sales Queue',
      agents_rung: [],
    });
  });

  it("takes a queue's agent leg, Direction Inbound, as the agent who answered", () => {
    expect(
      settle([
        `${T}:00,c1,0851112222,Sales Queue (800),Inbound Queue,Waiting,00:00:00,00:00:35,`,
        `${T}:30,c1,0851112222,Ciara Kelly (103),Inbound,Answered,00:00:05,00:03:00,`,
      ]),
    ).toMatchObject({ outcome: 'answered', answered_by: '103', queue: '800', ring_seconds: 35 });
  });

  it('counts a voicemail message from exactly the threshold (10 s on the box)', () => {
    const box = (talk: string) =>
      settle([
        `${T}:00,c1,0871234567,Eoin Doyle (100),Inbound,Unanswered,00:00:20,00:00:00,Timed out`,
        `${T}:20,c1,0871234567,Voicemail Box (100),Inbound,Answered,00:00:00,${talk},`,
      ]);
    expect(box('00:00:10')).toMatchObject({ outcome: 'voicemail', voicemail_left: true });
    expect(box('00:00:09')).toMatchObject({ outcome: 'voicemail', voicemail_left: false });
  });

  it('does not count 3 s of talk on a leg 3CX calls Unanswered as an answer', () => {
    expect(
      settle([
        `${T}:00,c1,0863334444,Declan Ryan (104),Inbound,Unanswered,00:00:20,00:00:03,Timed out`,
        `${T}:23,c1,0863334444,Voicemail Box (104),Inbound,Answered,00:00:00,00:00:15,`,
      ]),
    ).toMatchObject({ outcome: 'voicemail', answered_by: null, talk_seconds: 0 });
  });

  it('reads a caller whose name mentions voicemail as a caller (the name rule is for the box)', () => {
    expect(
      settle([
        `${T}:00,c1,Vodafone Voicemail (0871239999),Aoife Byrne (101),Inbound,Unanswered,00:00:25,00:00:00,`,
      ]),
    ).toMatchObject({ direction: 'inbound', outcome: 'missed', caller_number: '+353871239999' });
  });

  it('reads shared parking (SP1) as no person; the colleague who picks up is reached', () => {
    expect(
      settle([
        `${T}:00,c1,0831231234,Aoife Byrne (101),Inbound,Answered,00:00:04,00:00:30,Aoife Byrne (101) was replaced by Shared Parking (SP1)`,
        `${T}:34,c1,0831231234,Shared Parking (SP1),Inbound,Answered,00:00:00,00:00:40,`,
        `${T}:59,c1,0831231234,Brian Walsh (102),Inbound,Answered,00:00:00,00:01:20,`,
      ]),
    ).toMatchObject({
      outcome: 'answered',
      answered_by: '101',
      agents_rung: ['101', '102'],
      talk_seconds: 110,
    });
    expect(
      settle([`${T}:00,c1,0831231234,Shared Parking (SP1),Inbound,Answered,00:00:00,00:00:40,`]),
    ).toMatchObject({ outcome: 'abandoned', talk_seconds: 0 });
  });

  it('reads an AI voice agent (no DN) as no person: a caller who only spoke to it was not answered', () => {
    expect(
      settle([`${T}:00,c1,0877776666,Voice Agent,Inbound,Answered,00:00:00,00:01:30,`]),
    ).toMatchObject({ direction: 'inbound', outcome: 'abandoned', answered_by: null });
  });

  it('reads an outbound leg Answered with 0 s talk as no conversation', () => {
    expect(
      settle([`${T}:00,c1,Brian Walsh (102),0876543210,Outbound,Answered,00:00:12,00:00:00,`]),
    ).toMatchObject({ direction: 'outbound', outcome: 'missed', callee_number: '+353876543210' });
    expect(
      settle([`${T}:00,c1,Ciara Kelly (103),00441619998877,Outbound,Answered,00:00:08,00:04:00,`]),
    ).toMatchObject({
      outcome: 'answered',
      answered_by: '+441619998877',
      external_number: '+441619998877',
    });
  });

  it('reads Set Queue Login and the Voice Mail Menu (666) as internal calls', () => {
    expect(
      settle([`${T}:00,c1,Declan Ryan (104),Set Queue Login,Internal,Answered,00:00:00,00:00:03,`]),
    ).toMatchObject({ direction: 'internal', outcome: 'abandoned', caller_number: '104' });
    expect(
      settle([
        `${T}:00,c1,Aoife Byrne (101),Voice Mail Menu (666),Internal,Answered,00:00:00,00:00:45,`,
      ]),
    ).toMatchObject({ direction: 'internal', outcome: 'voicemail', voicemail_left: true });
  });
});

describe('export parties', () => {
  it.each([
    [
      'Alice Nguyen (101)',
      { shape: 'name (dn)', dn: '101', callerId: '101', displayName: 'Alice Nguyen' },
    ],
    ['Shared Parking (SP1)', { shape: 'name (dn)', dn: 'SP1', displayName: 'Shared Parking' }],
    ['Smith (Sales) (105)', { shape: 'name (dn)', dn: '105', displayName: 'Smith (Sales)' }],
    ['anonymous (10000)', { shape: 'withheld', dn: '10000', displayName: 'anonymous' }],
    ['ANONYMOUS', { shape: 'withheld', dn: '', callerId: 'ANONYMOUS' }],
    ['0044 20 7946 0321', { shape: 'number', dn: '', callerId: '0044 20 7946 0321' }],
    ['+353871234567', { shape: 'number', callerId: '+353871234567' }],
    ['Voice Agent', { shape: 'name', dn: '', callerId: '', displayName: 'Voice Agent' }],
    ['Set Queue Login ()', { shape: 'name', displayName: 'Set Queue Login' }],
    ['  ', { shape: 'empty', dn: '', callerId: '', displayName: '' }],
  ])('%s', (text, party) => {
    expect(readExportParty(text)).toMatchObject(party);
  });
});

describe('PBX-local times', () => {
  const dublin = new PbxLocalTime('Europe/Dublin', 'DMY');
  it.each([
    ['02/03/2026 09:15:02', '2026-03-02T09:15:02.000Z'],
    ['2026-03-02 09:15:02', '2026-03-02T09:15:02.000Z'],
    ['2026/03/02 09:15', '2026-03-02T09:15:00.000Z'],
    ['30/03/2026 10:00:00', '2026-03-30T09:00:00.000Z'],
    // In the hour the clocks skip (no PBX can have logged it): read with the new offset.
    ['29/03/2026 01:30:00', '2026-03-29T00:30:00.000Z'],
  ])('%s in Dublin is %s', (local, utc) => {
    expect(new Date(dublin.toUtcMillis(local)).toISOString()).toBe(utc);
  });
  it('reads month first and 12-hour clocks where the culture writes them', () => {
    const us = new PbxLocalTime('America/New_York', 'MDY');
    expect(new Date(us.toUtcMillis('3/2/2026 9:15:02 PM')).toISOString()).toBe(
      '2026-03-03T02:15:02.000Z',
    );
    expect(new Date(us.toUtcMillis('3/2/2026 12:05:00 AM')).toISOString()).toBe(
      '2026-03-02T05:05:00.000Z',
    );
  });
  it.each([
    '32/03/2026 10:00:00',
    '02/13/2026 10:00',
    '02/03/2026 24:00',
    'yesterday',
    '13/02/2026 13:00 PM',
  ])('refuses %s', (text) => expect(dublin.toUtcMillis(text)).toBeNaN());
  it('refuses a zone that does not exist', () => {
    expect(() => new PbxLocalTime('Dublin', 'DMY')).toThrow(/not an IANA time zone/);
  });
});
