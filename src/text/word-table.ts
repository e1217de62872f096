import { doubled, tableSize } from './arrays.js';

/** Returned by {@link WordTable.get} for a word not in the table. */
export const ABSENT = -3;

/** Words longer than this are not remembered (rare, and each would take pool space). */
const MAX_WORD = 48;

/**
 * A hash table from words, given as a slice of a string, to small integers, which never makes
 * the slice into a string: keys are compared code unit by code unit against a pool of the words
 * stored. Bounded: when `limit` words are held, the next `set` starts over from empty (crude, but
 * it keeps memory fixed under hostile input without LRU bookkeeping on the hot path).
 */
export class WordTable {
  private pool: Uint16Array;
  private poolUsed = 0;
  /** Slots of four ints side by side (one cache line per probe): pool offset (-1 empty), length, hash, value. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  private size = 0;

  constructor(private readonly limit = 100_000) {
    const slots = tableSize(limit);
    this.mask = slots - 1;
    this.slots = new Int32Array(slots * 4);
    this.clear();
    this.pool = new Uint16Array(Math.min(limit * 8, 1 << 20));
  }

  /** The value stored for `text.slice(start, end)`, or {@link ABSENT}. */
  get(text: string, start: number, end: number): number {
    const length = end - start;
    if (length > MAX_WORD) return ABSENT;
    const h = hashOf(text, start, end);
    const mask = this.mask;
    const slots = this.slots;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const at = slots[s * 4]!;
      if (at < 0) return ABSENT;
      if (slots[s * 4 + 2] === h && slots[s * 4 + 1] === length && this.equals(at, text, start, length))
        return slots[s * 4 + 3]!;
    }
  }

  /** Stores `value` for `text.slice(start, end)` (absent from the table). */
  set(text: string, start: number, end: number, value: number): void {
    const length = end - start;
    if (length > MAX_WORD) return;
    if (this.size >= this.limit) this.clear();
    if (this.poolUsed + length > this.pool.length) {
      if (this.pool.length >= this.limit * MAX_WORD) this.clear();
      else this.pool = doubled(this.pool);
    }
    const at = this.poolUsed;
    for (let i = 0; i < length; i++) this.pool[at + i] = text.charCodeAt(start + i);
    this.poolUsed += length;
    const h = hashOf(text, start, end);
    const mask = this.mask;
    const slots = this.slots;
    let s = h & mask;
    while (slots[s * 4]! >= 0) s = (s + 1) & mask;
    slots[s * 4] = at;
    slots[s * 4 + 1] = length;
    slots[s * 4 + 2] = h;
    slots[s * 4 + 3] = value;
    this.size++;
  }

  clear(): void {
    for (let s = 0; s < this.slots.length; s += 4) this.slots[s] = -1;
    this.poolUsed = 0;
    this.size = 0;
  }

  private equals(at: number, text: string, start: number, length: number): boolean {
    const pool = this.pool;
    for (let i = 0; i < length; i++) if (pool[at + i] !== text.charCodeAt(start + i)) return false;
    return true;
  }
}

/** FNV-1a over UTF-16 code units, finished with a multiply so low bits mix. */
function hashOf(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ (h >>> 16), 0x45d9f3b) | 0;
}
