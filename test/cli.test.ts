import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticArticles } from './fixtures/synthetic.js';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'textclf-cli-'));

function cli(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args, '--backend', 'wasm'],
    {
      encoding: 'utf8',
      cwd: root,
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

test('bad input files stop with one line naming file and line, exit 2', () => {
  const cases: [string, string, RegExp][] = [
    [
      'badjson.jsonl',
      '{"text":"a","label":"x"}\n{"text":"b","label":"y"}\nnot json\n',
      /badjson\.jsonl:3: invalid JSON/,
    ],
    ['nolabel.jsonl', '{"text":"a","label":"x"}\n{"text":"b"}\n', /nolabel\.jsonl:2: missing field "label"/],
    ['empty.jsonl', '{"text":"a","label":"x"}\n{"text":"  ","label":"x"}\n', /empty\.jsonl:2: .*empty/],
    // Blank lines are skipped, yet the article is named by its own line.
    ['gap.jsonl', '{"text":"a","label":"x"}\n\n\n{"text":"b","label":" "}\n', /gap\.jsonl:4: label is empty/],
    [
      'single.jsonl',
      '{"text":"a","label":"x"}\n{"text":"b","label":"x"}\n',
      /single\.jsonl: at least 2 distinct labels/,
    ],
    [
      'few.jsonl',
      '{"text":"a","label":"x"}\n{"text":"b","label":"y"}\n{"text":"c","label":"y"}\n',
      /label "x" has 1 example/,
    ],
  ];
  for (const [name, content, expected] of cases) {
    const r = cli('train', '--data', file(name, content), '--out', join(dir, 'm'));
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('textclf:'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, expected);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(cli('train', '--data', join(dir, 'missing.jsonl'), '--out', dir).status, 2);
  assert.equal(cli('frobnicate').status, 2);
  assert.equal(cli('train', '--epochs', 'many').status, 2);
  assert.equal(
    cli('train', '--data', file('ok0.jsonl', '{"text":"a","label":"x"}\n'), '--out', dir, '--epochs', '-3')
      .status,
    2,
  );
});

test('fit-eval prints one JSON object with the agreed fields; train/evaluate round trip', () => {
  const lines = (xs: { text: string; label: string }[]) => xs.map((a) => JSON.stringify(a)).join('\n') + '\n';
  const trainFile = file('train.jsonl', lines(syntheticArticles(40, 1)));
  const testFile = file('test.jsonl', lines(syntheticArticles(15, 2)));
  const r = cli(
    'fit-eval',
    '--train',
    trainFile,
    '--test',
    testFile,
    '--json',
    '--epochs',
    '20',
    '--hidden-units',
    '8',
  );
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout.trim());
  for (const k of ['accuracy', 'macroF1', 'trainSeconds', 'docsPerSecond', 'vocabularySize', 'epochs']) {
    assert.equal(typeof m[k], 'number', k);
  }
  assert.equal(m.backend, 'wasm');
  assert.ok(m.accuracy > 0.9);

  const out = join(dir, 'model');
  assert.equal(cli('train', '--data', trainFile, '--out', out, '--epochs', '5').status, 0);
  const ev = cli('evaluate', '--model', out, '--data', testFile, '--json');
  assert.equal(ev.status, 0, ev.stderr);
  const e = JSON.parse(ev.stdout.trim());
  assert.ok(e.accuracy > 0.9);
  assert.equal(e.confusion.length, 3);
});

test("--stop-words true|false sets the tokenizer, its default follows the texts' length; a bad value is one line and exit 2", () => {
  const lines = (xs: { text: string; label: string }[]) => xs.map((a) => JSON.stringify(a)).join('\n') + '\n';
  const articles = syntheticArticles(10, 3).map((a, i) => ({ ...a, text: `${a.text} the and of ${i}` }));
  const trainFile = file('stop-train.jsonl', lines(articles));
  const vocabulary = (...flags: string[]) => {
    const r = cli('fit-eval', '--train', trainFile, '--test', trainFile, '--json', '--epochs', '2', ...flags);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim()).vocabularySize as number;
  };
  const kept = vocabulary('--stop-words', 'false');
  const dropped = vocabulary('--stop-words', 'true');
  assert.ok(kept > dropped, `stop words kept: ${kept} terms, dropped: ${dropped}`);
  // These short texts keep stop words when the flag is not given.
  assert.equal(vocabulary(), kept);
  const bad = cli('fit-eval', '--train', trainFile, '--test', trainFile, '--stop-words', 'maybe');
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.split('\n').length, 1);
  assert.match(bad.stderr, /--stop-words must be true or false/);
});
