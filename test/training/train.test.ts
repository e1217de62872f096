import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, deserializeArtefact, serializeArtefact } from '../../src/model/index.js';
import { evaluate, train, type EpochProgress } from '../../src/training/index.js';
import { isAppError } from '../../src/errors/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

const data = syntheticArticles(60, 1);
const heldOut = syntheticArticles(30, 2);
const fast = { epochs: 8, hiddenUnits: 16, batchSize: 16, seed: 7 };

before(async () => {
  await initBackend('wasm');
});

test('learns separable topics and reports progress every epoch', async () => {
  const seen: EpochProgress[] = [];
  const r = await train(data, fast, { onEpochEnd: (p) => void seen.push(p) });
  assert.equal(seen.length, r.epochs);
  const select = seen.filter((p) => p.phase === 'select');
  const refit = seen.filter((p) => p.phase === 'refit');
  assert.deepEqual(seen, [...select, ...refit], 'select epochs come first');
  assert.deepEqual(
    select.map((p) => p.epoch),
    Array.from({ length: select.length }, (_, i) => i + 1),
  );
  assert.deepEqual(
    refit.map((p) => p.epoch),
    Array.from({ length: refit.length }, (_, i) => i + 1),
  );
  assert.ok(refit.length >= 1 && refit.length <= select.length);
  for (const p of select) {
    assert.equal(p.epochs, 8);
    assert.ok(Number.isFinite(p.loss) && p.accuracy >= 0 && p.accuracy <= 1);
    assert.ok(p.valLoss !== undefined && p.valAccuracy !== undefined);
  }
  for (const p of refit) assert.equal(p.epochs, refit.length);
  assert.ok(select.at(-1)!.loss < select[0]!.loss, 'loss falls');
  const ev = evaluate(r.classifier, heldOut);
  assert.ok(ev.accuracy > 0.9, `held-out accuracy ${ev.accuracy}`);
  assert.deepEqual(r.classifier.labels, ['politics', 'sport', 'tech']);
  assert.ok(r.evaluation && r.evaluation.documents === Math.floor(data.length * 0.1));
  const [p] = r.classifier.predict(['the striker scored a goal in the cup match']);
  assert.equal(p!.label, 'sport');
  const total = p!.scores.reduce((s, x) => s + x.probability, 0);
  assert.ok(Math.abs(total - 1) < 1e-4);
  assert.ok(p!.scores[0]!.probability >= p!.scores[1]!.probability);
  r.classifier.dispose();
});

test('the same seed gives the same model; another seed a different one', async () => {
  const texts = heldOut.slice(0, 20).map((a) => a.text);
  const a = await train(data, fast);
  const b = await train(data, fast);
  const c = await train(data, { ...fast, seed: 8 });
  const pa = a.classifier.predict(texts);
  assert.deepEqual(b.classifier.predict(texts), pa);
  assert.notDeepEqual(c.classifier.predict(texts), pa);
  [a, b, c].forEach((r) => r.classifier.dispose());
});

