import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/common/index.js';
import { isAppError } from '../../src/errors/index.js';
import { initBackend } from '../../src/model/index.js';
import {
  collectCorpus,
  encodeDataset,
  packedCorpus,
  type PackedPart,
  type StoredArticle,
} from '../../src/text/index.js';
import { train } from '../../src/training/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

const code = (c: string) => (err: unknown) => isAppError(err) && err.code === c;

function part(articles: readonly StoredArticle[]): PackedPart {
  const raw = encodeDataset(articles);
  return { hash: sha256Hex(raw), packed: new Uint8Array(gzipSync(raw)) };
}

/** A packed corpus as the dataset store and the CLI's packer give it (with the texts' length). */
const corpusOf = (chunks: StoredArticle[][], documents = chunks.flat().length) =>
  packedCorpus({
    parts: chunks.map(part),
    documents,
    multiLabel: chunks.flat().some((a) => 'labels' in a),
    characters: chunks.flat().reduce((n, a) => n + a.text.length, 0),
  });

describe('packedCorpus (a data set streamed from its gzipped blobs)', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('hands out every article of every part in order, in batches, on every walk', async () => {
    // A text longer than one unzipped read (1 MiB) spans reads; non-ASCII text spans them too.
    const long = { text: `${'é word '.repeat(200_000)}end`, label: 'b' };
    const chunks: StoredArticle[][] = [
      [{ text: 'first', label: 'a' }, long, { text: 'ünïcode ✓', label: 'a' }],
      syntheticArticles(3000, 3),
      [{ text: 'last', labels: ['a', 'b'] }],
    ];
    const corpus = corpusOf(chunks);
    assert.equal(corpus.multiLabel, true);
    let batches = 0;
    for await (const batch of corpus.batches()) batches += batch.length > 0 ? 1 : 0;
    assert.ok(batches >= 4, `at least one batch per part and a split long one (${batches})`);
    for (let walk = 0; walk < 2; walk++) assert.deepEqual(await collectCorpus(corpus), chunks.flat());
  });

  it('fails its first walk with INVALID_DATA when a part is corrupt or the count is wrong', async () => {
    const good = part(syntheticArticles(20, 4));
    const tampered = {
      hash: good.hash,
      packed: new Uint8Array(gzipSync(encodeDataset(syntheticArticles(20, 5)))),
    };
    const bad = packedCorpus({ parts: [tampered], documents: 20, multiLabel: false });
    await assert.rejects(collectCorpus(bad), code('INVALID_DATA'));
    const short = packedCorpus({ parts: [good], documents: 21, multiLabel: false });
    await assert.rejects(collectCorpus(short), code('INVALID_DATA'));
  });

  it('trains exactly the model the same articles in an array train', async () => {
    const articles = syntheticArticles(120, 6);
    const options = { epochs: 3, hiddenUnits: 8, batchSize: 16, seed: 3 };
    const fromArray = await train(articles, options);
    const streamed = await train(corpusOf([articles.slice(0, 50), articles.slice(50)]), options);
    try {
      assert.deepEqual(streamed.classifier.labels, fromArray.classifier.labels);
      assert.deepEqual(streamed.classifier.vectorizer.terms, fromArray.classifier.vectorizer.terms);
      assert.deepEqual(streamed.history, fromArray.history);
      const [a, s] = [fromArray, streamed].map((r) => r.classifier.params());
      assert.deepEqual(s, a, 'the same weights, bit for bit');
    } finally {
      fromArray.classifier.dispose();
      streamed.classifier.dispose();
    }
  });

  it('trains a multi-label model from a streamed corpus with the same targets as from an array', async () => {
    const articles: StoredArticle[] = syntheticArticles(80, 7).map((a, i) => ({
      text: a.text,
      labels: i % 5 === 0 ? [] : i % 3 === 0 ? [a.label, 'extra'] : [a.label],
    }));
    const options = { epochs: 2, hiddenUnits: 8, batchSize: 16, seed: 3 };
    const fromArray = await train(articles, options);
    const streamed = await train(corpusOf([articles]), options);
    try {
      assert.equal(streamed.classifier.multiLabel, true);
      assert.deepEqual(streamed.classifier.labels, fromArray.classifier.labels);
      assert.deepEqual(streamed.history, fromArray.history);
    } finally {
      fromArray.classifier.dispose();
      streamed.classifier.dispose();
    }
  });
});
