import { doubled } from './arrays.js';
import { NormalisedText } from './offsets.js';
import type { TokenSink } from './sink.js';
import type { TermIndex } from './term-index.js';
import { tokenizeNormalisedInto, type ResolvedTokenizerOptions } from './tokenizer.js';
import { DROPPED, rawWordId } from './term-reader.js';
import { WordTable } from './word-table.js';

/** Every occurrence of a vocabulary term in one text: parallel arrays of length `count`. */
export interface TermOccurrences {
  ids: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  count: number;
}

/** Raw words remembered per vocabulary, then forgotten all at once (bounded memory). */
const RAW_WORDS_LIMIT = 50_000;

/** Growable parallel arrays of ids and spans. */
class Spans implements TermOccurrences {
  ids = new Int32Array(256);
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  count = 0;

  add(id: number, start: number, end: number): void {
    if (this.count === this.ids.length) {
      this.ids = doubled(this.ids);
      this.starts = doubled(this.starts);
      this.ends = doubled(this.ends);
    }
    this.ids[this.count] = id;
    this.starts[this.count] = start;
    this.ends[this.count++] = end;
  }
}

/**
 * Reads a text into its vocabulary terms with their spans in the original text: what `TermReader`
 * does for `transform`, with positions. Words go straight to word ids (each raw word resolved
 * once and remembered by its code units, as `TermReader` does), tokens are cut from the whole
 * text's normalised form (`NormalisedText`), and n-grams are looked up in the same `TermIndex`,
 * so the terms are exactly `transform`'s. Not re-entrant (reading is synchronous).
 */
export class SpanTermReader implements TokenSink {
  private readonly rawIds = new WordTable(RAW_WORDS_LIMIT);
  /** Word ids (-1: in no term) of the text's word tokens, with their spans. */
  private words = new Spans();
  private out = new Spans();
  private map?: NormalisedText;
  private base = 0;

  constructor(
    private readonly index: TermIndex,
    private readonly tokenizer: ResolvedTokenizerOptions,
    private readonly ngramMin: number,
    private readonly ngramMax: number,
  ) {}

  /**
   * Every occurrence of a vocabulary term in `text`: CJK character bigrams first, then the word
   * n-grams one length at a time. A term has one length, so its occurrences are in document order.
   * An n-gram spans its first word's start to its last word's end (stop words between included).
   */
  read(text: string): TermOccurrences {
    this.words = new Spans();
    this.out = new Spans();
    this.map = NormalisedText.of(text);
    tokenizeNormalisedInto(this.map.text, this.tokenizer, this);
    this.map = undefined;
    this.ngrams();
    return this.out;
  }

  run(offset: number): void {
    this.base = offset;
  }

  word(text: string, start: number, end: number): void {
    const id = rawWordId(this.rawIds, this.index, this.tokenizer, text, start, end);
    if (id !== DROPPED) this.push(this.words, id, start, end);
  }

  token(token: string, start: number, end: number): void {
    this.push(this.words, this.index.wordId(token), start, end);
  }

  charBigram(token: string, start: number, end: number): void {
    const term = this.index.unigramTerm(this.index.wordId(token));
    if (term >= 0) this.push(this.out, term, start, end);
  }

  /** Adds `id` with the original span of normalised units [start, end) of the current run. */
  private push(to: Spans, id: number, start: number, end: number): void {
    const map = this.map!;
    to.add(id, map.startOf(this.base + start), map.endOf(this.base + end - 1));
  }

  /** The word n-grams, through the index one at a time: a window of exactly n words has one n-gram. */
  private ngrams(): void {
    const { ids: words, starts, ends, count } = this.words;
    const window = new Int32Array(this.ngramMax);
    let start = 0;
    let end = 0;
    const visit = (id: number): void => this.out.add(id, start, end);
    for (let n = this.ngramMin; n <= this.ngramMax; n++) {
      for (let i = 0; i + n <= count; i++) {
        if (words[i]! < 0) continue; // in no term
        start = starts[i]!;
        end = ends[i + n - 1]!;
        if (n === 1) {
          const term = this.index.unigramTerm(words[i]!);
          if (term >= 0) this.out.add(term, start, end);
          continue;
        }
        for (let m = 0; m < n; m++) window[m] = words[i + m]!;
        this.index.forEachNgram(window, n, n, n, visit);
      }
    }
  }
}
