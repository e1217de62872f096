import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { cli, limited, scratch, toTrickyCsv } from './helpers.js';

/** CSV wherever JSON Lines is accepted (`--data`, `--train`, `--test`), through the CLI process. */
const { dir, file } = scratch('textclf-cli-csv-');
const wasm = ['--backend', 'wasm'];

test('CSV with a BOM, quotes, commas and line breaks in fields trains, evaluates and fit-evals like JSON Lines', async () => {
  // Every text gets a comma, a doubled quote and a line break, so a wrong parse shows in the results.
  const tricky = (xs: { text: string; label: string }[]) =>
    xs.map((a, i) => ({ text: `${a.text}, "${i}"\nmore ${a.text}`, label: a.label }));
  const trainData = syntheticArticles(40, 1);
  const trainCsv = file('train.csv', toTrickyCsv(tricky(trainData)));
  const testData = syntheticArticles(15, 2);
  const testJsonl = file('test.jsonl', testData.map((a) => JSON.stringify(a)).join('\n'));
  const testCsv = file('test.data', toTrickyCsv(tricky(testData)));
  const out = `${dir}/model`;
  const [trained, fitEval] = await limited([
    () => cli(['train', '--data', trainCsv, '--out', out, '--epochs', '5', ...wasm]),
    () => cli(['fit-eval', '--train', trainCsv, '--test', testJsonl, '--json', '--epochs', '5', ...wasm]),
  ]);
  assert.equal(trained!.status, 0, trained!.stderr);
  assert.deepEqual(JSON.parse(trained!.stdout).labels, ['politics', 'sport', 'tech']);
  assert.equal(fitEval!.status, 0, fitEval!.stderr);
  const m = JSON.parse(fitEval!.stdout);
  assert.equal(m.trainDocuments, trainData.length);
  assert.ok(m.accuracy > 0.9, String(m.accuracy));
  // --format csv reads a file whose name says nothing.
  const ev = await cli(['evaluate', '--model', out, '--data', testCsv, '--format', 'csv', '--json', ...wasm]);
  assert.equal(ev.status, 0, ev.stderr);
  const e = JSON.parse(ev.stdout);
  assert.equal(e.documents, testData.length);
  assert.ok(e.accuracy > 0.9);
});

test('bad CSV stops with one line naming the file and the line, exit 2', async () => {
  const ok = 'a,sport\nb,sport\nc,tech\nd,tech\n';
  const cases: [string, string, RegExp][] = [
    ['nolabel.csv', 'text,category\na,x\n', /nolabel\.csv:1: missing column "label"/],
    ['notext.csv', '\uFEFFbody,label\na,x\n', /notext\.csv:1: missing column "text"/],
    [
      'ragged.csv',
      `text,label\n${ok}e,tech,extra\n`,
      /ragged\.csv:6: the row has 3 fields, the header has 2/,
    ],
    [
      'short.csv',
      `text,label\n"two\nlines",sport\nlonely\n`,
      /short\.csv:4: the row has 1 field, the header has 2/,
    ],
    ['empty.csv', `text,label\n${ok}"  ",tech\n`, /empty\.csv:6: text is empty/],
    ['open.csv', `text,label\n${ok}"never closed,tech\nx,y\n`, /open\.csv:6: a quoted field is never closed/],
    ['quote.csv', `text,label\n${ok}say "hi",tech\n`, /quote\.csv:6: a `"` inside an unquoted field/],
    ['multi.csv', `text,labels\n${ok}e,sport;tech;sport\n`, /multi\.csv:6: "labels" repeats "sport"/],
    ['single.csv', 'text,label\na,x\nb,x\n', /single\.csv: at least 2 distinct labels/],
    ['header.csv', '', /header\.csv:1: no header row/],
  ];
  const runs = await limited(
    cases.map(
      ([name, content]) =>
        () =>
          cli(['train', '--data', file(name, content), '--out', dir, ...wasm]),
    ),
  );
  runs.forEach((r, i) => {
    const [name, , expected] = cases[i]!;
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^textclf: /);
    assert.match(lines[0]!, expected);
  });
});

test('--format picks the reader whatever the extension; a bad --format is a usage error', async () => {
  const csvAsJsonl = file('data.csv', 'text,label\na,x\n');
  const [asJsonl, bad] = await limited([
    () => cli(['train', '--data', csvAsJsonl, '--format', 'jsonl', '--out', dir, ...wasm]),
    () => cli(['train', '--data', csvAsJsonl, '--format', 'xml', '--out', dir, ...wasm]),
  ]);
  assert.equal(asJsonl!.status, 2);
  assert.match(asJsonl!.stderr, /data\.csv:1: invalid JSON/);
  assert.equal(bad!.status, 2);
  assert.match(bad!.stderr, /--format must be csv or jsonl/);
});
