import { CdrIdAllocator, uuidTimeMillis } from '../../sim/cdrIds';

describe('3CX-style ids', () => {
  it('decodes the facts-sheet example as an April 2025 FILETIME', () => {
    expect(new Date(uuidTimeMillis('00000000-01db-aef6-c109-60ec0000004c')).toISOString()).toBe(
      '2025-04-16T17:41:16.136Z',
    );
  });

  it('makes UUID-shaped ids: zero bytes, the time, a counter', () => {
    const ids = new CdrIdAllocator();
    const at = Date.parse('2026-03-02T09:00:00.123Z');
    const a = ids.nextUuid(at);
    const b = ids.nextUuid(at);
    expect(a).toMatch(/^00000000-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}00000001$/);
    expect(b.endsWith('00000002')).toBe(true);
    expect(uuidTimeMillis(a)).toBe(at);
    expect([ids.nextCallId(), ids.nextCallId()]).toEqual([1, 2]);
  });
});
