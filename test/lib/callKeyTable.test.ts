import { CallKeyTable } from '../../lib/callKeyTable';

/** The settle engine's grouping table (lib/callKeyTable.ts): call keys numbered in first-seen order. */
describe('CallKeyTable', () => {
  /** A key as a string object of its own, as every row of a parsed page carries it. */
  const fresh = (text: string): string =>
    (JSON.parse(JSON.stringify({ k: text })) as { k: string }).k;

  it('numbers keys in the order first seen and gives a known key its number again', () => {
    const table = new CallKeyTable();
    table.reset(8);
    expect(table.numberOf('b')).toBe(0);
    expect(table.numberOf('a')).toBe(1);
    expect(table.numberOf(fresh('b'))).toBe(0);
    expect(table.numberOf('c')).toBe(2);
    expect(table.numberOf(fresh('a'))).toBe(1);
    expect(table.size).toBe(3);
    expect([0, 1, 2].map((c) => table.key(c))).toEqual(['b', 'a', 'c']);
  });

  it('keeps apart thousands of keys that differ in one character anywhere, the table full to half', () => {
    const table = new CallKeyTable();
    const keys: string[] = [];
    for (let i = 1; i <= 4000; i++) {
      const hex = i.toString(16).padStart(4, '0');
      // The varying part at the end, in the middle, and at the start of otherwise equal keys.
      keys.push(`00000000-01db-aef6-c109-60ec0000${hex}`);
      keys.push(`00000000-01db-${hex}-c109-60ec00000000`);
      keys.push(`${hex}0000-01db-aef6-c109-60ec00000000`);
    }
    table.reset(keys.length);
    keys.forEach((key, i) => expect(table.numberOf(key)).toBe(i));
    keys.forEach((key, i) => expect(table.numberOf(fresh(key))).toBe(i));
    expect(table.size).toBe(keys.length);
  });

  it('tells apart keys whose hashes are equal', () => {
    // Found by search: these two hash alike (FNV-1a over the characters, folded).
    const a = '00000000-01db-aef6-c109-60ec0003897b';
    const b = '00000000-01db-aef6-c109-60ec000738a8';
    const table = new CallKeyTable();
    table.reset(4);
    expect(table.numberOf(a)).toBe(0);
    expect(table.numberOf(b)).toBe(1);
    expect(table.numberOf(fresh(b))).toBe(1);
    expect(table.numberOf(fresh(a))).toBe(0);
  });

  it('starts empty after a reset, whether the next batch is larger or smaller', () => {
    const table = new CallKeyTable();
    table.reset(2000);
    for (let i = 0; i < 2000; i++) table.numberOf(`k${i}`);
    table.reset(3);
    expect(table.size).toBe(0);
    expect(table.numberOf('k1999')).toBe(0);
    expect(table.numberOf('k5')).toBe(1);
    table.reset(50_000);
    expect(table.numberOf('k5')).toBe(0);
    expect(table.numberOf('k1999')).toBe(1);
  });

  it('numbers each batch afresh, whatever the batches before it held', () => {
    // One table serves batch after batch (lib/settleCalls.ts): a slot or a number left from an
    // earlier batch must never answer for this one. Batches that grow (past the first 16
    // slots), a huge one, small ones after it, runs of equal ones (slots not emptied would fill
    // up, and `numberOf` would never return), each with keys of the batch before it and keys
    // it never saw, some keys more than once (a call has several legs).
    const table = new CallKeyTable();
    let previous: string[] = [];
    [5, 20, 3000, 4, 4, 300, 17, 17, 6, 6, 6, 6, 6, 6].forEach((calls, batch) => {
      const distinct: string[] = [];
      for (let i = 0; i < calls; i++)
        distinct.push(i % 2 === 0 && i < previous.length ? previous[i] : `b${batch}-${i}`);
      // Each key once, then every third key again: the legs of a batch, calls in a stable
      // but scrambled order (the previous batch's keys not at their old numbers).
      const legs = [...distinct].reverse();
      for (let i = 0; i < distinct.length; i += 3) legs.push(fresh(distinct[i]));
      table.reset(legs.length);
      const expected = new Map<string, number>();
      for (const key of legs) {
        if (!expected.has(key)) expected.set(key, expected.size);
        expect(table.numberOf(key)).toBe(expected.get(key));
      }
      expect(table.size).toBe(expected.size);
      for (const [key, call] of expected) expect(table.key(call)).toBe(key);
      // The engine lets go of the keys after each batch; `reset` alone must do as well.
      if (batch % 2 === 1) table.release();
      previous = distinct;
    });
  });

  it('lets go of its keys once a batch is done', () => {
    const table = new CallKeyTable();
    table.reset(4);
    table.numberOf('a');
    table.release();
    expect(table.size).toBe(0);
    expect(table.key(0)).toBeUndefined();
  });

  it('refuses a key beyond the capacity it was reset to, and any key once released', () => {
    // Past its capacity the table would silently lose keys (their hashes fall off the end);
    // after `release` the batch is over. Both are a caller's bug: said at once.
    const table = new CallKeyTable();
    table.reset(2);
    expect(table.numberOf('a')).toBe(0);
    expect(table.numberOf('b')).toBe(1);
    expect(table.numberOf(fresh('a'))).toBe(0); // a known key is still found
    expect(() => table.numberOf('c')).toThrow(/at most 2 keys/);
    table.release();
    expect(() => table.numberOf('a')).toThrow(RangeError);
    table.reset(1);
    expect(table.numberOf('c')).toBe(0);
  });

  it('finds the one empty slot left, wherever it is', () => {
    // The probe visits every slot before it gives up: with one slot free, wherever it lies
    // relative to where the key's probe starts, a new key takes it. (Slots are filled behind the
    // table's back; `reset` never lets the table fill so far.)
    for (let free = 0; free < 16; free++) {
      const table = new CallKeyTable();
      table.reset(4); // 16 slots
      const { slots } = table as unknown as { slots: Int32Array };
      slots.fill(1);
      slots[free] = 0;
      expect(table.numberOf('k')).toBe(0);
      expect(slots[free]).toBe(1);
    }
  });

  it('throws instead of probing forever when its slots are full', () => {
    // `reset` keeps the table at most half full, so this only happens to a broken table: the
    // slots are filled behind the table's back here. A probe that never ended would freeze
    // the event loop (and hang a test of a broken table instead of failing it).
    const table = new CallKeyTable();
    table.reset(4);
    (table as unknown as { slots: Int32Array }).slots.fill(1);
    expect(() => table.numberOf('not-there')).toThrow(/is full/);
  });
});
