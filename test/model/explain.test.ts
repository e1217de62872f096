import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { attribute, initBackend, type NetworkParams, type TextClassifier } from '../../src/model/index.js';
import { isCharBigram, tokenize, type Article, type SparseVector } from '../../src/text/index.js';
import { train } from '../../src/training/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

const fast = { epochs: 8, hiddenUnits: 16, batchSize: 16, seed: 7 };

/** Made-up Chinese headlines: topic words and shared filler, written without spaces. */
function chineseArticles(perLabel: number): Article[] {
  const topics: Record<string, string[]> = {
    sport: ['足球', '比赛', '进球', '球队', '冠军', '联赛', '教练'],
    tech: ['手机', '电脑', '网络', '软件', '芯片', '发布', '科技'],
  };
  const filler = ['今天', '我们', '新闻', '报道', '城市', '时间'];
  let s = 3;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const pick = (xs: string[]) => xs[Math.floor(next() * xs.length)]!;
  const out: Article[] = [];
  for (let i = 0; i < perLabel; i++)
    for (const label of Object.keys(topics)) {
      const words = Array.from({ length: 8 }, () => (next() < 0.5 ? pick(topics[label]!) : pick(filler)));
      out.push({ text: words.join(''), label });
    }
  return out;
}

/** z − mean(z) (softmax) or z (sigmoid), computed in float64 straight from the parameters. */
function referenceLogits(x: SparseVector, p: NetworkParams, centred: boolean): number[] {
  const units = p.hiddenBias.length;
  const classes = p.outputBias.length;
  const h = Array.from(p.hiddenBias, Number);
  x.indices.forEach((id, i) => {
    for (let j = 0; j < units; j++) h[j]! += x.values[i]! * p.hiddenKernel[id * units + j]!;
  });
  const z = Array.from(p.outputBias, Number);
  h.forEach((hj, j) => {
    for (let c = 0; c < classes; c++) z[c]! += Math.max(0, hj) * p.outputKernel[j * classes + c]!;
  });
  const mean = centred ? z.reduce((a, b) => a + b, 0) / classes : 0;
  return z.map((v) => v - mean);
}

/** `text` with the given ranges cut out (each replaced by a space, so no words join). */
function cut(text: string, spans: [number, number][]): string {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [s, e] of sorted) {
    if (s > at) out += text.slice(at, s) + ' ';
    at = Math.max(at, e);
  }
  return out + text.slice(at);
}

/**
 * log p(label | text), in float64 and stably (log p_c = −log Σ_k exp(z_k − z_c)): a trained toy
 * model is so sure that float32 probabilities round to 1 before and after.
 */
function logProbability(clf: TextClassifier, text: string, label: string): number {
  const z = referenceLogits(clf.vectorizer.transformMany([text]), clf.params(), true);
  const c = clf.labels.indexOf(label);
  return -Math.log(z.reduce((s, zk) => s + Math.exp(zk - z[c]!), 0));
}

describe('TextClassifier.explain', () => {
  let latin: TextClassifier;
  let chinese: TextClassifier;
  const texts = syntheticArticles(8, 9).map((a) => a.text);

  before(async () => {
    await initBackend('wasm');
    latin = (await train(syntheticArticles(60, 1), fast)).classifier;
    chinese = (await train(chineseArticles(60), fast)).classifier;
  });

  it('is complete: contributions plus the bias part are the logit (centred for softmax)', () => {
    const params = latin.params();
    // The parameters as host arrays: the same values the classifier's tensors hold.
    const w = params;
    const all = latin.labels.map((_, c) => c);
    for (const text of texts) {
      const x = latin.vectorizer.transformWithSpans(text);
      for (const output of ['softmax', 'sigmoid'] as const) {
        const expected = referenceLogits(x, params, output === 'softmax');
        for (const a of attribute(x, w, all, output)) {
          const sum = a.contributions.reduce((s, v) => s + v, a.bias);
          assert.ok(
            Math.abs(sum - expected[a.label]!) < 1e-4,
            `${output} ${a.label}: ${sum} vs ${expected[a.label]}`,
          );
          assert.ok(Math.abs(a.logit - expected[a.label]!) < 1e-4);
        }
      }
    }
  });

  it('lists up to k terms each way, by weight, for the labels asked, in their order', () => {
    for (const text of texts) {
      const explained = latin.explain(text, [2, 0], 2);
      assert.deepEqual(
        explained.map((e) => e.label),
        [latin.labels[2], latin.labels[0]],
      );
      for (const { terms } of explained) {
        const weights = terms.map((t) => t.weight);
        assert.deepEqual(
          weights,
          [...weights].sort((a, b) => b - a),
        );
        assert.ok(weights.filter((v) => v > 0).length <= 2 && weights.filter((v) => v < 0).length <= 2);
        assert.ok(terms.every((t) => t.weight !== 0 && latin.vectorizer.termId(t.term) !== undefined));
      }
    }
    assert.throws(() => latin.explain(texts[0]!, [latin.labels.length]), RangeError);
  });

  it("removing the top positive terms' words lowers the label's probability", () => {
    for (const text of texts) {
      const label = latin.predict([text])[0]!.label;
      const [e] = latin.explain(text, [latin.labels.indexOf(label)], 3);
      const positive = e!.terms.filter((t) => t.weight > 0);
      assert.ok(positive.length > 0, text);
      const without = cut(
        text,
        positive.flatMap((t) => t.spans),
      );
      const [after, was] = [logProbability(latin, without, label), logProbability(latin, text, label)];
      assert.ok(after < was, `${text} (${was}) -> ${without} (${after})`);
    }
  });

  it('spans cut text that tokenises to the term (Latin and Chinese)', () => {
    const chineseTexts = chineseArticles(8).map((a) => a.text);
    for (const [clf, docs] of [
      [latin, texts],
      [chinese, chineseTexts],
    ] as const) {
      for (const text of docs) {
        for (const { terms } of clf.explain(text, [0, 1], 5)) {
          for (const t of terms) {
            assert.ok(t.spans.length > 0, t.term);
            for (const [s, e] of t.spans) {
              // Cut as the model cuts (short texts keep stop words by default).
              const tokens = tokenize(text.slice(s, e), clf.vectorizer.options.tokenizer);
              const got = isCharBigram(t.term)
                ? tokens.filter(isCharBigram)
                : tokens.filter((k) => !isCharBigram(k)).join(' ');
              assert.ok(isCharBigram(t.term) ? (got as string[]).includes(t.term) : got === t.term, t.term);
            }
          }
        }
      }
    }
    assert.ok(
      chinese
        .explain(chineseTexts[0]!, [0], 5)[0]!
        .terms.some((t) => isCharBigram(t.term) || t.term.length > 1),
    );
  });

  it('allocates no tensors', () => {
    latin.explain(texts[0]!, [0]);
    const count = tf.memory().numTensors;
    for (const text of texts) latin.explain(text, [0, 1, 2]);
    assert.equal(tf.memory().numTensors, count);
  });
});
