import { fft2, imagPart, modulus, realPart } from "./fft2.js";
import { buildPyramid, upsampleComplex, type Pyramid } from "./pyramid.js";

/**
 * Portilla & Simoncelli (2000) texture statistics of an n×n image on its complex steerable pyramid
 * (S scales, K orientations, Na×Na central neighbourhood; defaults 4, 4, 7). The groups and their
 * sizes (na_s = the largest odd number ≤ min(Na, side of scale s)):
 *
 * | group | what | size |
 * | --- | --- | --- |
 * | pixel | mean, variance, skewness, kurtosis, min, max of the image | 6 |
 * | lowpassMoments | skewness and kurtosis of the low-pass image at each scale s = 0 … S | 2(S+1) |
 * | lowpassAutocorr | central na_s×na_s autocorrelation of each low-pass image (mean removed) | Σ_s na_s² over S+1 scales |
 * | magnitudeMeans | mean magnitude of each band; variance of the high-pass residual | SK + 1 |
 * | magnitudeAutocorr | central na_s×na_s autocorrelation of each band's magnitude (mean removed) | K Σ_s na_s² over S scales |
 * | magnitudeCrossOrientation | K×K covariance of magnitudes across orientations, per scale | S K² |
 * | magnitudeCrossScale | K×K covariance of magnitudes with the phase-doubled coarser scale's | (S−1) K² |
 * | realCrossScale | K×2K covariance of real parts with the phase-doubled coarser scale's real and imaginary parts | (S−1) 2K² |
 *
 * Autocorrelations are circular (the pyramid is), normalised by the pixel count; covariances are
 * means of products over pixels. With S = K = 4, Na = 7 at 64 px (`statisticSizes`):
 * 6 + 10 + 205 + 17 + 784 + 64 + 48 + 96 = 1230 numbers.
 */
export interface PsStatistics {
  readonly pixel: Float64Array;
  readonly lowpassMoments: Float64Array;
  readonly lowpassAutocorr: Float64Array;
  readonly magnitudeMeans: Float64Array;
  readonly magnitudeAutocorr: Float64Array;
  readonly magnitudeCrossOrientation: Float64Array;
  readonly magnitudeCrossScale: Float64Array;
  readonly realCrossScale: Float64Array;
}
export type StatisticGroup = keyof PsStatistics;
export const STATISTIC_GROUPS: readonly StatisticGroup[] = ["pixel", "lowpassMoments", "lowpassAutocorr", "magnitudeMeans", "magnitudeAutocorr", "magnitudeCrossOrientation", "magnitudeCrossScale", "realCrossScale"];

export interface StatisticsOptions { readonly scales?: number; readonly orientations?: number; readonly neighbourhood?: number }

/** Odd neighbourhood side that fits a side-m image. */
export const neighbourhoodAt = (na: number, m: number) => { const k = Math.min(na, m); return k % 2 === 1 ? k : k - 1; };

/** Size of each group for an n-px image (the table above). */
export function statisticSizes(n: number, opts: StatisticsOptions = {}): Record<StatisticGroup, number> {
  const S = opts.scales ?? 4, K = opts.orientations ?? 4, na = opts.neighbourhood ?? 7;
  const sq = (s: number) => neighbourhoodAt(na, n >> s) ** 2;
  let low = 0, mag = 0;
  for (let s = 0; s <= S; s++) low += sq(s);
  for (let s = 0; s < S; s++) mag += K * sq(s);
  return { pixel: 6, lowpassMoments: 2 * (S + 1), lowpassAutocorr: low, magnitudeMeans: S * K + 1, magnitudeAutocorr: mag, magnitudeCrossOrientation: S * K * K, magnitudeCrossScale: (S - 1) * K * K, realCrossScale: (S - 1) * 2 * K * K };
}

export function moments(x: ArrayLike<number>): { mean: number; variance: number; skewness: number; kurtosis: number; min: number; max: number } {
  let m = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < x.length; i++) { m += x[i]!; min = Math.min(min, x[i]!); max = Math.max(max, x[i]!); }
  m /= x.length;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < x.length; i++) { const d = x[i]! - m, d2 = d * d; m2 += d2; m3 += d2 * d; m4 += d2 * d2; }
  m2 /= x.length; m3 /= x.length; m4 /= x.length;
  return { mean: m, variance: m2, skewness: m2 > 0 ? m3 / m2 ** 1.5 : 0, kurtosis: m2 > 0 ? m4 / (m2 * m2) : 3, min, max };
}

