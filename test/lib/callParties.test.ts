import { settleCalls } from '../../lib/settleCalls';
import type { SettledCall } from '../../lib/settledCall';
import type { CallLeg } from '../../lib/threecx/callLeg';

/** Who took part in a call (lib/callParties.ts), on call-log rows of the shapes 3CX sends. */
const NOW = Date.parse('2026-03-02T10:00:00Z');
let n = 0;
const leg = (over: Partial<CallLeg>): CallLeg => ({
  CallHistoryId: 'h',
  CallId: 1,
  CdrId: `cdr-${++n}`,
  StartTime: '2026-03-02T09:00:00Z',
  RingingDuration: 'PT5S',
  TalkingDuration: 'PT0S',
  ...over,
});
const inbound = { SourceType: 1, SourceDn: '10000', SourceCallerId: '+61412345678' };
function settle(
  legs: CallLeg[],
  polls?: Parameters<typeof settleCalls>[1]['queuePolls'],
): SettledCall {
  const { settled } = settleCalls(legs, { now: NOW, country: 'AU', queuePolls: polls });
  expect(settled).toHaveLength(1);
  return settled[0];
}

describe('parties of a call', () => {
  it('names the first extension as the callee of an inbound call, not the queue it passed', () => {
    expect(
      settle([
        leg({
          ...inbound,
          CallType: 'Queue',
          DestinationDn: '800',
          DestinationDisplayName: 'Sales',
        }),
        leg({
          ...inbound,
          StartTime: '2026-03-02T09:00:10Z',
          CallType: 'Extension',
          DestinationDn: '103',
          DestinationDisplayName: 'Chloe Walker',
          Answered: true,
          TalkingDuration: 'PT30S',
        }),
      ]),
    ).toMatchObject({ callee_number: '103', callee_name: 'Chloe Walker', queue: '800' });
  });

  it('reads the agent from the caller id when the DN is empty, as some reports give it', () => {
    expect(
      settle([
        leg({
          ...inbound,
          CallType: 'Extension',
          DestinationCallerId: '101',
          Answered: true,
          TalkingDuration: 'PT30S',
        }),
      ]),
    ).toMatchObject({ callee_number: '101', agents_rung: ['101'], answered_by: '101' });
  });

  it('reads the caller of an outbound or internal call from its DN, else its caller id', () => {
    expect(
      settle([
        leg({
          SourceType: 0,
          SourceCallerId: '102',
          CallType: 'Extension',
          DestinationCallerId: '105',
        }),
      ]),
    ).toMatchObject({
      direction: 'internal',
      caller_number: '102',
      callee_number: '105',
      external_number: null,
    });
  });

  it('lists an agent once, and never an extension with no number', () => {
    expect(
      settle([
        leg({ ...inbound, CallType: 'Extension', DestinationDn: '101' }),
        leg({
          ...inbound,
          StartTime: '2026-03-02T09:00:20Z',
          CallType: 'Extension',
          DestinationDn: '101',
        }),
        leg({ ...inbound, StartTime: '2026-03-02T09:00:40Z', CallType: 'Extension' }),
      ]).agents_rung,
    ).toEqual(['101']);
  });

  it('does not count the extension that placed an outbound call (click-to-call rings it first)', () => {
    expect(
      settle([
        leg({
          SourceType: 0,
          SourceDn: '102',
          CallType: 'Extension',
          DestinationDn: '102',
          Answered: true,
          // The user's own phone rings and stays connected first: not the answer.
          TalkingDuration: 'PT5S',
        }),
        leg({
          SourceType: 0,
          SourceDn: '102',
          StartTime: '2026-03-02T09:00:05Z',
          CallType: 'External',
          DestinationDn: '10000',
          DestinationCallerId: '0298765432',
          Answered: true,
          TalkingDuration: 'PT60S',
        }),
        leg({
          SourceType: 0,
          SourceDn: '102',
          StartTime: '2026-03-02T09:01:10Z',
          CallType: 'Extension',
          DestinationDn: '104',
        }),
      ]),
    ).toMatchObject({
      direction: 'outbound',
      callee_number: '+61298765432',
      agents_rung: ['104'],
      answered_by: '+61298765432',
      external_number: '+61298765432',
    });
  });

  it('takes the caller from the first outside leg, the callee of an outbound call from the first leg out', () => {
    expect(
      settle([
        leg({ ...inbound, CallType: 'Extension', DestinationDn: '101' }),
        leg({
          ...inbound,
          SourceCallerId: '+61400000000',
          StartTime: '2026-03-02T09:00:20Z',
          CallType: 'Extension',
          DestinationDn: '102',
        }),
      ]).caller_number,
    ).toBe('+61412345678');
    expect(
      settle([
        leg({
          SourceType: 0,
          SourceDn: '102',
          CallType: 'External',
          DestinationCallerId: '0298765432',
        }),
        leg({
          SourceType: 0,
          SourceDn: '102',
          StartTime: '2026-03-02T09:00:20Z',
          CallType: 'External',
          DestinationCallerId: '0298765000',
        }),
      ]).callee_number,
    ).toBe('+61298765432');
  });

  it('keeps the agents of an outbound call that did not ring the caller first', () => {
    expect(
      settle([
        leg({
          SourceType: 0,
          SourceDn: '102',
          CallType: 'External',
          DestinationCallerId: '0298765432',
          Answered: true,
          TalkingDuration: 'PT9S',
        }),
        leg({
          SourceType: 0,
          SourceDn: '102',
          StartTime: '2026-03-02T09:01:00Z',
          CallType: 'Extension',
          DestinationDn: '104',
        }),
      ]).agents_rung,
    ).toEqual(['104']);
  });

  it("keeps an outside answerer's number as 3CX wrote it when it is no phone number", () => {
    expect(
      settle([
        leg({
          SourceType: 0,
          SourceDn: '102',
          CallType: 'External',
          DestinationCallerId: ' 1234 ',
          Answered: true,
          TalkingDuration: 'PT9S',
        }),
      ]),
    ).toMatchObject({ answered_by: '1234', callee_number: null });
  });

  it('adds the agents the abandoned-queue report polled (attempts > 0), once, for inbound calls only', () => {
    const polls = new Map([
      [
        'h',
        [
          { queue: '800', queueName: 'Sales', agent: '103', agentName: null, attempts: 2 },
          { queue: '800', queueName: 'Sales', agent: '101', agentName: null, attempts: 1 },
          { queue: '800', queueName: 'Sales', agent: '104', agentName: null, attempts: 0 },
          { queue: '800', queueName: 'Sales', agent: '105', agentName: null, attempts: null },
        ],
      ],
    ]);
    expect(
      settle(
        [
          leg({ ...inbound, CallType: 'Extension', DestinationDn: '101' }),
          leg({
            ...inbound,
            StartTime: '2026-03-02T09:00:10Z',
            CallType: 'Queue',
            DestinationDn: '800',
            Answered: true,
            TalkingDuration: 'PT40S',
          }),
        ],
        polls,
      ),
    ).toMatchObject({ outcome: 'missed', agents_rung: ['101', '103', '105'] });
    // A call with no queue leg takes the queue from the report.
    expect(
      settle([leg({ ...inbound, CallType: 'Digital Receptionist', DestinationDn: '8000' })], polls),
    ).toMatchObject({
      queue: '800',
      queue_name: 'Sales',
    });
    expect(
      settle(
        [
          leg({
            SourceType: 0,
            SourceDn: '102',
            CallType: 'External',
            DestinationCallerId: '0298765432',
          }),
        ],
        polls,
      ).agents_rung,
    ).toEqual([]);
  });

  it('gives an internal call no outside number', () => {
    expect(
      settle([
        leg({
          SourceType: 0,
          SourceDn: '102',
          SourceCallerId: '102',
          CallType: 'Extension',
          DestinationDn: '101',
          DestinationCallerId: '101',
        }),
      ]),
    ).toMatchObject({ direction: 'internal', callee_number: '101', external_number: null });
  });

  it('leaves blank names out', () => {
    expect(
      settle([
        leg({
          ...inbound,
          SourceDisplayName: '   ',
          CallType: 'Extension',
          DestinationDn: '101',
          DestinationDisplayName: '',
        }),
      ]),
    ).toMatchObject({ caller_name: null, callee_name: null });
  });
});

