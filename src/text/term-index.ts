import { doubled, emptySlots, pairHash as hash, tableSize } from './arrays.js';
import { isCharBigram } from './cjk.js';

/** No child / no term / unknown word. */
const NONE = -1;

/**
 * The vocabulary as a trie over word ids, so transforming a document looks n-grams up without
 * building their strings: each word token costs one string lookup (of a token the stem cache
 * usually hands back as the same string, hash already computed), each longer n-gram one probe in
 * an integer hash table. This is the serving hot path; building bigram strings and hashing them
 * cost more than the rest of vectorising together.
 *
 * Terms are what {@link forEachTerm} makes: word n-grams joined by single spaces, and CJK
 * character-bigram tokens as terms of their own.
 */
export class TermIndex {
  /** Every token that occurs in some term. */
  private readonly wordIds = new Map<string, number>();
  /** Per word id, side by side: its node under the root, and the term id of the word alone. */
  private root: Int32Array;
  /**
   * Open-addressing table of the deeper nodes, four ints per slot side by side (one cache line
   * per probe): parent node, word id, the node itself, and the term id ending there. Empty slots
   * have parent NONE.
   */
  private slots: Int32Array;
  private mask: number;
  private used = 0;
  private nodes = 1;
  /** Terms given more than once (a corrupt vocabulary). */
  duplicates = 0;
  /** Word ids of the document being transformed (grown as needed). */
  private scratch = new Int32Array(256);

  private constructor(capacity: number) {
    this.root = new Int32Array(2048).fill(NONE);
    const slots = tableSize(capacity);
    this.mask = slots - 1;
    this.slots = emptySlots(slots, 4);
  }

  /**
   * Builds the index of `terms` (term id = position). `onSlice` is called every `slice` terms, so
   * a caller can yield to its event loop while a large vocabulary is indexed.
   */
  static async build(
    terms: readonly string[],
    onSlice: () => Promise<void> = () => Promise.resolve(),
    slice = 20_000,
  ): Promise<TermIndex> {
    const index = new TermIndex(terms.length);
    for (let start = 0; start < terms.length; start += slice) {
      const end = Math.min(terms.length, start + slice);
      for (let i = start; i < end; i++) index.add(terms[i]!, i);
      await onSlice();
    }
    return index;
  }

  /** {@link TermIndex.build} without pauses. */
  static buildSync(terms: readonly string[]): TermIndex {
    const index = new TermIndex(terms.length);
    for (let i = 0; i < terms.length; i++) index.add(terms[i]!, i);
    return index;
  }

  /**
   * Calls `visit(termId)` once per occurrence of a vocabulary term in `tokens`, exactly as
   * {@link forEachTerm} followed by a vocabulary lookup would (in a different order).
   */
  forEachTermId(
    tokens: readonly string[],
    ngramMin: number,
    ngramMax: number,
    visit: (id: number) => void,
  ): void {
    if (this.scratch.length < tokens.length) this.scratch = new Int32Array(tokens.length * 2);
    const words = this.scratch;
    let count = 0;
    for (const t of tokens) {
      if (isCharBigram(t)) {
        const term = this.unigramTerm(this.wordId(t));
        if (term !== NONE) visit(term);
      } else words[count++] = this.wordId(t);
    }
    this.forEachNgram(words, count, ngramMin, ngramMax, visit);
  }

  /**
   * Bytes this index holds, estimated: its tables exactly, and per word its key in the map (a
   * string and a hash-map entry; V8's layouts, not measured per object).
   */
  memoryBytes(): number {
    let words = 0;
    for (const w of this.wordIds.keys()) words += stringBytes(w) + MAP_ENTRY_BYTES;
    return words + this.root.byteLength + this.slots.byteLength + this.scratch.byteLength;
  }

  /** Word id of a token, or -1 when no vocabulary term contains it. */
  wordId(token: string): number {
    return this.wordIds.get(token) ?? NONE;
  }

  /** Term id of the one-word term `word` (a word id), or -1. */
  unigramTerm(word: number): number {
    return word === NONE ? NONE : this.root[word * 2 + 1]!;
  }