/**
 * Central na×na of the circular autocorrelation of a real m×m image with its mean removed,
 * row-major, lag (0, 0) in the middle. `keep` receives the spectrum of the centred image (the
 * gradient of the statistic needs it too).
 */
export function centralAutocorr(x: ArrayLike<number>, m: number, na: number, keep?: (spectrum: Float64Array) => void): Float64Array {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  const c = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) c[i] = x[i]! - mean;
  const f = fft2(m), X = f.forwardReal(c);
  keep?.(X.slice());
  for (let i = 0; i < m * m; i++) { X[2 * i] = X[2 * i]! ** 2 + X[2 * i + 1]! ** 2; X[2 * i + 1] = 0; }
  const ac = f.inverseReal(X), h = (na - 1) / 2, out = new Float64Array(na * na);
  for (let dy = -h; dy <= h; dy++) for (let dx = -h; dx <= h; dx++) out[(dy + h) * na + dx + h] = ac[((dy + m) % m) * m + ((dx + m) % m)]! / (m * m);
  return out;
}

const magnitude = modulus;
/** x minus its mean, as a new array. */
export const centred = (x: Float64Array) => { let m = 0; for (let i = 0; i < x.length; i++) m += x[i]!; m /= x.length; const out = new Float64Array(x.length); for (let i = 0; i < x.length; i++) out[i] = x[i]! - m; return out; };
/**
 * Means of products of every X_a with every Y_b (out[a·|Y| + b]), four Y_b per pass over the pixels
 * so X_a is read once per four pairs (each pair's sum is the same, term by term; plain streaming
 * loops over whole arrays are what V8 runs fastest, a per-pixel loop over the pairs is slower).
 */
export function crossMeans(X: readonly Float64Array[], Y: readonly Float64Array[]): Float64Array {
  const A = X.length, B = Y.length, N = X[0]!.length, out = new Float64Array(A * B);
  for (let a = 0; a < A; a++) {
    const x = X[a]!;
    let b = 0;
    for (; b + 4 <= B; b += 4) {
      const y0 = Y[b]!, y1 = Y[b + 1]!, y2 = Y[b + 2]!, y3 = Y[b + 3]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0; i < N; i++) { const v = x[i]!; s0 += v * y0[i]!; s1 += v * y1[i]!; s2 += v * y2[i]!; s3 += v * y3[i]!; }
      out[a * B + b] = s0 / N; out[a * B + b + 1] = s1 / N; out[a * B + b + 2] = s2 / N; out[a * B + b + 3] = s3 / N;
    }
    for (; b < B; b++) { const y = Y[b]!; let s = 0; for (let i = 0; i < N; i++) s += x[i]! * y[i]!; out[a * B + b] = s / N; }
  }
  return out;
}

const doubled = new WeakMap<Float64Array, Float64Array>();

/** The coarser scale's band, upsampled to this scale and phase-doubled (z²/|z|: doubled phase, same magnitude), so its phase can correlate with this scale's. Remembered per parent array, like `upsampleComplex`: do not modify the result. */
export function phaseDoubledParent(parent: Float64Array, m: number): Float64Array {
  const hit = doubled.get(parent);
  if (hit && hit.length === 2 * m * m) return hit;
  const up = upsampleComplex(parent, m / 2), out = new Float64Array(up.length);
  doubled.set(parent, out);
  for (let i = 0; i < up.length / 2; i++) {
    const re = up[2 * i]!, im = up[2 * i + 1]!, r = Math.sqrt(re * re + im * im);
    if (r > 0) { out[2 * i] = (re * re - im * im) / r; out[2 * i + 1] = (2 * re * im) / r; }
  }
  return out;
}

/**
 * What `statisticsOfPyramid` computes on the way and the gradient (refine.ts) needs again, per
 * scale s: spectra of the centred low-pass images and band magnitudes, the centred magnitudes and
 * real parts of the bands, and of the phase-doubled parents their centred magnitudes and real and
 * imaginary parts (interleaved per parent: re₀, im₀, re₁, …). Read-only.
 */
