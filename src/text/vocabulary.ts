/** Choosing a vectoriser's vocabulary from document frequencies, fast on millions of n-grams. */
import type { ResolvedVectorizerOptions } from './options.js';
import { sortedPositions } from './string-sort.js';

/** Compares by UTF-16 code units: locale-independent, so vocabularies are identical on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Picks the vocabulary among `count` candidates (candidate `i` occurs in `df[i]` documents, and
 * `term(i)` names it): minDf <= df <= maxDf*N, then the `maxFeatures` most frequent, ties broken
 * by term; returns the chosen candidates' indices sorted by term. A large corpus has millions of
 * distinct n-grams, so rather than sort them all this finds the frequency of the last term kept
 * (from a histogram) and names only the terms at or above it: the same vocabulary as a full sort.
 */
export function selectTerms(
  df: Int32Array,
  count: number,
  term: (i: number) => string,
  numDocs: number,
  o: ResolvedVectorizerOptions,
): { terms: string[]; chosen: Int32Array } {
  const maxCount = o.maxDf * numDocs;
  const eligible = (c: number) => c >= o.minDf && c <= maxCount;
  const histogram = new Int32Array(numDocs + 2);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const c = df[i]!;
    if (!eligible(c)) continue;
    histogram[Math.min(c, numDocs + 1)]! += 1;
    total += 1;
  }
  // Every term above `cut` is kept, and the first `fromCut` by term of those at it.
  let cut = 0;
  let fromCut = Infinity;
  if (total > o.maxFeatures) {
    let above = 0;
    cut = histogram.length - 1;
    while (above + histogram[cut]! < o.maxFeatures) above += histogram[cut--]!;
    fromCut = o.maxFeatures - above;
  }
  const kept: [string, number][] = [];
  const tied: [string, number][] = [];
  for (let i = 0; i < count; i++) {
    const c = df[i]!;
    if (!eligible(c) || c < cut) continue;
    (c === cut && fromCut !== Infinity ? tied : kept).push([term(i), i]);
  }
  // A loop, not push(...): the tie can be longer than the arguments a call may take.
  if (tied.length > 0) for (const e of smallest(tied, fromCut)) kept.push(e);
  const keys = kept.map((e) => e[0]);
  const order = sortedPositions(keys);
  return { terms: Array.from(order, (p) => keys[p]!), chosen: Int32Array.from(order, (p) => kept[p]![1]) };
}

/**
 * The `k` entries of `a` smallest by term (reordering `a`), by quickselect: the tie at the cut can
 * hold millions of once-seen n-grams, and only the first few thousand of them by term are wanted.
 */
function smallest<T extends [string, number]>(a: T[], k: number): T[] {
  if (k >= a.length) return a;
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    // Median of three as the pivot; Hoare partition.
    const mid = (lo + hi) >>> 1;
    const pivot = median(a[lo]![0], a[mid]![0], a[hi]![0]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]![0] < pivot) i++;
      while (a[j]![0] > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else break;
  }
  return a.slice(0, k);
}

function median(x: string, y: string, z: string): string {
  if (x < y) return y < z ? y : x < z ? z : x;
  return x < z ? x : y < z ? z : y;
}
