import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TrialThreads, type TrialRequest } from '../../src/queue/trial-runner.js';
import { encodeDataset } from '../../src/text/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

const bytes = (perLabel = 30) => new Uint8Array(encodeDataset(syntheticArticles(perLabel, 1)));
const request = (hash: string, index: number, options = {}): TrialRequest => ({
  datasetHash: hash,
  options: { epochs: 20, hiddenUnits: 8, learningRate: 0.02, ...options },
  spec: { id: `c${index}r0`, index, rung: 0, repeat: 0, options: {} },
  metric: 'accuracy',
  deadline: Date.now() + 120_000,
});

describe('warm trial threads', () => {
  const threads = new TrialThreads({ backend: 'wasm' }, 60_000);
  after(() => threads.close());

  it('run trial after trial in one thread, reading a data set once while it holds it', async () => {
    let loads = 0;
    const load = async () => (loads++, bytes());
    for (let i = 0; i < 3; i++) {
      const r = await (await threads.run(request('a', i), load)).result;
      assert.equal(r.status, 'done');
      assert.ok(r.score! > 0.5, `trial ${i} learnt something`);
    }
    assert.equal(threads.started, 1);
    assert.equal(loads, 1, 'the data set was read for the first trial only');
    await (
      await threads.run(request('b', 3), load)
    ).result;
    assert.equal(loads, 2, 'another data set is read');
    assert.equal(threads.started, 1);
  });

  it('a cancelled trial ends cancelled, an invalid one failed, and the thread runs the next', async () => {
    // A long trial (early stopping off) on a larger data set, cancelled while it trains.
    const long = request('c', 4, { epochs: 500, patience: 100 });
    const running = await threads.run(long, async () => bytes(400));
    setTimeout(() => running.cancel('parent cancelled'), 300);
    assert.equal((await running.result).status, 'cancelled');
    // One bad configuration is the trial's `failed`, never the thread's end.
    const bad = await (await threads.run(request('c', 5, { epochs: -1 }), async () => bytes())).result;
    assert.equal(bad.status, 'failed');
    assert.match(bad.error ?? '', /epochs/);
    const next = await (await threads.run(request('b', 6), async () => bytes())).result;
    assert.equal(next.status, 'done');
    assert.equal(threads.started, 1, 'still the one thread');
  });

  it('two trials at once take two threads; an idle thread ends after its idle time', async () => {
    const short = new TrialThreads({ backend: 'wasm' }, 200);
    try {
      const both = await Promise.all([0, 1].map((i) => short.run(request('a', i), async () => bytes())));
      await Promise.all(both.map((t) => t.result));
      assert.equal(short.started, 2);
      await new Promise((r) => setTimeout(r, 600));
      await (
        await short.run(request('a', 2), async () => bytes())
      ).result;
      assert.equal(short.started, 3, 'the idle threads had ended: a new one started');
    } finally {
      await short.close();
    }
  });
});