export interface StatisticsIntermediates {
  readonly lowpass: Float64Array[]; readonly magnitude: Float64Array[][];
  readonly centredMagnitudes: Float64Array[][]; readonly realParts: Float64Array[][];
  readonly parentMagnitudes: Float64Array[][]; readonly parentParts: Float64Array[][];
}
export const emptyIntermediates = (): StatisticsIntermediates => ({ lowpass: [], magnitude: [], centredMagnitudes: [], realParts: [], parentMagnitudes: [], parentParts: [] });

export function statisticsOfPyramid(p: Pyramid, image: ArrayLike<number>, na = 7, spectra?: StatisticsIntermediates): PsStatistics {
  const S = p.scales, K = p.orientations, px = moments(image);
  const lowpassMoments: number[] = [], lowpassAutocorr: number[] = [], magnitudeMeans: number[] = [], magnitudeAutocorr: number[] = [];
  const magnitudeCrossOrientation: number[] = [], magnitudeCrossScale: number[] = [], realCrossScale: number[] = [];
  p.lowpassImages.forEach((lo, s) => {
    const m = p.n >> s, mo = moments(lo);
    lowpassMoments.push(mo.skewness, mo.kurtosis);
    lowpassAutocorr.push(...centralAutocorr(lo, m, neighbourhoodAt(na, m), spectra && ((X) => { spectra.lowpass[s] = X; })));
  });
  const mags = p.bands.map((bs) => bs.map(magnitude));
  mags.forEach((ms, s) => {
    const m = p.n >> s, c = ms.map(centred);
    if (spectra) spectra.centredMagnitudes[s] = c;
    for (const x of ms) { let sum = 0; for (let i = 0; i < x.length; i++) sum += x[i]!; magnitudeMeans.push(sum / x.length); }
    ms.forEach((x, k) => magnitudeAutocorr.push(...centralAutocorr(x, m, neighbourhoodAt(na, m), spectra && ((X) => { (spectra.magnitude[s] ??= [])[k] = X; }))));
    magnitudeCrossOrientation.push(...crossMeans(c, c));
    if (s + 1 < S) {
      const parents = p.bands[s + 1]!.map((z) => phaseDoubledParent(z, m));
      const pm = parents.map((z) => centred(magnitude(z)));
      if (spectra) spectra.parentMagnitudes[s] = pm;
      magnitudeCrossScale.push(...crossMeans(c, pm));
      const real = p.bands[s]!.map(realPart);
      const pr = parents.flatMap((z) => [realPart(z), imagPart(z)]);
      if (spectra) { spectra.realParts[s] = real; spectra.parentParts[s] = pr; }
      realCrossScale.push(...crossMeans(real, pr));
    }
  });
  magnitudeMeans.push(moments(p.highpass).variance);
  return {
    pixel: Float64Array.of(px.mean, px.variance, px.skewness, px.kurtosis, px.min, px.max),
    lowpassMoments: Float64Array.from(lowpassMoments), lowpassAutocorr: Float64Array.from(lowpassAutocorr),
    magnitudeMeans: Float64Array.from(magnitudeMeans), magnitudeAutocorr: Float64Array.from(magnitudeAutocorr),
    magnitudeCrossOrientation: Float64Array.from(magnitudeCrossOrientation), magnitudeCrossScale: Float64Array.from(magnitudeCrossScale), realCrossScale: Float64Array.from(realCrossScale),
  };
}

/** PS statistics of an n×n image (n a power of two). */
export function textureStatistics(image: ArrayLike<number>, n: number, opts: StatisticsOptions = {}): PsStatistics {
  return statisticsOfPyramid(buildPyramid(image, n, opts), image, opts.neighbourhood ?? 7);
}

/** Per-group signal-to-noise ratio in dB of `got` against `target`: 10 log10(Σ target² / Σ (target − got)²); Infinity when equal. */
export function statisticsSnr(target: PsStatistics, got: PsStatistics): Record<StatisticGroup, number> {
  const out = {} as Record<StatisticGroup, number>;
  for (const g of STATISTIC_GROUPS) {
    let s = 0, e = 0;
    target[g].forEach((t, i) => { s += t * t; e += (t - got[g][i]!) ** 2; });
    out[g] = e === 0 ? Infinity : 10 * Math.log10(s / e);
  }
  return out;
}
