import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import naturalStopwords from 'natural/lib/natural/util/stopwords.js';

/**
 * Tokenisation of non-CJK runs (Latin, Cyrillic, Greek, Hangul, ...).
 *
 * natural's tokenizers split on `[^a-zA-Z0-9'\-/]` (AggressiveTokenizer) or `[^A-Za-zА-Яа-я0-9_]`
 * (WordTokenizer), which cuts "café" into "caf" and drops "ß"/"ü"; so the split is a Unicode-aware regex
 * and natural supplies only the Porter stemmer and the English stop-word list.
 */

/** natural's English stop words (includes single letters and digits). Copied: natural's list is mutable. */
const STOP_WORDS: ReadonlySet<string> = new Set(naturalStopwords.words);

/** Digit runs longer than this become a shape token (`<num11>`): phone numbers, codes, ids. */
const MAX_LITERAL_DIGITS = 4;

/**
 * One alternative per token kind, tried in order at each position:
 * url | number (digits with inner `.`/`,` groups, not glued to letters) | word (letters/marks/digits,
 * inner apostrophes allowed) | currency symbol. Everything else (punctuation, spaces, emoji) is dropped.
 */
const TOKEN_RE =
  /((?:https?:\/\/|www\.)[^\s<>"'()]+)|(\p{Nd}+(?:[.,]\p{Nd}+)*(?![\p{L}\p{M}\p{N}]))|([\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*)|(\p{Sc})/gu;

const ASCII_WORD_RE = /^[a-z]+$/;
const POSSESSIVE_RE = /['’]s$/;
const APOSTROPHE_RE = /['’]/g;
const NON_DIGIT_RE = /\D/g;

/** Porter is regex-heavy; words repeat a lot, so stems are memoised in a bounded map. */
const STEM_CACHE_LIMIT = 200_000;
const stemCache = new Map<string, string>();

function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = PorterStemmer.stem(word);
    // Clearing is crude but keeps memory bounded without LRU bookkeeping on the hot path.
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

function numberToken(raw: string): string {
  const digits = raw.replace(NON_DIGIT_RE, '');
  return digits.length > MAX_LITERAL_DIGITS ? `<num${digits.length}>` : raw;
}

function wordToken(raw: string, stemWords: boolean, dropStopWords: boolean): string | undefined {
  // "company's" -> "company", "don't" -> "dont": keeps possessives and contractions on one feature.
  // Most words have no apostrophe: skip the two regex passes for them (tokenising is on the serving path).
  const word =
    raw.includes("'") || raw.includes('’') ? raw.replace(POSSESSIVE_RE, '').replace(APOSTROPHE_RE, '') : raw;
  if (word === '') return undefined;
  if (dropStopWords && STOP_WORDS.has(word)) return undefined;
  // Porter is an English algorithm with ASCII rules: other words are kept as they are.
  return stemWords && ASCII_WORD_RE.test(word) ? stem(word) : word;
}

/**
 * Tokenises a normalised, lower-cased run of non-CJK text and appends the tokens to `out`.
 * URLs become `<url>`, long digit runs `<numN>`, currency symbols are kept as tokens (they matter for spam).
 */
export function tokenizeNonCjk(run: string, stemWords: boolean, dropStopWords: boolean, out: string[]): void {
  for (const m of run.matchAll(TOKEN_RE)) {
    if (m[1] !== undefined) out.push('<url>');
    else if (m[2] !== undefined) {
      const t = numberToken(m[2]);
      if (!(dropStopWords && STOP_WORDS.has(t))) out.push(t);
    } else if (m[3] !== undefined) {
      const t = wordToken(m[3], stemWords, dropStopWords);
      if (t !== undefined) out.push(t);
    } else if (m[4] !== undefined) out.push(m[4]);
  }
}
