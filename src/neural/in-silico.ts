import type { Rng } from "../sdk/rng.js";

/**
 * In-silico neurons: known firing rates plus trial-to-trial noise, so every neural metric can be
 * checked against ground truth (no real V1/V2 recordings exist offline; science.md §4.4.6).
 */

/** One Poisson draw. Exact (Knuth) below λ = 30; above, the normal approximation rounded at ≥ 0. */
export function poisson(lambda: number, rng: Rng): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 30) {
    const L = Math.exp(-lambda);
    let k = 0, p = rng.next();
    while (p > L) { k++; p *= rng.next(); }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
}

/**
 * Trials S × N × R from rates S × N (spikes per window): Poisson, or Gaussian with SD `sd`
 * (rates may then be any sign). Draw order is fixed, so a seed reproduces every trial.
 */
export function simulateTrials(rates: Float64Array, S: number, N: number, R: number, rng: Rng, noise: { kind: "poisson" } | { kind: "gaussian"; sd: number } = { kind: "poisson" }): Float64Array {
  const out = new Float64Array(S * N * R);
  for (let s = 0; s < S; s++) for (let n = 0; n < N; n++) {
    const lam = rates[s * N + n]!;
    for (let r = 0; r < R; r++) out[(s * N + n) * R + r] = noise.kind === "poisson" ? poisson(lam, rng) : lam + noise.sd * rng.normal();
  }
  return out;
}

/**
 * The reliability of the R-trial mean of each neuron, known in closed form for in-silico rates:
 * var_s(λ) / (var_s(λ) + E_s[noise variance] / R). This is what a split-half ceiling with
 * Spearman–Brown correction estimates, so tests compare the estimate with it.
 */
export function expectedReliability(rates: Float64Array, S: number, N: number, R: number, noise: { kind: "poisson" } | { kind: "gaussian"; sd: number } = { kind: "poisson" }): Float64Array {
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let m = 0;
    for (let s = 0; s < S; s++) m += rates[s * N + n]! / S;
    let v = 0;
    for (let s = 0; s < S; s++) v += (rates[s * N + n]! - m) ** 2 / S;
    const nv = noise.kind === "poisson" ? m : noise.sd ** 2;
    out[n] = v / (v + nv / R);
  }
  return out;
}

/** Rescale each neuron's non-negative drive (S × N) so its mean over stimuli is `meanRate` spikes per window. */
export function toRates(drive: Float64Array, S: number, N: number, meanRate: number, baseline = 0): Float64Array {
  const out = new Float64Array(S * N);
  for (let n = 0; n < N; n++) {
    let m = 0;
    for (let s = 0; s < S; s++) m += Math.max(0, drive[s * N + n]!) / S;
    for (let s = 0; s < S; s++) out[s * N + n] = baseline + (m > 0 ? (meanRate * Math.max(0, drive[s * N + n]!)) / m : meanRate);
  }
  return out;
}
