import type { TokenSink } from './sink.js';

/**
 * Tokenisation of CJK runs (Han, Hiragana, Katakana) with ICU's dictionary word segmenter.
 * Hangul is not CJK here: Korean separates words with spaces, so it goes through the non-CJK path.
 */

/** Prefix of character-bigram tokens; `#` never occurs in word tokens, so they cannot collide. */
export const CJK_BIGRAM_PREFIX = '#c:';

/**
 * ICU's word break cost grows far faster than linearly with the input length (a 1 MB string takes
 * minutes), so long runs are cut into chunks of at most this many UTF-16 units.
 */
const MAX_CHUNK = 1000;

// One instance: creating a segmenter is far more expensive than segmenting a short string.
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** True for a character-bigram token made by {@link tokenizeCjk}. */
export function isCharBigram(token: string): boolean {
  return token.startsWith(CJK_BIGRAM_PREFIX);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Segments one run of CJK characters and hands the word-like segments to `sink`; with `charBigrams`,
 * also every pair of adjacent characters as `#c:xy` (short headlines carry much of their signal
 * in character pairs that the dictionary does not know).
 * Runs never contain punctuation (it is not CJK script), so cutting at a fixed length only happens in
 * texts with very long unpunctuated stretches; a word cut in two there costs little.
 */
export function tokenizeCjk(run: string, charBigrams: boolean, sink: TokenSink): void {
  for (let start = 0; start < run.length;) {
    let end = Math.min(start + MAX_CHUNK, run.length);
    // Never split a surrogate pair (CJK extension B and later are astral).
    if (end < run.length && isHighSurrogate(run.charCodeAt(end - 1))) end -= 1;
    for (const s of segmenter.segment(run.slice(start, end))) {
      if (s.isWordLike) sink.token(s.segment, start + s.index, start + s.index + s.segment.length);
    }
    start = end;
  }
  if (charBigrams) {
    const chars = Array.from(run);
    for (let i = 0, at = 0; i + 1 < chars.length; i++) {
      const a = chars[i]!;
      const b = chars[i + 1]!;
      sink.charBigram(CJK_BIGRAM_PREFIX + a + b, at, at + a.length + b.length);
      at += a.length;
    }
  }
}
