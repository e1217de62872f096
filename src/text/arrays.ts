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
