/** Label names and per-document targets, gathered as documents stream past. */
import { AppError } from '../errors/index.js';
import { arrayCorpus, articleLabels, type Article } from '../text/index.js';
import type { Features } from './features.js';

/** Label names (sorted) and targets, as {@link Features} holds them. */
export type LabelTargets = Pick<Features, 'labels' | 'y' | 'targets'>;

/**
 * Collects each document's labels as it is seen (provisional ids in order of first appearance,
 * 4 bytes a label), so that one pass over a streamed corpus yields the sorted label names and
 * the targets at the end. `known` labels (a base model's) are among the names even when no
 * document carries them.
 */
export class LabelTally {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private pool = new Int32Array(1024);
  private used = 0;
  /** Multi-label only: where each document's labels start in `pool`. */
  private starts: number[] = [0];

  constructor(
    private readonly multiLabel: boolean,
    known: readonly string[] = [],
  ) {
    for (const l of known) this.id(l);
  }

  /** Adds the next document's labels. */
  add(a: Article): void {
    const labels = articleLabels(a);
    while (this.used + labels.length > this.pool.length) {
      const grown = new Int32Array(this.pool.length * 2);
      grown.set(this.pool);
      this.pool = grown;
    }
    for (const l of labels) this.pool[this.used++] = this.id(l);
    if (this.multiLabel) this.starts.push(this.used);
  }

  /** Sorted names and targets. AppError INVALID_DATA with fewer than 2 labels. */
  finish(): LabelTargets {
    const labels = [...this.names].sort();
    if (labels.length < 2) throw new AppError('INVALID_DATA', 'training needs at least 2 labels');
    const sorted = new Map(labels.map((l, i) => [l, i]));
    const final = Int32Array.from(this.names, (n) => sorted.get(n)!);
    if (!this.multiLabel)
      return { labels, y: Int32Array.from(this.pool.subarray(0, this.used), (p) => final[p]!) };
    const n = this.starts.length - 1;
    const c = labels.length;
    const targets = new Uint8Array(n * c);
    for (let r = 0; r < n; r++) {
      for (let i = this.starts[r]!; i < this.starts[r + 1]!; i++) targets[r * c + final[this.pool[i]!]!] = 1;
    }
    return { labels, y: new Int32Array(n).fill(-1), targets };
  }

  private id(label: string): number {
    let id = this.ids.get(label);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(label, id);
      this.names.push(label);
    }
    return id;
  }
}

/**
 * Label names and targets of documents in memory: a class index per document, or multi-hot rows
 * for a multi-label set. AppError INVALID_DATA with fewer than 2 labels.
 */
export function checkedLabels(data: readonly Article[], known: readonly string[] = []): LabelTargets {
  const tally = new LabelTally(arrayCorpus(data).multiLabel, known);
  for (const a of data) tally.add(a);
  return tally.finish();
}
