import { settleCalls } from '../../lib/settleCalls';
import { callFactsOf, settleResultFacts } from '../../lib/settledCall';
import type { CallLeg } from '../../lib/threecx/callLeg';

/** The settled call's two times: numbers in the engine, ISO text where the call leaves it. */
const leg = (over: Partial<CallLeg> = {}): CallLeg => ({
  CallHistoryId: 'h1',
  CallId: 7,
  StartTime: '2026-03-02T09:00:00.1234567Z',
  SourceType: 1,
  SourceDn: '10000',
  SourceCallerId: '+61412345678',
  DestinationType: 0,
  DestinationDn: '101',
  DestinationCallerId: '101',
  RingingDuration: 'PT10S',
  TalkingDuration: 'PT24.5004567S',
  Answered: true,
  ...over,
});
const NOW = Date.parse('2026-03-02T10:00:00Z');

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

describe('a settled call and its facts', () => {
  it('keeps its start and end as whole epoch milliseconds, fractions below one dropped', () => {
    const [call] = settleCalls([leg()], { now: NOW }).settled;
    // 09:00:00.1234567 starts it; 10 s of ringing and 24.5004567 s of talk end it at 34.6239134.
    expect(call.started_ms).toBe(Date.parse('2026-03-02T09:00:00.123Z'));
    expect(call.ended_ms).toBe(Date.parse('2026-03-02T09:00:34.623Z'));
  });

  it('writes the two times as ISO text in UTC, in their place among the fields', () => {
    const [call] = settleCalls([leg()], { now: NOW }).settled;
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
    const result = settleCalls([leg(), leg({ CallHistoryId: 'h2', CallId: 8 })], {
      now: NOW,
      activeCallIds: [8],
    });
    const printed = settleResultFacts(result);
    expect(Object.keys(printed)).toEqual(['settled', 'pending']);
    expect(printed).toEqual({ settled: result.settled.map(callFactsOf), pending: ['h2'] });
  });
});