describe('a caller 3CX sends without number or name', () => {
  /** Through the trunk, whose DN stands where the caller id would be. */
  const named = (name: string) =>
    settle([
      leg({
        SourceType: 1,
        SourceDn: '10000',
        SourceCallerId: '10000',
        SourceDisplayName: name,
        CallType: 'Extension',
        DestinationDn: '101',
      }),
    ]);

  it("reads the caller's number from the name when the trunk puts it only there", () => {
    expect(named('0412 345 678')).toMatchObject({
      caller_number: '+61412345678',
      external_number: '+61412345678',
    });
  });

  it('keeps the trunk DN as the raw caller when the name is no number either', () => {
    expect(named('Jane Citizen')).toMatchObject({
      caller_number: null,
      caller_number_raw: '10000',
      caller_name: 'Jane Citizen',
    });
  });

  // The engine reads every call's numbers into one kept record (lib/callParties.ts FOUND):
  // what one call's caller was read from must not carry over to the next call's.
  it('keeps, call by call in one batch, the text each outside number was read from', () => {
    const call = (id: string, over: Partial<CallLeg>) =>
      leg({
        CallHistoryId: id,
        SourceType: 1,
        SourceDn: '10000',
        CallType: 'Extension',
        DestinationDn: '101',
        ...over,
      });
    const outbound = (id: string, over: Partial<CallLeg>) =>
      leg({
        CallHistoryId: id,
        SourceType: 0,
        SourceDn: '102',
        CallType: 'Outbound',
        DestinationType: 1,
        DestinationDn: '10000',
        ...over,
      });
    const { settled } = settleCalls(
      [
        call('by-name', { SourceCallerId: '10000', SourceDisplayName: '0412 345 678' }),
        call('by-id', { SourceCallerId: '+61298765432', SourceDisplayName: '0412 345 678' }),
        call('withheld-by-name', { SourceCallerId: '10000', SourceDisplayName: 'Anonymous' }),
        call('neither', { SourceCallerId: '10000', SourceDisplayName: 'Jane Citizen' }),
        outbound('out-by-name', { DestinationCallerId: '', DestinationDisplayName: '0298765432' }),
        outbound('out-by-id', { DestinationCallerId: '0412345678', DestinationDisplayName: 'x' }),
      ],
      { now: NOW, country: 'AU' },
    );
    const byId = new Map(settled.map((c) => [c.call_id, c]));
    const numbers = (id: string) => {
      const c = byId.get(id);
      return [
        c?.caller_number,
        c?.caller_number_raw,
        c?.caller_anonymous,
        c?.callee_number,
        c?.callee_number_raw,
      ];
    };
    expect(numbers('by-name')).toEqual(['+61412345678', '0412 345 678', false, '101', '101']);
    expect(numbers('by-id')).toEqual(['+61298765432', '+61298765432', false, '101', '101']);
    expect(numbers('withheld-by-name')).toEqual([null, 'Anonymous', true, '101', '101']);
    expect(numbers('neither')).toEqual([null, '10000', false, '101', '101']);
    expect(numbers('out-by-name')).toEqual(['102', '102', false, '+61298765432', '0298765432']);
    expect(numbers('out-by-id')).toEqual(['102', '102', false, '+61412345678', '0412345678']);
  });

  it('keeps, call by call in one batch, its own agents in an array of its own', () => {
    // The engine gathers agents in one array kept from call to call (lib/callParties.ts
    // AGENTS): a call with fewer agents than the one before must not see the earlier ones.
    const rang = (id: string, at: string, dn: string) =>
      leg({
        ...inbound,
        CallHistoryId: id,
        StartTime: at,
        CallType: 'Extension',
        DestinationDn: dn,
      });
    const { settled } = settleCalls(
      [
        rang('three', '2026-03-02T09:00:00Z', '101'),
        rang('three', '2026-03-02T09:00:01Z', '102'),
        rang('three', '2026-03-02T09:00:02Z', '103'),
        rang('one', '2026-03-02T09:01:00Z', '104'),
        leg({
          ...inbound,
          CallHistoryId: 'none',
          StartTime: '2026-03-02T09:02:00Z',
          CallType: 'Queue',
          DestinationType: 4,
          DestinationDn: '800',
        }),
        rang('two', '2026-03-02T09:03:00Z', '102'),
        rang('two', '2026-03-02T09:03:01Z', '105'),
      ],
      { now: NOW, country: 'AU' },
    );
    const agents = new Map(settled.map((c) => [c.call_id, c.agents_rung]));
    expect([...agents]).toEqual([
      ['three', ['101', '102', '103']],
      ['one', ['104']],
      ['none', []],
      ['two', ['102', '105']],
    ]);
    agents.get('one')?.push('199');
    expect(agents.get('two')).toEqual(['102', '105']);
    expect(agents.get('none')).toEqual([]);
  });

  it('keeps nothing as the raw number and no name', () => {
    const { settled } = settleCalls(
      [leg({ SourceType: 1, SourceDn: '10000', CallType: 'Extension', DestinationDn: '101' })],
      { now: NOW },
    );
    expect(settled[0]).toMatchObject({
      direction: 'inbound',
      caller_number: null,
      caller_number_raw: '',
      caller_name: null,
      callee_name: null,
    });
  });

  // Who answered depends on the direction (lib/callOutcome.ts isAnsweringLeg), which only the
  // whole call shows: any leg from outside makes it inbound (lib/callDirection.ts).
  describe('a call that looks outbound until a later leg comes from outside', () => {
    const legs = () => [
      // An extension calls out: answered, 30 s of talk.
      leg({
        SourceType: 0,
        SourceDn: '101',
        CallType: 'External',
        DestinationType: 1,
        DestinationCallerId: '0298765432',
        RingingDuration: 'PT2S',
        TalkingDuration: 'PT30S',
        Answered: true,
      }),
      // Then the outside party calls in and an agent answers: 20 s of talk.
      leg({
        ...inbound,
        StartTime: '2026-03-02T09:01:00Z',
        CallType: 'Extension',
        DestinationType: 0,
        DestinationDn: '102',
        DestinationDisplayName: 'Agent Two',
        RingingDuration: 'PT3S',
        TalkingDuration: 'PT20S',
        Answered: true,
      }),
      // And an outside-to-outside forward, a conversation only an outbound call would count.
      leg({
        ...inbound,
        StartTime: '2026-03-02T09:02:00Z',
        CallType: 'External',
        DestinationType: 1,
        DestinationCallerId: '0298765000',
        RingingDuration: 'PT1S',
        TalkingDuration: 'PT40S',
        Answered: true,
      }),
    ];

    it('is inbound, and counts the talk of the legs an inbound call counts', () => {
      expect(settle(legs())).toMatchObject({
        direction: 'inbound',
        outcome: 'answered',
        caller_number: '+61412345678',
        // The extension's call out is a forward out of an inbound call; the agent talked too.
        answered_by: '+61298765432',
        talk_seconds: 50,
        ring_seconds: 2,
        agents_rung: ['102'],
      });
    });

    it('is outbound without the leg from outside, and counts only the talk to outside numbers', () => {
      const [out] = legs();
      // A transfer inside the PBX: a conversation an inbound or internal call would count.
      const transfer = leg({
        SourceType: 0,
        SourceDn: '101',
        StartTime: '2026-03-02T09:01:00Z',
        CallType: 'Extension',
        DestinationType: 0,
        DestinationDn: '102',
        RingingDuration: 'PT3S',
        TalkingDuration: 'PT20S',
        Answered: true,
      });
      expect(settle([out, transfer])).toMatchObject({
        direction: 'outbound',
        outcome: 'answered',
        answered_by: '+61298765432',
        talk_seconds: 30,
        agents_rung: ['102'],
      });
    });
  });
});
