import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { deserializeArtefact, initBackend, readArtefact, serializeArtefact } from '../../src/model/index.js';
import { train } from '../../src/training/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

/** Byte offset of the weights section from the artefact's start (magic, length, header, terms, idf). */
function weightsOffset(bytes: Uint8Array): number {
  const { header } = readArtefact(bytes);
  const headerLength = Buffer.from(bytes.buffer, bytes.byteOffset).readUInt32LE(8);
  return 12 + headerLength + header.sections.terms + header.sections.idf;
}

for (const backend of ['wasm', 'cpu'] as const)
  test(`${backend}: weights lie 4-byte aligned; aligned or not, a load predicts the same, holds no more tensors than the model, and leaves the bytes as they were`, async () => {
    await initBackend(backend);
    const texts = syntheticArticles(6, 9).map((a) => a.text);
    for (const seed of [1, 2, 3]) {
      // Seeds give vocabularies of different byte lengths: the header's padding varies.
      const r = await train(syntheticArticles(40, seed), { epochs: 2, hiddenUnits: 8, seed });
      const bytes = serializeArtefact(r.classifier);
      assert.equal(weightsOffset(bytes) % 4, 0, `seed ${seed}: weights at ${weightsOffset(bytes)}`);
      const expected = r.classifier.predict(texts);
      r.classifier.dispose();
      const before = tf.memory().numTensors;
      const aligned = new Uint8Array(bytes);
      // The same bytes one byte into a buffer: the weights can no longer be viewed as float32.
      const shifted = new Uint8Array(bytes.byteLength + 1).subarray(1);
      shifted.set(bytes);
      for (const [name, b] of [
        ['aligned', aligned],
        ['shifted', shifted],
      ] as const) {
        const c = await deserializeArtefact(b);
        assert.deepEqual(c.predict(texts), expected, `seed ${seed}, ${name}`);
        c.dispose();
        assert.ok(Buffer.from(b).equals(Buffer.from(bytes)), `seed ${seed}, ${name}: bytes changed`);
      }
      assert.equal(tf.memory().numTensors, before);
    }
  });
