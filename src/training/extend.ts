/**
 * Incremental runs: the base model's vocabulary extended with the new data's terms, its labels
 * with the new labels, and its weights as the starting point of both phases.
 */
import { countTerms, Vectorizer, type Article } from '../text/index.js';
import type { BaseModel } from './base.js';
import { tokenizeAll, type Features } from './features.js';
import { checkedLabels } from './labels.js';
import { throwIfAborted, yieldToEventLoop } from './epoch.js';
import type { TrainOptions } from './options.js';
import { initParams, type DenseParams } from './params.js';
import type { Rng } from './rng.js';
import type { HiddenTable } from './table.js';

/** Compares by UTF-16 code units, as the vectoriser orders its vocabulary. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Document frequency of every term of the documents. */
function documentFrequencies(tokenLists: readonly (readonly string[])[], min: number, max: number) {
  const df = new Map<string, number>();
  for (const tokens of tokenLists) {
    for (const term of countTerms(tokens, min, max).keys()) df.set(term, (df.get(term) ?? 0) + 1);
  }
  return df;
}

/**
 * The vocabulary of an incremental run: every base term keeps its feature id and the new terms
 * (those passing `minDf`/`maxDf`) follow it. When they do not all fit under `maxFeatures`, the
 * terms kept are the `maxFeatures` most frequent over all the documents, a base term winning a
 * tie (its row is trained); a base term that loses its place hands its id to a new one. A cap
 * below the base's size keeps the base's vocabulary as it is.
 */
function chooseTerms(
  df: Map<string, number>,
  base: readonly string[],
  fresh: [string, number][],
  maxFeatures: number,
): string[] {
  const sorted = (entries: [string, number][]) => entries.map((e) => e[0]).sort(compareStrings);
  if (base.length + fresh.length <= maxFeatures) return [...base, ...sorted(fresh)];
  if (maxFeatures < base.length) return [...base];
  const ranked: [string, number, number][] = base.map((t) => [t, df.get(t) ?? 0, 1]);
  for (const [t, n] of fresh) ranked.push([t, n, 0]);
  ranked.sort((x, y) => y[1] - x[1] || y[2] - x[2] || compareStrings(x[0], y[0]));
  const kept = new Set(ranked.slice(0, maxFeatures).map((e) => e[0]));
  const added = sorted(fresh.filter((e) => kept.has(e[0])));
  // Kept + added = maxFeatures >= base.length, so the new terms fill every freed id.
  let next = 0;
  const terms = base.map((t) => (kept.has(t) ? t : added[next++]!));
  return [...terms, ...added.slice(next)];
}

/**
 * The extended vocabulary (see `chooseTerms`) with idf recomputed over all the documents.
 * @returns the vectoriser and how many of its terms are new
 */
async function extendVocabulary(
  tokenLists: readonly (readonly string[])[],
  base: BaseModel,
  options: TrainOptions,
): Promise<{ vectorizer: Vectorizer; added: number }> {
  const o = base.vectorizer;
  const n = tokenLists.length;
  const df = documentFrequencies(tokenLists, o.ngramMin, o.ngramMax);
  // As a fit does: a tiny corpus cannot meet a large minDf.
  const minDf = Math.min(options.minDf, Math.max(1, Math.floor(n / 2)));
  const known = new Set(base.terms);
  const fresh: [string, number][] = [];
  for (const entry of df)
    if (!known.has(entry[0]) && entry[1] >= minDf && entry[1] <= o.maxDf * n) fresh.push(entry);
  const terms = chooseTerms(df, base.terms, fresh, options.maxFeatures);
  const idf = Float64Array.from(terms, (t) => Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1);
  await yieldToEventLoop();
  const vectorizer = await Vectorizer.restore({
    options: { ...o, minDf, maxFeatures: options.maxFeatures },
    numDocuments: n,
    terms,
    idf,
  });
  let added = 0;
  terms.forEach((t, i) => (added += t === base.terms[i] ? 0 : 1));
  return { vectorizer, added };
}

/**
 * `fitFeatures` for a run on top of `base`: labels are the base's and the data's, the vocabulary
 * the base's extended (see `extendVocabulary`), tokenised as the base was.
 * @throws AppError INVALID_DATA (fewer than 2 labels), CANCELLED
 */
