import { isCharBigram } from './cjk.js';

/** No child / no term / unknown word. */
const NONE = -1;
const ROOT = 0;

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
  /** Child of the root for each word id. */
  private rootChild: Int32Array;
  /**
   * Open-addressing table (parent node, word id) -> child node, three ints per slot side by side
   * (one cache line per probe); empty slots have parent NONE.
   */
  private slots: Int32Array;
  private mask: number;
  private used = 0;
  /** Term id ending at each node, or NONE. */
  private termOf: Int32Array;
  private nodes = 1;
  /** Terms given more than once (a corrupt vocabulary). */
  duplicates = 0;
  /** Word ids of the document being transformed (grown as needed). */
  private scratch = new Int32Array(256);

  private constructor(capacity: number) {
    this.rootChild = new Int32Array(1024).fill(NONE);
    const slots = tableSize(capacity);
    this.mask = slots - 1;
    this.slots = emptySlots(slots);
    this.termOf = new Int32Array(capacity + 1).fill(NONE);
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

  /** Word id of a token, or -1 when no vocabulary term contains it. */
  wordId(token: string): number {
    return this.wordIds.get(token) ?? NONE;
  }

  /** Term id of the one-word term `word` (a word id), or -1. */
  unigramTerm(word: number): number {
    return word === NONE ? NONE : this.termOf[this.rootChild[word]!]!;
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
    for (let i = 0; i < count; i++) {
      let node = ROOT;
      for (let n = 1; n <= ngramMax && i + n <= count; n++) {
        const w = words[i + n - 1]!;
        if (w === NONE) break;
        node = n === 1 ? this.rootChild[w]! : this.child(node, w);
        if (node === NONE) break;
        if (n >= ngramMin) {
          const term = this.termOf[node]!;
          if (term !== NONE) visit(term);
        }
      }
    }
  }

  private add(term: string, id: number): void {
    const words = isCharBigram(term) ? [term] : term.split(' ');
    if (words.length > 1 && words.some(isCharBigram)) return; // never made by forEachTerm
    let node = ROOT;
    for (let n = 0; n < words.length; n++) {
      const w = this.intern(words[n]!);
      if (n === 0) {
        let c = this.rootChild[w]!;
        if (c === NONE) this.rootChild[w] = c = this.newNode();
        node = c;
      } else {
        let c = this.child(node, w);
        if (c === NONE) c = this.insert(node, w, this.newNode());
        node = c;
      }
    }
    if (this.termOf[node] === NONE) this.termOf[node] = id;
    else this.duplicates++;
  }

  private intern(word: string): number {
    let id = this.wordIds.get(word);
    if (id === undefined) {
      id = this.wordIds.size;
      this.wordIds.set(word, id);
      if (id >= this.rootChild.length) {
        const grown = new Int32Array(this.rootChild.length * 2).fill(NONE);
        grown.set(this.rootChild);
        this.rootChild = grown;
      }
    }
    return id;
  }

  private newNode(): number {
    const node = this.nodes++;
    if (node >= this.termOf.length) {
      const grown = new Int32Array(this.termOf.length * 2).fill(NONE);
      grown.set(this.termOf);
      this.termOf = grown;
    }
    return node;
  }

  private child(parent: number, word: number): number {
    const mask = this.mask;
    const slots = this.slots;
    for (let s = hash(parent, word) & mask; ; s = (s + 1) & mask) {
      const p = slots[s * 3]!;
      if (p === NONE) return NONE;
      if (p === parent && slots[s * 3 + 1] === word) return slots[s * 3 + 2]!;
    }
  }

  private insert(parent: number, word: number, child: number): number {
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    const mask = this.mask;
    const slots = this.slots;
    let s = hash(parent, word) & mask;
    while (slots[s * 3] !== NONE) s = (s + 1) & mask;
    slots[s * 3] = parent;
    slots[s * 3 + 1] = word;
    slots[s * 3 + 2] = child;
    this.used++;
    return child;
  }

  private grow(): void {
    const old = this.slots;
    const count = (this.mask + 1) * 2;
    this.mask = count - 1;
    this.slots = emptySlots(count);
    this.used = 0;
    for (let s = 0; s < old.length; s += 3) {
      if (old[s] !== NONE) this.insert(old[s]!, old[s + 1]!, old[s + 2]!);
    }
  }
}

function emptySlots(count: number): Int32Array {
  const slots = new Int32Array(count * 3);
  for (let s = 0; s < slots.length; s += 3) slots[s] = NONE;
  return slots;
}

/** Power of two with room for `entries` at a load factor of at most 1/2. */
function tableSize(entries: number): number {
  let size = 16;
  while (size < entries * 2) size *= 2;
  return size;
}

function hash(parent: number, word: number): number {
  const h = Math.imul(parent, 0x9e3779b1) ^ Math.imul(word + 0x7f4a7c15, 0x85ebca77);
  return (h ^ (h >>> 15)) >>> 0;
}