test('training and prediction leak no tensors', async () => {
  const first = await train(data, { ...fast, epochs: 2 });
  first.classifier.dispose();
  const before = tf.memory().numTensors;
  const r = await train(data, { ...fast, epochs: 3 });
  r.classifier.predict(heldOut.map((a) => a.text));
  evaluate(r.classifier, heldOut);
  r.classifier.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('an aborted signal cancels between batches', async () => {
  const controller = new AbortController();
  let epochs = 0;
  await assert.rejects(
    train(
      data,
      { ...fast, epochs: 50, patience: 100 },
      {
        signal: controller.signal,
        onEpochEnd: () => {
          if (++epochs === 2) controller.abort();
        },
      },
    ),
    (err) => isAppError(err) && err.code === 'CANCELLED',
  );
  assert.equal(epochs, 2);
});

test('the event loop keeps turning while training', async () => {
  // A callback that reschedules itself on every turn of the loop counts the turns; training that
  // never yielded would let none run until it returned.
  let turns = 0;
  let running = true;
  const spin = () => {
    turns++;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  const atEpochEnd: number[] = [];
  const r = await train(
    syntheticArticles(300, 3),
    { ...fast, epochs: 3, batchSize: 8 },
    { onEpochEnd: () => void atEpochEnd.push(turns) },
  );
  running = false;
  r.classifier.dispose();
  assert.ok(atEpochEnd.length >= 2, 'several epochs ran');
  assert.ok(atEpochEnd[0]! > 0, 'the loop turned during the first epoch');
  for (let i = 1; i < atEpochEnd.length; i++) {
    assert.ok(atEpochEnd[i]! > atEpochEnd[i - 1]!, `the loop turned during epoch ${i + 1}`);
  }
});

test('resuming from a checkpoint gives the same model as an uninterrupted run', async () => {
  const opts = { ...fast, epochs: 4, patience: 100 };
  const checkpoints = new Map<number, Uint8Array>();
  const straight = await train(data, opts, { onCheckpoint: (bytes, n) => void checkpoints.set(n, bytes) });
  assert.equal(checkpoints.size, straight.history.length);
  const texts = heldOut.map((a) => a.text);
  // One checkpoint in the select phase, one in the refit phase.
  for (const n of [2, straight.history.length - 1]) {
    const resumed = await train(data, opts, { resumeFrom: checkpoints.get(n) });
    assert.deepEqual(
      resumed.classifier.predict(texts),
      straight.classifier.predict(texts),
      `resumed after ${n}`,
    );
    assert.deepEqual(resumed.history, straight.history);
    assert.deepEqual(resumed.evaluation, straight.evaluation);
    resumed.classifier.dispose();
  }
  straight.classifier.dispose();
});

test('checkpointDue: a checkpoint not due is not encoded, and one that is still resumes exactly', async () => {
  const opts = { ...fast, epochs: 4, patience: 100 };
  const asked: number[] = [];
  const checkpoints = new Map<number, Uint8Array>();
  const straight = await train(data, opts, {
    checkpointDue: (n) => (asked.push(n), n % 2 === 0),
    onCheckpoint: (bytes, n) => void checkpoints.set(n, bytes),
  });
  assert.deepEqual(
    asked,
    straight.history.map((_, i) => i + 1),
  );
  assert.deepEqual(
    [...checkpoints.keys()],
    asked.filter((n) => n % 2 === 0),
  );
  const resumed = await train(data, opts, { resumeFrom: checkpoints.get(2) });
  const texts = heldOut.map((a) => a.text);
  assert.deepEqual(resumed.classifier.predict(texts), straight.classifier.predict(texts));
  resumed.classifier.dispose();
  straight.classifier.dispose();
});

test('bad options and bad data are rejected with stable codes', async () => {
  await assert.rejects(train(data, { epochs: -1 }), (e) => isAppError(e) && e.code === 'INVALID_OPTIONS');
  await assert.rejects(
    train(data, { hiddenUnits: -1 }),
    (e) => isAppError(e) && e.code === 'INVALID_OPTIONS',
  );
  await assert.rejects(
    train(data, { batchSize: 100000 }),
    (e) => isAppError(e) && e.code === 'INVALID_OPTIONS',
  );
  await assert.rejects(
    train([
      { text: 'a b', label: 'x' },
      { text: 'c d', label: 'x' },
    ]),
    (e) => isAppError(e) && e.code === 'INVALID_DATA',
  );
});

test('artefact round trip predicts identically; a flipped byte is detected', async () => {
  const r = await train(data, fast);
  const bytes = serializeArtefact(r.classifier);
  const copy = await deserializeArtefact(bytes);
  const texts = heldOut.map((a) => a.text);
  assert.deepEqual(copy.predict(texts), r.classifier.predict(texts));
  assert.deepEqual(copy.metadata.options, r.classifier.metadata.options);
  const bad = Uint8Array.from(bytes);
  bad[bad.length - 3]! ^= 0xff;
  await assert.rejects(deserializeArtefact(bad), (e) => isAppError(e) && e.code === 'ARTEFACT_CORRUPT');
  await assert.rejects(
    deserializeArtefact(new Uint8Array([1, 2, 3])),
    (e) => isAppError(e) && e.code === 'ARTEFACT_CORRUPT',
  );
  r.classifier.dispose();
  copy.dispose();
});

test('classWeight balanced: the same model on balanced data, more weight on the rare class on imbalanced data', async () => {
  const opts = { ...fast, epochs: 5, validationSplit: 0 };
  const even = syntheticArticles(20, 3);
  const a = await train(even, { ...opts, classWeight: 'none' });
  const b = await train(even, { ...opts, classWeight: 'balanced' });
  const texts = even.map((x) => x.text);
  assert.deepEqual(
    b.classifier.predict(texts),
    a.classifier.predict(texts),
    'all weights 1: nothing changes',
  );
  a.classifier.dispose();
  b.classifier.dispose();

  const [common, rare] = [...new Set(even.map((x) => x.label))];
  const skewed = [
    ...even.filter((x) => x.label === common),
    ...even.filter((x) => x.label === rare).slice(0, 3),
  ];
  const probe = syntheticArticles(10, 99).map((x) => x.text);
  const meanRare = async (classWeight: 'none' | 'balanced') => {
    const r = await train(skewed, { ...opts, classWeight });
    const preds = r.classifier.predict(probe);
    r.classifier.dispose();
    return (
      preds.reduce((s, p) => s + (p.scores.find((x) => x.label === rare)?.probability ?? 0), 0) / preds.length
    );
  };
  const [plain, weighted] = [await meanRare('none'), await meanRare('balanced')];
  assert.ok(weighted > plain, `mean P(${rare}) ${weighted.toFixed(3)} balanced vs ${plain.toFixed(3)} none`);
});
