import { activeCallNumbers } from '../../lib/threecx/activeCallNumbers';

/** What the follow-up reads off `/ActiveCalls` to hold `call.unreturned` for a call back in progress. */
describe('activeCallNumbers', () => {
  it('reads the outside numbers of callers and callees however 3CX writes them', () => {
    const numbers = activeCallNumbers(
      [
        { Id: 1, Caller: 'Ava Singh (+61411730583)', Callee: '101 Reception' },
        { Id: 2, Caller: '102', Callee: '0412 345 678' },
        { Id: 3, Caller: '0011 61 8 1852 5078', Callee: null },
      ],
      'AU',
    );
    expect([...numbers].sort()).toEqual(['+61411730583', '+61412345678', '+61818525078']);
  });

  it('leaves out extensions, trunk DNs, names and withheld callers', () => {
    const numbers = activeCallNumbers(
      [
        { Id: 1, Caller: 'anonymous', Callee: '8001' },
        { Id: 2, Caller: '10000', Callee: 'Voicemail Box (100)' },
        { Id: 3 },
      ],
      'AU',
    );
    expect([...numbers]).toEqual([]);
  });
});
