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

  it('lets go of its keys once a batch is done', () => {
    const table = new CallKeyTable();
    table.reset(4);
    table.numberOf('a');
    table.release();
    expect(table.size).toBe(0);
    expect(table.key(0)).toBeUndefined();
  });
});
