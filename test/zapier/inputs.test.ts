import { callChoiceLabel, type CallChoiceFacts } from '../../lib/zapier/callChoiceLabel';
import { callIdFromReference } from '../../lib/zapier/callReference';
import { readBoolean, readList } from '../../lib/zapier/inputValues';

describe('reading Zap step fields', () => {
  it('reads yes/no the ways Zapier hands them over', () => {
    expect([true, 'true', 'yes', 'Yes', '1'].map((v) => readBoolean(v, 'X'))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect([false, 'false', 'no', '0'].map((v) => readBoolean(v, 'X'))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect([undefined, null, ''].map((v) => readBoolean(v, 'X'))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(() => readBoolean('maybe', 'Skip Known Contacts')).toThrow(
      'Skip Known Contacts: expected yes or no, got "maybe".',
    );
  });

  it('reads a list from lines or a mapped comma-separated value', () => {
    expect(readList(['vip', 'sms-sent'])).toEqual(['vip', 'sms-sent']);
    expect(readList(['sms-sent, vip', ' vip '])).toEqual(['sms-sent', 'vip']);
    expect(readList('a,,b')).toEqual(['a', 'b']);
    expect(readList([])).toBeUndefined();
    expect(readList('')).toBeUndefined();
  });

  it('finds the call id in what a user mapped', () => {
    const id = '00000000-01db-aef6-c109-60ec00000104';
    expect(callIdFromReference(id)).toBe(id);
    expect(callIdFromReference(`${id}:call.missed`)).toBe(id);
    expect(callIdFromReference(` https://bridge.example.com/v1/calls/${id} `)).toBe(id);
    expect(callIdFromReference('')).toBeUndefined();
  });
});

describe('the Call dropdown', () => {
  const call: CallChoiceFacts = {
    status: 'ended',
    direction: 'inbound',
    outcome: 'missed',
    caller_name: 'Jane Citizen',
    caller_number: '+61412345678',
    caller_number_raw: '0412345678',
    callee_name: 'Sales',
    callee_number: '8001',
    external_number: '+61412345678',
    started_at: '2026-03-02T09:00:00.000Z',
  };

  it('names the outcome, the caller and the time in the Zap’s time zone', () => {
    expect(callChoiceLabel(call, 'Australia/Adelaide')).toBe(
      'Missed call from Jane Citizen (+61412345678) · 2 Mar 2026, 19:30',
    );
    expect(callChoiceLabel(call, null)).toBe(
      'Missed call from Jane Citizen (+61412345678) · 2 Mar 2026, 09:00 UTC',
    );
    expect(callChoiceLabel(call, 'Not/AZone')).toMatch(/09:00 UTC$/);
  });

  it('describes live, outbound and anonymous calls', () => {
    expect(callChoiceLabel({ ...call, status: 'live', outcome: null }, 'UTC')).toMatch(
      /^Live call from/,
    );
    expect(
      callChoiceLabel(
        {
          ...call,
          direction: 'outbound',
          outcome: 'answered',
          callee_name: 'Bob',
          external_number: '+61400000000',
        },
        'UTC',
      ),
    ).toMatch(/^Answered call to Bob \(\+61400000000\)/);
    expect(
      callChoiceLabel(
        {
          ...call,
          caller_name: null,
          caller_number: null,
          external_number: null,
          caller_number_raw: 'Anonymous',
        },
        'UTC',
      ),
    ).toMatch(/^Missed call from Anonymous ·/);
  });
});
