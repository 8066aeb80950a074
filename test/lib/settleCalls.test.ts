import fc from 'fast-check';
import {
  CallSettlement,
  describeCall,
  groupLegsByCall,
  KEPT_FOR_SHAPES,
  settleCalls,
} from '../../lib/settleCalls';
import { callFactsOf, settleResultFacts } from '../../lib/settledCall';
import type { CallLeg } from '../../lib/threecx/callLeg';

/** Edges of settleCalls that the corpus and the properties do not pin one by one. */
const leg = (over: Partial<CallLeg> = {}): CallLeg => ({
  CallHistoryId: 'h1',
  CallId: 7,
  StartTime: '2026-03-02T09:00:00Z',
  SourceType: 1,
  SourceDn: '10000',
  SourceCallerId: '+61412345678',
  DestinationType: 0,
  DestinationDn: '101',
  DestinationCallerId: '101',
  RingingDuration: 'PT10S',
  TalkingDuration: 'PT0S',
  Answered: false,
  ...over,
});
const NOW = Date.parse('2026-03-02T10:00:00Z');

describe('settleCalls edges', () => {
  it('waits out the grace period after the last leg ended', () => {
    const ended = Date.parse('2026-03-02T09:00:10Z');
    expect(settleCalls([leg()], { now: ended + 9_999, graceSeconds: 10 })).toMatchObject({
      settled: [],
      pending: ['h1'],
    });
    expect(settleCalls([leg()], { now: ended + 10_000, graceSeconds: 10 }).settled).toHaveLength(1);
    // 10 s by default.
    expect(settleCalls([leg()], { now: ended + 9_000 }).pending).toEqual(['h1']);
  });

  it('keeps a call the PBX lists as active pending, by call key or by CallId', () => {
    expect(settleCalls([leg()], { now: NOW, activeCallIds: ['h1'] }).pending).toEqual(['h1']);
    expect(settleCalls([leg()], { now: NOW, activeCallIds: [7] }).pending).toEqual(['h1']);
    expect(settleCalls([leg()], { now: NOW, activeCallIds: [8] }).settled).toHaveLength(1);
  });

  it('ignores legs it cannot place in time, and a call with none is neither settled nor pending', () => {
    const result = settleCalls([leg({ StartTime: 'yesterday', CallHistoryId: 'h2' })], {
      now: NOW,
    });
    expect(result).toEqual({ settled: [], pending: [] });
    const call = settleCalls([leg(), leg({ StartTime: 'never', TalkingDuration: 'PT99S' })], {
      now: NOW,
    });
    expect(call.settled[0]).toMatchObject({ leg_count: 1, talk_seconds: 0 });
  });

  it('reads a leg without durations as no ringing and no talk', () => {
    const { settled } = settleCalls(
      [leg({ RingingDuration: undefined, TalkingDuration: null, Answered: true })],
      { now: NOW },
    );
    expect(settled[0]).toMatchObject({ ring_seconds: 0, talk_seconds: 0, outcome: 'missed' });
  });

  it('folds rows with the same CdrId, never rows without one', () => {
    const twice = settleCalls([leg({ CdrId: 'c1' }), leg({ CdrId: 'c1' })], { now: NOW });
    expect(twice.settled[0].leg_count).toBe(1);
    const anonymous = settleCalls([leg(), leg()], { now: NOW });
    expect(anonymous.settled[0].leg_count).toBe(2);
  });

  it('orders legs that start together by segment, whatever other fields hold', () => {
    const { settled } = settleCalls(
      [
        leg({ SegmentId: 2, DestinationDn: '102', DestinationCallerId: '102' }),
        leg({ SegmentId: { toString: null } as unknown as number, SubrowDescNumber: 'x' as never }),
      ],
      { now: NOW },
    );
    expect(settled[0]).toMatchObject({ agents_rung: ['101', '102'], callee_number: '101' });
  });

  it('sorts calls by start, then by id, and pending ids by id', () => {
    const { settled, pending } = settleCalls(
      [
        leg({ CallHistoryId: 'b' }),
        leg({ CallHistoryId: 'a' }),
        leg({ CallHistoryId: 'c', StartTime: '2026-03-02T08:00:00Z' }),
        leg({ CallHistoryId: 'z', StartTime: '2026-03-02T09:59:59Z' }),
        leg({ CallHistoryId: 'y', StartTime: '2026-03-02T09:59:58Z' }),
      ],
      { now: NOW },
    );
    expect(settled.map((c) => c.call_id)).toEqual(['c', 'a', 'b']);
    expect(pending).toEqual(['y', 'z']);
  });

  it('describes a live call from the legs so far, or nothing without a readable leg', () => {
    expect(describeCall('h1', [leg()], { country: 'AU' })).toMatchObject({
      call_id: 'h1',
      direction: 'inbound',
      caller_number: '+61412345678',
    });
    expect(describeCall('h1', [leg({ StartTime: 'soon' })], {})).toBeNull();
  });

  it('passes the DID, the queue polls and the voicemail threshold through to the call', () => {
    const { settled } = settleCalls(
      [
        leg({ DestinationType: 4, CallType: 'Queue', DestinationDn: '800', Answered: true }),
        leg({
          StartTime: '2026-03-02T09:00:30Z',
          DestinationType: 5,
          DestinationDn: '101',
          TalkingDuration: 'PT8S',
          Answered: true,
        }),
      ],
      {
        now: NOW,
        voicemailLeftSeconds: 8,
        dialedNumbers: new Map([['h1', '+61881234500']]),
        queuePolls: new Map([
          [
            'h1',
            [{ queue: '800', queueName: 'Sales', agent: '103', agentName: null, attempts: 1 }],
          ],
        ]),
      },
    );
    expect(settled[0]).toMatchObject({
      outcome: 'voicemail',
      voicemail_left: true,
      dialed_number: '+61881234500',
      agents_rung: ['103'],
      queue: '800',
    });
  });
});

