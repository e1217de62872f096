/**
 * A hand-written scanner with exactly the semantics of this regular expression (matched globally,
 * alternatives tried in order at each position), which was the tokenizer's first version and is the
 * reference its tests compare against:
 *
 *   ((?:https?:\/\/|www\.)[^\s<>"'()]+) | (\p{Nd}+(?:[.,]\p{Nd}+)*(?![\p{L}\p{M}\p{N}]))
 *   | ([\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*) | (\p{Sc})               (flags: gu)
 *
 * Why by hand: on the serving path the regex engine's match objects and the substrings cost more
 * than the rest of vectorising; the scanner reports offsets and allocates nothing.
 */

/** The kinds of piece, in the regex's alternative order. */
export const URL = 1;
export const NUMBER = 2;
export const WORD = 3;
export const CURRENCY = 4;
/** A punctuation mark or symbol (`[\p{P}\p{S}]` other than currency), reported only when asked for. */
export const PUNCTUATION = 5;
export type PieceKind = typeof URL | typeof NUMBER | typeof WORD | typeof CURRENCY | typeof PUNCTUATION;

const L = 1;
const M = 2;
const N = 4;
const ND = 8;
const SC = 16;
const SPACE = 32;
const PS = 64;
const KNOWN = 128;
const LMN = L | M | N;

const RE_L = /\p{L}/u;
const RE_M = /\p{M}/u;
const RE_N = /\p{N}/u;
const RE_ND = /\p{Nd}/u;
const RE_SC = /\p{Sc}/u;
const RE_SPACE = /\s/u;
const RE_PS = /[\p{P}\p{S}]/u;

/** Class bits of every BMP code unit, filled in on first sight. */
const bmp = new Uint8Array(0x10000);
const astral = new Map<number, number>();

function classify(cp: number): number {
  const ch = String.fromCodePoint(cp);
  return (
    KNOWN |
    (RE_L.test(ch) ? L : 0) |
    (RE_M.test(ch) ? M : 0) |
    (RE_N.test(ch) ? N : 0) |
    (RE_ND.test(ch) ? ND : 0) |
    (RE_SC.test(ch) ? SC : 0) |
    (RE_SPACE.test(ch) ? SPACE : 0) |
    (RE_PS.test(ch) ? PS : 0)
  );
}

function flagsOf(cp: number): number {
  if (cp < 0x10000) {
    let f = bmp[cp]!;
    if (f === 0) bmp[cp] = f = classify(cp);
    return f;
  }
  let f = astral.get(cp);
  if (f === undefined) {
    f = classify(cp);
    if (astral.size < 10_000) astral.set(cp, f);
  }
  return f;
}

/** Code point at `i` (a lone surrogate is itself, as in a `u` regex). */
function cpAt(s: string, i: number): number {
  return s.codePointAt(i)!;
}

function width(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

/** Length of `http://`, `https://` or `www.` at `i`, else 0. */
function urlPrefix(s: string, i: number): number {
  if (s.startsWith('http://', i)) return 7;
  if (s.startsWith('https://', i)) return 8;
  if (s.startsWith('www.', i)) return 4;
  return 0;
}

/**
 * End of the URL at `i`, or -1 when none starts there: a prefix (see {@link urlPrefix}) and at
 * least one code unit that does not end a URL. Called once per candidate position, not per unit.
 */
function urlEnd(s: string, i: number): number {
  const p = urlPrefix(s, i);
  if (p === 0) return -1;
  const n = s.length;
  let j = i + p;
  while (j < n && !endsUrl(s.charCodeAt(j))) j++;
  return j > i + p ? j : -1;
}

/** `\s < > " ' ( )`: what ends a URL. */
function endsUrl(unit: number): boolean {
  return unit === 0x3c || unit === 0x3e || unit === 0x22 || unit === 0x27 || unit === 0x28 || unit === 0x29
    ? true
    : (flagsOf(unit) & SPACE) !== 0;
}

/** End of the run of Nd code points starting at `i` (i itself if none). */
function digitsEnd(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const u = s.charCodeAt(i);
    if (u >= 0x30 && u <= 0x39) {
      i++;
      continue;
    }
    if (u < 0x80) break;
    const cp = cpAt(s, i);
    if ((flagsOf(cp) & ND) === 0) break;
    i += width(cp);
  }
  return i;
}

