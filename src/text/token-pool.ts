/** The documents' tokens as ids, kept in blocks that never move. */
import { doubled } from './arrays.js';

/** Ids per block (4 MiB). */
const POOL_BLOCK = 1 << 20;
/** Positions are int32s. */
const MAX_POSITION = 2 ** 31 - 1;

/**
 * Every document's token ids in order, in blocks of {@link POOL_BLOCK} that are never copied to
 * grow: a million documents hold 23 million ids, and one array doubling to that size held 1.5
 * times it during the copy. A document never spans two blocks; a longer one gets a block of its
 * own. Positions are virtual: block `b` starts at `b * POOL_BLOCK`, and a document's own block
 * takes as many positions as its length rounds up to.
 */
export class TokenPool {
  private readonly blocks: Int32Array[] = [];
  private used = 0;
  private docs = 0;
  /** Per document, its first and past-the-end positions. */
  private spans = new Int32Array(2048);
  /** What {@link span} returns (one object, reused: it is read on the hot path). */
  private readonly view: { block: Int32Array; start: number; end: number } = {
    block: new Int32Array(0),
    start: 0,
    end: 0,
  };

  /** Room for the next document's `length` ids: they go to `block[offset]` onwards. */
  push(length: number): { block: Int32Array; offset: number } {
    const d = this.docs++;
    if (2 * this.docs > this.spans.length) this.spans = doubled(this.spans);
    const at = this.room(length);
    this.spans[2 * d] = at;
    this.spans[2 * d + 1] = at + length;
    const base = blockBase(at);
    return { block: this.blocks[base / POOL_BLOCK]!, offset: at - base };
  }

  /** Document `d`'s ids: `block[start]` to `block[end - 1]`. The object is reused by the next call. */
  span(d: number): { block: Int32Array; start: number; end: number } {
    const at = this.spans[2 * d]!;
    const base = blockBase(at);
    const v = this.view;
    v.block = this.blocks[base / POOL_BLOCK] ?? v.block;
    v.start = at - base;
    v.end = this.spans[2 * d + 1]! - base;
    return v;
  }

  /** The position for `length` ids: the current block when they fit, else a fresh one. */
  private room(length: number): number {
    const base = blockBase(this.used);
    const current = this.blocks[base / POOL_BLOCK];
    if (current && this.used + length <= base + current.length) {
      const at = this.used;
      this.used += length;
      return at;
    }
    // A fresh block at the next whole block's position (the current block's tail stays unused).
    const at = current
      ? base + Math.ceil(current.length / POOL_BLOCK) * POOL_BLOCK
      : Math.ceil(this.used / POOL_BLOCK) * POOL_BLOCK;
    const size = Math.max(POOL_BLOCK, length);
    if (at + size > MAX_POSITION) throw new Error('TokenPool: more than 2^31 token positions');
    this.blocks[at / POOL_BLOCK] = new Int32Array(size);
    this.used = at + length;
    return at;
  }
}

/** The first position of the block holding position `at`. */
function blockBase(at: number): number {
  return Math.floor(at / POOL_BLOCK) * POOL_BLOCK;
}
