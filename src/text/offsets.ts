import { normaliseText } from './tokenizer.js';

/**
 * The normalised text the tokenizer cuts (`normaliseText`: NFKC, then lower-case), with, for each
 * of its UTF-16 code units, the range of the original text it came from. Offsets are UTF-16 code
 * units of the original, end exclusive, as `String.prototype.slice` takes them.
 *
 * The mapping rule: the original is cut into pieces, each one code point with the combining marks
 * (`\p{M}`) and Hangul medial/final jamo that follow it; each piece is normalised on its own (NFKC,
 * then lower-case), and every code unit of its result maps to the piece's [start, end) (so "ﬁ" →
 * "fi" maps both letters to the ligature, and "e" + U+0301 → "é" to both code points). Where
 * normalising piece by piece would not give the whole text's result (NFKC composing across pieces,
 * as compatibility jamo ㄱㅏ → 가 or half-width ｶﾞ → ガ), adjacent pieces are merged until it does,
 * and the merged result maps to the merged range. Greek final sigma, the one lower-case mapping
 * that depends on context, is the same length either way and maps like any other letter. Should no
 * merge of up to {@link MAX_MERGE} pieces agree (no known text does this), the rest of the text maps
 * to one range from that piece to the end: coarse, but never wrong. Tokens are always cut from the
 * whole text's result, so they are `tokenize`'s whatever the mapping.
 *
 * A token spans from the start of the piece its first code unit came from to the end of the piece
 * its last came from; a word n-gram from its first token's start to its last token's end; a CJK
 * character bigram covers its two characters.
 */
export class NormalisedText {
  private constructor(
    /** `normaliseText(original)`. */
    readonly text: string,
    private readonly starts?: Int32Array,
    private readonly ends?: Int32Array,
  ) {}

  /** Normalises `original` and records where each code unit of the result came from. */
  static of(original: string): NormalisedText {
    const text = normaliseText(original);
    // ASCII is unchanged by NFKC and lower-cases unit for unit: every offset is its own.
    if (ASCII_RE.test(original)) return new NormalisedText(text);
    const starts = new Int32Array(text.length);
    const ends = new Int32Array(text.length);
    alignPieces(original, text, starts, ends);
    return new NormalisedText(text, starts, ends);
  }

  /** Start in the original of normalised code unit `i`'s piece. */
  startOf(i: number): number {
    return this.starts ? this.starts[i]! : i;
  }

  /** End (exclusive) in the original of normalised code unit `i`'s piece. */
  endOf(i: number): number {
    return this.ends ? this.ends[i]! : i + 1;
  }
}

/** Pieces merged at most, looking for agreement with the whole text's result (keeps it linear). */
export const MAX_MERGE = 16;

const ASCII_RE = /^[\0-\x7f]*$/;
const MARK_RE = /^\p{M}$/u;
const SIGMA = 0x3c3;
const FINAL_SIGMA = 0x3c2;

/** Per BMP code unit: 0 not yet known, 1 extends the piece before it, 2 starts a piece. */
const extendsTable = new Uint8Array(0x10000);
/** Per BMP code unit: 0 not yet known, -1 its result is not one code unit, else that unit + 1. */
const singleTable = new Int32Array(0x10000);

function computeExtends(cp: number): boolean {
  // Hangul medial and final jamo (and their extension B) compose with what precedes them.
  if ((cp >= 0x1160 && cp <= 0x11ff) || (cp >= 0xd7b0 && cp <= 0xd7ff)) return true;
  return MARK_RE.test(String.fromCodePoint(cp));
}

function extendsPiece(cp: number): boolean {
  if (cp < 0x80) return false;
  if (cp > 0xffff) return computeExtends(cp);
  let f = extendsTable[cp]!;
  if (f === 0) extendsTable[cp] = f = computeExtends(cp) ? 1 : 2;
  return f === 1;
}

/** The one code unit a lone BMP unit normalises to, or -1. */
function singleResult(u: number): number {
  if (u < 0x80) return u >= 0x41 && u <= 0x5a ? u + 32 : u;
  let r = singleTable[u]!;
  if (r === 0) {
    const out = u >= 0xd800 && u <= 0xdfff ? '' : normaliseText(String.fromCharCode(u));
    singleTable[u] = r = out.length === 1 ? out.charCodeAt(0) + 1 : -1;
  }
  return r - 1;
}

function sameUnit(piece: number, whole: number): boolean {
  return piece === whole || (piece === SIGMA && whole === FINAL_SIGMA);
}

/** End of the piece starting at `i`: one code point and the code points that extend it. */
function pieceEnd(s: string, i: number): number {
  let j = i + (s.codePointAt(i)! > 0xffff ? 2 : 1);
  while (j < s.length) {
    const cp = s.codePointAt(j)!;
    if (!extendsPiece(cp)) break;
    j += cp > 0xffff ? 2 : 1;
  }
  return j;
}

/** Whether `part` occurs in `whole` at `at`, σ matching ς (final sigma needs the context). */
function occursAt(whole: string, part: string, at: number): boolean {
  if (at + part.length > whole.length) return false;
  for (let k = 0; k < part.length; k++)
    if (!sameUnit(part.charCodeAt(k), whole.charCodeAt(at + k))) return false;
  return true;
}

/**
 * End of the ASCII run at `i` that maps unit for unit: NFKC leaves ASCII alone and nothing composes
 * with it from before, and its lower case is per unit, so no comparison is needed. The run's last
 * unit is left out unless the text ends there, as a combining mark after it would join its piece.
 */
function asciiRun(s: string, i: number): number {
  let j = i;
  while (j < s.length && s.charCodeAt(j) < 0x80) j++;
  return j === s.length ? j : Math.max(i, j - 1);
}

/**
 * Fills `starts`/`ends` (one entry per code unit of `whole`) by walking the pieces of `original`
 * (see {@link NormalisedText}): one-unit pieces with a one-unit result compare in place; the rest
 * are normalised, merged with their neighbours when that disagrees with `whole`.
 */
function alignPieces(original: string, whole: string, starts: Int32Array, ends: Int32Array): void {
  const n = original.length;
  let p = 0;
  let i = 0;
  while (i < n && p < whole.length) {
    const ascii = asciiRun(original, i);
    if (ascii > i) {
      for (let k = i, at = p; k < ascii; k++, at++) {
        starts[at] = k;
        ends[at] = k + 1;
      }
      p += ascii - i;
      i = ascii;
      continue;
    }
    let end = pieceEnd(original, i);
    if (end === i + 1) {
      const r = singleResult(original.charCodeAt(i));
      if (r >= 0 && sameUnit(r, whole.charCodeAt(p))) {
        starts[p] = i;
        ends[p++] = end;
        i = end;
        continue;
      }
    }
    let produced = -1;
    for (let merged = 1; merged <= MAX_MERGE; merged++) {
      const out = normaliseText(original.slice(i, end));
      if (occursAt(whole, out, p)) {
        produced = out.length;
        break;
      }
      if (end >= n) break;
      end = pieceEnd(original, end);
    }
    // No agreement: the rest maps to one coarse range (see NormalisedText).
    if (produced < 0) [produced, end] = [whole.length - p, n];
    starts.fill(i, p, p + produced);
    ends.fill(end, p, p + produced);
    p += produced;
    i = end;
  }
  // Only reached when the pieces ran out first (they do not, as the results agree): map what is left to the end.
  starts.fill(Math.min(i, n), p);
  ends.fill(n, p);
}
