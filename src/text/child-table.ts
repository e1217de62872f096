/** The trie's edges: (parent node, word id) → child node, in one open-addressed integer table. */
import { emptySlots, pairHash as hash, tableSize } from './arrays.js';

const NONE = -1;

/**
 * Three ints a slot (parent node, NONE when empty; word id; child node), linear probing at a load
 * of at most one half: one probe, usually one cache line, per n-gram step.
 */
export class ChildTable {
  private slots: Int32Array;
  private mask: number;
  private used = 0;

  /** @param entries how many entries to make room for before the first growth */
  constructor(entries = 1 << 15) {
    const count = tableSize(entries);
    this.slots = emptySlots(count, 3);
    this.mask = count - 1;
  }

  /** The child of `parent` by `word`, or -1. */
  find(parent: number, word: number): number {
    const slots = this.slots;
    for (let s = hash(parent, word) & this.mask; ; s = (s + 1) & this.mask) {
      const p = slots[s * 3]!;
      if (p === NONE) return NONE;
      if (p === parent && slots[s * 3 + 1] === word) return slots[s * 3 + 2]!;
    }
  }

  /** Adds the edge (absent from the table), growing the table first when it would be over half full. */
  insert(parent: number, word: number, child: number): void {
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    this.place(parent, word, child);
  }

  /** Empties the table, keeping its size. */
  clear(): void {
    this.slots.fill(NONE);
    this.used = 0;
  }

  private place(parent: number, word: number, child: number): void {
    let s = hash(parent, word) & this.mask;
    while (this.slots[s * 3] !== NONE) s = (s + 1) & this.mask;
    this.slots[s * 3] = parent;
    this.slots[s * 3 + 1] = word;
    this.slots[s * 3 + 2] = child;
    this.used++;
  }

  private grow(): void {
    const old = this.slots;
    const count = tableSize(this.used + 1);
    this.slots = emptySlots(count, 3);
    this.mask = count - 1;
    this.used = 0;
    for (let s = 0; s < old.length; s += 3)
      if (old[s] !== NONE) this.place(old[s]!, old[s + 1]!, old[s + 2]!);
  }
}
