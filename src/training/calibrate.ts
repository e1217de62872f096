/**
 * Post-hoc calibration fitted on the validation split: temperature scaling (softmax models), per-label
 * Platt scaling (multi-label sigmoid models), and the calibration errors that show whether it helped.
 * Pure functions on row-major Float32Arrays, so they need neither TensorFlow nor the model.
 */

/** Bounds on the temperature (and on Platt slopes): beyond them the fit is chasing noise or a broken model. */
export const CALIBRATION_MIN = 0.05;
export const CALIBRATION_MAX = 20;

/** Default L2 pull of Platt's (a, b) towards identity (1, 0), as a sum over rows, so it fades as data grows. */
export const PLATT_L2 = 1;

/**
 * Mean NLL of softmax(u · z) and its first two derivatives in u = 1/T. In u the NLL is convex (the
 * second derivative is the variance of z under the model), which is what makes Newton safe here.
 */
function temperatureCurvature(z: Float32Array, y: ArrayLike<number>, classes: number, u: number) {
  const rows = Math.min(y.length, Math.floor(z.length / classes));
  let nll = 0;
  let grad = 0;
  let hess = 0;
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const label = y[r]!;
    if (!(label >= 0 && label < classes)) continue;
    const o = r * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, z[o + k]!);
    let s = 0;
    let m1 = 0;
    let m2 = 0;
    for (let k = 0; k < classes; k++) {
      const d = z[o + k]! - max;
      const w = Math.exp(u * d);
      s += w;
      m1 += w * d;
      m2 += w * d * d;
    }
    m1 /= s;
    const dy = z[o + label]! - max;
    nll += Math.log(s) - u * dy;
    grad += m1 - dy;
    hess += Math.max(0, m2 / s - m1 * m1);
    n++;
  }
  return n ? { nll: nll / n, grad: grad / n, hess: hess / n } : { nll: 0, grad: 0, hess: 0 };
}

/**
 * The temperature T minimising the mean NLL of softmax(logits / T) on labelled rows (Guo et al. 2017).
 * A single scalar cannot change the argmax, so accuracy is untouched; only confidence moves. Solved by
 * Newton on u = 1/T, falling back to bisection whenever a step leaves the bracket, within
 * [0.05, 20]. Returns 1 when there is nothing to fit (no rows, one class) or the fit does not lower NLL.
 */
export function fitTemperature(logits: Float32Array, y: ArrayLike<number>, classes: number): number {
  if (classes < 2 || y.length === 0 || logits.length < classes) return 1;
  const at = (u: number) => temperatureCurvature(logits, y, classes, u);
  const uMin = 1 / CALIBRATION_MAX;
  const uMax = 1 / CALIBRATION_MIN;
  const start = at(1);
  let [lo, hi, u, cur] = [uMin, uMax, 1, start];
  // A bracket end is "seen" once its slope is known; the bounds are only evaluated if Newton heads there.
  let [loSeen, hiSeen] = [false, false];
  for (let iter = 0; iter < 100 && cur.grad !== 0; iter++) {
    if (cur.grad > 0) [hi, hiSeen] = [u, true];
    else [lo, loSeen] = [u, true];
    let next = cur.hess > 0 ? u - cur.grad / cur.hess : NaN;
    if (!(next > lo && next < hi)) {
      const down = cur.grad > 0;
      next = down && !loSeen ? lo : !down && !hiSeen ? hi : (lo + hi) / 2;
    }
    // Newton converges quadratically: a step this small leaves nothing worth another pass.
    if (Math.abs(next - u) <= 1e-7 * u || hi - lo <= 1e-12) break;
    u = next;
    cur = at(u);
    // Convex in u: a slope at a bound pointing outwards puts the minimum on that bound.
    if ((u === uMin && cur.grad >= 0) || (u === uMax && cur.grad <= 0)) break;
  }
  if (!(cur.nll < start.nll)) return 1;
  return Math.min(CALIBRATION_MAX, Math.max(CALIBRATION_MIN, 1 / u));
}

/** Per-label Platt parameters: p = sigmoid(a[j] · z + b[j]). */
export interface PlattParams {
  a: Float32Array;
  b: Float32Array;
}

interface PlattLabel {
  z: Float64Array;
  t: Float64Array;
  l2: number;
}

/**
 * Penalised logistic loss of (a, b) on one label (a sum over rows, plus the pull towards (1, 0)),
 * with its gradient and Hessian from the same pass: one exp per row, so a step costs one pass.
 */
function plattStats({ z, t, l2 }: PlattLabel, a: number, b: number) {
  let [loss, ga, gb, haa, hab, hbb] = [0, 0, 0, 0, 0, 0];
  for (let r = 0; r < z.length; r++) {
    const x = z[r]!;
    const f = a * x + b;
    const e = Math.exp(-Math.abs(f));
    const p = f >= 0 ? 1 / (1 + e) : e / (1 + e);
    const w = p * (1 - p);
    const g = p - t[r]!;
    loss += Math.max(f, 0) + Math.log1p(e) - t[r]! * f;
    ga += g * x;
    gb += g;
    haa += w * x * x;
    hab += w * x;
    hbb += w;
  }
  return {
    loss: loss + (l2 / 2) * ((a - 1) ** 2 + b * b),
    ga: ga + l2 * (a - 1),
    gb: gb + l2 * b,
    haa: haa + l2,
    hab,
    hbb: hbb + l2,
  };
}

/**
 * Newton's method on one label's penalised loss, with step halving so the loss never rises. The slope
 * is kept in [0.05, 20]: when it sits on a bound and the step would cross it, only b moves, so a
 * label whose scores run the wrong way is flattened rather than inverted.
 */
