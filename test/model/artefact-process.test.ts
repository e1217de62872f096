import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, readArtefact, saveArtefact } from '../../src/model/index.js';
import { train } from '../../src/training/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

const root = join(import.meta.dirname, '..', '..');

test('a saved model predicts identically in a fresh process and loads as a TensorFlow.js LayersModel', async () => {
  await initBackend('wasm');
  const r = await train(syntheticArticles(40, 5), { epochs: 4, hiddenUnits: 8, seed: 3 });
  const dir = mkdtempSync(join(tmpdir(), 'textclf-artefact-'));
  const file = await saveArtefact(r.classifier, dir);
  const texts = syntheticArticles(5, 9).map((a) => a.text);
  const here = r.classifier.predict(texts);

  // The CLI's predict command in a new process reads the file and prints one JSON line per input.
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'predict', '--model', dir, '--backend', 'wasm'],
    {
      input: texts.join('\n') + '\n',
      encoding: 'utf8',
      cwd: root,
    },
  );
  const there = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(there.length, texts.length);
  there.forEach((p, i) => {
    assert.equal(p.label, here[i]!.label);
    p.scores.forEach((s: { label: string; probability: number }, j: number) => {
      assert.equal(s.label, here[i]!.scores[j]!.label);
      assert.ok(Math.abs(s.probability - here[i]!.scores[j]!.probability) < 1e-6);
    });
  });

  // The artefact carries a standard LayersModel topology and weight manifest.
  const { header, weightData } = readArtefact(readFileSync(file));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: header.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: header.weightSpecs,
      weightData,
    }),
  );
  const x = r.classifier.vectorizer.transformMany(texts);
  // The LayersModel is the uncalibrated network: compare with its raw output.
  const direct = r.classifier.rawProbabilities(x);
  const width = Math.max(...texts.map((_, i) => x.rowPtr[i + 1]! - x.rowPtr[i]!), 1);
  const ids = new Int32Array(texts.length * width);
  const weights = new Float32Array(texts.length * width);
  for (let i = 0; i < texts.length; i++) {
    for (let k = x.rowPtr[i]!; k < x.rowPtr[i + 1]!; k++) {
      ids[i * width + k - x.rowPtr[i]!] = x.indices[k]!;
      weights[i * width + k - x.rowPtr[i]!] = x.values[k]!;
    }
  }
  const y = model.predict([
    tf.tensor2d(ids, [texts.length, width], 'int32'),
    tf.tensor2d(weights, [texts.length, width]),
  ]) as tf.Tensor;
  const loaded = y.dataSync();
  direct.forEach((v, i) => assert.ok(Math.abs(v - loaded[i]!) < 1e-6));
  writeFileSync(join(dir, 'done'), '');
  r.classifier.dispose();
  model.dispose();
});
