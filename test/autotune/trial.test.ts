import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { boundedTrial, firstRung, runTrial } from '../../src/autotune/index.js';
import { initBackend } from '../../src/model/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

/** One trial in process: scored on its split, stopped at the deadline with a score, skipped past it. */
describe('autotune trial', () => {
  const data = syntheticArticles(30, 2);
  const given = { epochs: 20, patience: 20, maxFeatures: 2000, validationSplit: 0.25 };
  const [spec] = firstRung(given, { trials: 2, budgetSeconds: 60, metric: 'accuracy' }, 1);
  before(() => initBackend('cpu'));

  it('runs until early stopping, or stops after the epoch running at the deadline and keeps its score', async () => {
    const full = await runTrial(data, given, spec!, 'accuracy');
    assert.equal(full.epochs, 20, 'patience 20: all epochs');
    assert.equal(full.truncated, undefined);
    assert.ok(full.score > 0.5, String(full.score));
    const cut = await runTrial(data, given, spec!, 'macroF1', { deadline: Date.now() });
    assert.equal(cut.epochs, 1);
    assert.equal(cut.truncated, true);
    assert.ok(cut.score >= 0 && cut.score <= 1);
  });

  it('is skipped past the deadline and cancelled by its signal, never started then', async () => {
    let ran = 0;
    const run = async () => (ran++, { score: 1, epochs: 1, seconds: 0 });
    const skipped = await boundedTrial(spec!, Date.now() - 1, run);
    assert.equal(skipped.status, 'skipped');
    const aborted = AbortSignal.abort();
    assert.equal((await boundedTrial(spec!, Date.now() + 60_000, run, aborted)).status, 'cancelled');
    assert.equal(ran, 0);
    const done = await boundedTrial(spec!, Date.now() + 60_000, run);
    assert.deepEqual([done.status, done.score, ran], ['done', 1, 1]);
    assert.match(done.worker!, /:\d+$/);
  });
});
