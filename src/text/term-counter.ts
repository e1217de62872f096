/** Document frequencies of every term of a corpus, counted over word ids in a trie. */
import { doubled } from './arrays.js';
import { ChildTable } from './child-table.js';
import { ChosenTerms } from './chosen-terms.js';
import { isCharBigram } from './cjk.js';
import { DocumentIds } from './document-ids.js';
import { TokenPool } from './token-pool.js';
import { selectTerms } from './vocabulary.js';
import type { ResolvedVectorizerOptions } from './options.js';

const NONE = -1;

/**
 * Counts in how many documents each term ({@link forEachTerm}'s word n-grams and CJK character
 * bigrams) occurs, without building a string per n-gram: tokens are interned once as word ids,
 * n-grams are nodes of a trie over them (one integer hash-table probe each), and each document's
 * tokens are kept as word ids (4 bytes a token) for the {@link ChosenTerms} that
 * {@link TermCounter.retain} makes to replay once the vocabulary is chosen. A string per term is
 * made only for the terms that could be kept.
 */
export class TermCounter {
  private readonly wordIds = new Map<string, number>();
  private readonly words: string[] = [];
  /** Per word id: its trie node (NONE until first seen). */
  private rootNode = new Int32Array(1024).fill(NONE);
  /**
   * Per node: document frequency at `2 * node` and the last document counted at `2 * node + 1`
   * (side by side: counting touches both, one cache line), parent node (NONE at the root) and word.
   */
  private counts = new Int32Array(2048);
  private parent = new Int32Array(1024);
  private last = new Int32Array(1024);
  private nodes = 0;
  private children = new ChildTable();
  /** The documents' tokens as word ids in order; a character bigram as `-1 - id`. */
  private readonly pool = new TokenPool();
  private docs = 0;
  private readonly doc = new DocumentIds();
  /** Set by {@link retain}. */
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

  /** Adds one document's tokens (as {@link tokenize} makes them). */
  add(tokens: readonly string[]): void {
    const ids = new Int32Array(tokens.length);
    tokens.forEach((t, k) => {
      const id = this.wordId(t);
      ids[k] = isCharBigram(t) ? -1 - id : id;
    });
    this.addIds(ids, ids.length);
  }

  /**
   * Adds one document given as the first `count` of `ids`: {@link wordId}s in token order, a CJK
   * character bigram (a term outside word n-grams) as `-1 - id`. `ids` is copied.
   */
  addIds(ids: Int32Array, count: number): void {
    if (this.retained) throw new Error('TermCounter: add after retain');
    const d = this.docs++;
    const { block, offset } = this.pool.push(count);
    block.set(ids.subarray(0, count), offset);
    this.countDocument(d);
    if (this.nodes > this.nextPrune) this.prune();
  }

