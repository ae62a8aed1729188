/**
 * Lurz et al. 2021's scoring (science.md §2.5, from Lurz_2020_code `utility/measures.py`): per
 * neuron, the correlation of predictions with single-trial responses, the leave-one-out oracle
 * correlation, the fraction of oracle (a no-intercept least-squares slope across neurons) and
 * FEVE. Pure numerics on `trials` laid out S × N × R (stimulus, neuron, repetition; NaN where a
 * trial is missing) and predictions S × N.
 */

/** Pearson r as Lurz's `corr`: population SDs (ddof 0) plus eps = 1e-8 in the denominators; NaN → 0. */
export function corr(a: ArrayLike<number>, b: ArrayLike<number>, eps = 1e-8): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`corr: ${n} vs ${b.length} values`);
  if (n === 0) return 0;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]!; mb += b[i]!; }
  ma /= n; mb /= n;
  let saa = 0, sbb = 0, sab = 0;
  for (let i = 0; i < n; i++) { const x = a[i]! - ma, y = b[i]! - mb; saa += x * x; sbb += y * y; sab += x * y; }
  const r = sab / n / ((Math.sqrt(saa / n) + eps) * (Math.sqrt(sbb / n) + eps));
  return Number.isFinite(r) ? r : 0;
}

export interface TrialShape { readonly S: number; readonly N: number; readonly R: number }

/** Per neuron: corr of the prediction with every single trial (all stimuli and repetitions pooled). */
export function testCorrelations(pred: Float64Array, trials: Float64Array, { S, N, R }: TrialShape): Float64Array {
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const p: number[] = [], t: number[] = [];
    for (let s = 0; s < S; s++) for (let r = 0; r < R; r++) {
      const v = trials[(s * N + n) * R + r]!;
      if (Number.isNaN(v)) continue;
      p.push(pred[s * N + n]!); t.push(v);
    }
    out[n] = corr(p, t);
  }
  return out;
}

/**
 * Per neuron: the oracle correlation. Each trial j of an image with R_s ≥ 2 repeats is predicted
 * by the mean of the image's other repeats, (R_s·mean − r_j)/(R_s − 1); Pearson r of that
 * predictor with the trials, pooled over all repeats and images (images with one trial are skipped).
 */
export function oracleCorrelations(trials: Float64Array, { S, N, R }: TrialShape): Float64Array {
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const o: number[] = [], t: number[] = [];
    for (let s = 0; s < S; s++) {
      let sum = 0, c = 0;
      for (let r = 0; r < R; r++) { const v = trials[(s * N + n) * R + r]!; if (!Number.isNaN(v)) { sum += v; c++; } }
      if (c < 2) continue;
      for (let r = 0; r < R; r++) {
        const v = trials[(s * N + n) * R + r]!;
        if (Number.isNaN(v)) continue;
        o.push((sum - v) / (c - 1)); t.push(v);
      }
    }
    out[n] = corr(o, t);
  }
  return out;
}

/** Fraction of oracle: least-squares slope without intercept of test correlation on oracle correlation across neurons. */
export function fractionOracle(testCorr: ArrayLike<number>, oracleCorr: ArrayLike<number>): number {
  let so = 0, st = 0;
  for (let n = 0; n < oracleCorr.length; n++) { so += oracleCorr[n]! ** 2; st += oracleCorr[n]! * testCorr[n]!; }
  return so > 0 ? st / so : 0;
}

export interface Feve {
  /** (TotalVar − NoiseVar) / TotalVar per neuron. */
  readonly fev: Float64Array;
  /** 1 − (PredVar − NoiseVar) / (TotalVar − NoiseVar) per neuron. */
  readonly feve: Float64Array;
}

/**
 * Fraction of explainable variance explained, per neuron. TotalVar = var(all trials, ddof 1);
 * NoiseVar = mean over images (with ≥ 2 trials) of var(repeats, ddof 1); PredVar = mean over all
 * trials of (r − r̂)². eps = 1e-9 as in Lurz's code.
 */
export function feve(pred: Float64Array, trials: Float64Array, { S, N, R }: TrialShape, eps = 1e-9): Feve {
  const fev = new Float64Array(N), out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let m = 0, c = 0;
    for (let s = 0; s < S; s++) for (let r = 0; r < R; r++) { const v = trials[(s * N + n) * R + r]!; if (!Number.isNaN(v)) { m += v; c++; } }
    m /= c;
    let total = 0, res = 0, noise = 0, images = 0;
    for (let s = 0; s < S; s++) {
      let ms = 0, cs = 0;
      for (let r = 0; r < R; r++) {
        const v = trials[(s * N + n) * R + r]!;
        if (Number.isNaN(v)) continue;
        ms += v; cs++; total += (v - m) ** 2; res += (v - pred[s * N + n]!) ** 2;
      }
      if (cs < 2) continue;
      ms /= cs;
      let vs = 0;
      for (let r = 0; r < R; r++) { const v = trials[(s * N + n) * R + r]!; if (!Number.isNaN(v)) vs += (v - ms) ** 2; }
      noise += vs / (cs - 1); images++;
    }
    const totalVar = total / (c - 1), noiseVar = images ? noise / images : 0, predVar = res / c;
    fev[n] = (totalVar - noiseVar) / (totalVar + eps);
    out[n] = 1 - (predVar - noiseVar) / (totalVar - noiseVar + eps);
  }
  return { fev, feve: out };
}

export interface Scores {
  readonly correlation: Float64Array;
  readonly oracle: Float64Array;
  readonly fractionOracle: number;
  readonly fev: Float64Array;
  readonly feve: Float64Array;
  /** Mean test correlation over neurons. */
  readonly meanCorrelation: number;
  /** Mean FEVE over neurons whose FEV exceeds `fevThreshold` (NaN if none). */
  readonly meanFeve: number;
}

/** Everything §2.5 reports for one model on a test set. */
export function scoreModel(pred: Float64Array, trials: Float64Array, shape: TrialShape, fevThreshold = 0.15): Scores {
  const correlation = testCorrelations(pred, trials, shape), oracle = oracleCorrelations(trials, shape);
  const { fev, feve: fe } = feve(pred, trials, shape);
  const kept = [...fe].filter((_, n) => fev[n]! > fevThreshold);
  return {
    correlation, oracle, fractionOracle: fractionOracle(correlation, oracle), fev, feve: fe,
    meanCorrelation: correlation.reduce((a, b) => a + b, 0) / shape.N,
    meanFeve: kept.length ? kept.reduce((a, b) => a + b, 0) / kept.length : NaN,
  };
}
