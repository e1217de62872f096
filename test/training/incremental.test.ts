import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, readArtefact, serializeArtefact } from '../../src/model/index.js';
import { isAppError } from '../../src/errors/index.js';
import {
  baseFromArtefact,
  baseFromClassifier,
  carryOptions,
  train,
  type BaseModel,
  type TrainResult,
} from '../../src/training/index.js';
import { extendFeatures, warmParams } from '../../src/training/extend.js';
import { resolveTrainOptions } from '../../src/training/options.js';
import { Rng } from '../../src/training/rng.js';
import type { SingleLabelArticle } from '../../src/text/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

const fast = { epochs: 40, hiddenUnits: 16, batchSize: 16, seed: 7, learningRate: 0.02 };
const WEATHER = ['rain', 'storm', 'sunny', 'forecast', 'snow', 'wind', 'cloud', 'thunder', 'frost', 'humid'];

/** Articles of a topic the base never saw: new terms and a new label. */
function weather(n: number, seed: number): SingleLabelArticle[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: SingleLabelArticle[] = [];
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 10 }, () =>
      next() < 0.5 ? WEATHER[Math.floor(next() * WEATHER.length)]! : ['today', 'city', 'week'][i % 3]!,
    );
    out.push({ text: words.join(' '), label: 'weather' });
  }
  return out;
}

const baseData = syntheticArticles(40, 1);
let baseRun: TrainResult;
let base: BaseModel;

before(async () => {
  await initBackend('wasm');
  baseRun = await train(baseData, fast);
  base = baseFromClassifier(baseRun.classifier);
});

test('the base from an artefact is the base from the classifier', () => {
  const fromBytes = baseFromArtefact(serializeArtefact(baseRun.classifier));
  assert.deepEqual(fromBytes.terms, base.terms);
  assert.deepEqual(fromBytes.labels, base.labels);
  assert.deepEqual(fromBytes.params.hiddenKernel, base.params.hiddenKernel);
  assert.equal(fromBytes.documents, baseData.length);
  assert.equal(fromBytes.multiLabel, false);
});

test('the vocabulary is extended: base terms keep their ids and rows, new labels get output columns', async () => {
  const data = [...baseData, ...weather(20, 3)];
  const options = carryOptions(base, {}, false);
  const f = await extendFeatures(data, options, base);
  assert.deepEqual(f.vectorizer.terms.slice(0, base.terms.length), base.terms, 'old ids unchanged');
  assert.ok(f.vectorizer.size > base.terms.length, 'new terms appended');
  assert.ok(f.vectorizer.termId('storm')! >= base.terms.length);
  assert.equal(f.added!.terms, f.vectorizer.size - base.terms.length);
  assert.deepEqual(f.labels, ['politics', 'sport', 'tech', 'weather']);
  assert.deepEqual(f.added!.labels, ['weather']);
  // idf is recomputed over all the documents.
  assert.equal(f.vectorizer.numDocuments, data.length);
  const { hidden, dense } = warmParams(base, f, new Rng(1));
  const h = base.hiddenUnits;
  const kernel = hidden.kernel();
  for (const r of [0, 1, base.terms.length - 1])
    assert.deepEqual(
      kernel.subarray(r * h, (r + 1) * h),
      base.params.hiddenKernel.subarray(r * h, (r + 1) * h),
      `row ${r}`,
    );
  assert.deepEqual(dense.hiddenBias, base.params.hiddenBias);
  const c = f.labels.length;
  const cb = base.labels.length;
  for (const [k, label] of f.labels.entries()) {
    const from = base.labels.indexOf(label);
    if (from < 0) continue;
    for (let j = 0; j < h; j++)
      assert.equal(dense.outputKernel[j * c + k], base.params.outputKernel[j * cb + from], `${label} ${j}`);
    assert.equal(dense.outputBias[k], base.params.outputBias[from]);
  }
});