  /** The id of word or token `token`, made when new (ids count up from 0 in order of first sight). */
  wordId(token: string): number {
    let id = this.wordIds.get(token);
    if (id === undefined) {
      id = this.words.length;
      this.wordIds.set(token, id);
      this.words.push(token);
      if (id >= this.rootNode.length) this.rootNode = doubled(this.rootNode, NONE);
    }
    return id;
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
      if (this.parent[n] !== NONE) byDf.set(this.counts[2 * n]!, (byDf.get(this.counts[2 * n]!) ?? 0) + 1);
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
      if (this.parent[n] !== NONE && this.counts[2 * n]! <= this.pruned) continue;
      // Ids only shrink, and a parent comes before its children: compacting in place is safe.
      newId[n] = next;
      this.counts[2 * next] = this.counts[2 * n]!;
      this.counts[2 * next + 1] = this.counts[2 * n + 1]!;
      this.parent[next] = this.parent[n] === NONE ? NONE : newId[this.parent[n]!]!;
      this.last[next] = this.last[n]!;
      next++;
    }
    this.nodes = next;
    for (let w = 0; w < this.words.length; w++)
      if (this.rootNode[w] !== NONE) this.rootNode[w] = newId[this.rootNode[w]!]!;
    this.children.clear();
    for (let n = 0; n < next; n++)
      if (this.parent[n] !== NONE) this.children.insert(this.parent[n]!, this.last[n]!, n);
  }

  /**
   * The vocabulary {@link selectTerms} picks from these counts, sorted by term, with each term's
   * trie node and document frequency.
   */
  select(o: ResolvedVectorizerOptions): { terms: string[]; nodes: Int32Array; df: Int32Array } {
    const df = new Int32Array(this.nodes);
    for (let n = 0; n < this.nodes; n++) df[n] = this.counts[2 * n]!;
    const { terms, chosen } = selectTerms(df, this.nodes, (n) => this.term(n), this.docs, o);
    return { terms, nodes: chosen, df: Int32Array.from(chosen, (n) => df[n]!) };
  }

  /**
   * The counted documents as the `chosen` nodes' feature ids (a node's index in `chosen`): keeps
   * the documents' ids and, of the trie, the chosen nodes and their ancestors, renumbered densely,
   * and lets go of everything else (the counting tables of a large corpus are hundreds of MB, and
   * the feature matrix is built next). The counter takes no more documents.
   */
  retain(chosen: Int32Array): ChosenTerms {
    if (this.retained) throw new Error('TermCounter: retained twice');
    const { parent, last } = this;
    const dense = new Int32Array(this.nodes).fill(NONE);
    for (const n of chosen) for (let p = n; p !== NONE && dense[p] === NONE; p = parent[p]!) dense[p] = 0;
    let kept = 0;
    let entries = 0;
    for (let n = 0; n < this.nodes; n++) {
      if (dense[n] === NONE) continue;
      dense[n] = kept++;
      if (parent[n] !== NONE) entries++;
    }
    const feature = new Int32Array(kept).fill(NONE);
    chosen.forEach((n, f) => (feature[dense[n]!] = f));
    const rootNode = this.rootNode.map((n) => (n === NONE ? NONE : dense[n]!));
    const children = new ChildTable(entries + 1);
    for (let n = 0; n < this.nodes; n++)
      if (dense[n] !== NONE && parent[n] !== NONE) children.insert(dense[parent[n]!]!, last[n]!, dense[n]!);
    this.counts = this.parent = this.last = this.rootNode = new Int32Array(0);
    this.children = new ChildTable(0);
    // The terms are strings now (select made them): the words are not needed again.
    this.wordIds.clear();
    this.words.length = 0;
    this.retained = true;
    return new ChosenTerms(this.pool, rootNode, children, feature, this.ngramMin, this.ngramMax);
  }

  /** Counts document `d`'s terms once each (making their nodes): character bigrams, then word n-grams. */
  private countDocument(d: number): void {
    const { doc } = this;
    doc.split(this.pool, d);
    const { words, wordCount, bigrams } = doc;
    for (let k = 0; k < doc.bigramCount; k++) this.countNode(this.root(bigrams[k]!), d);
    for (let i = 0; i < wordCount; i++) {
      let node = this.root(words[i]!);
      if (this.ngramMin <= 1) this.countNode(node, d);
      for (let n = 2; n <= this.ngramMax && i + n <= wordCount; n++) {
        node = this.child(node, words[i + n - 1]!);
        if (n >= this.ngramMin) this.countNode(node, d);
      }
    }
  }

  /** One more document for `node`, unless document `d` was already counted. */
  private countNode(node: number, d: number): void {
    const counts = this.counts;
    if (counts[2 * node + 1] !== d) {
      counts[2 * node + 1] = d;
      counts[2 * node]! += 1;
    }
  }

  /** The term of `node`: its words from the root, joined by spaces. */
  private term(node: number): string {
    let term = this.words[this.last[node]!]!;
    for (let p = this.parent[node]!; p !== NONE; p = this.parent[p]!)
      term = `${this.words[this.last[p]!]!} ${term}`;
    return term;
  }

  private root(word: number): number {
    let node = this.rootNode[word]!;
    if (node === NONE) this.rootNode[word] = node = this.newNode(NONE, word);
    return node;
  }

  private newNode(parent: number, word: number): number {
    const node = this.nodes++;
    if (node >= this.parent.length) {
      this.counts = doubled(this.counts);
      this.parent = doubled(this.parent);
      this.last = doubled(this.last);
    }
    this.parent[node] = parent;
    this.last[node] = word;
    // After a prune the slot may hold a dropped node's figures.
    this.counts[2 * node] = 0;
    this.counts[2 * node + 1] = NONE;
    return node;
  }

  /** The child of `parent` by `word`, made when absent. */
  private child(parent: number, word: number): number {
    const found = this.children.find(parent, word);
    if (found !== NONE) return found;
    const node = this.newNode(parent, word);
    this.children.insert(parent, word, node);
    return node;
  }
}