function fitPlattLabel(d: PlattLabel): [number, number] {
  let [a, b] = [1, 0];
  let s = plattStats(d, a, b);
  for (let iter = 0; iter < 50; iter++) {
    const det = s.haa * s.hbb - s.hab * s.hab;
    let da = det > 0 ? -(s.hbb * s.ga - s.hab * s.gb) / det : 0;
    let db = det > 0 ? -(s.haa * s.gb - s.hab * s.ga) / det : -s.gb / s.hbb;
    if ((a <= CALIBRATION_MIN && da < 0) || (a >= CALIBRATION_MAX && da > 0)) [da, db] = [0, -s.gb / s.hbb];
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
    let moved = false;
    for (let step = 1; step > 1e-10 && !moved; step /= 2) {
      const na = Math.min(CALIBRATION_MAX, Math.max(CALIBRATION_MIN, a + step * da));
      const nb = b + step * db;
      const next = plattStats(d, na, nb);
      if (next.loss >= s.loss) continue;
      // Rounding noise, not progress: stop rather than halve forever around the optimum.
      const converged = s.loss - next.loss <= 1e-12 * Math.max(1, Math.abs(s.loss));
      [a, b, s, moved] = [na, nb, next, true];
      if (converged) return [a, b];
    }
    if (!moved) break;
  }
  return [a, b];
}

/**
 * Per-label Platt scaling (Platt 1999) for multi-label models: for each label j, fit
 * p = sigmoid(a_j · z + b_j) to the 0/1 targets. Targets are smoothed to (N+ + 1)/(N+ + 2) and
 * 1/(N- + 2) so a separable label does not drive the slope to infinity, and `l2` pulls (a, b) towards
 * (1, 0) so labels with little data stay near the model's own probabilities. Labels with no positives
 * or no negatives carry no information about calibration and keep the identity (a = 1, b = 0).
 */
export function fitPlatt(
  logits: Float32Array,
  targets: Uint8Array,
  labels: number,
  l2 = PLATT_L2,
): PlattParams {
  const a = new Float32Array(Math.max(0, labels)).fill(1);
  const b = new Float32Array(Math.max(0, labels));
  if (labels <= 0) return { a, b };
  const rows = Math.floor(Math.min(logits.length, targets.length) / labels);
  const z = new Float64Array(rows);
  const t = new Float64Array(rows);
  for (let j = 0; j < labels; j++) {
    let pos = 0;
    for (let r = 0; r < rows; r++) pos += targets[r * labels + j] ? 1 : 0;
    const neg = rows - pos;
    if (pos === 0 || neg === 0) continue;
    const hiT = (pos + 1) / (pos + 2);
    const loT = 1 / (neg + 2);
    for (let r = 0; r < rows; r++) {
      z[r] = logits[r * labels + j]!;
      t[r] = targets[r * labels + j] ? hiT : loT;
    }
    [a[j], b[j]] = fitPlattLabel({ z, t, l2 });
  }
  return { a, b };
}

/**
 * Per-bin sums of outcomes and confidences over `bins` equal-width bins of [0, 1] (p = 1 falls in the
 * last). Σ_b |Σ outcome − Σ confidence| / n equals Σ_b (n_b / n) · |accuracy_b − confidence_b| and
 * never divides by an empty bin.
 */
function calibrationBins(bins: number) {
  const hits = new Float64Array(bins);
  const conf = new Float64Array(bins);
  return {
    add(p: number, hit: boolean): void {
      const bin = p > 0 ? Math.min(bins - 1, Math.floor(p * bins)) : 0;
      conf[bin]! += p;
      hits[bin]! += hit ? 1 : 0;
    },
    error(n: number): number {
      let gap = 0;
      for (let k = 0; k < bins; k++) gap += Math.abs(hits[k]! - conf[k]!);
      return n ? gap / n : 0;
    },
  };
}

/**
 * Top-label expected calibration error (Guo et al. 2017): rows are binned by their top probability
 * into `bins` equal-width bins over [0, 1], and ECE = Σ_b (n_b / n) · |accuracy_b − confidence_b|.
 * It answers "when the model says 80 %, is it right 80 % of the time?". 0 for no rows.
 */
export function expectedCalibrationError(
  probs: Float32Array,
  y: ArrayLike<number>,
  classes: number,
  bins = 15,
): number {
  if (classes <= 0 || bins <= 0) return 0;
  const rows = Math.min(y.length, Math.floor(probs.length / classes));
  const acc = calibrationBins(bins);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[o + k]! > probs[o + best]!) best = k;
    acc.add(probs[o + best]!, best === y[r]);
  }
  return acc.error(rows);
}

/**
 * Marginal calibration error of a multi-label model: every (row, label) probability is taken as a
 * binary prediction of that label, binned by p into `bins` equal-width bins over [0, 1], and the
 * error is Σ_b (n_b / n) · |share of positives_b − mean p_b| with n = rows × labels. Top-label ECE
 * does not apply because labels are not exclusive; this asks whether "p = 0.3" means 30 % of such
 * labels apply. 0 for no rows.
 */
export function multiLabelCalibrationError(
  probs: Float32Array,
  targets: Uint8Array,
  labels: number,
  bins = 15,
): number {
  if (labels <= 0 || bins <= 0) return 0;
  const n = Math.floor(Math.min(probs.length, targets.length) / labels) * labels;
  const acc = calibrationBins(bins);
  for (let i = 0; i < n; i++) acc.add(probs[i]!, targets[i] !== 0);
  return acc.error(n);
}
