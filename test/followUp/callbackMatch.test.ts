import fc from 'fast-check';
import {
  matchCallback,
  matchCallbacks,
  type CallbackResult,
  type LaterCall,
} from '../../lib/followUp/callbackMatch';
import { followUpAfterMatch } from '../../lib/followUp/followUpState';
import { NO_FOLLOW_UP, type CallFollowUp } from '../../lib/callEvent';

/** The matching rule on its own: the first later call with the number that connects a person. */
const miss = { call_id: 'miss', started_at: '2026-03-03T00:00:00.000Z' };
let n = 0;
function call(
  minutes: number,
  direction: LaterCall['direction'],
  outcome: LaterCall['outcome'],
  extra: Partial<LaterCall> = {},
): LaterCall {
  return {
    call_id: `c${++n}`,
    direction,
    outcome,
    status: outcome === null ? 'live' : 'ended',
    started_at: new Date(Date.parse(miss.started_at) + minutes * 60_000).toISOString(),
    extension: direction === 'outbound' ? '102' : outcome === 'answered' ? '104' : null,
    ...extra,
  };
}

describe('matchCallback', () => {
  it('is returned by the first connecting call, whichever order the calls are given in', () => {
    const attempt = call(5, 'outbound', 'missed');
    const back = call(9, 'outbound', 'answered');
    const again = call(20, 'inbound', 'answered');
    const result = matchCallback(miss, [again, back, attempt]);
    expect(result).toEqual({
      returned: {
        call_id: back.call_id,
        at: back.started_at,
        by: '102',
        via: 'callback',
        time_to_callback_seconds: 540,
      },
      callback_attempts: 1,
      undecided: false,
    });
  });

  it('counts the caller ringing again and being answered as called_again, by who answered', () => {
    const result = matchCallback(miss, [
      call(3, 'inbound', 'missed'),
      call(7, 'inbound', 'answered'),
    ]);
    expect(result.returned).toMatchObject({ via: 'called_again', by: '104' });
    // Their unanswered redial is a miss, not one of our attempts.
    expect(result.callback_attempts).toBe(0);
  });

  it('ignores the miss itself, earlier calls and internal calls', () => {
    const result = matchCallback(miss, [
      { ...call(0, 'inbound', 'answered'), call_id: 'miss' },
      call(-5, 'outbound', 'answered'),
      call(4, 'internal', 'answered'),
    ]);
    expect(result).toEqual({ returned: null, callback_attempts: 0, undecided: false });
  });

  it('waits while an earlier call of the number is still in progress', () => {
    const result = matchCallback(miss, [
      call(2, 'outbound', null),
      call(9, 'outbound', 'answered'),
    ]);
    expect(result).toEqual({ returned: null, callback_attempts: 0, undecided: true });
    // A call in progress that started after the connecting one changes nothing.
    expect(
      matchCallback(miss, [call(2, 'outbound', 'answered'), call(9, 'inbound', null)]).undecided,
    ).toBe(false);
  });

  it('keeps counting attempts while nothing has connected', () => {
    const result = matchCallback(miss, [
      call(2, 'outbound', 'missed'),
      call(30, 'outbound', 'voicemail'),
    ]);
    expect(result).toEqual({ returned: null, callback_attempts: 2, undecided: false });
  });
});

describe('followUpAfterMatch', () => {
  const awaiting: CallFollowUp = {
    ...NO_FOLLOW_UP,
    return_status: 'awaiting',
    return_due_at: '2026-03-03T00:30:00.000Z',
    callback_attempts: 0,
  };

  it('marks a miss returned, keeping its deadline', () => {
    const next = followUpAfterMatch(
      awaiting,
      matchCallback(miss, [call(9, 'outbound', 'answered')]),
    );
    expect(next).toMatchObject({
      return_status: 'returned',
      return_due_at: awaiting.return_due_at,
      returned_via: 'callback',
      time_to_callback_seconds: 540,
    });
  });

  it('a miss not returned in time is returned by a later call back', () => {
    const late = followUpAfterMatch(
      { ...awaiting, return_status: 'not_returned' },
      matchCallback(miss, [call(90, 'outbound', 'answered')]),
    );
    expect(late.return_status).toBe('returned');
  });

  it('changes nothing while undecided, and never follows up a withheld caller', () => {
    const undecided = matchCallback(miss, [call(2, 'outbound', null)]);
    expect(followUpAfterMatch(awaiting, undecided)).toBe(awaiting);
    const withheld = { ...NO_FOLLOW_UP, return_status: 'no_number' as const };
    expect(
      followUpAfterMatch(withheld, matchCallback(miss, [call(2, 'inbound', 'answered')])),
    ).toBe(withheld);
  });
});

/** The rule read literally, one miss at a time: the later calls in order, first decider wins. */
function oneByOne(m: { call_id: string; started_at: string }, calls: readonly LaterCall[]) {
  const at = Date.parse(m.started_at);
  const later = calls
    .filter((c) => c.call_id !== m.call_id && c.direction !== 'internal')
    .filter((c) => Date.parse(String(c.started_at)) > at)
    .sort(
      (a, b) =>
        Date.parse(String(a.started_at)) - Date.parse(String(b.started_at)) ||
        (a.call_id < b.call_id ? -1 : 1),
    );
  let attempts = 0;
  for (const c of later) {
    if (c.status === 'live')
      return { returned: null, callback_attempts: attempts, undecided: true };
    if (c.outcome === 'answered') {
      const startedMs = Date.parse(String(c.started_at));
      return {
        returned: {
          call_id: c.call_id,
          at: new Date(startedMs).toISOString(),
          by: c.extension,
          via: c.direction === 'outbound' ? 'callback' : 'called_again',
          time_to_callback_seconds: (startedMs - at) / 1000,
        },
        callback_attempts: attempts,
        undecided: false,
      } satisfies CallbackResult;
    }
    if (c.direction === 'outbound') attempts++;
  }
  return { returned: null, callback_attempts: attempts, undecided: false };
}

it('many misses matched in one pass get what each gets matched on its own', () => {
  const minute = fc.integer({ min: 0, max: 30 });
  const laterCall = fc.record({
    id: fc.integer({ min: 0, max: 40 }),
    minute,
    direction: fc.constantFrom<LaterCall['direction']>('inbound', 'outbound', 'internal'),
    outcome: fc.constantFrom<LaterCall['outcome']>('answered', 'missed', 'voicemail', null),
  });
  fc.assert(
    fc.property(
      fc.array(laterCall, { maxLength: 30 }),
      fc.array(fc.record({ id: fc.integer({ min: 0, max: 40 }), minute }), { maxLength: 10 }),
      (rawCalls, rawMisses) => {
        const iso = (m: number) => new Date(Date.UTC(2026, 2, 3) + m * 60_000).toISOString();
        const calls: LaterCall[] = rawCalls.map((c, i) => ({
          call_id: `c${c.id}-${i % 3}`,
          direction: c.direction,
          outcome: c.outcome,
          status: c.outcome === null ? 'live' : 'ended',
          started_at: iso(c.minute),
          extension: '102',
        }));
        // Some misses share an id with a call (their own record among the calls).
        const misses = rawMisses.map((m) => ({ call_id: `c${m.id}-0`, started_at: iso(m.minute) }));
        expect(matchCallbacks(misses, calls)).toEqual(misses.map((m) => oneByOne(m, calls)));
      },
    ),
    { numRuns: 500 },
  );
});
