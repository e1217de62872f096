import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/model/index.js';
import { DEFAULT_ADAM } from '../../src/training/adam.js';
import { hostStepper } from '../../src/training/host-step.js';
import { RefitRunner, type RefitSetup } from '../../src/training/refit-runner.js';
import { train, type TrainResult } from '../../src/training/index.js';
import { Vectorizer } from '../../src/text/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

before(async () => {
  await initBackend('wasm');
});

const data = syntheticArticles(120, 5);

function sameParams(a: TrainResult, b: TrainResult): void {
  const [p, q] = [a.classifier.params(), b.classifier.params()];
  for (const k of ['hiddenKernel', 'hiddenBias', 'outputKernel', 'outputBias'] as const) {
    assert.deepEqual(
      Buffer.from(p[k].buffer, p[k].byteOffset, p[k].byteLength),
      Buffer.from(q[k].buffer, q[k].byteOffset, q[k].byteLength),
      k,
    );
  }
}

describe('parallel refit', () => {
  it('trains the same weights, history and evaluation as the refit after the select phase', async () => {
    for (const options of [
      { epochs: 12, hiddenUnits: 8, seed: 5 },
      { epochs: 3, hiddenUnits: 8, seed: 6, patience: 0 },
      { epochs: 10, hiddenUnits: 0, seed: 7 },
      { epochs: 8, hiddenUnits: 8, seed: 8, classWeight: 'balanced' as const },
    ]) {
      const sequential = await train(data, options, { parallelRefit: false });
      const parallel = await train(data, options, { parallelRefit: true });
      try {
        assert.equal(sequential.parallelRefit, false);
        assert.equal(parallel.parallelRefit, true, 'the refit ran in its thread');
        sameParams(sequential, parallel);
        assert.deepEqual(parallel.history, sequential.history, JSON.stringify(options));
        assert.deepEqual(parallel.evaluation, sequential.evaluation);
        assert.ok(parallel.history.some((h) => h.phase === 'refit'));
      } finally {
        sequential.classifier.dispose();
        parallel.classifier.dispose();
      }
    }
  });

  it('ends its thread when training is cancelled during the select phase', async () => {
    const controller = new AbortController();
    const run = train(
      data,
      { epochs: 50, hiddenUnits: 8, patience: 50 },
      {
        parallelRefit: true,
        signal: controller.signal,
        onEpochEnd: (p) => {
          if (p.epoch === 2) controller.abort();
        },
      },
    );
    await assert.rejects(run, { code: 'CANCELLED' });
  });
});

describe('RefitRunner', () => {
  /** A small problem's refit setup, as a run would send it to the thread. */
  function setup(maxEpochs: number): RefitSetup {
    const fitted = Vectorizer.fitTransform(
      data.map((a) => a.text),
      { minDf: 1 },
    );
    const labels = [...new Set(data.map((a) => (a as { label: string }).label))];
    return {
      x: fitted.matrix,
      y: Int32Array.from(data, (a) => labels.indexOf((a as { label: string }).label)),
      dims: { hiddenUnits: 6, numClasses: labels.length },
      adam: { ...DEFAULT_ADAM, learningRate: 0.01 },
      batchSize: 16,
      dropout: 0.5,
      order: Int32Array.from(data, (_, i) => i),
      vocabularySize: fitted.vectorizer.size,
      seed: 11,
      maxEpochs,
      kernels: 'wasm',
    };
  }

  const flush = () => new Promise((resolve) => setImmediate(resolve));

  it('returns the weights after the best epoch, however far ahead of the verdicts it ran', async () => {
    // Reference: told up front to stop at epoch 2, it trains exactly two epochs.
    const direct = new RefitRunner(setup(8), hostStepper);
    direct.verdict({ epoch: 0, bestEpoch: 2, stop: true });
    const expected = await direct.run();
    assert.deepEqual(
      expected.epochs.map((e) => e.epoch),
      [1, 2],
    );
    // Verdicts arriving late: best at 2, then two worse epochs, then the stop.
    const late = new RefitRunner(setup(8), hostStepper);
    const result = late.run();
    for (const [epoch, bestEpoch] of [
      [1, 1],
      [2, 2],
      [3, 2],
      [4, 2],
    ] as const) {
      for (let i = 0; i < 40; i++) await flush();
      late.verdict({ epoch, bestEpoch, stop: epoch === 4 });
    }
    const got = await result;
    assert.deepEqual(got.params, expected.params);
    assert.deepEqual(
      got.epochs.map(({ epoch, loss }) => [epoch, loss]),
      expected.epochs.map(({ epoch, loss }) => [epoch, loss]),
    );
  });

  it('with no best epoch (no validation loss ever fell), refits one epoch', async () => {
    const once = new RefitRunner(setup(4), hostStepper);
    once.verdict({ epoch: 0, bestEpoch: 1, stop: true });
    const expected = await once.run();
    const runner = new RefitRunner(setup(4), hostStepper);
    const result = runner.run();
    for (const epoch of [1, 2, 3]) {
      for (let i = 0; i < 40; i++) await flush();
      runner.verdict({ epoch, bestEpoch: 0, stop: epoch === 3 });
    }
    assert.deepEqual((await result).params, expected.params);
  });
});
