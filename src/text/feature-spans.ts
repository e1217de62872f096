import type { ResolvedVectorizerOptions } from './options.js';
import { SpanTermReader, type TermOccurrences } from './span-reader.js';
import type { TermIndex } from './term-index.js';
import type { SparseVector } from './types.js';

/** A [start, end) range of UTF-16 code units in the original text, end exclusive. */
export type Span = [start: number, end: number];

/**
 * One text's feature vector (as `transformMany` gives it) with where each feature occurs in the
 * original text, in document order.
 */
export interface FeatureSpans extends SparseVector {
  /** `spans[i]`: every occurrence of feature `indices[i]` (grouped on first read). */
  readonly spans: Span[][];
  /** `spans[i]` alone, without grouping every feature's: for a caller that wants a few (explanations). */
  spansOf(i: number): Span[];
}

/** A row and its occurrences; grouping them by feature waits until someone asks for all of them. */
class RowSpans implements FeatureSpans {
  private grouped?: Span[][];

  constructor(
    readonly indices: Int32Array,
    readonly values: Float32Array,
    private readonly occ: TermOccurrences,
  ) {}

  get spans(): Span[][] {
    return (this.grouped ??= groupSpans(this.indices, this.occ));
  }

  spansOf(i: number): Span[] {
    if (this.grouped) return this.grouped[i]!;
    const id = this.indices[i];
    const out: Span[] = [];
    for (let k = 0; k < this.occ.count; k++)
      if (this.occ.ids[k] === id) out.push([this.occ.starts[k]!, this.occ.ends[k]!]);
    return out;
  }
}

/** `row` with the spans of `occ`, the occurrences it was counted from. */
export function withSpans(row: SparseVector, occ: TermOccurrences): FeatureSpans {
  return new RowSpans(row.indices, row.values, occ);
}

/** One reader per term index (so per vectoriser), made on first use: explanations only. */
const readers = new WeakMap<TermIndex, SpanTermReader>();

/** Every occurrence of a vocabulary term of `index` in `text`, with its span (see {@link SpanTermReader}). */
export function termOccurrences(
  text: string,
  o: ResolvedVectorizerOptions,
  index: TermIndex,
): TermOccurrences {
  let reader = readers.get(index);
  if (!reader) readers.set(index, (reader = new SpanTermReader(index, o.tokenizer, o.ngramMin, o.ngramMax)));
  return reader.read(text);
}

/** Groups occurrences by feature, in the order of `indices` (ascending ids); spans in document order. */
function groupSpans(indices: Int32Array, occ: TermOccurrences): Span[][] {
  const spans: Span[][] = [];
  for (let i = 0; i < indices.length; i++) spans.push([]);
  for (let k = 0; k < occ.count; k++) {
    const id = occ.ids[k]!;
    // Binary search: indices ascend.
    let lo = 0;
    let hi = indices.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (indices[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    spans[lo]!.push([occ.starts[k]!, occ.ends[k]!]);
  }
  return spans;
}
