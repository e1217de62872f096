/** Text -> features: tokenisation, TF-IDF vectorising (sparse) and validation of labelled articles. */
export { tokenize, resolveTokenizerOptions } from './tokenizer.js';
export type { TokenizerOptions, ResolvedTokenizerOptions } from './tokenizer.js';
export { tokenizeWithSpans } from './spans.js';
export type { TokenSpans } from './spans.js';
export { NormalisedText } from './offsets.js';
export type { FeatureSpans, Span } from './feature-spans.js';
export { CJK_BIGRAM_PREFIX, isCharBigram } from './cjk.js';
export { Vectorizer } from './vectorizer.js';
export { VectorizerFit } from './fit.js';
export { countTerms, forEachTerm } from './terms.js';
export { DEFAULT_VECTORIZER_OPTIONS, resolveVectorizerOptions } from './options.js';
export type { VectorizerOptions, ResolvedVectorizerOptions } from './options.js';
export type { VectorizerState } from './state.js';
export type { SparseVector, CsrMatrix } from './types.js';
export {
  parseJsonLines,
  parseJsonLinesWithLines,
  parseJsonLine,
  validateArticles,
  DataValidator,
  readArticles,
  articleLabels,
  isMultiLabel,
  labelsProblem,
} from './dataset.js';
export type {
  Article,
  SingleLabelArticle,
  MultiLabelArticle,
  DataLimits,
  ArticleSource,
  DataSummary,
} from './dataset.js';
export { readCsvArticles } from './csv.js';
export { arrayCorpus, collectCorpus, toCorpus, totalCharacters } from './corpus.js';
export type { Corpus } from './corpus.js';
export { CorpusPacker, decodeDataset, encodeDataset, packedCorpus } from './codec.js';
export type { PackedDataset, PackedPart, StoredArticle } from './codec.js';
export type { CsvReadOptions, CsvArticles, CsvFieldError } from './csv.js';
