/**
 * A small least-recently-used map that calls `onEvict` for entries it drops (so evicted models
 * can release their tensors).
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(
    private readonly capacity: number,
    private readonly onEvict: (key: K, value: V) => void = () => undefined,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The value, marked as most recently used. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Inserts or replaces; evicts the least recently used entries beyond capacity. */
  set(key: K, value: V): void {
    const old = this.map.get(key);
    this.map.delete(key);
    if (old !== undefined && old !== value) this.onEvict(key, old);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const [k, v] = this.map.entries().next().value as [K, V];
      this.map.delete(k);
      this.onEvict(k, v);
    }
  }

  /** Removes without calling `onEvict` (the caller takes ownership). */
  take(key: K): V | undefined {
    const v = this.map.get(key);
    this.map.delete(key);
    return v;
  }

  /** The values, least recently used first. */
  values(): IterableIterator<V> {
    return this.map.values();
  }

  /** Evicts the least recently used entry, unless it is `spare`; false when none was. */
  evictOldest(spare?: V): boolean {
    const first = this.map.entries().next();
    if (first.done || first.value[1] === spare) return false;
    this.map.delete(first.value[0]);
    this.onEvict(first.value[0], first.value[1]);
    return true;
  }

  /** Removes and evicts. */
  delete(key: K): void {
    const v = this.map.get(key);
    if (v === undefined) return;
    this.map.delete(key);
    this.onEvict(key, v);
  }

  /** Evicts everything. */
  clear(): void {
    for (const [k, v] of this.map) this.onEvict(k, v);
    this.map.clear();
  }
}