test('at maxFeatures, rare base terms give their ids to more frequent new terms; kept ones keep theirs', async () => {
  const data = [...baseData, ...weather(20, 3)];
  const cap = base.terms.length;
  const f = await extendFeatures(data, carryOptions(base, { maxFeatures: cap }, false), base);
  assert.equal(f.vectorizer.size, cap);
  const terms = f.vectorizer.terms;
  const kept = terms.filter((t, i) => t === base.terms[i]).length;
  assert.ok(kept > cap / 2 && kept < cap, `${kept} of ${cap} kept`);
  assert.ok(terms.includes('storm'), 'a frequent new term is in');
  const { hidden } = warmParams(base, f, new Rng(1));
  const h = base.hiddenUnits;
  const kernel = hidden.kernel();
  terms.forEach((t, r) => {
    if (t === base.terms[r])
      assert.deepEqual(
        kernel.subarray(r * h, (r + 1) * h),
        base.params.hiddenKernel.subarray(r * h, (r + 1) * h),
      );
  });
});

test('a new label gets an output node and is predicted; the old ones still are', async () => {
  const data = [...baseData, ...weather(20, 3)];
  const r = await train(data, {}, { base });
  assert.deepEqual(r.classifier.labels, ['politics', 'sport', 'tech', 'weather']);
  assert.deepEqual(r.added?.labels, ['weather']);
  const [w, s] = r.classifier.predict([
    'storm and rain in the forecast',
    'the striker scored a goal in the cup match',
  ]);
  assert.equal(w!.label, 'weather');
  assert.equal(s!.label, 'sport');
  assert.equal(r.options.hiddenUnits, 16, "the base's options are the defaults");
  r.classifier.dispose();
});

test('fewer epochs than from scratch, as accurate', async () => {
  const data = [...baseData, ...syntheticArticles(20, 5)];
  const heldOut = syntheticArticles(30, 2);
  const inc = await train(data, {}, { base });
  const scratch = await train(data, fast);
  const acc = (r: TrainResult) => {
    const p = r.classifier.predict(heldOut.map((a) => a.text));
    return p.filter((x, i) => x.label === heldOut[i]!.label).length / heldOut.length;
  };
  assert.ok(
    inc.epochs * 2 < scratch.epochs,
    `incremental ${inc.epochs} epochs, from scratch ${scratch.epochs}`,
  );
  assert.ok(acc(inc) >= acc(scratch) - 0.02, `accuracy ${acc(inc)} vs ${acc(scratch)}`);
  inc.classifier.dispose();
  scratch.classifier.dispose();
});

test('an incremental run resumed from its checkpoints ends as the straight run', async () => {
  const data = [...baseData, ...weather(20, 3)];
  const checkpoints = new Map<number, Uint8Array>();
  const straight = await train(data, {}, { base, onCheckpoint: (b, e) => void checkpoints.set(e, b) });
  const phases = straight.history.map((p) => p.phase);
  const select = phases.lastIndexOf('select') + 1;
  assert.ok(phases.includes('refit'));
  const texts = ['storm and rain', 'the minister won the vote', 'new phone chip'];
  for (const n of [1, select, select + 1].filter((k) => k < straight.history.length)) {
    const resumed = await train(data, {}, { base, resumeFrom: checkpoints.get(n) });
    assert.deepEqual(resumed.classifier.predict(texts), straight.classifier.predict(texts), `after ${n}`);
    assert.deepEqual(resumed.history, straight.history);
    resumed.classifier.dispose();
  }
  straight.classifier.dispose();
});

test('options that change the features or the network cannot be carried over', async () => {
  const data = [...baseData, ...weather(10, 3)];
  await assert.rejects(
    train(data, { hiddenUnits: 32, ngramMax: 1, stem: false }, { base }),
    (e) =>
      isAppError(e) &&
      e.code === 'INVALID_OPTIONS' &&
      /hiddenUnits, ngramMax, stem/.test(e.message) &&
      (e.details.errors as { path: string }[]).map((x) => x.path).join() === 'hiddenUnits,ngramMax,stem',
  );
  // The base's own value given again is fine; others override.
  const o = carryOptions(base, { hiddenUnits: 16, epochs: 3 }, false);
  assert.equal(o.epochs, 3);
  assert.throws(
    () => carryOptions(base, {}, true),
    (e) => isAppError(e) && (e.details.errors as { path: string }[])[0]!.path === 'multiLabel',
  );
  assert.deepEqual(resolveTrainOptions({ ...base.options }), carryOptions(base, {}, false));
  assert.equal(readArtefact(serializeArtefact(baseRun.classifier)).header.labels.length, 3);
});
