/** Small helpers for the typed-array tables of the term lookup. */

/** A copy of `a` twice as long; the new half is `fill` (default 0). */
export function doubled<T extends Int32Array | Uint16Array>(a: T, fill = 0): T {
  const grown = new (a.constructor as new (n: number) => T)(a.length * 2);
  if (fill !== 0) grown.fill(fill, a.length);
  grown.set(a);
  return grown;
}

/** Smallest power of two (at least 16) with room for `entries` at a load factor of at most 1/2. */
export function tableSize(entries: number): number {
  let size = 16;
  while (size < entries * 2) size *= 2;
  return size;
}

/** A table of `count` slots of `stride` ints each, every slot's first int -1 (empty). */
export function emptySlots(count: number, stride: number): Int32Array {
  const slots = new Int32Array(count * stride);
  for (let s = 0; s < slots.length; s += stride) slots[s] = -1;
  return slots;
}

/** Hash of an (int, int) key: a node and a word id in the term tables' open addressing. */
export function pairHash(parent: number, word: number): number {
  const h = Math.imul(parent, 0x9e3779b1) ^ Math.imul(word + 0x7f4a7c15, 0x85ebca77);
  return (h ^ (h >>> 15)) >>> 0;
}
