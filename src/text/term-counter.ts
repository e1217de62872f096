/** Document frequencies of every term of a corpus, counted over word ids in a trie. */
import { doubled, emptySlots, pairHash as hash, tableSize } from './arrays.js';
import { isCharBigram } from './cjk.js';
import { TokenPool } from './token-pool.js';
import { selectTerms } from './vocabulary.js';
import type { ResolvedVectorizerOptions } from './options.js';

const NONE = -1;

/**
 * Counts in how many documents each term ({@link forEachTerm}'s word n-grams and CJK character
 * bigrams) occurs, without building a string per n-gram: tokens are interned once as word ids,
 * n-grams are nodes of a trie over them (one integer hash-table probe each), and each document's
 * tokens are kept as word ids (4 bytes a token) for {@link TermCounter.forEachTerm} to replay
 * once the vocabulary is chosen. A string per term is made only for the terms that could be kept.
 */
export class TermCounter {
  private readonly wordIds = new Map<string, number>();
  private readonly words: string[] = [];
  /** Per word id: its trie node (NONE until first seen). */
  private rootNode = new Int32Array(1024).fill(NONE);
  /** Per node: document frequency, last document counted, parent node (NONE at the root) and word. */
  private df = new Int32Array(1024);
  private stamp = new Int32Array(1024).fill(NONE);
  private parent = new Int32Array(1024);
  private last = new Int32Array(1024);
  private nodes = 0;
  /** Child table, three ints a slot: parent node (NONE when empty), word id, child node. */
  private slots = emptySlots(1 << 16, 3);
  private mask = (1 << 16) - 1;
  private used = 0;
  /** The documents' tokens as word ids in order; a character bigram as `-1 - id`. */
  private readonly pool = new TokenPool();
  private docs = 0;
  private scratch = new Int32Array(256);
  /** Set by {@link retain}: only replaying is possible. */
  private retained = false;

  /** Document frequencies up to this are pruned from the longer n-grams (0: none pruned yet). */
  private pruned = 0;
  /** Nodes beyond which the next prune runs: the cap, or higher when words alone come near it. */
  private nextPrune: number;

  constructor(
    private readonly ngramMin: number,
    private readonly ngramMax: number,
    /** Most trie nodes held; beyond it the rarest longer n-grams are pruned (see {@link prune}). */
    private readonly maxNodes = Infinity,
  ) {
    this.nextPrune = maxNodes;
  }

  /**
   * The highest document frequency pruned so far: n-grams of two or more words whose counts
   * stayed at or below it were dropped and counted afresh when seen again, so their counts are
   * lower bounds. 0 when nothing was pruned (every count exact).
   */
  get prunedAtOrBelow(): number {
    return this.pruned;
  }

  /** Documents added so far. */
  get documents(): number {
    return this.docs;
  }

  /** Trie nodes made so far (terms seen, n-grams of every length up to ngramMax). */
  get nodeCount(): number {
    return this.nodes;
  }

  /** Adds one document's tokens (as {@link tokenize} makes them). */
  add(tokens: readonly string[]): void {
    if (this.retained) throw new Error('TermCounter: add after retain');
    const d = this.docs++;
    const { block, offset } = this.pool.push(tokens.length);
    let k = offset;
    for (const t of tokens) {
      const id = this.intern(t);
      block[k++] = isCharBigram(t) ? -1 - id : id;
    }
    this.walk(d, (node) => {
      if (this.stamp[node] !== d) {
        this.stamp[node] = d;
        this.df[node]! += 1;
      }
    });
    if (this.nodes > this.nextPrune) this.prune();
  }

  /**
   * Bounds memory by the cap, not by the corpus (a million documents made 13 million n-grams):
   * drops every n-gram of two or more words seen in no more than `k` documents, raising `k` until
   * at most three quarters of the cap remain, then renumbers the nodes and rebuilds the child
   * table. A child's count never exceeds its parent's, so a pruned node's descendants go with it.
   * Words are never pruned. (The space-saving idea of counting the frequent items exactly and
   * forgetting the rare: a term must be frequent to make the vocabulary of a large corpus.)
   */
  private prune(): void {
    const target = Math.floor(this.maxNodes * 0.75);
    // Longer n-grams per document frequency; words stay whatever happens.
    const byDf = new Map<number, number>();
    for (let n = 0; n < this.nodes; n++) {
      if (this.parent[n] !== NONE) byDf.set(this.df[n]!, (byDf.get(this.df[n]!) ?? 0) + 1);
    }
    let kept = this.nodes;
    for (const df of [...byDf.keys()].sort((a, b) => a - b)) {
      if (kept <= target) break;
      kept -= byDf.get(df)!;
      this.pruned = Math.max(this.pruned, df);
    }
    // Words alone may fill the cap: then wait for a quarter of it to be new before pruning again.
    this.nextPrune = Math.max(this.maxNodes, kept + Math.ceil(this.maxNodes / 4));
    const newId = new Int32Array(this.nodes).fill(NONE);
    let next = 0;
    for (let n = 0; n < this.nodes; n++) {
      if (this.parent[n] !== NONE && this.df[n]! <= this.pruned) continue;
      // Ids only shrink, and a parent comes before its children: compacting in place is safe.
      newId[n] = next;
      this.df[next] = this.df[n]!;
      this.stamp[next] = this.stamp[n]!;
      this.parent[next] = this.parent[n] === NONE ? NONE : newId[this.parent[n]!]!;
      this.last[next] = this.last[n]!;
      next++;
    }
    this.nodes = next;
    for (let w = 0; w < this.words.length; w++)
      if (this.rootNode[w] !== NONE) this.rootNode[w] = newId[this.rootNode[w]!]!;
    this.slots.fill(NONE);
    this.used = 0;
    for (let n = 0; n < next; n++) if (this.parent[n] !== NONE) this.place(this.parent[n]!, this.last[n]!, n);
  }