describe('settleCalls ordering and the end of a call', () => {
  it('waits for the leg that ends last, not the leg that starts last', () => {
    const legs = [
      leg({
        CdrId: 'q',
        TalkingDuration: 'PT100S',
        Answered: true,
        DestinationType: 4,
        CallType: 'Queue',
      }),
      leg({ CdrId: 'a', StartTime: '2026-03-02T09:00:10Z', RingingDuration: 'PT5S' }),
    ];
    const start = Date.parse('2026-03-02T09:00:00Z');
    expect(settleCalls(legs, { now: start + 60_000 }).pending).toEqual(['h1']);
    expect(settleCalls(legs, { now: start + 121_000 }).settled[0].ended_ms).toBe(
      Date.parse('2026-03-02T09:01:50.000Z'),
    );
  });

  it('orders legs that start together by segment, sub-row, end, CdrId, then the destination', () => {
    const at = (dn: string, over: Partial<CallLeg>) =>
      leg({ DestinationDn: dn, DestinationCallerId: dn, CallType: 'Extension', ...over });
    const legs = [
      at('104', { SegmentId: 2, SubrowDescNumber: 1, CdrId: 'b' }),
      at('105', { SegmentId: 2, SubrowDescNumber: 1, CdrId: 'c', RingingDuration: 'PT20S' }),
      at('106', { SegmentId: 2, SubrowDescNumber: 1, CdrId: 'a' }),
      at('103', { SegmentId: 2, SubrowDescNumber: 0 }),
      at('102', { SegmentId: 1, SubrowDescNumber: 5 }),
      at('108', { SegmentId: 3, CdrId: '' }),
      at('107', { SegmentId: 3, CdrId: '' }),
    ];
    const expected = ['102', '103', '106', '104', '105', '107', '108'];
    for (const order of [
      legs,
      [...legs].reverse(),
      [legs[3], legs[0], legs[6], legs[1], legs[5], legs[4], legs[2]],
    ]) {
      const { settled } = settleCalls(order, { now: NOW });
      expect(settled[0].agents_rung).toEqual(expected);
    }
  });
});

