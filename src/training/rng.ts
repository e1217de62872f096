/** A small seeded PRNG (mulberry32): same seed, same stream on every platform. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** The internal state, for checkpoints. */
  get snapshot(): number {
    return this.state;
  }

  /** Continues from `state` (a stream advanced elsewhere: the table's initialiser in WebAssembly). */
  resume(state: number): void {
    this.state = state >>> 0;
  }

  static restore(state: number): Rng {
    const r = new Rng(1);
    r.state = state >>> 0;
    return r;
  }
}