  /**
   * The vocabulary {@link selectTerms} picks from these counts, sorted by term, with each term's
   * trie node and document frequency.
   */
  select(o: ResolvedVectorizerOptions): { terms: string[]; nodes: Int32Array; df: Int32Array } {
    const { terms, chosen } = selectTerms(this.df, this.nodes, (n) => this.term(n), this.docs, o);
    return { terms, nodes: chosen, df: Int32Array.from(chosen, (n) => this.df[n]!) };
  }

  /**
   * Keeps only what replaying the `chosen` nodes needs (their child-table entries and their
   * ancestors'), and lets go of the counts: the counting tables of a large corpus are hundreds of
   * MB, and the feature matrix is built next. Node ids do not change. No {@link add} after it.
   */
  retain(chosen: Int32Array): void {
    const keep = new Uint8Array(this.nodes);
    for (const n of chosen) for (let p = n; p !== NONE && !keep[p]; p = this.parent[p]!) keep[p] = 1;
    let entries = 0;
    for (let n = 0; n < this.nodes; n++) if (keep[n] && this.parent[n] !== NONE) entries++;
    const { parent, last } = this;
    const count = tableSize(entries + 1);
    this.slots = emptySlots(count, 3);
    this.mask = count - 1;
    this.used = 0;
    for (let n = 0; n < this.nodes; n++)
      if (keep[n] && parent[n] !== NONE) this.place(parent[n]!, last[n]!, n);
    this.df = this.stamp = this.parent = this.last = new Int32Array(0);
    this.retained = true;
  }

  /** Calls `visit(node)` for every term occurrence of document `d`, as {@link add} counted them. */
  forEachTerm(d: number, visit: (node: number) => void): void {
    this.walk(d, visit, false);
  }

  /** Every node's term occurrences in document `d` (creating nodes while counting). */
  private walk(d: number, visit: (node: number) => void, create = true): void {
    const { block: pool, start, end } = this.pool.span(d);
    if (this.scratch.length < end - start) this.scratch = new Int32Array((end - start) * 2);
    const seq = this.scratch;
    let count = 0;
    for (let k = start; k < end; k++) {
      const id = pool[k]!;
      if (id < 0) visit(this.root(-1 - id));
      else seq[count++] = id;
    }
    for (let i = 0; i < count; i++) {
      let node = this.root(seq[i]!);
      if (this.ngramMin <= 1) visit(node);
      for (let n = 2; n <= this.ngramMax && i + n <= count; n++) {
        node = create ? this.child(node, seq[i + n - 1]!) : this.find(node, seq[i + n - 1]!);
        if (node === NONE) break; // pruned since (replay only): so are its longer n-grams
        if (n >= this.ngramMin) visit(node);
      }
    }
  }

  /** The term of `node`: its words from the root, joined by spaces. */
  private term(node: number): string {
    let term = this.words[this.last[node]!]!;
    for (let p = this.parent[node]!; p !== NONE; p = this.parent[p]!)
      term = `${this.words[this.last[p]!]!} ${term}`;
    return term;
  }

  private intern(token: string): number {
    let id = this.wordIds.get(token);
    if (id === undefined) {
      id = this.words.length;
      this.wordIds.set(token, id);
      this.words.push(token);
      if (id >= this.rootNode.length) this.rootNode = doubled(this.rootNode, NONE);
    }
    return id;
  }

  private root(word: number): number {
    let node = this.rootNode[word]!;
    if (node === NONE) this.rootNode[word] = node = this.newNode(NONE, word);
    return node;
  }

  private newNode(parent: number, word: number): number {
    const node = this.nodes++;
    if (node >= this.df.length) {
      this.df = doubled(this.df);
      this.stamp = doubled(this.stamp, NONE);
      this.parent = doubled(this.parent);
      this.last = doubled(this.last);
    }
    this.parent[node] = parent;
    this.last[node] = word;
    // After a prune the slot may hold a dropped node's figures.
    this.df[node] = 0;
    this.stamp[node] = NONE;
    return node;
  }

  /** The child of `parent` by `word`, made when absent. */
  private child(parent: number, word: number): number {
    const found = this.find(parent, word);
    if (found !== NONE) return found;
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    const node = this.newNode(parent, word);
    this.place(parent, word, node);
    return node;
  }

  private find(parent: number, word: number): number {
    const slots = this.slots;
    for (let s = hash(parent, word) & this.mask; ; s = (s + 1) & this.mask) {
      const p = slots[s * 3]!;
      if (p === NONE) return NONE;
      if (p === parent && slots[s * 3 + 1] === word) return slots[s * 3 + 2]!;
    }
  }

  private place(parent: number, word: number, node: number): void {
    let s = hash(parent, word) & this.mask;
    while (this.slots[s * 3] !== NONE) s = (s + 1) & this.mask;
    this.slots[s * 3] = parent;
    this.slots[s * 3 + 1] = word;
    this.slots[s * 3 + 2] = node;
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
