import type { Rng } from "../sdk/rng.js";

/**
 * Texture selectivity and tolerance of a population (science.md §1.6.2–4), for model units and
 * neurons alike. Responses are S × U (stimulus × unit), non-negative; each stimulus has a
 * family, a sample index and a type ("texture" = naturalistic, "noise" = spectrally matched).
 *
 * Published reference points, for comparison in reports (cited, not fitted):
 * - Freeman et al. 2013 Nat Neurosci 16:974 (abstract): most V2 cells respond more vigorously
 *   to naturalistic textures than to spectrally matched noise; V1 cells do not.
 * - Freeman, Ziemba, Movshon & Simoncelli, CoSyNe 2012 T-41: 64 % of V2 single units vs. 10 %
 *   of V1 units respond reliably more to the naturalistic image of a pair.
 * - Ziemba et al. 2016 PNAS 113:E3140: V2 populations classify texture families better than V1
 *   (tolerance to sample differences), V1 identifies samples better.
 */
export const PUBLISHED = {
  fracModulated: { V1: 0.10, V2: 0.64, source: "Freeman et al., CoSyNe 2012 T-41 (single units with reliably higher naturalistic responses)" },
} as const;

export interface Design { readonly family: readonly string[]; readonly type: readonly string[]; readonly sample: readonly number[] }

/** Stimulus indices by family (sorted) → sample → type. */
function index(d: Design) {
  const families = [...new Set(d.family)].sort();
  const at = new Map<string, number>();
  d.family.forEach((f, i) => at.set(`${f}\u0000${d.type[i]}\u0000${d.sample[i]}`, i));
  return { families, at };
}

/**
 * Modulation index per unit and family, (R_tex − R_noise) / (R_tex + R_noise) with R the mean
 * over samples (0 when both are 0). Returns U × F.
 */
export function modulationByFamily(resp: Float64Array, U: number, d: Design): { families: string[]; mi: Float64Array } {
  const { families } = index(d);
  const F = families.length, fi = new Map(families.map((f, i) => [f, i]));
  const tex = new Float64Array(U * F), noise = new Float64Array(U * F), nt = new Float64Array(F), nn = new Float64Array(F);
  d.family.forEach((f, s) => {
    const k = fi.get(f)!, isTex = d.type[s] === "texture", isNoise = d.type[s] === "noise";
    if (isTex) nt[k]!++; else if (isNoise) nn[k]!++; else return;
    for (let u = 0; u < U; u++) (isTex ? tex : noise)[u * F + k]! += resp[s * U + u]!;
  });
  const mi = new Float64Array(U * F);
  for (let u = 0; u < U; u++) for (let k = 0; k < F; k++) {
    if (!nt[k] || !nn[k]) throw new Error(`family '${families[k]}' lacks ${nt[k] ? "noise" : "texture"} stimuli`);
    const a = Math.max(0, tex[u * F + k]! / nt[k]!), b = Math.max(0, noise[u * F + k]! / nn[k]!);
    mi[u * F + k] = a + b > 0 ? (a - b) / (a + b) : 0;
  }
  return { families, mi };
}

/** Mean of `values` and a percentile bootstrap CI (resampling the values). */
export function bootstrapMean(values: ArrayLike<number>, rng: Rng, resamples = 2000, level = 0.95): { mean: number; lo: number; hi: number } {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]! / n;
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) { let s = 0; for (let i = 0; i < n; i++) s += values[rng.int(n)]!; means[b] = s / n; }
  means.sort();
  const q = (p: number) => means[Math.min(resamples - 1, Math.max(0, Math.floor(p * resamples)))]!;
  return { mean, lo: q((1 - level) / 2), hi: q(1 - (1 - level) / 2) };
}

/**
 * Ziemba et al.'s tolerance measure on naturalistic responses, per unit: variance of the family
 * means divided by the mean within-family variance across samples (a one-way ANOVA ratio).
 */
export function varianceRatio(resp: Float64Array, U: number, d: Design, type = "texture"): Float64Array {
  const { families } = index(d);
  const out = new Float64Array(U);
  for (let u = 0; u < U; u++) {
    const means: number[] = [];
    let within = 0;
    for (const f of families) {
      const v: number[] = [];
      d.family.forEach((g, s) => { if (g === f && d.type[s] === type) v.push(resp[s * U + u]!); });
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      means.push(m);
      within += v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1) / families.length;
    }
    const gm = means.reduce((a, b) => a + b, 0) / means.length;
    const across = means.reduce((a, b) => a + (b - gm) ** 2, 0) / Math.max(1, means.length - 1);
    out[u] = within > 0 ? across / within : across > 0 ? Infinity : NaN;
  }
  return out;
}

