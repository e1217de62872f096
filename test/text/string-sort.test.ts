import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sortedPositions } from '../../src/text/string-sort.js';
import { Rng } from '../../src/training/rng.js';

/** The reference: a comparison sort by code units (`<`), ties by position. */
const reference = (keys: readonly string[]) =>
  [...keys.keys()].sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));

test('orders strings by UTF-16 code units as `<` does, ties by position', () => {
  const rng = new Rng(7);
  // Few distinct units, so prefixes, shared stems and duplicates are common; surrogates and CJK too.
  const alphabet = ['a', 'b', ' ', 'é', '中', '文', '\ud83d\ude00', '\ud800', 'Z', '0'];
  for (const n of [0, 1, 2, 5, 13, 100, 3000]) {
    const keys = Array.from({ length: n }, () => {
      const len = Math.floor(rng.next() * 6);
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rng.next() * alphabet.length)]!;
      return s;
    });
    assert.deepEqual([...sortedPositions(keys)], reference(keys), `n = ${n}`);
  }
});
