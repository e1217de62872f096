import { AppError } from '../errors/index.js';
import {
  resolveTokenizerOptions,
  type ResolvedTokenizerOptions,
  type TokenizerOptions,
} from './tokenizer.js';

/** Options of the TF-IDF vectoriser (all optional when fitting; defaults below). */
export interface VectorizerOptions {
  /** Shortest word n-gram (default 1). */
  ngramMin: number;
  /** Longest word n-gram (default 2). */
  ngramMax: number;
  /** Minimum document count of a term (absolute, default 2). */
  minDf: number;
  /** Maximum document frequency of a term as a fraction of the documents (default 1.0). */
  maxDf: number;
  /** Keep at most this many terms, the most frequent by document count (default 200,000). */
  maxFeatures: number;
  /** tf = 1 + ln(count) instead of the raw count (default true). */
  sublinearTf: boolean;
  /** How texts are tokenised (stored so serving tokenises as training did). */
  tokenizer: TokenizerOptions;
}

/** {@link VectorizerOptions} with every default filled in, tokenizer options included. */
export interface ResolvedVectorizerOptions extends Omit<VectorizerOptions, 'tokenizer'> {
  tokenizer: ResolvedTokenizerOptions;
}

export const DEFAULT_VECTORIZER_OPTIONS: Readonly<Omit<VectorizerOptions, 'tokenizer'>> = {
  ngramMin: 1,
  ngramMax: 2,
  minDf: 2,
  maxDf: 1.0,
  maxFeatures: 200_000,
  sublinearTf: true,
};

function isInt(v: unknown, min: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** Fills in defaults and checks ranges; throws `AppError('INVALID_OPTIONS')` naming the bad option. */
export function resolveVectorizerOptions(opts: Partial<VectorizerOptions> = {}): ResolvedVectorizerOptions {
  const d = DEFAULT_VECTORIZER_OPTIONS;
  const o: ResolvedVectorizerOptions = {
    ngramMin: opts.ngramMin ?? d.ngramMin,
    ngramMax: opts.ngramMax ?? d.ngramMax,
    minDf: opts.minDf ?? d.minDf,
    maxDf: opts.maxDf ?? d.maxDf,
    maxFeatures: opts.maxFeatures ?? d.maxFeatures,
    sublinearTf: opts.sublinearTf ?? d.sublinearTf,
    tokenizer: resolveTokenizerOptions(opts.tokenizer),
  };
  const errors: { path: string; message: string }[] = [];
  if (!isInt(o.ngramMin, 1)) errors.push({ path: 'ngramMin', message: 'must be an integer >= 1' });
  if (!isInt(o.ngramMax, 1) || o.ngramMax < o.ngramMin)
    errors.push({ path: 'ngramMax', message: 'must be an integer >= ngramMin' });
  if (!isInt(o.minDf, 1)) errors.push({ path: 'minDf', message: 'must be an integer >= 1' });
  if (typeof o.maxDf !== 'number' || !(o.maxDf > 0 && o.maxDf <= 1))
    errors.push({ path: 'maxDf', message: 'must be a fraction in (0, 1]' });
  if (!isInt(o.maxFeatures, 1)) errors.push({ path: 'maxFeatures', message: 'must be an integer >= 1' });
  if (typeof o.sublinearTf !== 'boolean') errors.push({ path: 'sublinearTf', message: 'must be a boolean' });
  if (errors.length > 0) {
    const list = errors.map((e) => `${e.path} ${e.message}`).join('; ');
    throw new AppError('INVALID_OPTIONS', `Invalid vectorizer options: ${list}`, { errors });
  }
  return o;
}
