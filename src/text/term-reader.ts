import { doubled } from './arrays.js';
import { wordToken } from './latin.js';
import type { TokenSink } from './sink.js';
import type { TermIndex } from './term-index.js';
import { tokenizeInto, type ResolvedTokenizerOptions } from './tokenizer.js';
import { ABSENT, WordTable } from './word-table.js';

/** A raw word the tokenizer drops (a stop word, an empty possessive): no id. */
export const DROPPED = -2;

/**
 * The word id of the raw word `text[start, end)`: looked up by its characters in `rawIds`, else
 * turned into its token once (stemmed, or dropped) and remembered, so repeated words cost one
 * hash lookup and no string.
 */
export function rawWordId(
  rawIds: WordTable,
  index: Pick<TermIndex, 'wordId'>,
  tokenizer: ResolvedTokenizerOptions,
  text: string,
  start: number,
  end: number,
): number {
  let id = rawIds.get(text, start, end);
  if (id === ABSENT) {
    const t = wordToken(text.slice(start, end), tokenizer.stem, tokenizer.stopWords);
    id = t === undefined ? DROPPED : index.wordId(t);
    rawIds.set(text, start, end, id);
  }
  return id;
}

/** Raw words remembered per vocabulary; cleared when full, so hostile input cannot grow it without bound. */
const RAW_WORDS_LIMIT = 100_000;

/**
 * Reads a text straight into vocabulary term ids: the tokenizer's pieces go to word ids without a
 * token list, and each raw word (as cut from the text) is resolved once (stop word? stem? word id?)
 * and remembered in a table keyed by the text's own code units, so a repeated word costs one probe
 * and no string. Same terms as
 * `TermIndex.forEachTermId(tokenize(text))`; a test checks it. One per vectoriser; not re-entrant
 * (reading is synchronous).
 */
export class TermReader implements TokenSink {
  private readonly rawIds = new WordTable(RAW_WORDS_LIMIT);
  private words = new Int32Array(512);
  private count = 0;
  /** Words of the last text read that are in no vocabulary term. */
  private unknown = 0;
  private visit: (id: number) => void = () => undefined;

  constructor(
    private readonly index: TermIndex,
    private readonly tokenizer: ResolvedTokenizerOptions,
    private readonly ngramMin: number,
    private readonly ngramMax: number,
  ) {}

  /**
   * Share of the last text's words (after stop words) that are in no vocabulary term; 0 for a
   * text without words. A drift signal: it rises when traffic moves away from the training data.
   */
  get unknownShare(): number {
    return this.count === 0 ? 0 : this.unknown / this.count;
  }

  /** Calls `visit(termId)` once per occurrence of a vocabulary term in `text`. */
  forEachTermId(text: string, visit: (id: number) => void): void {
    this.count = 0;
    this.unknown = 0;
    this.visit = visit;
    try {
      tokenizeInto(text, this.tokenizer, this);
      this.index.forEachNgram(this.words, this.count, this.ngramMin, this.ngramMax, visit);
    } finally {
      this.visit = () => undefined;
    }
  }

  word(text: string, start: number, end: number): void {
    const id = rawWordId(this.rawIds, this.index, this.tokenizer, text, start, end);
    if (id !== DROPPED) this.push(id);
  }

  token(token: string): void {
    this.push(this.index.wordId(token));
  }

  charBigram(token: string): void {
    const term = this.index.unigramTerm(this.index.wordId(token));
    if (term >= 0) this.visit(term);
  }

  private push(id: number): void {
    if (id < 0) this.unknown++;
    if (this.count === this.words.length) this.words = doubled(this.words);
    this.words[this.count++] = id;
  }
}