function isLmnAt(s: string, i: number): boolean {
  if (i >= s.length) return false;
  const u = s.charCodeAt(i);
  if (u < 0x80) return isAsciiAlnum(u);
  return (flagsOf(cpAt(s, i)) & LMN) !== 0;
}

/** End of the run of L/M/N code points starting at `i`. */
function lmnEnd(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const u = s.charCodeAt(i);
    if (u < 0x80) {
      if (isAsciiAlnum(u)) {
        i++;
        continue;
      }
      break;
    }
    const cp = cpAt(s, i);
    if ((flagsOf(cp) & LMN) === 0) break;
    i += width(cp);
  }
  return i;
}

/**
 * End of the number starting at the digit at `i`, or -1 when the regex's number alternative does not
 * match there: the greedy match unless a letter/mark/number follows it; then the regex backtracks,
 * and the first place the look-ahead holds is the end of the previous [.,]-group (if any).
 */
function numberEnd(s: string, i: number): number {
  let end = digitsEnd(s, i);
  let previous = -1;
  for (;;) {
    const sep = s.charCodeAt(end);
    if (sep !== 0x2e && sep !== 0x2c) break;
    const next = digitsEnd(s, end + 1);
    if (next === end + 1) break;
    previous = end;
    end = next;
  }
  return isLmnAt(s, end) ? previous : end;
}

/**
 * Calls `piece(kind, start, end)` for every match of the pattern above in `s`, in order; with
 * `punctuation`, also for each punctuation mark or symbol between them (one code point each).
 */
export function scanPieces(
  s: string,
  piece: (kind: PieceKind, start: number, end: number) => void,
  punctuation = false,
): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const u = s.charCodeAt(i);
    // URL: only an `h` or `w` can start one, so other positions skip the prefix test.
    if (u === 0x68 || u === 0x77) {
      const j = urlEnd(s, i);
      if (j !== -1) {
        piece(URL, i, j);
        i = j;
        continue;
      }
    }
    const cp = u < 0x80 ? u : cpAt(s, i);
    const f = u < 0x80 ? asciiFlags(u) : flagsOf(cp);
    if (f & ND) {
      const end = numberEnd(s, i);
      if (end !== -1) {
        piece(NUMBER, i, end);
        i = end;
        continue;
      }
    }
    // Word, with inner apostrophes.
    if (f & LMN) {
      let end = lmnEnd(s, i);
      for (;;) {
        const a = s.charCodeAt(end);
        if ((a !== 0x27 && a !== 0x2019) || !isLmnAt(s, end + 1)) break;
        end = lmnEnd(s, end + 1);
      }
      piece(WORD, i, end);
      i = end;
      continue;
    }
    const w = width(cp);
    if (f & SC) piece(CURRENCY, i, i + w);
    else if (punctuation && f & PS) piece(PUNCTUATION, i, i + w);
    i += w;
  }
}

/** `[a-zA-Z0-9]`: the L/M/N code points below 0x80. */
function isAsciiAlnum(u: number): boolean {
  return (u >= 0x61 && u <= 0x7a) || (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a);
}

function asciiFlags(u: number): number {
  if (u >= 0x30 && u <= 0x39) return N | ND;
  if ((u >= 0x61 && u <= 0x7a) || (u >= 0x41 && u <= 0x5a)) return L;
  if (u === 0x24) return SC;
  return isAsciiPunctuation(u) ? PS : 0;
}

/** ASCII's `[\p{P}\p{S}]` less `$`: the printable characters that are neither alphanumeric nor space. */
function isAsciiPunctuation(u: number): boolean {
  return u > 0x20 && u < 0x7f;
}
