import { doubled } from './arrays.js';
import { wordToken } from './latin.js';
import { NormalisedText } from './offsets.js';
import type { TokenSink } from './sink.js';
import { ABSENT, WordTable } from './word-table.js';
import {
  resolveTokenizerOptions,
  tokenizeNormalisedInto,
  type ResolvedTokenizerOptions,
  type TokenizerOptions,
} from './tokenizer.js';

/**
 * A text's tokens (exactly {@link tokenize}'s) and where each came from in the original text:
 * token `t` is `original.slice(starts[t], ends[t])`, in UTF-16 code units, end exclusive (as
 * `String.prototype.slice` counts), whatever normalising did to the text's length.
 */
export interface TokenSpans {
  tokens: string[];
  starts: Int32Array;
  ends: Int32Array;
}

/** Raw words remembered per option set; then the memo starts over, so memory stays bounded. */
const MEMO_LIMIT = 50_000;
const DROPPED = -2;

/**
 * Raw word (as cut, keyed by the text's own code units) → its token, so a repeated word costs one
 * probe and no string: the plain tokenizer's cost is mostly slicing, hashing and stemming words.
 */
class WordMemo {
  private readonly table = new WordTable(MEMO_LIMIT);
  private tokens: string[] = [];

  constructor(
    private readonly stem: boolean,
    private readonly stopWords: boolean,
  ) {}

  /** `wordToken(text.slice(start, end))`. */
  token(text: string, start: number, end: number): string | undefined {
    const at = this.table.get(text, start, end);
    if (at !== ABSENT) return at === DROPPED ? undefined : this.tokens[at];
    const t = wordToken(text.slice(start, end), this.stem, this.stopWords);
    if (this.tokens.length >= MEMO_LIMIT) {
      this.table.clear();
      this.tokens = [];
    }
    if (t !== undefined) this.tokens.push(t);
    this.table.set(text, start, end, t === undefined ? DROPPED : this.tokens.length - 1);
    return t;
  }
}

const memos = new Map<string, WordMemo>();

function memoFor(o: ResolvedTokenizerOptions): WordMemo {
  const key = `${o.stem},${o.stopWords}`;
  let memo = memos.get(key);
  if (!memo) memos.set(key, (memo = new WordMemo(o.stem, o.stopWords)));
  return memo;
}

/**
 * Collects tokens with their spans in the original text. Separate from `tokenize`'s sink so the
 * serving path does not pay for positions.
 */
class SpanSink implements TokenSink {
  readonly tokens: string[] = [];
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  private base = 0;
  private readonly memo: WordMemo;

  constructor(
    readonly map: NormalisedText,
    o: ResolvedTokenizerOptions,
  ) {
    this.memo = memoFor(o);
  }

  run(offset: number): void {
    this.base = offset;
  }

  word(text: string, start: number, end: number): void {
    const t = this.memo.token(text, start, end);
    if (t !== undefined) this.push(t, start, end);
  }

  token(token: string, start: number, end: number): void {
    this.push(token, start, end);
  }

  charBigram(token: string, start: number, end: number): void {
    this.push(token, start, end);
  }

  private push(token: string, start: number, end: number): void {
    const at = this.tokens.length;
    if (at === this.starts.length) {
      this.starts = doubled(this.starts);
      this.ends = doubled(this.ends);
    }
    // A token's span runs from its first unit's piece to its last unit's piece.
    this.starts[at] = this.map.startOf(this.base + start);
    this.ends[at] = this.map.endOf(this.base + end - 1);
    this.tokens.push(token);
  }
}

/**
 * {@link tokenize}, and for every token its [start, end) in the original `text` (see
 * {@link NormalisedText} for how offsets in the normalised text map back: each code unit of the
 * NFKC, lower-cased text maps to the original code point, with its combining marks, that it came
 * from). A word or number spans what it was cut from (a possessive's `'s` included); a CJK
 * character bigram spans its two characters. Tokens are cut from the whole text's normalised
 * form, so they are always `tokenize`'s.
 */
export function tokenizeWithSpans(text: string, opts: TokenizerOptions = {}): TokenSpans {
  const o = resolveTokenizerOptions(opts);
  const sink = new SpanSink(NormalisedText.of(text), o);
  tokenizeNormalisedInto(sink.map.text, o, sink);
  const n = sink.tokens.length;
  return { tokens: sink.tokens, starts: sink.starts.subarray(0, n), ends: sink.ends.subarray(0, n) };
}
