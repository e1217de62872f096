import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { cli, ESC, noScript, onTerminal, scratch, screen, toTrickyCsv } from './helpers.js';

/**
 * Progress bars on stderr: drawn on a terminal (a pseudo-terminal from util-linux `script`),
 * absent off one and with `--json`, forced by `--progress`.
 */
const { dir, file } = scratch('textclf-cli-progress-');
const data = file('train.csv', toTrickyCsv(syntheticArticles(20, 3)));
const train = ['train', '--data', data, '--out', `${dir}/m`, '--epochs', '3', '--backend', 'wasm'];

test(
  'on a terminal, train draws reading, features, select and refit bars; each ends as one line',
  { skip: noScript },
  async () => {
    const r = await onTerminal(train);
    assert.equal(r.status, 0, r.out);
    const lines = screen(r.out);
    for (const [stage, count] of [
      ['reading', /100% [\d.]+\/[\d.]+ kB/],
      ['features', /100% 60\/60 docs/],
      ['select', /100% 3\/3 epochs \| \S+ \| loss \d\.\d{4} acc \d\.\d{4} val_acc \d\.\d{4}/],
      ['refit', /\d+\/\d+ epochs \| \S+ \| loss \d\.\d{4} acc \d\.\d{4}/],
    ] as const) {
      const line = lines.find((l) => l.startsWith(stage));
      assert.ok(line, `no ${stage} line in:\n${lines.join('\n')}`);
      assert.match(line, /█/);
      assert.match(line, count);
    }
    // While a stage runs its bar shows an ETA; once done, the time it took.
    assert.match(r.out, /epochs \| ETA \S+/);
    // The result still comes last, on a line of its own.
    assert.equal(JSON.parse(lines.filter((l) => l !== '').at(-1)!).labels.length, 3);
  },
);

test(
  'with --json on a terminal, and off a terminal, nothing but the result is written',
  { skip: noScript },
  async () => {
    const fitEval = [
      'fit-eval',
      '--train',
      data,
      '--test',
      data,
      '--json',
      '--epochs',
      '2',
      '--backend',
      'wasm',
    ];
    const [json, piped] = await Promise.all([onTerminal(fitEval), cli(train)]);
    assert.equal(json.status, 0, json.out);
    assert.doesNotMatch(json.out, /█|░|ETA/);
    assert.ok(!json.out.includes(ESC), 'no terminal control sequences');
    assert.equal(JSON.parse(json.out.trim()).trainDocuments, 60);
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stderr, '', 'no progress when stderr is not a terminal');
    assert.ok(JSON.parse(piped.stdout).model);
  },
);

test('--progress draws off a terminal too: one plain line per draw, no cursor moves', async () => {
  const r = await cli([...train, '--progress']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stderr.includes(ESC), 'no cursor moves');
  const lines = r.stderr.split('\n');
  assert.ok(
    lines.some((l) => /^features .*60\/60 docs/.test(l)),
    r.stderr,
  );
  assert.ok(
    lines.some((l) => /^select .*3\/3 epochs/.test(l)),
    r.stderr,
  );
  assert.ok(
    lines.some((l) => /^refit .*epochs/.test(l)),
    r.stderr,
  );
  assert.ok(!lines.includes(''), 'no blank lines between stages');
  assert.ok(JSON.parse(r.stdout).model);
});
