import type { Rng } from "../sdk/rng.js";
import { median, pearson, stratifiedShuffleSplit } from "./ceiling.js";
import { fitPls, matrix, predictPls, type Matrix } from "./pls.js";

/**
 * Brain-Score's neural predictivity (science.md §3.2), split as Brain-Score splits it: a metric
 * (PLS mapping, cross-validated Pearson r), a ceiling (split-half internal consistency) and the
 * normalisation that turns the two into a score. Pure numerics: X is stimulus × feature,
 * Y stimulus × neuron (repetition-averaged).
 */

/**
 * Exact low-dimensional coordinates of S stimuli's features (S × P, P ≫ S): T = L with
 * L Lᵀ = X Xᵀ (Cholesky), i.e. X expressed in an orthonormal basis of its row space. PLS, like
 * any method built from inner products, gives the same predictions on T as on X, at a cost
 * that no longer grows with P (a layer of 64×64 stimuli has ~27k features). A relative jitter
 * of 1e-10 keeps the Gram matrix positive definite when stimuli are linearly dependent.
 */
export function gramCoordinates(X: Float32Array | Float64Array, S: number, P: number): Matrix {
  const G = new Float64Array(S * S);
  const row = new Float64Array(P);
  for (let i = 0; i < S; i++) {
    for (let k = 0; k < P; k++) row[k] = X[i * P + k]!;
    for (let j = 0; j <= i; j++) {
      let s = 0;
      const o = j * P;
      for (let k = 0; k < P; k++) s += row[k]! * X[o + k]!;
      G[i * S + j] = s; G[j * S + i] = s;
    }
  }
  let trace = 0;
  for (let i = 0; i < S; i++) trace += G[i * S + i]!;
  const jitter = Math.max(1e-300, (1e-10 * trace) / S);
  const L = new Float64Array(S * S);
  for (let i = 0; i < S; i++) for (let j = 0; j <= i; j++) {
    let s = G[i * S + j]! + (i === j ? jitter : 0);
    for (let k = 0; k < j; k++) s -= L[i * S + k]! * L[j * S + k]!;
    L[i * S + j] = i === j ? Math.sqrt(Math.max(s, jitter)) : s / L[j * S + j]!;
  }
  return matrix(S, S, L);
}

const rowsOf = (m: Matrix, idx: readonly number[]) => {
  const out = new Float64Array(idx.length * m.cols);
  idx.forEach((r, i) => out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return matrix(idx.length, m.cols, out);
};


export interface Predictivity {
  /** Mean over splits of the median over neurons of test-set Pearson r. */
  readonly raw: number;
  /** Standard error over splits. */
  readonly sem: number;
  /** Per neuron, mean over splits of its test-set r. */
  readonly perNeuron: Float64Array;
  readonly splits: readonly number[];
}

/**
 * Cross-validated PLS predictivity: `splits` stratified shuffle splits of the stimuli
 * (train fraction .9, stratified by `labels`, e.g. texture type), one multi-output PLS per split,
 * Pearson r per neuron on the held-out stimuli, median over neurons, mean over splits.
 */
export function plsPredictivity(X: Matrix, Y: Matrix, labels: readonly string[], rng: Rng, opts: { components?: number; splits?: number; trainFraction?: number; signal?: AbortSignal } = {}): Predictivity {
  const K = opts.components ?? 25, nSplits = opts.splits ?? 10, frac = opts.trainFraction ?? 0.9;
  const N = Y.cols, perNeuron = new Float64Array(N), scores: number[] = [];
  for (const { train, test } of stratifiedShuffleSplit(labels, nSplits, frac, rng)) {
    if (opts.signal?.aborted) throw new Error("interrupted");
    const model = fitPls(rowsOf(X, train), rowsOf(Y, train), K);
    const pred = predictPls(model, rowsOf(X, test)), yt = rowsOf(Y, test);
    const rs: number[] = [];
    for (let n = 0; n < N; n++) {
      const a = Float64Array.from({ length: test.length }, (_, i) => pred.data[i * N + n]!), b = Float64Array.from({ length: test.length }, (_, i) => yt.data[i * N + n]!);
      const r = pearson(a, b);
      rs.push(r); perNeuron[n]! += r / nSplits;
    }
    scores.push(median(rs));
  }
  const raw = scores.reduce((a, b) => a + b, 0) / scores.length;
  const sd = Math.sqrt(scores.reduce((a, b) => a + (b - raw) ** 2, 0) / Math.max(1, scores.length - 1));
  return { raw, sem: sd / Math.sqrt(scores.length), perNeuron, splits: scores };
}

/** How raw r and ceiling c combine; Brain-Score's history (science.md §3.2.8). Default: r²/c (Brain-Score 2.0). */
export type Normalization = "r2/c" | "(r/c)2" | "r/c";
export function ceiled(raw: number, ceiling: number, how: Normalization = "r2/c"): number {
  if (!(ceiling > 0)) return NaN;
  switch (how) {
    case "r2/c": return (Math.sign(raw) * raw * raw) / ceiling;
    case "(r/c)2": return Math.sign(raw) * (raw / ceiling) ** 2;
    case "r/c": return raw / ceiling;
  }
}

/**
 * Brain-Score's public/private stimulus split: a seeded stratified split that keeps `fraction`
 * of each label's stimuli public (FreemanZiemba2013: 135 of 450, stratified by texture type).
 * Layers are selected on the public part and scored on the private part.
 */
export function publicPrivate(labels: readonly string[], fraction: number, rng: Rng): { public: number[]; private: number[] } {
  const [s] = stratifiedShuffleSplit(labels, 1, fraction, rng);
  return { public: s!.train, private: s!.test };
}

/** The rows `idx` of a matrix (stimulus subsets). */
export const selectRows = rowsOf;
