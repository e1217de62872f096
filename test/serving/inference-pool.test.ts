import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../../src/errors/index.js';
import { deserializeArtefact, type TextClassifier } from '../../src/model/index.js';
import { InferencePool } from '../../src/serving/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { trainedArtefacts } from '../helpers/artefacts.js';

const code = (c: string) => (e: unknown) => isAppError(e) && e.code === c;
const texts = ['zzzz qqqq', 'football', ...syntheticArticles(12, 21).map((a) => a.text)];

describe('inference threads', () => {
  let artefacts: Uint8Array[];
  let local: TextClassifier;
  before(async () => {
    artefacts = (await trainedArtefacts([1, 2])).artefacts;
    local = await deserializeArtefact(artefacts[0]!);
  });
  after(() => local.dispose());

  it('answers exactly as the model in this thread, one by one and in batches, across 2 threads', async () => {
    const pool = new InferencePool({ threads: 2, backend: 'cpu' });
    try {
      // On cpu the threads serve from plain arrays, without TensorFlow.js.
      assert.equal((await pool.started()).name, 'host');
      const model = await pool.load(artefacts[0]!);
      assert.deepEqual(model.labels, local.labels);
      assert.deepEqual(await model.predict(texts), local.predict(texts));
      assert.deepEqual(await model.predict(texts, 1), local.predict(texts, 1));
      // Many callers in the same turn: each gets its own text's answer.
      const one = await Promise.all(texts.map((t) => model.predict([t])));
      assert.deepEqual(
        one,
        texts.map((t) => local.predict([t])),
      );
      assert.deepEqual(await model.predict([]), []);
    } finally {
      await pool.close();
    }
  });

  it('keeps two models apart, unloads a disposed one after its last prediction, and holds no tensors', async () => {
    const pool = new InferencePool({ threads: 1, backend: 'cpu' });
    try {
      const [a, b] = [await pool.load(artefacts[0]!), await pool.load(artefacts[1]!)];
      const other = await deserializeArtefact(artefacts[1]!);
      assert.deepEqual(await b.predict(texts), other.predict(texts));
      other.dispose();
      const [start] = await pool.threadStats();
      assert.equal(start?.models, 2);
      for (let i = 0; i < 20; i++)
        await Promise.all([a.predict(texts), b.predict([texts[i % texts.length]!])]);
      const [after20] = await pool.threadStats();
      assert.equal(after20?.numTensors, start?.numTensors, 'tensors grew with predictions');
      // Disposed right after being asked: the prediction still completes.
      const pending = b.predict(texts);
      b.dispose();
      assert.equal((await pending).length, texts.length);
      await assert.rejects(b.predict(texts), /disposed/);
      const [end] = await pool.threadStats();
      assert.equal(end?.models, 1);
      assert.equal(end?.numTensors, 0, 'a host-array thread holds no tensors');
      a.dispose();
      assert.deepEqual(await pool.threadStats(), [{ models: 0, numTensors: 0 }]);
    } finally {
      await pool.close();
    }
  });

  it('refuses corrupt bytes with ARTEFACT_CORRUPT', async () => {
    const pool = new InferencePool({ threads: 1, backend: 'cpu' });
    try {
      const bad = new Uint8Array(artefacts[0]!); // a copy (Buffer#slice would share memory)
      bad[bad.length - 10]! ^= 0xff;
      await assert.rejects(pool.load(bad), code('ARTEFACT_CORRUPT'));
      assert.deepEqual(await pool.threadStats(), [{ models: 0, numTensors: 0 }]);
    } finally {
      await pool.close();
    }
  });

  for (const variant of ['kept', 'reread'] as const)
    it(`replaces a thread that dies: its requests fail with SERVICE_UNAVAILABLE, then the model serves again (bytes ${variant})`, async () => {
      const entry = new URL('./fixtures/crashing-inference-thread.ts', import.meta.url);
      const pool = new InferencePool({ threads: 1, backend: 'cpu', entry, restartDelayMs: 50 });
      let rereads = 0;
      try {
        // With `reread` the pool keeps no copy: the caller's buffer goes to the thread (then reads as
        // empty) and the replacement thread gets the bytes read again.
        const given = new Uint8Array(artefacts[0]!);
        const reread = async () => (rereads++, new Uint8Array(artefacts[0]!));
        const model = variant === 'kept' ? await pool.load(given) : await pool.load(given, reread);
        assert.equal(given.byteLength, variant === 'kept' ? artefacts[0]!.byteLength : 0);
        const answers = await Promise.allSettled([model.predict(['CRASH']), model.predict(texts)]);
        for (const a of answers) assert.ok(a.status === 'rejected' && code('SERVICE_UNAVAILABLE')(a.reason));
        // Until the new thread has the model loaded, requests fail fast rather than wait.
        await assert.rejects(model.predict(texts), code('SERVICE_UNAVAILABLE'));
        const deadline = Date.now() + 20_000;
        for (;;) {
          const r = await model.predict(texts).catch((e: unknown) => e);
          if (Array.isArray(r)) {
            assert.deepEqual(r, local.predict(texts));
            break;
          }
          assert.ok(code('SERVICE_UNAVAILABLE')(r), String(r));
          assert.ok(Date.now() < deadline, 'the thread was not replaced');
          await new Promise((res) => setTimeout(res, 50));
        }
        assert.equal(rereads, variant === 'kept' ? 0 : 1);
      } finally {
        await pool.close();
      }
    });
});
