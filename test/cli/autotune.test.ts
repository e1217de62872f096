import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { cli, limited, scratch } from './helpers.js';

/** `--autotune-*` on the CLI: a search in the process, then the winner trained; bad settings exit 2. */
const { dir, file } = scratch('textclf-cli-autotune-');
const jsonl = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join('\n');

test('fit-eval and train search, then train the best; bad settings are one line and exit 2', async () => {
  const trainFile = file('train.jsonl', jsonl(syntheticArticles(40, 4)));
  const testFile = file('test.jsonl', jsonl(syntheticArticles(10, 5)));
  const flags = ['--autotune-trials', '3', '--epochs', '5', '--max-features', '2000', '--backend', 'cpu'];
  const [fitEval, trained] = await limited([
    () => cli(['fit-eval', '--train', trainFile, '--test', testFile, '--json', ...flags]),
    () => cli(['train', '--data', trainFile, '--out', `${dir}/m`, ...flags, '--autotune-metric', 'macroF1']),
  ]);
  assert.equal(fitEval!.status, 0, fitEval!.stderr);
  const m = JSON.parse(fitEval!.stdout);
  assert.equal(m.autotune.metric, 'accuracy');
  assert.ok(m.autotune.trials >= 3, JSON.stringify(m.autotune));
  assert.ok(m.autotune.best && typeof m.autotune.best.score === 'number');
  assert.ok(m.accuracy > 0.8, String(m.accuracy));
  assert.equal(trained!.status, 0, trained!.stderr);
  assert.equal(JSON.parse(trained!.stdout).autotune.metric, 'macroF1');

  const bad: [string[], RegExp][] = [
    [['--autotune-trials', '1'], /autotune\.trials/],
    [['--autotune-seconds', 'soon'], /--autotune-seconds must be a number/],
    [['--autotune-metric', 'microF1'], /microF1 needs a multi-label data set/],
    [['--autotune-metric', 'f2'], /autotune\.metric/],
  ];
  for (const [args, message] of bad) {
    const r = await cli(['fit-eval', '--train', trainFile, '--test', testFile, '--backend', 'cpu', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.split('\n').length, 1, r.stderr);
  }
});