  /**
   * Calls `visit(termId)` for every vocabulary n-gram (`ngramMin..ngramMax` words) in the first
   * `count` word ids of `words`; -1 marks a word outside every term.
   */
  forEachNgram(
    words: Int32Array,
    count: number,
    ngramMin: number,
    ngramMax: number,
    visit: (id: number) => void,
  ): void {
    const root = this.root;
    const slots = this.slots;
    for (let i = 0; i < count; i++) {
      const w = words[i]!;
      if (w === NONE) continue;
      if (ngramMin <= 1) {
        const term = root[w * 2 + 1]!;
        if (term !== NONE) visit(term);
      }
      let node = root[w * 2]!;
      for (let n = 2; n <= ngramMax && i + n <= count && node !== NONE; n++) {
        const next = words[i + n - 1]!;
        if (next === NONE) break;
        const s = this.find(node, next);
        if (s === NONE) break;
        if (n >= ngramMin) {
          const term = slots[s + 3]!;
          if (term !== NONE) visit(term);
        }
        node = slots[s + 2]!;
      }
    }
  }

  private add(term: string, id: number): void {
    const words = isCharBigram(term) ? [term] : term.split(' ');
    if (words.length > 1 && words.some(isCharBigram)) return; // never made by forEachTerm
    const first = this.intern(words[0]!);
    // Where the term's id goes: the root entry or a slot; every node but the last gets a child.
    let termAt = first * 2 + 1;
    let table = this.root;
    let node = this.root[first * 2]!;
    for (let n = 1; n < words.length; n++) {
      if (node === NONE) this.root[first * 2] = node = this.nodes++;
      const w = this.intern(words[n]!);
      let s = this.find(node, w);
      if (s === NONE) s = this.insert(node, w);
      termAt = s + 3;
      table = this.slots;
      node = this.slots[s + 2]!;
      if (n + 1 < words.length && node === NONE) this.slots[s + 2] = node = this.nodes++;
    }
    if (table[termAt] === NONE) table[termAt] = id;
    else this.duplicates++;
  }

  private intern(word: string): number {
    let id = this.wordIds.get(word);
    if (id === undefined) {
      id = this.wordIds.size;
      this.wordIds.set(word, id);
      if (id * 2 >= this.root.length) this.root = doubled(this.root, NONE);
    }
    return id;
  }

  /** Offset of the slot for (parent, word), or NONE. */
  private find(parent: number, word: number): number {
    const mask = this.mask;
    const slots = this.slots;
    for (let s = hash(parent, word) & mask; ; s = (s + 1) & mask) {
      const p = slots[s * 4]!;
      if (p === NONE) return NONE;
      if (p === parent && slots[s * 4 + 1] === word) return s * 4;
    }
  }

  /** Adds an empty slot for (parent, word) (no node, no term yet); returns its offset. */
  private insert(parent: number, word: number, node = NONE, term = NONE): number {
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    const mask = this.mask;
    const slots = this.slots;
    let s = hash(parent, word) & mask;
    while (slots[s * 4] !== NONE) s = (s + 1) & mask;
    slots[s * 4] = parent;
    slots[s * 4 + 1] = word;
    slots[s * 4 + 2] = node;
    slots[s * 4 + 3] = term;
    this.used++;
    return s * 4;
  }

  private grow(): void {
    const old = this.slots;
    const count = (this.mask + 1) * 2;
    this.mask = count - 1;
    this.slots = emptySlots(count, 4);
    this.used = 0;
    for (let s = 0; s < old.length; s += 4) {
      if (old[s] !== NONE) this.insert(old[s]!, old[s + 1]!, old[s + 2]!, old[s + 3]!);
    }
  }
}

/** A V8 hash-map entry (key, value, chain) and its share of the table, roughly. */
const MAP_ENTRY_BYTES = 40;

/** Heap bytes of a string: header plus one byte a character (two when any is outside Latin-1), 8-aligned. */
export function stringBytes(s: string): number {
  // eslint-disable-next-line no-control-regex
  const wide = /[^\u0000-\u00ff]/.test(s);
  return (16 + s.length * (wide ? 2 : 1) + 7) & ~7;
}
