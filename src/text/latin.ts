import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import naturalStopwords from 'natural/lib/natural/util/stopwords.js';
import { NUMBER, PUNCTUATION, scanPieces, URL, WORD } from './scan.js';
import type { TokenSink } from './sink.js';

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

const ASCII_WORD_RE = /^[a-z]+$/;
const POSSESSIVE_RE = /['’]s$/;
const APOSTROPHE_RE = /['’]/g;
const NON_DIGIT_RE = /\D/g;

/**
 * Porter is regex-heavy; words repeat a lot, so stems are memoised in two bounded generations:
 * a word is looked up in the young map, then the old one (and moved young when found there);
 * when the young map is full it becomes the old one. Frequent words survive every turnover,
 * where clearing one map re-stemmed them all each time the rare words of a large corpus (a
 * quarter of a million distinct in 200,000 documents) filled it. At most twice the limit held.
 */
const STEM_CACHE_LIMIT = 200_000;
let youngStems = new Map<string, string>();
let oldStems = new Map<string, string>();

function stem(word: string): string {
  let s = youngStems.get(word);
  if (s !== undefined) return s;
  s = oldStems.get(word) ?? PorterStemmer.stem(word);
  if (youngStems.size >= STEM_CACHE_LIMIT) {
    oldStems = youngStems;
    youngStems = new Map();
  }
  youngStems.set(word, s);
  return s;
}

function numberToken(raw: string): string {
  const digits = raw.replace(NON_DIGIT_RE, '');
  return digits.length > MAX_LITERAL_DIGITS ? `<num${digits.length}>` : raw;
}

/**
 * The token a word cut from the text becomes: possessive and apostrophes removed, then dropped
 * (undefined) when it is a stop word, else Porter-stemmed if it is a plain ASCII word.
 */
export function wordToken(raw: string, stemWords: boolean, dropStopWords: boolean): string | undefined {
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
 * Cuts a normalised, lower-cased run of non-CJK text (see `scan.ts` for the exact rules) and hands
 * the pieces to `sink` in order: words as cut (`sink.word`, for {@link wordToken}), and finished
 * tokens (`sink.token`): `<url>` for URLs, numbers (long digit runs as `<numN>`, stop words dropped),
 * currency symbols (they matter for spam), and with `punctuation` each punctuation mark, symbol and
 * emoji as itself. Spaces are dropped, and so are punctuation and symbols without `punctuation`.
 */
export function tokenizeNonCjk(
  run: string,
  o: { stopWords: boolean; punctuation: boolean },
  sink: TokenSink,
): void {
  const dropStopWords = o.stopWords;
  scanPieces(
    run,
    (kind, start, end) => {
      if (kind === WORD) sink.word(run, start, end);
      else if (kind === NUMBER) {
        const t = numberToken(run.slice(start, end));
        if (!(dropStopWords && STOP_WORDS.has(t))) sink.token(t, start, end);
      } else if (kind === URL) sink.token('<url>', start, end);
      else if (kind === PUNCTUATION) sink.token(punctuationToken(run, start, end), start, end);
      else sink.token(run.slice(start, end), start, end);
    },
    o.punctuation,
  );
}

/** One mark's token, interned for ASCII: most marks are, and a text has many. */
function punctuationToken(run: string, start: number, end: number): string {
  const u = run.charCodeAt(start);
  return end - start === 1 && u < 0x80 ? ASCII_STRINGS[u]! : run.slice(start, end);
}

const ASCII_STRINGS = Array.from({ length: 0x80 }, (_, u) => String.fromCharCode(u));