/** Geometric mean of the finite positive values. */
export function geometricMean(v: ArrayLike<number>): number {
  let s = 0, n = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i]!) && v[i]! > 0) { s += Math.log(v[i]!); n++; }
  return n ? Math.exp(s / n) : NaN;
}

/**
 * Linear family decoding, cross-validated across samples: a ridge least-squares classifier on
 * z-scored responses (one-hot targets, argmax), trained on all samples but one fold's and
 * tested on that fold's — so it must generalise to unseen samples of each family. Returns the
 * mean accuracy over folds.
 */
export function familyDecoding(resp: Float64Array, U: number, d: Design, opts: { type?: string; folds?: number; ridge?: number } = {}): number {
  const type = opts.type ?? "texture", folds = opts.folds ?? 5, lambda = opts.ridge ?? 1;
  const { families } = index(d);
  const rows = d.type.map((t, s) => s).filter((s) => d.type[s] === type);
  const samples = [...new Set(rows.map((s) => d.sample[s]!))].sort((a, b) => a - b);
  const K = Math.min(folds, samples.length);
  let correct = 0, total = 0;
  for (let k = 0; k < K; k++) {
    const held = new Set(samples.filter((_, i) => i % K === k));
    const train = rows.filter((s) => !held.has(d.sample[s]!)), test = rows.filter((s) => held.has(d.sample[s]!));
    // z-score with training statistics
    const mu = new Float64Array(U), sd = new Float64Array(U);
    for (const s of train) for (let u = 0; u < U; u++) mu[u]! += resp[s * U + u]! / train.length;
    for (const s of train) for (let u = 0; u < U; u++) sd[u]! += (resp[s * U + u]! - mu[u]!) ** 2 / train.length;
    const z = (s: number, u: number) => (sd[u]! > 1e-20 ? (resp[s * U + u]! - mu[u]!) / Math.sqrt(sd[u]!) : 0);
    const D = U + 1; // + intercept
    const A = new Float64Array(D * D), Bm = new Float64Array(D * families.length);
    const fi = new Map(families.map((f, i) => [f, i]));
    const row = new Float64Array(D);
    for (const s of train) {
      for (let u = 0; u < U; u++) row[u] = z(s, u);
      row[U] = 1;
      for (let a = 0; a < D; a++) { for (let b = 0; b < D; b++) A[a * D + b]! += row[a]! * row[b]!; Bm[a * families.length + fi.get(d.family[s]!)!]! += row[a]!; }
    }
    for (let a = 0; a < U; a++) A[a * D + a]! += lambda;
    const W = solveSpd(A, Bm, D, families.length);
    for (const s of test) {
      for (let u = 0; u < U; u++) row[u] = z(s, u);
      row[U] = 1;
      let best = -Infinity, arg = -1;
      for (let f = 0; f < families.length; f++) { let v = 0; for (let a = 0; a < D; a++) v += row[a]! * W[a * families.length + f]!; if (v > best) { best = v; arg = f; } }
      if (families[arg] === d.family[s]) correct++;
      total++;
    }
  }
  return total ? correct / total : NaN;
}

/** Solve A X = B for symmetric positive-definite A (D×D) by Cholesky; B is D×M. */
export function solveSpd(A: Float64Array, B: Float64Array, D: number, M: number): Float64Array {
  const L = new Float64Array(D * D);
  for (let i = 0; i < D; i++) for (let j = 0; j <= i; j++) {
    let s = A[i * D + j]!;
    for (let k = 0; k < j; k++) s -= L[i * D + k]! * L[j * D + k]!;
    if (i === j) {
      if (s <= 0) s = 1e-12; // rank-deficient direction (a constant unit): regularise it away
      L[i * D + i] = Math.sqrt(s);
    } else L[i * D + j] = s / L[j * D + j]!;
  }
  const X = Float64Array.from(B);
  for (let m = 0; m < M; m++) {
    for (let i = 0; i < D; i++) { let s = X[i * M + m]!; for (let k = 0; k < i; k++) s -= L[i * D + k]! * X[k * M + m]!; X[i * M + m] = s / L[i * D + i]!; }
    for (let i = D - 1; i >= 0; i--) { let s = X[i * M + m]!; for (let k = i + 1; k < D; k++) s -= L[k * D + i]! * X[k * M + m]!; X[i * M + m] = s / L[i * D + i]!; }
  }
  return X;
}

/**
 * Per unit: is its MI reliably above 0? Bootstrap over families of the family-level MIs; the
 * unit counts when the lower end of the 95 % CI is above 0.
 */
export function reliablyModulated(miByFamily: Float64Array, U: number, F: number, rng: Rng, resamples = 1000): boolean[] {
  return Array.from({ length: U }, (_, u) => bootstrapMean(miByFamily.subarray(u * F, (u + 1) * F), rng.fork(`u${u}`), resamples).lo > 0);
}
