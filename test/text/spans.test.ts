import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  isCharBigram,
  NormalisedText,
  tokenize,
  tokenizeWithSpans,
  Vectorizer,
  type TokenizerOptions,
  type TokenSpans,
} from '../../src/text/index.js';

const DATASETS =
  process.env.DATASETS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets');
const NAMES = ['bbc-news', 'sms-spam', 'thucnews-titles', 'goemotions'];

function texts(name: string, split = 'test'): string[] {
  return readFileSync(join(DATASETS, name, `${split}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text);
}

/** Seeded, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Pieces that change length or composition under NFKC and lower-casing, and plain ones. */
const PIECES = [
  ...['The', 'company’s', "don't", 'http://x.co/a?b=1', 'www.bbc.co.uk', '£1,000.50', '09061701461', '3.14'],
  ...[
    'e\u0301',
    'a\u0308\u0301',
    '\u0301',
    'Ω\u0345\u0313',
    'q\u0323\u0307',
    'ﬁ',
    'ﬂow',
    'Ĳ',
    '㎏',
    '½',
    '™',
    '①',
  ],
  ...[
    'ＡＢＣ',
    '１２３',
    '＄',
    'İ',
    'ΟΔΟΣ',
    'Σ',
    'ς',
    'ΣΑΣ',
    '😀',
    '👍🏽',
    '👨‍👩‍👧',
    '🇬🇧',
    '❤️',
    '𠀀',
    '𝐀𝐁',
    '𝔘𝔫𝔦',
  ],
  ...[
    '新款手机发布',
    '東京の天気',
    'ｶﾞｷﾞｸﾞ',
    'ㄱㅏㄴ',
    '가ㄳ',
    'ᄀ\u1161\u11a8',
    '한국어',
    '\ud800',
    '\udc00',
  ],
  ...['السلام', 'שָׁלוֹם', 'नमस्ते', 'ภาษาไทย', '\u0b92\u0bd7', '\u0b47\u0b3e', 'Straße', 'ǅ', 'ﷺ'],
];
const SEPARATORS = ['', '', ' ', ' ', '\n', '-', "'", '.', ','];

function randomText(next: () => number): string {
  const parts: string[] = [];
  for (let n = Math.floor(next() * 12); n > 0; n--) {
    const r = next();
    if (r < 0.7) parts.push(PIECES[Math.floor(next() * PIECES.length)]!);
    else if (r < 0.85) parts.push(String.fromCharCode(Math.floor(next() * 0x10000)));
    else parts.push(String.fromCodePoint(0x10000 + Math.floor(next() * 0x30000)));
    parts.push(SEPARATORS[Math.floor(next() * SEPARATORS.length)]!);
  }
  return parts.join('');
}

function assertSameTokens(text: string, r: TokenSpans, opts: TokenizerOptions = {}): void {
  assert.deepEqual(r.tokens, tokenize(text, opts), JSON.stringify(text));
  r.tokens.forEach((_, t) => {
    const [s, e] = [r.starts[t]!, r.ends[t]!];
    assert.ok(0 <= s && s < e && e <= text.length, `${JSON.stringify(text)}: token ${t} at [${s}, ${e})`);
  });
}

/** What a span must cut: text that tokenises to the token (CJK words: the same characters). */
function assertSliceTokenises(text: string, r: TokenSpans): void {
  r.tokens.forEach((token, t) => {
    const slice = text.slice(r.starts[t], r.ends[t]);
    const again = tokenize(slice);
    if (isCharBigram(token)) assert.deepEqual(again.filter(isCharBigram), [token], slice);
    else {
      // ICU may segment a CJK word cut out of its context differently; its characters are the same.
      const words = again.filter((w) => !isCharBigram(w));
      assert.ok(words.length === 1 ? words[0] === token : words.join('') === token, `${token} <- ${slice}`);
    }
  });
}

describe('tokenizeWithSpans', () => {
  for (const name of NAMES) {
    const present = existsSync(join(DATASETS, name, 'test.jsonl'));
    it(
      `gives tokenize's tokens on every ${name} test text, spans slicing to them`,
      { skip: !present },
      () => {
        for (const text of texts(name)) {
          const r = tokenizeWithSpans(text);
          assertSameTokens(text, r);
          assertSliceTokenises(text, r);
        }
      },
    );
  }

  it("gives tokenize's tokens on random Unicode strings, with spans inside the text", () => {
    const next = rng(42);
    for (let i = 0; i < 5000; i++) {
      const text = randomText(next);
      assertSameTokens(text, tokenizeWithSpans(text));
      const raw = { stem: false, stopWords: false };
      assertSameTokens(text, tokenizeWithSpans(text, raw), raw);
      const marks = { punctuation: true };
      assertSameTokens(text, tokenizeWithSpans(text, marks), marks);
    }
  });

  it('maps offsets back through NFKC, lower-casing and final sigma', () => {
    const spans = (text: string) => {
      const r = tokenizeWithSpans(text, { stopWords: false });
      return r.tokens.map((t, i) => `${t}@${r.starts[i]}-${r.ends[i]}`);
    };
    assert.deepEqual(spans('ΟΔΟΣ ΑΣ'), ['οδος@0-4', 'ας@5-7']);
    assert.deepEqual(spans('ﬁle ＡＢＣ İstanbul'), ['file@0-3', 'abc@4-7', 'i̇stanbul@8-16']);
    assert.deepEqual(spans('Cafe\u0301 nai\u0308ve'), ['café@0-5', 'naïve@6-12']);
    assert.deepEqual(spans('The company’s £1,000 😀 http://x.co/a'), [
      'the@0-3',
      'compani@4-13',
      '£@14-15',
      '1,000@15-20',
      '<url>@24-37',
    ]);
  });

  it('spans CJK words and character bigrams, composed kana and jamo, astral ideographs', () => {
    const r = tokenizeWithSpans('新款手机发布');
    const at = (token: string) => {
      const t = r.tokens.indexOf(token);
      return [r.starts[t], r.ends[t]];
    };
    assert.deepEqual(at('手机'), [2, 4]);
    assert.deepEqual(at('#c:新款'), [0, 2]);
    assert.deepEqual(at('#c:发布'), [4, 6]);
    const k = tokenizeWithSpans('ｶﾞｷﾞ ㄱㅏ 𠀀𠀁');
    assert.deepEqual(k.tokens, tokenize('ｶﾞｷﾞ ㄱㅏ 𠀀𠀁'));
    assert.deepEqual(
      k.tokens.map((t, i) => `${t}@${k.starts[i]}-${k.ends[i]}`),
      ['ガ@0-2', 'ギ@2-4', '#c:ガギ@0-4', '가@5-7', '𠀀@8-10', '𠀁@10-12', '#c:𠀀𠀁@8-12'],
    );
  });

  it('NormalisedText is the normalised text, each unit mapped to the piece it came from', () => {
    const m = NormalisedText.of('Aﬁ\u0301x');
    assert.equal(m.text, 'Aﬁ\u0301x'.normalize('NFKC').toLowerCase());
    // "ﬁ" with its accent is one piece: "f", "í" (composed) both map to it.
    assert.equal(m.text, 'afíx');
    const ranges = Array.from(m.text, (_, i) => [m.startOf(i), m.endOf(i)]);
    assert.deepEqual(ranges, [
      [0, 1],
      [1, 3],
      [1, 3],
      [3, 4],
    ]);
  });
});

