/** Reads training texts straight into a term counter's word ids, one hash probe per repeated word. */
import { doubled } from './arrays.js';
import type { TokenSink } from './sink.js';
import type { TermCounter } from './term-counter.js';
import { DROPPED, rawWordId } from './term-reader.js';
import { tokenizeInto, type ResolvedTokenizerOptions } from './tokenizer.js';
import { WordTable } from './word-table.js';

/**
 * Raw words remembered while counting. A large corpus has hundreds of thousands of distinct words
 * (300,000 in the million-document synthetic set); when the table is full it starts over, and the
 * words seen next are resolved again (their ids do not change). ~16 MB of slots.
 */
const RAW_WORDS_LIMIT = 1 << 19;

/**
 * Feeds each text's tokens to a {@link TermCounter} as word ids without a token list: each raw
 * word (as cut from the text) is resolved once (stop word? stem? word id?) and remembered in a
 * table keyed by the text's own code units, so a repeated word costs one probe and no string;
 * the Porter stemmer's memo and the counter's string map are only asked about new words. Counts
 * exactly what `counter.add(tokenize(text))` counts (a test checks it). Not re-entrant.
 */
export class CountingReader implements TokenSink {
  private readonly rawIds: WordTable;
  private ids = new Int32Array(512);
  private count = 0;

  constructor(
    private readonly counter: TermCounter,
    private readonly tokenizer: ResolvedTokenizerOptions,
    rawWords = RAW_WORDS_LIMIT,
  ) {
    this.rawIds = new WordTable(rawWords);
  }

  /** Counts one document. */
  add(text: string): void {
    this.count = 0;
    tokenizeInto(text, this.tokenizer, this);
    this.counter.addIds(this.ids, this.count);
  }

  word(text: string, start: number, end: number): void {
    const id = rawWordId(this.rawIds, this.counter, this.tokenizer, text, start, end);
    if (id !== DROPPED) this.push(id);
  }

  token(token: string): void {
    this.push(this.counter.wordId(token));
  }

  charBigram(token: string): void {
    // The counter's encoding of a character bigram among a document's ids (see TermCounter.addIds).
    this.push(-1 - this.counter.wordId(token));
  }

  private push(id: number): void {
    if (this.count === this.ids.length) this.ids = doubled(this.ids);
    this.ids[this.count++] = id;
  }
}
