import { tokenizeCjk } from './cjk.js';
import { tokenizeNonCjk, wordToken } from './latin.js';
import type { TokenSink } from './sink.js';

/** How text is cut into tokens; stored with the vectoriser so serving tokenises exactly as training did. */
export interface TokenizerOptions {
  /** Porter-stem ASCII words (default true). */
  stem?: boolean;
  /** Drop natural's English stop words (default true). */
  stopWords?: boolean;
  /** Emit CJK character bigrams `#c:xy` as extra tokens (default true). */
  cjkCharBigrams?: boolean;
  /**
   * Keep each punctuation mark, symbol and emoji as a token of its own (default false, which is
   * also what models stored before the option existed were trained with).
   */
  punctuation?: boolean;
}

/** {@link TokenizerOptions} with every default filled in. */
export type ResolvedTokenizerOptions = Required<TokenizerOptions>;

/** Fills in the defaults; the result is what a vectoriser stores. */
export function resolveTokenizerOptions(opts: TokenizerOptions = {}): ResolvedTokenizerOptions {
  return {
    stem: opts.stem ?? true,
    stopWords: opts.stopWords ?? true,
    cjkCharBigrams: opts.cjkCharBigrams ?? true,
    punctuation: opts.punctuation ?? false,
  };
}

// Han (incl. 々〆 and CJK compatibility ideographs), kana and the prolonged sound mark ー.
const CJK_RUN_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]+/gu;

/**
 * Cuts a text into tokens: NFKC, lower-case, then CJK runs go to ICU's word segmenter (plus optional
 * character bigrams) and everything between them to a Unicode word regex with Porter stemming and
 * English stop words. Tokens keep document order, so word n-grams may span a script change.
 *
 * Special tokens: `<url>` for URLs, `<numN>` for digit runs longer than 4 digits, currency symbols
 * as themselves, `#c:xy` for CJK character bigrams.
 */
export function tokenize(text: string, opts: TokenizerOptions = {}): string[] {
  const o = resolveTokenizerOptions(opts);
  const out: string[] = [];
  tokenizeInto(text, o, {
    word(text, start, end) {
      const t = wordToken(text.slice(start, end), o.stem, o.stopWords);
      if (t !== undefined) out.push(t);
    },
    token: (t) => out.push(t),
    charBigram: (t) => out.push(t),
  });
  return out;
}

/**
 * {@link tokenize}'s walk, handing each piece to `sink` in document order; words arrive as cut,
 * and {@link wordToken} turns one into its token (or drops it).
 */
export function tokenizeInto(text: string, o: ResolvedTokenizerOptions, sink: TokenSink): void {
  tokenizeNormalisedInto(normaliseText(text), o, sink);
}

/** What the tokenizer cuts: NFKC, then lower-case (of the whole text: final sigma depends on context). */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/**
 * {@link tokenizeInto} after normalising: `normalised` is `normaliseText(text)`. Before each run's
 * pieces, `sink.run` (when present) gets the run's offset in `normalised`.
 */
export function tokenizeNormalisedInto(
  normalised: string,
  o: ResolvedTokenizerOptions,
  sink: TokenSink,
): void {
  let last = 0;
  for (const m of normalised.matchAll(CJK_RUN_RE)) {
    if (m.index > last) {
      sink.run?.(last);
      tokenizeNonCjk(normalised.slice(last, m.index), o, sink);
    }
    sink.run?.(m.index);
    tokenizeCjk(m[0], o.cjkCharBigrams, sink);
    last = m.index + m[0].length;
  }
  if (last < normalised.length) {
    sink.run?.(last);
    tokenizeNonCjk(normalised.slice(last), o, sink);
  }
}
