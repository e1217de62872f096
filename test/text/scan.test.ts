import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanPieces } from '../../src/text/scan.js';

/** The specification: the tokenizer's regular expression, whose semantics the scanner reproduces. */
const TOKEN_RE =
  /((?:https?:\/\/|www\.)[^\s<>"'()]+)|(\p{Nd}+(?:[.,]\p{Nd}+)*(?![\p{L}\p{M}\p{N}]))|([\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*)|(\p{Sc})/gu;

function byRegex(s: string): string[] {
  return [...s.matchAll(TOKEN_RE)].map((m) => {
    const kind = m[1] !== undefined ? 1 : m[2] !== undefined ? 2 : m[3] !== undefined ? 3 : 4;
    return `${kind}:${m.index}:${m.index + m[0].length}`;
  });
}

/** With punctuation: one more alternative, tried last, for each punctuation mark or symbol. */
const WITH_PUNCTUATION_RE = new RegExp(`${TOKEN_RE.source}|([\\p{P}\\p{S}])`, 'gu');

function byRegexWithPunctuation(s: string): string[] {
  return [...s.matchAll(WITH_PUNCTUATION_RE)].map((m) => {
    const kind = [1, 2, 3, 4, 5].find((k) => m[k] !== undefined)!;
    return `${kind}:${m.index}:${m.index + m[0].length}`;
  });
}

function byScanner(s: string, punctuation = false): string[] {
  const out: string[] = [];
  scanPieces(s, (kind, start, end) => out.push(`${kind}:${start}:${end}`), punctuation);
  return out;
}

/** Pieces chosen to meet every branch: URL prefixes, number groups, apostrophes, marks, astral digits, lone surrogates. */
const ALPHABET = [
  'a',
  'b',
  'z',
  'Q',
  'h',
  'w',
  'x',
  '0',
  '1',
  '9',
  '.',
  ',',
  "'",
  '’',
  ' ',
  '\u00a0',
  '\n',
  '\t',
  'http://',
  'https://',
  'www.',
  'http:/',
  'www',
  '$',
  '£',
  '€',
  'é',
  'e\u0301',
  '\u0301',
  '²',
  'Ⅻ',
  '٣',
  '😀',
  '𝟙',
  '𐒠',
  '<',
  '>',
  '"',
  '(',
  ')',
  '-',
  '_',
  '/',
  '\ud800',
  '\udc00',
  'ß',
  'я',
  '한',
  '\u3000',
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('scanner', () => {
  it('matches the tokenizer regex on hand-picked cases', () => {
    const cases = [
      '',
      'hello world',
      "the company's shares don't",
      'rose 3.5% to 1,234,567.89 on 12.03.2024',
      '1.5x 3.x 4, 5. 123abc abc123 1,2,3b',
      'see http://example.com/a?b=c(d) and www.bbc.co.uk, or http:// nothing',
      'prices: $5, £10 and €20; ¥ alone',
      'café naïve e\u0301clair ß straße ²³ Ⅻ ٣٤٥ 𝟙𝟚 𐒠𐒡x',
      'emoji 😀😀 ok\ud800lone\udc00',
      "rock 'n' roll ’tis it’s o''clock",
    ];
    for (const s of cases) {
      assert.deepEqual(byScanner(s), byRegex(s), JSON.stringify(s));
      assert.deepEqual(byScanner(s, true), byRegexWithPunctuation(s), JSON.stringify(s));
    }
  });

  it('reports each punctuation mark and symbol, one code point each, only when asked', () => {
    const s = 'hi!! :) 《新》 ok? £5 😀 a—b';
    const marks = (punctuation: boolean) => {
      const out: string[] = [];
      scanPieces(s, (kind, start, end) => kind === 5 && out.push(s.slice(start, end)), punctuation);
      return out;
    };
    assert.deepEqual(marks(true), ['!', '!', ':', ')', '《', '》', '?', '😀', '—']);
    assert.deepEqual(marks(false), []);
  });

  it('matches the tokenizer regex on 20,000 random strings', () => {
    const next = rng(7);
    for (let k = 0; k < 20_000; k++) {
      const len = Math.floor(next() * 24);
      let s = '';
      for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
      assert.deepEqual(byScanner(s), byRegex(s), JSON.stringify(s));
      assert.deepEqual(byScanner(s, true), byRegexWithPunctuation(s), JSON.stringify(s));
    }
  });
});
