import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sigmoidRows, softmaxRows } from '../../src/model/index.js';
import {
  expectedCalibrationError,
  fitPlatt,
  fitTemperature,
  multiLabelCalibrationError,
} from '../../src/training/index.js';

/** mulberry32: the tests' own seeded stream, so they do not depend on the code under test. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Logits z ~ N(0, scale²) and labels drawn from the true model softmax(z / t0). */
function sampleSoftmax(rows: number, classes: number, scale: number, t0: number, seed: number) {
  const rand = mulberry32(seed);
  const z = new Float32Array(rows * classes);
  for (let i = 0; i < z.length; i++) z[i] = scale * gaussian(rand);
  const truth = softmaxRows(z, classes, t0);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let u = rand();
    let k = 0;
    while (k < classes - 1 && (u -= truth[r * classes + k]!) >= 0) k++;
    y[r] = k;
  }
  return { z, y };
}

test('softmaxRows: rows sum to 1, temperature divides the logits, huge logits stay finite', () => {
  const p = softmaxRows(new Float32Array([1000, 1001, 0, Math.log(3)]), 2, 1);
  assert.ok(Math.abs(p[1]! - 1 / (1 + Math.exp(-1))) < 1e-6);
  assert.ok(Math.abs(p[0]! + p[1]! - 1) < 1e-6);
  assert.ok(Math.abs(p[3]! - 0.75) < 1e-6);
  const hot = softmaxRows(new Float32Array([0, 2]), 2, 2);
  assert.ok(Math.abs(hot[1]! - 1 / (1 + Math.exp(-1))) < 1e-6);
  assert.throws(() => softmaxRows(new Float32Array(2), 2, 0), RangeError);
});

test('fitTemperature recovers the temperature the labels were drawn with', () => {
  const { z, y } = sampleSoftmax(4000, 5, 3, 2.5, 1);
  const t = fitTemperature(z, y, 5);
  assert.ok(Math.abs(t - 2.5) / 2.5 < 0.1, `T = ${t}`);
});

test('fitTemperature also finds T < 1 for an under-confident model', () => {
  const { z, y } = sampleSoftmax(4000, 4, 1, 0.5, 2);
  const t = fitTemperature(z, y, 4);
  assert.ok(Math.abs(t - 0.5) / 0.5 < 0.1, `T = ${t}`);
});

test('temperature scaling cuts the ECE of over-confident logits', () => {
  const { z, y } = sampleSoftmax(5000, 6, 4, 3, 3);
  const t = fitTemperature(z, y, 6);
  assert.ok(t > 1, `T = ${t}`);
  const before = expectedCalibrationError(softmaxRows(z, 6), y, 6);
  const after = expectedCalibrationError(softmaxRows(z, 6, t), y, 6);
  assert.ok(before > 0.1, `ECE before = ${before}`);
  assert.ok(after < before / 2, `ECE ${before} → ${after}`);
});

test('fitTemperature returns 1 when there is nothing to fit', () => {
  assert.equal(fitTemperature(new Float32Array(0), [], 3), 1);
  assert.equal(fitTemperature(new Float32Array([0.3, 2]), [0, 0], 1), 1);
  // Identical logits in every class: no temperature changes the NLL, so it cannot improve.
  assert.equal(fitTemperature(new Float32Array(12).fill(0.7), [0, 1, 2, 0], 3), 1);
});

test('fitTemperature stays within [0.05, 20] on separable or label-free logits', () => {
  // Every row right by a wide margin: NLL keeps falling as T → 0, so the bound must hold it.
  const sharp = fitTemperature(new Float32Array([5, 0, 0, 5, 5, 0]), [0, 1, 0], 2);
  assert.equal(sharp, 0.05);
  // Labels unrelated to logits: the flattest allowed temperature is best.
  const { z } = sampleSoftmax(2000, 3, 3, 1, 4);
  const y = Int32Array.from({ length: 2000 }, (_, i) => i % 3);
  const flat = fitTemperature(z, y, 3);
  assert.ok(flat > 5 && flat <= 20, `T = ${flat}`);
});

test('ECE worked out by hand, including a probability of exactly 1 in the last bin', () => {
  // Top probabilities: 0.9 right, 0.85 right, 0.7 wrong, 1.0 wrong.
  const probs = new Float32Array([0.9, 0.1, 0.15, 0.85, 0.3, 0.7, 1, 0]);
  const y = [0, 1, 0, 1];
  const f = Math.fround;
  // 5 bins: {0.9, 0.85, 1} share [0.8, 1] (2 right, confidence 2.75); {0.7} is alone (0 right).
  const five = (Math.abs(2 - (f(0.9) + f(0.85) + 1)) + f(0.7)) / 4;
  assert.ok(Math.abs(expectedCalibrationError(probs, y, 2, 5) - five) < 1e-7);
  assert.ok(Math.abs(five - 0.3625) < 1e-6);
  // 15 bins: each row alone, gaps 0.1, 0.15, 0.7 and 1.
  const fifteen = (1 - f(0.9) + (1 - f(0.85)) + f(0.7) + 1) / 4;
  assert.ok(Math.abs(expectedCalibrationError(probs, y, 2) - fifteen) < 1e-7);
});

