/**
 * The Try page's highlighting of an explanation: the text cut at every span boundary (UTF-16
 * offsets, `slice` semantics), each piece given its strongest covering term, pieces of one term
 * joined, and nothing of the text lost or doubled.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { segments, type ExplainedTerm } from '../../web/src/highlight.js';

const at = (text: string, surface: string, from = 0): [number, number] => {
  const i = text.indexOf(surface, from);
  assert.ok(i >= 0, surface);
  return [i, i + surface.length];
};

/** [text, term or null] per segment. */
const view = (text: string, terms: ExplainedTerm[]) =>
  segments(text, terms).map((s) => [s.text, s.term?.term ?? null]);

describe('explanation highlighting', () => {
  it('slices by UTF-16 offsets, past astral characters and full-width letters', () => {
    const text = 'Café 😀 ＧＯＡＬ 𝒳 mark';
    const terms = [
      { term: 'goal', weight: 1, spans: [at(text, 'ＧＯＡＬ')] },
      { term: 'café', weight: 0.5, spans: [at(text, 'Café')] },
      { term: 'mark', weight: -0.2, spans: [at(text, 'mark')] },
    ];
    assert.deepEqual(view(text, terms), [
      ['Café', 'café'],
      [' 😀 ', null],
      ['ＧＯＡＬ', 'goal'],
      [' 𝒳 ', null],
      ['mark', 'mark'],
    ]);
  });

  it('gives an overlap to the strongest term and joins the pieces of one term', () => {
    const text = 'the stock market fell; market';
    const market = { term: 'market', weight: -0.3, spans: [at(text, 'market'), at(text, 'market', 17)] };
    const strong = { term: 'stock market', weight: 0.9, spans: [at(text, 'stock market')] };
    assert.deepEqual(view(text, [market, strong]), [
      ['the ', null],
      ['stock market', 'stock market'],
      [' fell; ', null],
      ['market', 'market'],
    ]);
    // A weaker n-gram: the word inside it wins its own piece, the rest stays the n-gram's.
    const weak = { ...strong, weight: 0.1 };
    assert.deepEqual(view(text, [market, weak]).slice(1, 3), [
      ['stock ', 'stock market'],
      ['market', 'market'],
    ]);
    // By |weight|: a strong "away" term beats a weaker "towards" one.
    const away = { ...market, weight: -2 };
    assert.deepEqual(view(text, [away, strong]).slice(1, 3), [
      ['stock ', 'stock market'],
      ['market', 'market'],
    ]);
  });

  it('keeps every character once, and ignores empty, reversed and out-of-range spans', () => {
    const text = 'a b c';
    const terms: ExplainedTerm[] = [
      {
        term: 'x',
        weight: 1,
        spans: [
          [2, 2],
          [4, 1],
          [3, 99],
          [-5, 1],
        ],
      },
    ];
    const out = segments(text, terms);
    assert.equal(out.map((s) => s.text).join(''), text);
    assert.deepEqual(
      out.map((s) => [s.start, s.end, s.term?.term ?? null]),
      [
        [0, 1, 'x'],
        [1, 3, null],
        [3, 5, 'x'],
      ],
    );
    assert.deepEqual(segments('', terms), []);
    assert.deepEqual(view('plain', []), [['plain', null]]);
  });
});