describe('legs that tie on time, segment and destination', () => {
  // Whatever order they come in, the same leg comes first (legOrder in lib/legFacts.ts).
  const firstOf = (a: CallLeg, b: CallLeg) => {
    const one = settleCalls([a, b], { now: NOW, country: 'AU' }).settled;
    expect(settleCalls([b, a], { now: NOW, country: 'AU' }).settled).toEqual(one);
    return one[0];
  };

  it('orders them by the source DN', () => {
    // Caller ids in the other order: the DN decides first.
    const from = (dn: string, id: string) =>
      leg({ SourceType: 0, SourceDn: dn, SourceCallerId: id, CallType: 'Extension' });
    expect(firstOf(from('202', 'a'), from('201', 'b'))).toMatchObject({
      direction: 'internal',
      caller_number: '201',
    });
  });

  it("then by the destination's caller id when it has no DN", () => {
    const to = (id: string) =>
      leg({ DestinationDn: '', DestinationCallerId: id, CallType: 'Extension' });
    expect(firstOf(to('102'), to('101')).agents_rung).toEqual(['101', '102']);
  });

  it("then by the source's caller id", () => {
    const from = (id: string) => leg({ SourceCallerId: id });
    expect(firstOf(from('+61412345679'), from('+61412345678'))).toMatchObject({
      caller_number: '+61412345678',
    });
  });
});

