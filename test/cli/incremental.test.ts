import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { cli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'textclf-inc-'));
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
// A learning rate high enough that 60 documents and 4 additions are learnt in a few steps.
const wasm = ['--backend', 'wasm', '--epochs', '30', '--hidden-units', '8', '--learning-rate', '0.02'];

test('train --base DIR: on top of DIR and the data it recorded; a changed base file is refused', async () => {
  const first = join(dir, 'first.jsonl');
  writeFileSync(first, jsonl(syntheticArticles(20, 1)));
  const added = join(dir, 'added.jsonl');
  const weather = ['rain storm forecast', 'snow and wind today', 'sunny forecast', 'storm clouds and rain'];
  writeFileSync(added, jsonl(weather.map((text) => ({ text, label: 'weather' }))));
  const v1 = join(dir, 'v1');
  const v2 = join(dir, 'v2');
  const r1 = await cli(['train', '--data', first, '--out', v1, ...wasm]);
  assert.equal(r1.status, 0, r1.stderr);
  const r2 = await cli(['train', '--data', added, '--base', v1, '--out', v2, '--backend', 'wasm']);
  assert.equal(r2.status, 0, r2.stderr);
  const out = JSON.parse(r2.stdout.trim().split('\n').at(-1)!);
  assert.deepEqual(out.labels, ['politics', 'sport', 'tech', 'weather']);
  assert.equal(out.base.documents, 60);
  assert.equal(out.base.added, 4);
  assert.deepEqual(out.base.labels, ['weather']);
  const record = JSON.parse(readFileSync(join(v2, 'data.json'), 'utf8'));
  assert.deepEqual(
    record.files.map((f: { documents: number }) => f.documents),
    [60, 4],
  );
  const p = await cli(['predict', '--model', v2, '--backend', 'wasm'], {
    input: 'storm and rain forecast\n',
  });
  assert.equal(JSON.parse(p.stdout.trim()).label, 'weather');
  writeFileSync(first, jsonl(syntheticArticles(20, 2)));
  const r3 = await cli([
    'train',
    '--data',
    added,
    '--base',
    v1,
    '--out',
    join(dir, 'v3'),
    '--backend',
    'wasm',
  ]);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /first\.jsonl: the base model's training data is changed/);
});
