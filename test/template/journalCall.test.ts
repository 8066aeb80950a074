import { eventsForSettledCall } from '../../lib/callEvent';
import {
  SAME_CALL_TOLERANCE_MS,
  closestStart,
  isSameCall,
} from '../../bridge/journal/callCorrelation';
import { journalCall } from '../../bridge/journal/journalCall';
import { journalCallId } from '../../bridge/journal/journalCallId';
import { journalEntrySchema, toJournalEntry } from '../../bridge/journal/journalEntry';

/** A journal entry as the template posts it (all text), parsed as the endpoint parses it. */
function entry(body: Record<string, unknown>) {
  return toJournalEntry(
    journalEntrySchema.parse({
      call_type: 'Missed',
      number: '+61412345678',
      agent: '101',
      started_at: '2026-03-02T09:00:00Z',
      ended_at: '2026-03-02T09:00:40Z',
      ...body,
    }),
  );
}

const call = (body: Record<string, unknown> = {}) => journalCall(entry(body), { country: 'AU' });

describe('a journal entry as a settled call', () => {
  it('reads direction and outcome from the call type, [CallDirection] when given', () => {
    expect(call({ call_type: 'Missed' })).toMatchObject({
      direction: 'inbound',
      outcome: 'missed',
    });
    expect(call({ call_type: 'Inbound' })).toMatchObject({
      direction: 'inbound',
      outcome: 'answered',
    });
    expect(call({ call_type: 'Outbound' })).toMatchObject({
      direction: 'outbound',
      outcome: 'answered',
    });
    expect(call({ call_type: 'Notanswered' })).toMatchObject({
      direction: 'outbound',
      outcome: 'missed',
    });
    expect(call({ call_type: 'missed', direction: 'OUTBOUND' }).direction).toBe('outbound');
  });

  it('fires call.missed only for a missed inbound call from outside', () => {
    expect(eventsForSettledCall(call({ call_type: 'Missed' }))).toEqual([
      'call.ended',
      'call.missed',
    ]);
    expect(eventsForSettledCall(call({ call_type: 'Notanswered' }))).toEqual(['call.ended']);
    expect(eventsForSettledCall(call({ call_type: 'Inbound' }))).toEqual(['call.ended']);
    // An extension as the number: not a customer's call.
    expect(call({ number: '102' }).direction).toBe('internal');
    expect(eventsForSettledCall(call({ number: '102' }))).toEqual([]);
  });

  it('puts the agent on the right side and normalises the outside number', () => {
    expect(
      call({
        number: '0412345678',
        name: 'Jane',
        agent_first_name: 'Alice',
        agent_last_name: 'Nguyen',
      }),
    ).toMatchObject({
      caller_number: '+61412345678',
      caller_number_raw: '0412345678',
      caller_name: 'Jane',
      callee_number: '101',
      callee_name: 'Alice Nguyen',
      external_number: '+61412345678',
      agents_rung: ['101'],
      answered_by: null,
    });
    expect(call({ call_type: 'Outbound', established_at: '2026-03-02T09:00:05Z' })).toMatchObject({
      caller_number: '101',
      callee_number: '+61412345678',
      external_number: '+61412345678',
      agents_rung: [],
      answered_by: '+61412345678',
      ring_seconds: 5,
      talk_seconds: 35,
    });
  });

  it('takes a withheld caller as anonymous, with no number to match', () => {
    expect(call({ number: 'Anonymous' })).toMatchObject({
      caller_anonymous: true,
      caller_number: null,
      external_number: null,
    });
    expect(call({ number: undefined }).caller_anonymous).toBe(false);
  });

  it('times the call from the UTC fields, or from start and duration', () => {
    expect(
      call({
        call_type: 'Inbound',
        established_at: '2026-03-02T09:00:12Z',
        duration_seconds: '28',
      }),
    ).toMatchObject({
      started_at: '2026-03-02T09:00:00.000Z',
      ended_at: '2026-03-02T09:00:40.000Z',
      ring_seconds: 12,
      talk_seconds: 28,
    });
    expect(call({ call_type: 'Inbound', ended_at: '', duration: '00:01:05' })).toMatchObject({
      ended_at: '2026-03-02T09:01:05.000Z',
      talk_seconds: 65,
    });
    expect(
      call({ ended_at: '2026-03-02T09:00:40Z', established_at: '0001-01-01T00:00:00Z' }),
    ).toMatchObject({
      ring_seconds: 40,
      talk_seconds: 0,
    });
  });
});

describe('the journal call id (dedupe key)', () => {
  it('is the same for the same call, however 3CX spelt the number, to the second', () => {
    const a = call({ started_at: '2026-03-02T09:00:00.200Z' }).call_id;
    expect(a).toMatch(/^journal-[0-9a-f]{20}$/);
    expect(call({ number: '0412345678', started_at: '2026-03-02T09:00:00.900Z' }).call_id).toBe(a);
    expect(call({ ended_at: '2026-03-02T09:01:00Z' }).call_id).toBe(a);
  });

  it('differs by start second, agent, number and direction', () => {
    const a = call().call_id;
    expect(call({ started_at: '2026-03-02T09:00:01Z' }).call_id).not.toBe(a);
    expect(call({ agent: '102' }).call_id).not.toBe(a);
    expect(call({ number: '+61412345679' }).call_id).not.toBe(a);
    expect(call({ call_type: 'Notanswered' }).call_id).not.toBe(a);
    expect(
      journalCallId({
        startedAt: 0,
        agent: null,
        numberKey: null,
        numberRaw: 'Anonymous',
        direction: 'inbound',
      }),
    ).toBe(
      journalCallId({
        startedAt: 0,
        agent: null,
        numberKey: null,
        numberRaw: 'ANONYMOUS ',
        direction: 'inbound',
      }),
    );
  });
});

describe('the same call from two sources', () => {
  const at = (iso: string, numberKey: string | null = '+61412345678') => ({
    direction: 'inbound' as const,
    numberKey,
    startedAt: iso,
  });

  it('is matched by direction, outside number and a start within ±90 s', () => {
    expect(SAME_CALL_TOLERANCE_MS).toBe(90_000);
    const poller = at('2026-03-02T09:00:00.000Z');
    expect(isSameCall(poller, at('2026-03-02T09:01:30.000Z'))).toBe(true);
    expect(isSameCall(poller, at('2026-03-02T08:58:30.000Z'))).toBe(true);
    expect(isSameCall(poller, at('2026-03-02T09:01:30.001Z'))).toBe(false);
    expect(isSameCall(poller, at('2026-03-02T09:00:00.000Z', '+61400000000'))).toBe(false);
    expect(isSameCall(poller, { ...poller, direction: 'outbound' })).toBe(false);
    expect(
      isSameCall(at('2026-03-02T09:00:00.000Z', null), at('2026-03-02T09:00:10.000Z', null)),
    ).toBe(true);
  });

  it('prefers the closest start when several calls qualify', () => {
    const candidates = [
      { id: 'a', startedAt: '2026-03-02T09:00:50.000Z' },
      { id: 'b', startedAt: '2026-03-02T08:59:58.000Z' },
      { id: 'c', startedAt: '2026-03-02T09:00:03.000Z' },
    ];
    expect(closestStart(candidates, '2026-03-02T09:00:00.000Z')?.id).toBe('b');
    expect(closestStart([], '2026-03-02T09:00:00.000Z')).toBeNull();
  });
});