test('calibrated probabilities have ECE near 0; a known distortion has the ECE it should', () => {
  const rand = mulberry32(5);
  const rows = 20000;
  const calibrated = new Float32Array(rows * 2);
  const squeezed = new Float32Array(rows * 2);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const p = rand();
    calibrated[2 * r] = p;
    calibrated[2 * r + 1] = 1 - p;
    y[r] = rand() < p ? 0 : 1;
    // Reports (1 + top) / 2 while the accuracy stays `top`: gap (1 − top) / 2, top ~ U(0.5, 1) → 0.125.
    const top = Math.max(p, 1 - p);
    const shown = (1 + top) / 2;
    squeezed[2 * r + (p >= 0.5 ? 0 : 1)] = shown;
    squeezed[2 * r + (p >= 0.5 ? 1 : 0)] = 1 - shown;
  }
  const good = expectedCalibrationError(calibrated, y, 2);
  const bad = expectedCalibrationError(squeezed, y, 2);
  assert.ok(good < 0.03, `ECE = ${good}`);
  assert.ok(Math.abs(bad - 0.125) < 0.015, `ECE = ${bad}`);
});

test('ECE of no rows is 0', () => {
  assert.equal(expectedCalibrationError(new Float32Array(0), [], 3), 0);
  assert.equal(expectedCalibrationError(new Float32Array([1, 1]), [0, 0], 1), 0);
});

test('fitPlatt recovers a known slope and offset; a label without positives keeps the identity', () => {
  const rand = mulberry32(6);
  const rows = 6000;
  const labels = 3;
  const z = new Float32Array(rows * labels);
  const targets = new Uint8Array(rows * labels);
  for (let r = 0; r < rows; r++) {
    const s = 2 * gaussian(rand);
    z[r * labels] = s;
    targets[r * labels] = rand() < 1 / (1 + Math.exp(-(1.7 * s - 0.8))) ? 1 : 0;
    z[r * labels + 1] = gaussian(rand);
    // Label 2 runs the wrong way: positive exactly when its score is low.
    const w = gaussian(rand);
    z[r * labels + 2] = w;
    targets[r * labels + 2] = w < 0 ? 1 : 0;
  }
  const { a, b } = fitPlatt(z, targets, labels);
  assert.ok(Math.abs(a[0]! - 1.7) < 0.15, `a = ${a[0]}`);
  assert.ok(Math.abs(b[0]! + 0.8) < 0.15, `b = ${b[0]}`);
  assert.deepEqual([a[1], b[1]], [1, 0]);
  assert.ok(a[2]! > 0 && a[2]! <= 0.06, `a = ${a[2]} must stay positive`);
  const p = sigmoidRows(z, labels, { a, b });
  const i = 3 * labels;
  assert.ok(Math.abs(p[i]! - 1 / (1 + Math.exp(-(a[0]! * z[i]! + b[0]!)))) < 1e-6);
  // Calibration must help the label whose scores were mis-scaled.
  const before = multiLabelCalibrationError(sigmoidRows(z), targets, labels);
  assert.ok(multiLabelCalibrationError(p, targets, labels) < before);
});

test('fitPlatt keeps a sparse label near the identity and never inverts it', () => {
  // Four rows, one positive: the L2 pull should keep (a, b) close to (1, 0).
  const { a, b } = fitPlatt(new Float32Array([2, -1, 0.5, -2]), new Uint8Array([1, 0, 0, 0]), 1);
  assert.ok(a[0]! > 0 && Math.abs(a[0]! - 1) < 0.6, `a = ${a[0]}`);
  assert.ok(Math.abs(b[0]!) < 1, `b = ${b[0]}`);
});

test("fitPlatt's smoothed targets keep a separable label's slope finite even without the L2 pull", () => {
  const rand = mulberry32(9);
  const z = Float32Array.from({ length: 200 }, () => gaussian(rand));
  const targets = Uint8Array.from(z, (v) => (v > 0 ? 1 : 0));
  // With hard 0/1 targets the loss keeps falling as a grows, so a would run to its bound of 20.
  const { a } = fitPlatt(z, targets, 1, 0);
  assert.ok(a[0]! > 2 && a[0]! < 15, `a = ${a[0]}`);
});

test('fitPlatt and sigmoidRows (with and without Platt scaling) handle empty input', () => {
  const none = fitPlatt(new Float32Array(0), new Uint8Array(0), 2);
  assert.deepEqual([...none.a, ...none.b], [1, 1, 0, 0]);
  assert.equal(sigmoidRows(new Float32Array(0), 2, none).length, 0);
  assert.deepEqual([...sigmoidRows(new Float32Array([0]))], [0.5]);
});

test('multi-label calibration error worked out by hand', () => {
  // Two rows × two labels: p = 0.9 (1), 0.2 (0), 0.7 (0), 0.05 (0).
  const probs = new Float32Array([0.9, 0.2, 0.7, 0.05]);
  const targets = new Uint8Array([1, 0, 0, 0]);
  const f = Math.fround;
  // 15 bins: every probability alone.
  const fifteen = (1 - f(0.9) + f(0.2) + f(0.7) + f(0.05)) / 4;
  assert.ok(Math.abs(multiLabelCalibrationError(probs, targets, 2) - fifteen) < 1e-7);
  assert.ok(Math.abs(fifteen - 0.2625) < 1e-6);
  // 2 bins: {0.2, 0.05} none positive; {0.9, 0.7} one positive.
  const two = (f(0.2) + f(0.05) + Math.abs(1 - f(0.9) - f(0.7))) / 4;
  assert.ok(Math.abs(multiLabelCalibrationError(probs, targets, 2, 2) - two) < 1e-7);
  assert.ok(Math.abs(two - 0.2125) < 1e-6);
  assert.equal(multiLabelCalibrationError(new Float32Array(0), new Uint8Array(0), 3), 0);
});
