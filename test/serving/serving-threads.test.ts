import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deserializeArtefact } from '../../src/model/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { trainedArtefacts } from '../helpers/artefacts.js';
import { testServices, waitFor } from '../helpers/services.js';

/** The serving path with real models, in inference threads and on the main thread (INFERENCE_THREADS=0). */
describe('serving real models with and without inference threads', () => {
  it('gives the same answers as the model itself, and hot-swaps, either way', async () => {
    const { artefacts, meta } = await trainedArtefacts([3, 4]);
    const texts = syntheticArticles(10, 9).map((a) => a.text);
    const expected = await Promise.all(
      artefacts.map(async (a) => {
        const clf = await deserializeArtefact(a);
        // Answers carry label and scores (the unknown-word share goes to metrics only).
        const p = clf.predict(texts, 2).map(({ label, scores }) => ({ label, scores }));
        clf.dispose();
        return p;
      }),
    );
    for (const threads of ['0', '2']) {
      const s = await testServices({ env: { INFERENCE_THREADS: threads } });
      try {
        assert.equal(Boolean(s.inference), threads !== '0');
        await s.registry.publish('m', artefacts[0]!, meta);
        assert.deepEqual((await s.classifier.classify('m', texts, { topK: 2 })).results, expected[0]);
        await s.registry.publish('m', artefacts[1]!, meta);
        await waitFor(() => s.classifier.servedVersion('m') === 2, 10_000, `v2 with ${threads} threads`);
        const [latest, pinned] = await Promise.all([
          s.classifier.classify('m', texts, { topK: 2 }),
          s.classifier.classify('m', texts, { version: 1, topK: 2 }),
        ]);
        assert.deepEqual([latest.version, pinned.version], [2, 1]);
        assert.deepEqual(latest.results, expected[1]);
        assert.deepEqual(pinned.results, expected[0]);
        const backend = s.deps.health.backend();
        // Threads on cpu serve from plain arrays without TensorFlow.js (the same loops cpu runs).
        const name = threads === '0' ? 'cpu' : 'host';
        assert.equal(backend?.name, name, `the serving backend is reported (${threads} threads)`);
      } finally {
        await s.close();
      }
    }
  });
});
