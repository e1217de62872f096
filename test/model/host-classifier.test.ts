import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  deserializeArtefact,
  initBackend,
  loadHostClassifier,
  rankProbabilities,
  serializeArtefact,
} from '../../src/model/index.js';
import { train } from '../../src/training/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

const root = join(import.meta.dirname, '..', '..');

for (const kind of ['single-label', 'multi-label', 'int8', 'linear'] as const)
  test(`${kind}: the host classifier gives the TensorFlow.js model's probabilities and explanations, bit for bit`, async () => {
    await initBackend('wasm');
    const articles = syntheticArticles(60, 4);
    // Multi-label: each article keeps its topic, and every third one also carries a second label.
    const multi = articles.map((a, i) => ({ text: a.text, labels: i % 3 ? [a.label] : [a.label, 'extra'] }));
    const r = await train(kind === 'multi-label' ? multi : articles, {
      epochs: 3,
      hiddenUnits: kind === 'linear' ? 0 : 12,
      seed: 5,
      ...(kind === 'int8' ? { quantize: 'int8' } : {}),
    });
    const bytes = serializeArtefact(r.classifier);
    r.classifier.dispose();
    const tfModel = await deserializeArtefact(bytes);
    const host = await loadHostClassifier(new Uint8Array(bytes));
    const texts = [...syntheticArticles(8, 11).map((a) => a.text), '', 'zzzz unknown words only'];
    const x = tfModel.vectorizer.transformMany(texts);
    const want = tfModel.probabilities(x);
    assert.deepEqual(host.probabilities(host.vectorizer.transformMany(texts)), want);
    assert.deepEqual(host.explainRows(texts, want, 3), tfModel.explainRows(texts, want, 3));
    assert.deepEqual(host.head, tfModel.head);
    // The host model counts the buffer its weights are viewed in: the artefact's, at least the weights.
    assert.ok(
      host.memoryBytes() >= tfModel.memoryBytes(),
      `${host.memoryBytes()} < ${tfModel.memoryBytes()}`,
    );
    const ranked = rankProbabilities(host.labels, want, { topK: 2 });
    assert.equal(ranked.length, texts.length);
    tfModel.dispose();
  });

test('loading the host classifier does not load TensorFlow.js', () => {
  // tfjs-core registers its engine on the global object when it is first imported.
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      "await import('./src/model/inference.ts'); console.log(String(globalThis._tfengine !== undefined))",
    ],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(out.trim(), 'false');
});