describe('Vectorizer.transformWithSpans', () => {
  for (const name of ['bbc-news', 'thucnews-titles']) {
    const present = existsSync(join(DATASETS, name, 'train.jsonl'));
    it(
      `gives transformMany's row, every feature with spans that cut its term (${name})`,
      { skip: !present },
      () => {
        const train = texts(name, 'train').slice(0, 2000);
        const test = texts(name).slice(0, 300);
        const vec = Vectorizer.fitTransform(train, { ngramMax: 3 }).vectorizer;
        for (const text of [...test, '', '!!!', 'ΟΔΟΣ ﬁle 新款手机']) {
          // spansOf before grouping, then the grouped spans: the same lists.
          const lazily = vec.transformWithSpans(text);
          const one = Array.from(lazily.indices, (_, i) => lazily.spansOf(i));
          assert.deepEqual(one, lazily.spans);
          const f = vec.transformWithSpans(text);
          const m = vec.transformMany([text]);
          assert.deepEqual(f.indices, m.indices);
          assert.deepEqual(f.values, m.values);
          assert.equal(f.spans.length, f.indices.length);
          f.indices.forEach((id, i) => {
            const term = vec.terms[id]!;
            assert.ok(f.spans[i]!.length > 0, term);
            for (const [s, e] of f.spans[i]!) {
              const tokens = tokenize(text.slice(s, e));
              const words = isCharBigram(term)
                ? tokens.filter(isCharBigram)
                : tokens.filter((t) => !isCharBigram(t));
              // CJK words may segment differently out of context: compare characters there.
              const ok = isCharBigram(term) ? words.includes(term) : words.join(' ') === term;
              assert.ok(ok || words.join('') === term.replaceAll(' ', ''), `${term} <- ${text.slice(s, e)}`);
            }
          });
        }
      },
    );
  }

  it('counts every occurrence: spans per feature match the term counts', () => {
    const vec = Vectorizer.fit([tokenize('red fish blue fish'), tokenize('red fish')], { minDf: 1 });
    const text = 'Red fish, blue FISH; red fish.';
    const f = vec.transformWithSpans(text);
    const got = Object.fromEntries(
      Array.from(f.indices, (id, i) => [vec.terms[id]!, f.spans[i]!.map(([s, e]) => text.slice(s, e))]),
    );
    assert.deepEqual(got, {
      blue: ['blue'],
      'blue fish': ['blue FISH'],
      fish: ['fish', 'FISH', 'fish'],
      'fish blue': ['fish, blue'],
      red: ['Red', 'red'],
      'red fish': ['Red fish', 'red fish'],
    });
  });
});
