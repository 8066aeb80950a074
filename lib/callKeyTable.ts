/**
 * Call keys numbered 0, 1, 2… in the order first seen, for one batch of legs: how the settle
 * engine groups legs by call. A hash table of its own (open addressing over typed arrays,
 * reused batch after batch) rather than a `Map`: every key of a call-log page is a string
 * object of its own, and a `Map` hashes each one with the engine's string hash and grows its
 * table batch after batch; together the largest cost of grouping (BENCHMARKS.md §4).
 *
 * The hash reads every character of the key, so no shape of key (GUID, counter, anything a
 * PBX version sends) makes keys collide more than chance; equal hashes are confirmed with `===`.
 */
export class CallKeyTable {
  /** Call number + 1 by slot; 0 is an empty slot. Only the first `mask + 1` slots are in use. */
  private slots = new Int32Array(16);
  private mask = 15;
  /** Each call's hash and key, by call number. */
  private hashes = new Int32Array(8);
  // Stryker disable next-line ArrayDeclaration: equivalent, replaced by every reset before use
  private keys: string[] = [];
  private count = 0;
  /** The most keys this batch may hold: what `reset` was given. */
  private capacity = 0;

  /** Empty the table, with room for `capacity` keys. */
  reset(capacity: number): void {
    let size = 16;
    // Stryker disable next-line EqualityOperator: equivalent, a table twice as large holds the same keys
    while (size < capacity * 2) size *= 2;
    // A table much larger than needed (after a long catch-up) is let go rather than kept.
    // Stryker disable next-line all: equivalent, a memory bound: a table made anew is as empty as one cleared
    const slotsTooLarge = this.slots.length > size * 8;
    // Making a table anew when clearing one would do (`true` or `<=` here) is equivalent too;
    // keeping one too small (`false`, `>=`) is not: the mask reaches past its end, the slots it
    // has fill up and `numberOf` finds no empty one, and throws (test/lib/callKeyTable.test.ts).
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a table made anew is as empty as one cleared (see above)
    if (this.slots.length < size || slotsTooLarge) this.slots = new Int32Array(size);
    else this.slots.fill(0, 0, size);
    this.mask = size - 1;
    // Stryker disable next-line all: equivalent, a memory bound: hashes are written before they are read
    const hashesTooLarge = this.hashes.length > size * 4;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, hashes made anew when the old ones would do (`true`, `<=`; `false` and `>=` lose keys, caught)
    if (this.hashes.length < capacity || hashesTooLarge) this.hashes = new Int32Array(capacity);
    // Stryker disable next-line ArrayDeclaration: equivalent, an array sized ahead or grown holds the same keys
    this.keys = new Array<string>(capacity);
    this.count = 0;
    this.capacity = capacity;
  }

  /** Let go of the keys (the batch is done): the table keeps no call-log text alive. */
  release(): void {
    this.keys = [];
    this.count = 0;
    this.capacity = 0;
  }

  /** How many keys the table holds. */
  get size(): number {
    return this.count;
  }

  /** The key of a call number. */
  key(call: number): string {
    return this.keys[call];
  }

  /**
   * The number of `key`, given the next number when new. At most `capacity` keys: one more is
   * an error, as is a table with no empty slot left (which `reset`'s sizing rules out). Both
   * throw rather than loop: a probe that never ends would freeze the bridge's event loop, and a
   * test of a broken table would hang instead of failing.
   */
  numberOf(key: string): number {
    const hash = keyHash(key);
    const { slots, mask, hashes, keys } = this;
    let slot = hash & mask;
    // At most every slot once.
    for (let probes = 0; probes <= mask; probes++) {
      const entry = slots[slot];
      if (entry === 0) {
        if (this.count >= this.capacity)
          throw new RangeError(
            `CallKeyTable holds at most ${this.capacity} keys: reset it with room for every key of the batch`,
          );
        const call = this.count++;
        slots[slot] = call + 1;
        hashes[call] = hash;
        keys[call] = key;
        return call;
      }
      // Stryker disable next-line ConditionalExpression: equivalent, the hash only spares comparing the text
      if (hashes[entry - 1] === hash && keys[entry - 1] === key) return entry - 1;
      // Stryker disable next-line ArithmeticOperator: equivalent, probing downwards visits every slot as well
      slot = (slot + 1) & mask;
    }
    throw new RangeError('CallKeyTable is full: its table is smaller than reset sized it');
  }
}

/** FNV-1a over the UTF-16 code units, folded: every character counts. */
function keyHash(key: string): number {
  let h = 0x811c9dc5 | 0;
  // Stryker disable next-line EqualityOperator: equivalent, past the end charCodeAt is NaN, which XORs as 0: the same hash for the same key
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}
