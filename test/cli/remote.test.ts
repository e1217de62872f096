import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { freePort } from '../../src/redis/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { startMain } from '../helpers/main-process.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/services.js';
import { cli, limited, noScript, onTerminal, scratch, screen, toTrickyCsv } from './helpers.js';

/**
 * `textclf remote ...` against the real service: `src/main.ts` (ROLE=all, API keys on) as a
 * process of its own on the test Redis, driven by the CLI as another process.
 */
const TRAIN_KEY = 'remote-cli-test-key-train-01';
const CLASSIFY_KEY = 'remote-cli-test-key-classify-1';
const { file } = scratch('textclf-cli-remote-');
const data = file('tiny.csv', toTrickyCsv(syntheticArticles(12, 5)));
let server: { child: ChildProcess; log: () => string };
let url = '';

/** `remote <args>` with the server's URL and, unless `key` is null, the train key in TEXTCLF_KEY. */
const remote = (args: string[], o: { key?: string | null; input?: string } = {}) =>
  cli(['remote', ...args, '--url', url], {
    env: o.key === null ? { TEXTCLF_KEY: '' } : { TEXTCLF_KEY: o.key ?? TRAIN_KEY },
    ...(o.input === undefined ? {} : { input: o.input }),
  });

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = startMain({
    PORT: String(port),
    REDIS_URL: await testRedisUrl(),
    REDIS_PREFIX: uniquePrefix('remote-cli'),
    API_KEYS: `${TRAIN_KEY}:train+classify,${CLASSIFY_KEY}:classify`,
  });
  await waitFor(
    async () => {
      assert.equal(server.child.exitCode, null, `server exited:\n${server.log()}`);
      return fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    90_000,
    'the service to be ready',
  );
});

after(() => {
  server?.child.kill('SIGKILL');
});

test('remote train --wait on a CSV file: the job ends with a version and its evaluation', async () => {
  const r = await remote(['train', '--data', data, '--model', 'tiny', '--wait', '--epochs', '4', '--json']);
  assert.equal(r.status, 0, `${r.stderr}\n${server.log()}`);
  assert.equal(r.stderr, '', 'no progress with --json');
  const { job, version } = JSON.parse(r.stdout);
  assert.equal(job.status, 'succeeded');
  assert.equal(version.version, 1);
  assert.equal(version.dataset.documents, 36);
  assert.equal(typeof version.evaluation.accuracy, 'number');
  assert.equal(typeof version.evaluation.macroF1, 'number');
  // The same file again on a terminal, the key as a flag: a live bar from the job's events, then
  // the second version in words.
  const args = [
    'remote',
    'train',
    '--data',
    data,
    '--model',
    'tiny',
    '--wait',
    '--key',
    TRAIN_KEY,
    '--url',
    url,
  ];
  const again = noScript
    ? await cli([...args, '--progress'], { env: { TEXTCLF_KEY: '' } }).then((r) => ({
        ...r,
        out: r.stdout + r.stderr,
      }))
    : await onTerminal(args, { TEXTCLF_KEY: '' });
  assert.equal(again.status, 0, again.out);
  const lines = screen(again.out);
  assert.ok(
    lines.some((l) => /^refit .*100% \d+\/\d+ epochs \| \S+ \| loss \d\.\d{4}/.test(l)),
    lines.join('\n'),
  );
  const text = lines.join('\n');
  assert.match(text, /succeeded: model tiny version 2 \(36 documents, 3 labels/);
  assert.match(text, /validation: accuracy \d\.\d{4} {2}macro-F1 \d\.\d{4}/);
});

test('remote classify, models, versions, rollback and jobs', async () => {
  const [byArgs, byStdin, models, versions] = await limited([
    () => remote(['classify', '--model', 'tiny', 'football match goal', 'software chip computer']),
    () =>
      remote(['classify', '--model', 'tiny', '--json', '--top-k', '2'], {
        input: 'election vote\n\nparliament\n',
      }),
    () => remote(['models', '--json']),
    () => remote(['versions', 'tiny']),
  ]);
  assert.equal(byArgs!.status, 0, byArgs!.stderr);
  assert.deepEqual(
    byArgs!.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[0]),
    ['sport', 'tech'],
  );
  assert.equal(byStdin!.status, 0, byStdin!.stderr);
  const lines = byStdin!.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((p) => [p.model, p.label, p.scores.length]),
    [
      ['tiny', 'politics', 2],
      ['tiny', 'politics', 2],
    ],
  );
  assert.equal(JSON.parse(models!.stdout).find((m: { model: string }) => m.model === 'tiny').latest, 2);
  assert.match(versions!.stdout, /^version +latest +accuracy +macro-F1/);
  assert.match(versions!.stdout, /\n2 +\* +\d\.\d{4}/);

  const back = await remote(['rollback', 'tiny', '1']);
  assert.equal(back.status, 0, back.stderr);
  assert.equal(back.stdout.trim(), 'tiny: latest is now version 1');
  const [after, jobs] = await limited([
    () => remote(['models']),
    () => remote(['jobs', '--json', '--model', 'tiny']),
  ]);
  assert.match(after!.stdout, /\ntiny +1 +2 /);
  assert.deepEqual(
    JSON.parse(jobs!.stdout).map((j: { status: string; version: number }) => [j.status, j.version]),
    [
      ['succeeded', 2],
      ['succeeded', 1],
    ],
  );
});

test('server refusals (problem+json) are one line on stderr and exit 2; an unreachable server exit 1', async () => {
  const bad = file('bad.csv', 'text,label\n"one\ntwo",sport\na,b,c\n');
  const cases: [() => ReturnType<typeof remote>, RegExp][] = [
    [() => remote(['models'], { key: null }), /^textclf: UNAUTHORIZED: /],
    [() => remote(['train', '--data', data], { key: CLASSIFY_KEY }), /^textclf: FORBIDDEN: /],
    [() => remote(['rollback', 'tiny', '9']), /^textclf: VERSION_NOT_FOUND: .*version 9/],
    [() => remote(['classify', '--model', 'nope', 'hello']), /^textclf: MODEL_NOT_FOUND: /],
    [() => remote(['train', '--data', data, '--epochs', '0']), /^textclf: INVALID_OPTIONS: /],
    [() => remote(['train', '--data', bad]), /bad\.csv:4: the row has 3 fields, the header has 2$/],
    [() => remote(['versions']), /^textclf: usage: textclf remote versions MODEL$/],
  ];
  const runs = await limited(cases.map(([run]) => run));
  runs.forEach((r, i) => {
    assert.equal(r.status, 2, `${cases[i]![1]}: ${r.stderr}`);
    assert.equal(r.stderr.split('\n').length, 1, r.stderr);
    assert.match(r.stderr, cases[i]![1]);
  });
  const gone = await cli(['remote', 'models', '--url', `http://127.0.0.1:${await freePort()}`]);
  assert.equal(gone.status, 1);
  assert.match(gone.stderr, /^textclf: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
});