describe('legs that tie on everything but one field the engine reads', () => {
  // Two rows without CdrId (pre-Update-6 PBXs, docs/3cx-facts.md §1.4), equal in time,
  // segment, numbers and caller ids: the result must still not depend on which came first.
  const pairs: Array<[string, Partial<CallLeg>, Partial<CallLeg>]> = [
    ['the source name', { SourceDisplayName: 'Ann' }, { SourceDisplayName: 'Bob' }],
    ['the destination name', { DestinationDisplayName: 'Ann' }, { DestinationDisplayName: 'Bob' }],
    ['Answered', { Answered: true, TalkingDuration: 'PT5S', RingingDuration: 'PT5S' }, {}],
    ['ringing against talking', { RingingDuration: 'PT4S', TalkingDuration: 'PT6S' }, {}],
    ['the destination type', { DestinationType: 5 }, {}],
    // The type decides the order; the name (read after it) shows which leg came first.
    ['the destination type, names apart', { DestinationType: 5, SourceDisplayName: 'Ann' }, {}],
    ['the source type', { SourceType: 0 }, {}],
    ['CallType', { CallType: 'Queue' }, { CallType: 'Extension' }],
    ['Direction', { Direction: 'Inbound Queue' }, { Direction: 'Inbound' }],
    ['Answered left out', { Answered: undefined }, {}],
  ];
  it('settles any such pair (or trio) the same in any order', () => {
    const variant = fc.record(
      {
        SourceDisplayName: fc.constantFrom('Ann', 'Bob', ''),
        DestinationDisplayName: fc.constantFrom('Ann', 'Bob', ''),
        Answered: fc.boolean(),
        RingingDuration: fc.constantFrom('PT4S', 'PT10S', 'PT0S'),
        TalkingDuration: fc.constantFrom('PT6S', 'PT0S', 'PT10S'),
        SourceType: fc.constantFrom(0, 1, 4),
        DestinationType: fc.constantFrom(0, 1, 4, 5, 6),
        CallType: fc.constantFrom('Queue', 'Extension', 'External'),
        Direction: fc.constantFrom('Inbound', 'Inbound Queue', 'Outbound'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(variant, { minLength: 2, maxLength: 3 }), (variants) => {
        const legs = variants.map((v) => leg(v));
        const expected = settleCalls(legs, { now: NOW, country: 'AU' });
        expect(settleCalls([...legs].reverse(), { now: NOW, country: 'AU' })).toEqual(expected);
        expect(
          settleCalls([legs[1], ...legs.slice(2), legs[0]], { now: NOW, country: 'AU' }),
        ).toEqual(expected);
      }),
      { numRuns: Number(process.env.FAST_CHECK_RUNS ?? 500) },
    );
  });

  it.each(pairs)('settles them the same in either order when they differ in %s', (_, a, b) => {
    const one = leg(a);
    const two = leg(b);
    expect(settleCalls([two, one], { now: NOW, country: 'AU' })).toEqual(
      settleCalls([one, two], { now: NOW, country: 'AU' }),
    );
  });
});

describe('settleCalls on long calls and in slices', () => {
  /** A queue call that polled 24 agents one after another, the 20th answering. */
  const polled = Array.from({ length: 24 }, (_, i) =>
    leg({
      CdrId: `p${String(i).padStart(2, '0')}`,
      StartTime: new Date(Date.parse('2026-03-02T09:00:00Z') + i * 2000).toISOString(),
      DestinationDn: String(200 + i),
      DestinationCallerId: String(200 + i),
      RingingDuration: 'PT2S',
      TalkingDuration: i === 19 ? 'PT30S' : 'PT0S',
      Answered: i === 19,
    }),
  );
  const agents = polled.map((l) => l.DestinationDn);

  it('orders the legs of a call with many legs by time, whatever order they come in', () => {
    for (const order of [
      polled,
      [...polled].reverse(),
      [...polled.slice(12), ...polled.slice(0, 12)],
    ]) {
      const { settled } = settleCalls(order, { now: NOW });
      expect(settled[0]).toMatchObject({
        agents_rung: agents,
        answered_by: '219',
        leg_count: 24,
        ring_seconds: 40,
        started_ms: Date.parse('2026-03-02T09:00:00.000Z'),
      });
    }
  });

  it('folds re-sent rows of a call with many legs, keeping the later view', () => {
    const resent = polled.map((l) => ({ ...l, TalkingDuration: 'PT0S', Answered: false }));
    const { settled } = settleCalls([...resent.reverse(), ...polled], { now: NOW });
    expect(settled[0]).toMatchObject({ leg_count: 24, answered_by: '219', outcome: 'answered' });
  });

  it('keeps a call pending when only a later leg carries the CallId the PBX lists as active', () => {
    // A transfer gives a leg a new CallId under the same CallHistoryId.
    const legs = [
      leg({ CdrId: 'a' }),
      leg({ CdrId: 'b', CallId: 70, StartTime: '2026-03-02T09:00:20Z' }),
      leg({ CdrId: 'c', CallId: 71, StartTime: '2026-03-02T09:00:40Z' }),
    ];
    for (const active of [[70], [71], ['h1']]) {
      expect(settleCalls(legs, { now: NOW, activeCallIds: active })).toEqual({
        settled: [],
        pending: ['h1'],
      });
      const slices = new CallSettlement({ now: NOW, activeCallIds: active });
      slices.add(groupLegsByCall(legs));
      expect(slices.result().pending).toEqual(['h1']);
    }
    expect(settleCalls(legs, { now: NOW, activeCallIds: [72] }).settled).toHaveLength(1);
  });

  it('settles the same calls whether given as legs or as groups in slices', () => {
    const legs = [
      ...polled,
      leg({ CallHistoryId: 'h2', CallId: 8, CdrId: 'x' }),
      leg({ CallHistoryId: undefined, CallId: 9 }),
      leg({ CallHistoryId: 'h3', CallId: 10, StartTime: '2026-03-02T09:59:58Z' }),
      leg({ CallHistoryId: undefined, CallId: 9, StartTime: '2026-03-02T09:00:20Z' }),
    ];
    const options = { now: NOW, activeCallIds: [8] };
    const whole = settleCalls(legs, options);
    const groups = [...groupLegsByCall(legs)];
    const inSlices = new CallSettlement(options);
    inSlices.add(groups.slice(0, 2));
    inSlices.add(groups.slice(2));
    expect(inSlices.result()).toEqual(whole);
    expect(whole.pending).toEqual(['h2', 'h3']);
    expect(whole.settled.map((c) => [c.call_id, c.leg_count])).toEqual([
      ['9', 2],
      ['h1', 24],
    ]);
  });
});

describe('a row read twice (3CX updated it between two polls)', () => {
  // Two reads of one leg, in both orders: the result never depends on which came first.
  const bothOrders = (a: CallLeg, b: CallLeg) => {
    const first = settleCalls([a, b], { now: NOW }).settled;
    expect(settleCalls([b, a], { now: NOW }).settled).toEqual(first);
    expect(first).toHaveLength(1);
    return first[0];
  };

  it('keeps the read with more talk when both end together (ringing time turned into talk)', () => {
    const ringing = leg({ CdrId: 'r', RingingDuration: 'PT30S', TalkingDuration: 'PT0S' });
    const talked = leg({
      CdrId: 'r',
      RingingDuration: 'PT10S',
      TalkingDuration: 'PT20S',
      Answered: true,
    });
    expect(bothOrders(ringing, talked)).toMatchObject({ outcome: 'answered', talk_seconds: 20 });
  });

  it('keeps the read with more talk when both end together and say the same Answered, whatever else differs', () => {
    // The destination sorts the other way (101 before 102): talk decides, not the order of legs.
    const answered = { CdrId: 'r', Answered: true };
    const less = leg({
      ...answered,
      RingingDuration: 'PT25S',
      TalkingDuration: 'PT5S',
      DestinationDn: '101',
      DestinationCallerId: '101',
    });
    const more = leg({
      ...answered,
      RingingDuration: 'PT10S',
      TalkingDuration: 'PT20S',
      DestinationDn: '102',
      DestinationCallerId: '102',
    });
    expect(bothOrders(less, more)).toMatchObject({ answered_by: '102', talk_seconds: 20 });
  });

  it('keeps the read that says Answered=false over one that says nothing, and Answered=true over both', () => {
    const durations = { CdrId: 'r', RingingDuration: 'PT5S', TalkingDuration: 'PT20S' };
    const silent = leg({ ...durations, Answered: undefined });
    const no = leg({ ...durations, Answered: false });
    const yes = leg({ ...durations, Answered: true });
    expect(bothOrders(silent, no)).toMatchObject({ outcome: 'missed', answered_by: null });
    expect(bothOrders(no, yes)).toMatchObject({ outcome: 'answered', answered_by: '101' });
    expect(bothOrders(silent, yes)).toMatchObject({ outcome: 'answered', answered_by: '101' });
  });

  it('decides between reads that agree on time and answer by their other content', () => {
    const answered = { CdrId: 'r', TalkingDuration: 'PT20S', Answered: true };
    const a = leg({ ...answered, DestinationDn: '101', DestinationCallerId: '101' });
    const b = leg({ ...answered, DestinationDn: '102', DestinationCallerId: '102' });
    expect(bothOrders(a, b).answered_by).toMatch(/^10[12]$/);
  });
});

describe('a settlement taken midway', () => {
  it('gives a result that later slices do not change, and the same calls as one batch', () => {
    const calls = [
      leg({ CallHistoryId: 'b', StartTime: '2026-03-02T09:00:10Z' }),
      leg({ CallHistoryId: 'p', StartTime: '2026-03-02T09:59:59Z' }),
      leg({ CallHistoryId: 'a', StartTime: '2026-03-02T09:00:20Z' }),
      leg({ CallHistoryId: 'q', StartTime: '2026-03-02T09:59:58Z' }),
    ];
    const settlement = new CallSettlement({ now: NOW });
    settlement.addLegs(calls.slice(0, 2));
    const midway = settlement.result();
    const copy = JSON.parse(JSON.stringify(midway));
    settlement.addLegs(calls.slice(2));
    const end = settlement.result();
    expect(midway).toEqual(copy);
    expect(midway.settled.map((c) => c.call_id)).toEqual(['b']);
    expect(end).toEqual(settleCalls(calls, { now: NOW }));
    expect(end.settled.map((c) => c.call_id)).toEqual(['b', 'a']);
    expect(end.pending).toEqual(['p', 'q']);
  });
});

/** A leg whose start and talk time have fractions below the millisecond, as 3CX may write them. */
const timed = (over: Partial<CallLeg> = {}): CallLeg =>
  leg({
    StartTime: '2026-03-02T09:00:00.1234567Z',
    TalkingDuration: 'PT24.5004567S',
    Answered: true,
    ...over,
  });

/** The facts' keys in the order the store, the journal and the printed JSON have them. */
const FACT_KEYS = [
  'call_id',
  'direction',
  'outcome',
  'voicemail',
  'voicemail_left',
  'voicemail_seconds',
  'caller_number',
  'caller_number_raw',
  'caller_anonymous',
  'caller_name',
  'callee_number',
  'callee_number_raw',
  'callee_name',
  'external_number',
  'dialed_number',
  'queue',
  'queue_name',
  'agents_rung',
  'answered_by',
  'answered_by_name',
  'started_at',
  'ended_at',
  'ring_seconds',
  'talk_seconds',
  'leg_count',
];

/** The settled call's two times: numbers in the engine, ISO text where the call leaves it. */
describe('a settled call and its facts', () => {
  it('keeps its start and end as whole epoch milliseconds, fractions below one dropped', () => {
    const [call] = settleCalls([timed()], { now: NOW }).settled;
    // 09:00:00.1234567 starts it; 10 s of ringing and 24.5004567 s of talk end it at 34.6239134.
    expect(call.started_ms).toBe(Date.parse('2026-03-02T09:00:00.123Z'));
    expect(call.ended_ms).toBe(Date.parse('2026-03-02T09:00:34.623Z'));
  });

  it('writes the two times as ISO text in UTC, in their place among the fields', () => {
    const [call] = settleCalls([timed()], { now: NOW }).settled;
    const facts = callFactsOf(call);
    expect(Object.keys(facts)).toEqual(FACT_KEYS);
    expect(Object.keys(call)).toEqual(
      FACT_KEYS.map((k) => (k === 'started_at' ? 'started_ms' : k === 'ended_at' ? 'ended_ms' : k)),
    );
    expect(facts).toMatchObject({
      started_at: '2026-03-02T09:00:00.123Z',
      ended_at: '2026-03-02T09:00:34.623Z',
    });
    // Every other field as the engine made it.
    const { started_ms: _s, ended_ms: _e, ...rest } = call;
    const { started_at: _sa, ended_at: _ea, ...restOfFacts } = facts;
    expect(restOfFacts).toEqual(rest);
    expect(restOfFacts.agents_rung).toBe(rest.agents_rung);
  });

  it('prints a result as {settled, pending}, the calls as facts', () => {
    const result = settleCalls([timed(), timed({ CallHistoryId: 'h2', CallId: 8 })], {
      now: NOW,
      activeCallIds: [8],
    });
    const printed = settleResultFacts(result);
    expect(Object.keys(printed)).toEqual(['settled', 'pending']);
    expect(printed).toEqual({ settled: result.settled.map(callFactsOf), pending: ['h2'] });
  });
});

describe('the settlement the engine keeps for its record shapes', () => {
  // Its records keep the shapes of every settlement's records alive between polls, so the
  // values it wrote must be the widest a real leg writes (lib/settleCalls.ts KEPT_FOR_SHAPES).
  it('settled one call with fractional seconds and a voicemail leg after an answered one', () => {
    const { settled, pending } = KEPT_FOR_SHAPES.result();
    expect(pending).toEqual([]);
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({
      call_id: 'kept',
      direction: 'inbound',
      external_number: '+61412345678',
      answered_by: '101',
      outcome: 'answered',
      voicemail: true,
      voicemail_left: true,
      leg_count: 2,
      // Rang 1.5 s, talked 2.5 s, then 12.5 s on voicemail from 4 s: the half seconds show.
      ring_seconds: 2,
      ended_ms: Date.UTC(2026, 0, 1, 0, 0, 16, 500),
    });
  });
});

describe('legs chained by call over the batch, then read call by call into reused records', () => {
  // lib/settleCalls.ts finds each leg's call in one pass over the batch, then reads each call's
  // legs into the reader's records (reused call after call) and keeps its readable records, one
  // per CdrId: none of that may show in the result.
  const a = (over: Partial<CallLeg>) => leg({ CallHistoryId: 'a', CallId: 1, ...over });
  const b = (over: Partial<CallLeg>) =>
    leg({ CallHistoryId: 'b', CallId: 2, SourceCallerId: '+61298765432', ...over });
  const ringing = a({ CdrId: 'a1', RingingDuration: 'PT30S' });
  const answered = a({
    CdrId: 'a1',
    RingingDuration: 'PT10S',
    TalkingDuration: 'PT20S',
    Answered: true,
  });
  const unreadable = a({ CdrId: 'a2', StartTime: 'later', TalkingDuration: 'PT99S' });
  const callB = [
    b({ CdrId: 'b1', DestinationDn: '102', DestinationCallerId: '102' }),
    b({
      CdrId: 'b2',
      StartTime: '2026-03-02T09:00:10Z',
      DestinationType: 5,
      DestinationDn: '102',
      TalkingDuration: 'PT15S',
    }),
  ];
  const alone = [
    ...settleCalls([answered], { now: NOW }).settled,
    ...settleCalls(callB, { now: NOW }).settled,
  ];

  it('settles calls whose legs are interleaved, read twice far apart or unreadable, as each call alone', () => {
    expect(alone.map((c) => [c.call_id, c.outcome, c.leg_count])).toEqual([
      ['a', 'answered', 1],
      ['b', 'voicemail', 2],
    ]);
    const batch = [answered, callB[0], unreadable, callB[1], ringing];
    expect(settleCalls(batch, { now: NOW }).settled).toEqual(alone);
    expect(settleCalls(batch.slice().reverse(), { now: NOW }).settled).toEqual(alone);
    // In slices of whole calls (`add`), each call's legs are a batch of their own.
    const settlement = new CallSettlement({ now: NOW });
    settlement.add(groupLegsByCall(batch.slice().reverse()));
    expect(settlement.result().settled).toEqual(alone);
  });

  it('folds three reads of one leg into the latest, in every order, among the legs of its call', () => {
    // Each read is compared with every read of the call kept so far, whatever lies between
    // them: an earlier read kept first is replaced, a later one kept first stays.
    const early = a({ CdrId: 'a1', RingingDuration: 'PT5S' });
    const other = a({ CdrId: 'a3', StartTime: '2026-03-02T09:00:40Z', DestinationDn: '103' });
    const latest = settleCalls([answered, other], { now: NOW }).settled;
    expect(latest).toMatchObject([{ outcome: 'answered', leg_count: 2, talk_seconds: 20 }]);
    const reads = [early, answered, ringing];
    for (const [x, y, z] of [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ]) {
      for (const batch of [
        [reads[x], reads[y], reads[z], other],
        [other, reads[x], callB[0], reads[y], reads[z]],
        [reads[x], other, reads[y], callB[0], reads[z]],
      ])
        expect(settleCalls(batch, { now: NOW }).settled.filter((c) => c.call_id === 'a')).toEqual(
          latest,
        );
    }
  });

  it('settles a small batch right after a large one (records read before are not its legs)', () => {
    // A batch of many calls (its records written and reused call after call), then the five legs.
    const large = Array.from({ length: 9000 }, (_, i) =>
      leg({ CallHistoryId: `x${i}`, CdrId: `x${i}`, TalkingDuration: 'PT5S', Answered: true }),
    );
    expect(settleCalls(large, { now: NOW }).settled).toHaveLength(9000);
    expect(
      settleCalls([ringing, callB[1], unreadable, callB[0], answered], { now: NOW }).settled,
    ).toEqual(alone);
  });

  // A catch-up's batch: thousands of calls, the legs of two of them far apart.
  const filler = (count: number) =>
    Array.from({ length: count }, (_, i) =>
      leg({
        CallHistoryId: `y${i}`,
        CdrId: `y${i}`,
        StartTime: '2026-03-02T08:00:00Z',
        TalkingDuration: 'PT5S',
        Answered: true,
      }),
    );
  const ofAandB = (legs: readonly CallLeg[]) =>
    settleCalls(legs, { now: NOW }).settled.filter((c) => c.call_id === 'a' || c.call_id === 'b');

  it('settles a batch of thousands of calls as each call alone, interleaved legs and all', () => {
    const many = filler(9000);
    const mixed = [answered, ...many.slice(0, 4500), callB[0], unreadable];
    mixed.push(...many.slice(4500), callB[1], ringing);
    expect(ofAandB(mixed)).toEqual(alone);
    expect(ofAandB(mixed.slice().reverse())).toEqual(alone);
  });

  it('settles batch after batch in one settlement as all legs at once (records reused)', () => {
    const settlement = new CallSettlement({ now: NOW });
    settlement.addLegs([answered, callB[0], unreadable, callB[1], ringing]);
    settlement.addLegs(filler(3));
    settlement.addLegs([leg({ CallHistoryId: 'c', CdrId: 'c1' })]);
    expect(settlement.result().settled).toEqual(
      settleCalls(
        [
          answered,
          callB[0],
          unreadable,
          callB[1],
          ringing,
          ...filler(3),
          leg({ CallHistoryId: 'c', CdrId: 'c1' }),
        ],
        { now: NOW },
      ).settled,
    );
  });
});
