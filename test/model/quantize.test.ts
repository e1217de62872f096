import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deserializeArtefact, initBackend, readArtefact, serializeArtefact } from '../../src/model/index.js';
import { dequantizeRows, quantizeRows } from '../../src/model/quantize.js';
import { train } from '../../src/training/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

test('int8 rows: each weight within half its row scale; zero rows stay zero', () => {
  const units = 4;
  const m = new Float32Array([0.5, -1, 0.25, 0, 0, 0, 0, 0, 1e-3, 2e-3, -3e-3, 1e-4]);
  const q = quantizeRows(m, units);
  assert.deepEqual([...q.values.subarray(0, 4)], [64, -127, 32, 0]);
  const back = dequantizeRows(q, units);
  m.forEach((w, i) =>
    assert.ok(Math.abs(back[i]! - w) <= q.scales[Math.floor(i / units)]! / 2 + 1e-9, `${i}`),
  );
  assert.deepEqual([...back.subarray(4, 8)], [0, 0, 0, 0]);
});

test('quantize: int8 makes the artefact about 4× smaller and predicts (nearly) as float32 does', async () => {
  await initBackend('cpu');
  const data = syntheticArticles(60, 3);
  const opts = { epochs: 4, hiddenUnits: 16, seed: 2 };
  const full = await train(data, opts);
  const small = await train(data, { ...opts, quantize: 'int8' });
  const a = serializeArtefact(full.classifier);
  const b = serializeArtefact(small.classifier);
  const weights = (x: Uint8Array) => readArtefact(x).header.sections.weights;
  assert.ok(weights(b) < weights(a) / 3, `weights ${weights(b)} vs ${weights(a)} bytes`);
  assert.equal(readArtefact(b).header.quantization, 'int8-rows');
  const loaded = await deserializeArtefact(b);
  const texts = syntheticArticles(20, 9).map((x) => x.text);
  const ref = small.classifier.probabilities(small.classifier.vectorizer.transformMany(texts));
  const got = loaded.probabilities(loaded.vectorizer.transformMany(texts));
  let worst = 0;
  ref.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - got[i]!))));
  assert.ok(worst < 0.02, `largest probability change ${worst}`);
  assert.deepEqual(
    loaded.predict(texts).map((p) => p.label),
    small.classifier.predict(texts).map((p) => p.label),
  );
  for (const c of [full.classifier, small.classifier, loaded]) c.dispose();
});
