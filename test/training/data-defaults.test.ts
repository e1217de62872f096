import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/model/index.js';
import type { Article } from '../../src/text/index.js';
import {
  LARGE_DATA_PATIENCE,
  REFIT_MAX_DOCUMENTS,
  resolveTrainOptions,
  SHORT_TEXT_CHARACTERS,
  train,
} from '../../src/training/index.js';

before(async () => {
  await initBackend('wasm');
});

/** `n` articles of two topics, each text padded with filler words to about `length` characters. */
function articles(n: number, length: number): Article[] {
  const topics = [
    { label: 'spam', words: 'you won a free prize call now' },
    { label: 'ham', words: 'see you at the station later' },
  ];
  return Array.from({ length: n }, (_, i) => {
    const t = topics[i % 2]!;
    let text = `${t.words} ${i}`;
    while (text.length < length) text += ` filler${(i * 7 + text.length) % 13}`;
    return { text, label: t.label };
  });
}

test('stop words are kept by default in short texts and dropped in long ones; a given value wins', () => {
  const kind = (mean: number) => ({ documents: 100, characters: 100 * mean });
  assert.equal(resolveTrainOptions({}, kind(SHORT_TEXT_CHARACTERS - 1)).stopWords, false);
  assert.equal(resolveTrainOptions({}, kind(SHORT_TEXT_CHARACTERS)).stopWords, true);
  assert.equal(resolveTrainOptions({}, kind(2000)).stopWords, true);
  // Unknown length (a data set stored before it was kept): the long-text default, as before.
  assert.equal(resolveTrainOptions({}, { documents: 100 }).stopWords, true);
  assert.equal(resolveTrainOptions({ stopWords: true }, kind(40)).stopWords, true);
  assert.equal(resolveTrainOptions({ stopWords: false }, kind(2000)).stopWords, false);
});

test('a large data set is not refit and stops at its first epoch without progress by default; a given value wins', () => {
  const small = resolveTrainOptions({}, { documents: REFIT_MAX_DOCUMENTS - 1 });
  assert.equal(small.refit, true);
  assert.equal(small.patience, 3);
  const large = resolveTrainOptions({}, { documents: REFIT_MAX_DOCUMENTS });
  assert.equal(large.refit, false);
  assert.equal(large.patience, LARGE_DATA_PATIENCE);
  const given = resolveTrainOptions({ refit: true, patience: 5 }, { documents: 10 * REFIT_MAX_DOCUMENTS });
  assert.equal(given.refit, true);
  assert.equal(given.patience, 5);
});

test('punctuation is kept by default in short texts and dropped in long ones; a given value wins', () => {
  const kind = (mean: number) => ({ documents: 100, characters: 100 * mean });
  assert.equal(resolveTrainOptions({}, kind(SHORT_TEXT_CHARACTERS - 1)).punctuation, true);
  assert.equal(resolveTrainOptions({}, kind(SHORT_TEXT_CHARACTERS)).punctuation, false);
  assert.equal(resolveTrainOptions({}, { documents: 100 }).punctuation, false);
  assert.equal(resolveTrainOptions({ punctuation: false }, kind(40)).punctuation, false);
  assert.equal(resolveTrainOptions({ punctuation: true }, kind(2000)).punctuation, true);
});

test('a model trained on short texts has stop words in its vocabulary; one on long texts does not', async () => {
  const short = await train(articles(40, 60), { epochs: 2, hiddenUnits: 4, seed: 1 });
  const long = await train(articles(40, 800), { epochs: 2, hiddenUnits: 4, seed: 1 });
  try {
    assert.equal(short.options.stopWords, false);
    assert.equal(long.options.stopWords, true);
    // The stored options say what the model was trained with, so serving tokenises the same way.
    assert.equal(short.classifier.metadata.options.stopWords, false);
    assert.ok(short.classifier.vectorizer.terms.includes('you'), 'short texts keep "you"');
    assert.ok(!long.classifier.vectorizer.terms.includes('you'), 'long texts drop "you"');
    assert.equal(short.classifier.metadata.options.punctuation, true);
    assert.equal(short.classifier.vectorizer.options.tokenizer.punctuation, true);
    assert.equal(long.classifier.vectorizer.options.tokenizer.punctuation, false);
  } finally {
    short.classifier.dispose();
    long.classifier.dispose();
  }
});