export async function extendFeatures(
  data: readonly Article[],
  options: TrainOptions,
  base: BaseModel,
  signal?: AbortSignal,
  onProgress?: (done: number, total: number) => void,
): Promise<Features> {
  const targets = checkedLabels(data, base.labels);
  const tokenLists = await tokenizeAll(data, base.vectorizer.tokenizer, onProgress);
  const { vectorizer, added } = await extendVocabulary(tokenLists, base, options);
  const x = vectorizer.transformManyTokens(tokenLists);
  tokenLists.length = 0;
  onProgress?.(data.length, data.length);
  await yieldToEventLoop();
  throwIfAborted(signal);
  const known = new Set(base.labels);
  const labels = targets.labels.filter((l) => !known.has(l));
  return { vectorizer, x, ...targets, added: { terms: added, labels } };
}

/**
 * Starting parameters of a phase of an incremental run: the base's hidden rows for the terms it
 * kept (the same ids), its hidden bias, and its output weights for each label it knows, matched by name;
 * new terms' rows and new labels' output columns are initialised as a fresh run's (a new label's
 * bias is the mean of the base's, so it starts neither favoured nor shut out).
 */
export function warmParams(
  base: BaseModel,
  features: Pick<Features, 'labels' | 'vectorizer'>,
  rng: Rng,
): { hidden: HiddenTable; dense: DenseParams } {
  if (base.linear) return warmLinear(base, features, rng);
  const { labels, vectorizer } = features;
  const h = base.hiddenUnits;
  const c = labels.length;
  const fresh = initParams(Math.max(1, vectorizer.size), h, c, rng);
  const { hidden, dense } = fresh;
  const kernel = base.params.hiddenKernel;
  const terms = vectorizer.terms;
  for (let r = 0; r < base.terms.length; r++) {
    if (terms[r] !== base.terms[r]) continue; // a base term that lost its place (see chooseTerms)
    const to = r * hidden.stride;
    for (let j = 0; j < h; j++) hidden.data[to + j] = kernel[r * h + j]!;
  }
  dense.hiddenBias.set(base.params.hiddenBias);
  const cb = base.labels.length;
  const { outputKernel: w, outputBias: b } = base.params;
  const meanBias = b.reduce((s, x) => s + x, 0) / Math.max(1, cb);
  const baseIndex = new Map(base.labels.map((l, i) => [l, i]));
  labels.forEach((label, k) => {
    const from = baseIndex.get(label);
    if (from === undefined) {
      dense.outputBias[k] = meanBias;
      return;
    }
    for (let j = 0; j < h; j++) dense.outputKernel[j * c + k] = w[j * cb + from]!;
    dense.outputBias[k] = b[from]!;
  });
  return fresh;
}

/**
 * {@link warmParams} for a linear base: its hidden columns and biases are its labels' own scores,
 * so each label the base knows keeps its column (matched by name, for the terms that kept their
 * ids) and bias; a new label's column starts as a fresh run's, its bias at the mean of the base's.
 * The output layer stays the fixed identity.
 */
function warmLinear(
  base: BaseModel,
  features: Pick<Features, 'labels' | 'vectorizer'>,
  rng: Rng,
): { hidden: HiddenTable; dense: DenseParams } {
  const { labels, vectorizer } = features;
  const c = labels.length;
  const fresh = initParams(Math.max(1, vectorizer.size), c, c, rng, true);
  const { hidden, dense } = fresh;
  const { hiddenKernel: kernel, hiddenBias: bias } = base.params;
  const cb = base.labels.length;
  const baseIndex = new Map(base.labels.map((l, i) => [l, i]));
  const from = labels.map((l) => baseIndex.get(l));
  const terms = vectorizer.terms;
  const data = hidden.data;
  for (let r = 0; r < base.terms.length; r++) {
    if (terms[r] !== base.terms[r]) continue;
    from.forEach((f, k) => {
      if (f !== undefined) data[r * hidden.stride + k] = kernel[r * cb + f]!;
    });
  }
  const meanBias = bias.reduce((s, x) => s + x, 0) / Math.max(1, cb);
  from.forEach((f, k) => (dense.hiddenBias[k] = f === undefined ? meanBias : bias[f]!));
  return fresh;
}
