import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics, OTHER } from '../../src/metrics/index.js';

/** The value of one sample line (`name{labels} value`) of a Prometheus text page. */
function sample(text: string, line: string): number | undefined {
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  return hit === undefined ? undefined : Number(hit.slice(line.length + 1));
}

const predicted = (label: string, top = 0.9, unknownShare?: number) => ({
  label,
  scores: [{ probability: top }],
  ...(unknownShare === undefined ? {} : { unknownShare }),
});

test('classifications count by model, version and label; drift histograms observe each text', async () => {
  const m = new Metrics(undefined, { defaults: false });
  m.classified('news', 3, [predicted('sport', 0.95, 0), predicted('tech', 0.42, 0.5)]);
  m.classified('news', 3, [predicted('sport', 0.97, 0.25)]);
  const text = await m.text();
  assert.equal(sample(text, 'textclf_classifications_total{model="news",version="3",label="sport"}'), 2);
  assert.equal(sample(text, 'textclf_classifications_total{model="news",version="3",label="tech"}'), 1);
  assert.equal(sample(text, 'textclf_top_probability_count{model="news",version="3"}'), 3);
  assert.equal(sample(text, 'textclf_top_probability_bucket{le="0.5",model="news",version="3"}'), 1);
  assert.equal(sample(text, 'textclf_unknown_word_share_bucket{le="0.3",model="news",version="3"}'), 2);
  assert.ok(
    Math.abs(sample(text, 'textclf_unknown_word_share_sum{model="news",version="3"}')! - 0.75) < 1e-9,
  );
});

test('label values are bounded: a model with 1,000 labels costs at most the cap + 1 series', async () => {
  const m = new Metrics({ models: 2, labelsPerModel: 5 }, { defaults: false });
  m.classified(
    'big',
    1,
    Array.from({ length: 1000 }, (_, i) => predicted(`label-${i}`)),
  );
  for (const name of ['a', 'b', 'c']) m.classified(name, 1, [predicted('x')]);
  const text = await m.text();
  const series = text.split('\n').filter((l) => l.startsWith('textclf_classifications_total{'));
  const big = series.filter((l) => l.includes('model="big"'));
  assert.equal(big.length, 6, big.join('\n'));
  assert.equal(sample(text, `textclf_classifications_total{model="big",version="1",label="${OTHER}"}`), 995);
  // Models past the cap share one name too: big and a keep theirs, b and c report as _other.
  assert.equal(sample(text, `textclf_classifications_total{model="${OTHER}",version="1",label="x"}`), 2);
});

test('training and serving events land in their series', async () => {
  const m = new Metrics(undefined, { defaults: false });
  m.epoch('select', 2, 1000);
  m.jobEnded('succeeded', 12);
  m.served('news', 4);
  m.modelLoaded('ok', 0.2);
  m.modelSwapped('news', 0.3);
  m.httpRequest('classify', 'POST', 200, 0.002);
  const text = await m.text();
  assert.equal(sample(text, 'textclf_training_docs_per_second{phase="select"}'), 500);
  assert.equal(sample(text, 'textclf_training_jobs_total{outcome="succeeded"}'), 1);
  assert.equal(sample(text, 'textclf_served_version{model="news"}'), 4);
  assert.equal(sample(text, 'textclf_model_load_seconds_count{outcome="ok"}'), 1);
  assert.equal(sample(text, 'textclf_model_swap_seconds_count{model="news"}'), 1);
  assert.equal(
    sample(text, 'textclf_http_request_duration_seconds_count{route="classify",method="POST",status="200"}'),
    1,
  );
});

test('a sampled gauge is read at scrape time; a failing read leaves it out without failing the scrape', async () => {
  const m = new Metrics(undefined, { defaults: false });
  let depth = 3;
  let fail = false;
  m.sampled('test_depth', 'a test gauge', ['state'], async () => {
    if (fail) throw new Error('redis away');
    return [{ labels: { state: 'waiting' }, value: depth }];
  });
  assert.equal(sample(await m.text(), 'test_depth{state="waiting"}'), 3);
  depth = 5;
  assert.equal(sample(await m.text(), 'test_depth{state="waiting"}'), 5);
  fail = true;
  const text = await m.text();
  assert.equal(sample(text, 'test_depth{state="waiting"}'), undefined);
  assert.match(text, /textclf_classifications_total/);
});
