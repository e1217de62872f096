/** A counted corpus replayed as feature ids once its vocabulary is chosen. */
import type { ChildTable } from './child-table.js';
import { DocumentIds } from './document-ids.js';
import type { TokenPool } from './token-pool.js';

const NONE = -1;

/**
 * What {@link TermCounter.retain} keeps of a counted corpus: the documents' ids, and of the trie
 * only the chosen terms and their ancestors, renumbered densely (a few hundred thousand nodes
 * where counting held millions, so the replay's lookups stay in cache).
 */
export class ChosenTerms {
  private readonly doc = new DocumentIds();
  private readonly out = { ids: new Int32Array(256), count: 0 };

  constructor(
    private readonly pool: TokenPool,
    /** Per word id: its node, or NONE when neither it nor any n-gram it starts was kept. */
    private readonly rootNode: Int32Array,
    private readonly children: ChildTable,
    /** Per node: its index among the chosen terms (its feature id), or NONE. */
    private readonly feature: Int32Array,
    private readonly ngramMin: number,
    private readonly ngramMax: number,
  ) {}

  /**
   * Every occurrence in document `d` of a chosen term, as its feature id: `ids[0]` to
   * `ids[count - 1]`, character bigrams first, then word n-grams by start (the array is reused by
   * the next call).
   */
  featuresOf(d: number): { ids: Int32Array; count: number } {
    const { doc, feature, rootNode, ngramMin, ngramMax } = this;
    doc.split(this.pool, d);
    const { words, wordCount, bigrams, bigramCount } = doc;
    const room = wordCount * (ngramMax - ngramMin + 1) + bigramCount;
    if (this.out.ids.length < room) this.out.ids = new Int32Array(room * 2);
    const out = this.out.ids;
    let c = 0;
    for (let k = 0; k < bigramCount; k++) {
      const node = rootNode[bigrams[k]!]!;
      if (node !== NONE && feature[node] !== NONE) out[c++] = feature[node]!;
    }
    for (let i = 0; i < wordCount; i++) {
      let node = rootNode[words[i]!]!;
      if (node === NONE) continue; // let go: so are its n-grams
      if (ngramMin <= 1 && feature[node] !== NONE) out[c++] = feature[node]!;
      for (let n = 2; n <= ngramMax && i + n <= wordCount; n++) {
        node = this.children.find(node, words[i + n - 1]!);
        if (node === NONE) break;
        if (n >= ngramMin && feature[node] !== NONE) out[c++] = feature[node]!;
      }
    }
    this.out.count = c;
    return this.out;
  }
}
