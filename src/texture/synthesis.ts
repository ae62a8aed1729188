import type { Rng } from "../sdk/rng.js";
import { fft2, imagPart, modulus, realPart } from "./fft2.js";
import { buildPyramid, expand, masks, multiply, type Pyramid } from "./pyramid.js";
import { refine } from "./refine.js";
import { moments, neighbourhoodAt, type PsStatistics, STATISTIC_GROUPS, type StatisticGroup, statisticsSnr, statisticsOfPyramid, textureStatistics, phaseDoubledParent, centred } from "./statistics.js";

/**
 * Portilla–Simoncelli synthesis by iterative projection: from seeded Gaussian noise, each
 * iteration decomposes the image, then coarse to fine imposes on the low-pass image its
 * autocorrelation and skewness/kurtosis, on each scale's band magnitudes their mean,
 * autocorrelation and covariance across orientations and with the coarser scale, and on the real
 * parts their covariance with the phase-doubled coarser scale; then the high-pass variance and the
 * pixel moments and range. Each step is a (least-change) projection onto one constraint; cycling
 * through them converges in practice (PS 2000 §4). Convergence is the per-group SNR of the
 * synthesis' statistics against the target's, recorded after every iteration. The projections
 * leave the band-interaction groups at 8–16 dB; gradient refinement (refine.ts) takes over from
 * there.
 */
export interface SynthesisOptions {
  readonly scales?: number; readonly orientations?: number; readonly neighbourhood?: number;
  /** Projection iterations (default 5): a warm start for the refinement — they bring the pixel, low-pass and magnitude-mean groups to 20–40 dB, the rest to 8–16 dB. A pass costs about 2.5 refinement steps, and after 5 passes each further one saves less than half a step (64-px photos of brick, grass, gravel, cork, canvas: 31 loss evaluations to 25 dB after 5 passes, 28 after 8, 24 after 15). */
  readonly iterations?: number;
  /** Then L-BFGS steps on all groups' relative errors (default 80, see refine.ts): every group to ≥ 20 dB on 64-px textures. */
  readonly refinements?: number;
  /** Refinement stops once every group's SNR is ≥ this many dB (default 25: 5 dB above issue 19's 20 dB bar, kept after the final range clip); Infinity = always all `refinements` steps. */
  readonly stopSnr?: number;
}
export interface SynthesisResult { readonly image: Float64Array; readonly snr: Record<StatisticGroup, number>; readonly history: Record<StatisticGroup, number>[] }

/** Symmetric eigendecomposition (cyclic Jacobi) of a k×k matrix: A = V diag(d) Vᵀ, V column-major in rows of `v[i*k+j]` = V_ij. */
function eig(a: Float64Array, k: number): { d: Float64Array; v: Float64Array } {
  const A = Float64Array.from(a), V = new Float64Array(k * k);
  for (let i = 0; i < k; i++) V[i * k + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) off += A[p * k + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) {
      const apq = A[p * k + q]!;
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (A[q * k + q]! - A[p * k + p]!) / (2 * apq), t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1)), c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let r = 0; r < k; r++) { const arp = A[r * k + p]!, arq = A[r * k + q]!; A[r * k + p] = c * arp - s * arq; A[r * k + q] = s * arp + c * arq; }
      for (let r = 0; r < k; r++) { const apr = A[p * k + r]!, aqr = A[q * k + r]!; A[p * k + r] = c * apr - s * aqr; A[q * k + r] = s * apr + c * aqr; }
      for (let r = 0; r < k; r++) { const vrp = V[r * k + p]!, vrq = V[r * k + q]!; V[r * k + p] = c * vrp - s * vrq; V[r * k + q] = s * vrp + c * vrq; }
    }
  }
  return { d: Float64Array.from({ length: k }, (_, i) => A[i * k + i]!), v: V };
}

/** f(A) = V f(d) Vᵀ for a symmetric matrix. */
function matFn(a: Float64Array, k: number, f: (x: number) => number): Float64Array {
  const { d, v } = eig(a, k), out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) { let s = 0; for (let e = 0; e < k; e++) s += v[i * k + e]! * f(d[e]!) * v[j * k + e]!; out[i * k + j] = s; }
  return out;
}
const matMul = (a: Float64Array, b: Float64Array, n: number, m: number, p: number) => { const o = new Float64Array(n * p); for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) { let s = 0; for (let e = 0; e < m; e++) s += a[i * m + e]! * b[e * p + j]!; o[i * p + j] = s; } return o; };
const transpose = (a: Float64Array, n: number, m: number) => { const o = new Float64Array(n * m); for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) o[j * n + i] = a[i * m + j]!; return o; };
/** Covariance (mean of products) of columns of X (N×a) with columns of Y (N×b), both as arrays of columns. */
const cov = (X: Float64Array[], Y: Float64Array[]) => { const o = new Float64Array(X.length * Y.length); X.forEach((x, i) => Y.forEach((y, j) => { let s = 0; for (let t = 0; t < x.length; t++) s += x[t]! * y[t]!; o[i * Y.length + j] = s / x.length; })); return o; };
const applyCols = (X: Float64Array[], M: Float64Array, cols: number) => Array.from({ length: cols }, (_, j) => { const o = new Float64Array(X[0]!.length); X.forEach((x, i) => { const w = M[i * cols + j]!; if (w !== 0) for (let t = 0; t < o.length; t++) o[t] = o[t]! + w * x[t]!; }); return o; });
const eps = (k: number) => (x: number) => (x > 1e-12 * k ? x : 1e-12 * k);

/**
 * Smallest linear change of the columns X (centred) so that cov(X′) = Txx and, when a fixed P is
 * given, cov(X′, P) = Txp: X′ = P B + E M with E the part of X orthogonal to P,
 * B = Cpp⁻¹ Txpᵀ and M = Cee^(−½) R^(½) Q, R = Txx − Txp Cpp⁻¹ Txpᵀ (negative eigenvalues
 * clipped) and Q the rotation that keeps X′ closest to X (polar factor).
 */
export function adjustCovariance(X: Float64Array[], Txx: Float64Array, P?: Float64Array[], Txp?: Float64Array): Float64Array[] {
  const k = X.length;
  let E = X, pb: Float64Array[] | undefined, R = Txx;
  if (P && Txp && P.length) {
    const q = P.length, Cpp = cov(P, P), Cppi = matFn(Cpp, q, (x) => 1 / Math.max(x, 1e-12 * (Math.abs(x) + 1)));
    const Cpx = cov(P, X), A = matMul(Cppi, Cpx, q, q, k); // regression of X on P
    const fit = applyCols(P, A, k);
    E = X.map((x, i) => { const o = new Float64Array(x.length), fi = fit[i]!; for (let t = 0; t < o.length; t++) o[t] = x[t]! - fi[t]!; return o; });
    const B = matMul(Cppi, transpose(Txp, k, q), q, q, k);
    pb = applyCols(P, B, k);
    R = Txx.map((v, i) => v - matMul(matMul(Txp, Cppi, k, q, q), transpose(Txp, k, q), k, q, k)[i]!);
  }
  const Cee = cov(E, E), scale = Cee.reduce((a, v, i) => a + (i % (k + 1) === 0 ? v : 0), 0) / k || 1;
  const W = matFn(Cee, k, (x) => 1 / Math.sqrt(eps(scale)(x))), Rh = matFn(R, k, (x) => Math.sqrt(Math.max(0, x)));
  // E W has identity covariance; rotate by Q (polar factor of (E W)ᵀ E Rh direction) so the change is least, then colour by Rh
  const Z = applyCols(E, W, k), C = matMul(cov(Z, E), Rh, k, k, k);
  const CtC = matMul(transpose(C, k, k), C, k, k, k), Q = matMul(C, matFn(CtC, k, (x) => 1 / Math.sqrt(eps(1)(x))), k, k, k);
  const out = applyCols(Z, matMul(Q, Rh, k, k, k), k);
  if (pb) out.forEach((x, i) => { const pi = pb![i]!; for (let t = 0; t < x.length; t++) x[t] = x[t]! + pi[t]!; });
  return out;
}

/** Impose the central na×na autocorrelation `target` on a real m×m image (mean removed) by rescaling its Fourier amplitudes toward the power spectrum whose autocorrelation has that centre and the image's own elsewhere. */
function imposeAutocorr(x: Float64Array, m: number, target: Float64Array, na: number): Float64Array {
  const f = fft2(m), X = f.forwardReal(x), P = new Float64Array(2 * m * m);
  for (let i = 0; i < m * m; i++) P[2 * i] = (X[2 * i]! ** 2 + X[2 * i + 1]! ** 2) / (m * m);
  const ac = f.inverseReal(P), h = (na - 1) / 2;
  for (let dy = -h; dy <= h; dy++) for (let dx = -h; dx <= h; dx++) ac[((dy + m) % m) * m + ((dx + m) % m)] = target[(dy + h) * na + dx + h]!;
  const Pd = f.forwardReal(ac);
  for (let i = 0; i < m * m; i++) {
    const cur = P[2 * i]!, des = Math.max(0, Pd[2 * i]!), g = cur > 1e-20 ? Math.sqrt(des / cur) : 0;
    if (i === 0) continue;
    X[2 * i] = X[2 * i]! * g; X[2 * i + 1] = X[2 * i + 1]! * g;
  }
  X[0] = 0; X[1] = 0;
  return f.inverseReal(X);
}

/**
 * Change the skewness (order 3) or kurtosis (order 4) of x to the target along the moment's
 * gradient, keeping mean and variance: y = z + λ g with z the standardised x and g = z^(order−1),
 * centred and made orthogonal to z; λ by a 1-D root search. The moments of y are polynomials in λ
 * with coefficients E[z^a g^b], summed once, so each step of the search costs O(1), not a pass
 * over the pixels.
 */
export function imposeMoment(x: Float64Array, order: 3 | 4, target: number): Float64Array {
  const mo = moments(x), sd = Math.sqrt(mo.variance), N = x.length;
  if (!(sd > 0) || !Number.isFinite(target)) return x;
  const z = new Float64Array(N), g = new Float64Array(N);
  let gm = 0;
  for (let i = 0; i < N; i++) { const v = (x[i]! - mo.mean) / sd; z[i] = v; g[i] = order === 3 ? v * v : v * v * v; gm += g[i]!; }
  gm /= N;
  let proj = 0;
  for (let i = 0; i < N; i++) { g[i] = g[i]! - gm; proj += g[i]! * z[i]!; }
  proj /= N; // E[z²] = 1, so removing proj·z makes g orthogonal to z: variance unchanged to first order
  const e = Array.from({ length: 5 }, () => new Float64Array(5)); // e[a][b] = E[z^a g^b], a + b ∈ {2, 3, 4}
  for (let i = 0; i < N; i++) {
    const a = z[i]!, b = (g[i] = g[i]! - proj * a);
    const a2 = a * a, b2 = b * b;
    e[2]![0]! += a2; e[1]![1]! += a * b; e[0]![2]! += b2;
    e[3]![0]! += a2 * a; e[2]![1]! += a2 * b; e[1]![2]! += a * b2; e[0]![3]! += b2 * b;
    e[4]![0]! += a2 * a2; e[3]![1]! += a2 * a * b; e[2]![2]! += a2 * b2; e[1]![3]! += a * b2 * b; e[0]![4]! += b2 * b2;
  }
  for (const row of e) for (let b = 0; b < 5; b++) row[b]! /= N;
  const binom = [[1], [1, 1], [1, 2, 1], [1, 3, 3, 1], [1, 4, 6, 4, 1]];
  const moment = (k: number, l: number) => { let m = 0; for (let j = 0; j <= k; j++) m += binom[k]![j]! * l ** j * e[k - j]![j]!; return m; }; // E[(z + λg)^k]; y has mean 0
  const stat = (l: number) => { const m2 = moment(2, l); return order === 3 ? moment(3, l) / m2 ** 1.5 : moment(4, l) / (m2 * m2); };
  const f = (l: number) => stat(l) - target;
  let lo = 0, hi = 0, flo = f(0);
  if (Math.abs(flo) < 1e-9) return x;
  let step = 0.01;
  for (let t = 0; t < 40; t++) { const c = (flo > 0 ? -1 : 1) * step; const fc = f(c); if (Math.sign(fc) !== Math.sign(flo)) { hi = c; break; } step *= 1.6; if (t === 39) return x; }
  for (let t = 0; t < 60; t++) { const mid = (lo + hi) / 2, fm = f(mid); if (Math.sign(fm) === Math.sign(flo)) { lo = mid; flo = fm; } else hi = mid; }
  const l = (lo + hi) / 2, y = new Float64Array(N);
  for (let i = 0; i < N; i++) y[i] = z[i]! + l * g[i]!;
  const my = moments(y), sy = Math.sqrt(my.variance);
  for (let i = 0; i < N; i++) y[i] = mo.mean + ((y[i]! - my.mean) / sy) * sd;
  return y;
}

function imposeLowpass(x: Float64Array, m: number, s: number, t: PsStatistics, na: number, offsets: number[]): Float64Array {
  const k = neighbourhoodAt(na, m), target = t.lowpassAutocorr.subarray(offsets[s]!, offsets[s]! + k * k), mean = moments(x).mean;
  let y: Float64Array = imposeAutocorr(x.map((v) => v - mean), m, target, k).map((v) => v + mean);
  y = imposeMoment(y, 3, t.lowpassMoments[2 * s]!);
  y = imposeMoment(y, 4, t.lowpassMoments[2 * s + 1]!);
  return y;
}

/** One coarse-to-fine projection pass of an n×n image, given as its pyramid p, onto the target statistics. */
function project(p: Pyramid, n: number, t: PsStatistics, S: number, K: number, na: number): Float64Array {
  const offsets: number[] = [0];
  for (let s = 0; s <= S; s++) offsets.push(offsets[s]! + neighbourhoodAt(na, n >> s) ** 2);
  const magOffsets: number[] = [0];
  for (let s = 0; s < S; s++) magOffsets.push(magOffsets[s]! + K * neighbourhoodAt(na, n >> s) ** 2);
  let m = n >> S;
  let lo = imposeLowpass(p.lowpass, m, S, t, na, offsets);
  let parentBands: Float64Array[] | undefined;
  for (let s = S - 1; s >= 0; s--) {
    m = n >> s;
    const N = m * m, k = neighbourhoodAt(na, m), bands = p.bands[s]!;
    // magnitudes: autocorrelation, then covariances across orientations (and with the parent), then means
    let mags: Float64Array[] = bands.map(modulus);
    mags = mags.map((g, o) => { const mean = moments(g).mean, off = magOffsets[s]! + o * k * k; return imposeAutocorr(centred(g), m, t.magnitudeAutocorr.subarray(off, off + k * k), k); });
    const Txx = t.magnitudeCrossOrientation.subarray(s * K * K, (s + 1) * K * K);
    const parents = parentBands?.map((z) => phaseDoubledParent(z, m));
    if (parents) {
      const pm = parents.map((z) => centred(modulus(z)));
      mags = adjustCovariance(mags, Float64Array.from(Txx), pm, Float64Array.from(t.magnitudeCrossScale.subarray(s * K * K, (s + 1) * K * K)));
    } else mags = adjustCovariance(mags, Float64Array.from(Txx));
    mags.forEach((g, o) => { const mu = t.magnitudeMeans[s * K + o]!; for (let i = 0; i < N; i++) g[i] = Math.max(0, g[i]! + mu); });
    const newBands = bands.map((z, o) => { const out = new Float64Array(2 * N); for (let i = 0; i < N; i++) { const r = Math.sqrt(z[2 * i]! ** 2 + z[2 * i + 1]! ** 2), g = mags[o]![i]!; if (r > 0) { out[2 * i] = (z[2 * i]! / r) * g; out[2 * i + 1] = (z[2 * i + 1]! / r) * g; } } return out; });
    // real parts: covariance with the phase-doubled parent (own covariance kept)
    let real: Float64Array[] = newBands.map(realPart);
    if (parents) {
      const pr = parents.flatMap((z) => [realPart(z), imagPart(z)]);
      real = adjustCovariance(real, cov(real, real), pr, Float64Array.from(t.realCrossScale.subarray(s * 2 * K * K, (s + 1) * 2 * K * K)));
    }
    // low-pass image at this scale = coarser low-pass, upsampled and low-filtered, + the real bands
    const mk = masks(m, K), f = fft2(m), spec = multiply(expand(fft2(m / 2).forwardReal(lo), m), mk.lo);
    real.forEach((b, o) => { const B = f.forwardReal(b); for (let i = 0; i < N; i++) { const w = mk.hi[i]! * mk.angle[o]![i]!; spec[2 * i] = spec[2 * i]! + B[2 * i]! * w; spec[2 * i + 1] = spec[2 * i + 1]! + B[2 * i + 1]! * w; } });
    lo = imposeLowpass(f.inverseReal(spec), m, s, t, na, offsets);
    // the next finer scale's parent: the complex bands whose real parts are the adjusted ones (analytic signal: keep the orientation's positive half-plane, doubled)
    parentBands = real.map((b, o) => { const B = f.forwardReal(b); for (let i = 0; i < N; i++) { const w = mk.oneSided[o]![i]! > 0 ? 2 : mk.angle[o]![i]! > 0 ? 0 : 1; B[2 * i] = B[2 * i]! * w; B[2 * i + 1] = B[2 * i + 1]! * w; } return f.inverse(B); });
  }
  // high-pass variance, recombine, pixel moments and range
  const hpm = moments(p.highpass), g = hpm.variance > 0 ? Math.sqrt(t.magnitudeMeans[S * K]! / hpm.variance) : 0;
  const top = masks(n, K), spec = multiply(fft2(n).forwardReal(lo), top.lo0), H = fft2(n).forwardReal(p.highpass.map((v) => (v - hpm.mean) * g));
  for (let i = 0; i < n * n; i++) { spec[2 * i] = spec[2 * i]! + H[2 * i]! * top.hi0[i]!; spec[2 * i + 1] = spec[2 * i + 1]! + H[2 * i + 1]! * top.hi0[i]!; }
  let y = fft2(n).inverseReal(spec);
  const [mean, variance, skew, kurt, min, max] = t.pixel as unknown as number[];
  const ym = moments(y);
  y = y.map((v) => mean! + ((v - ym.mean) / Math.sqrt(ym.variance)) * Math.sqrt(variance!));
  y = imposeMoment(y, 3, skew!); y = imposeMoment(y, 4, kurt!);
  return y.map((v) => Math.min(max!, Math.max(min!, v)));
}

export const DEFAULT_STOP_SNR = 25;

/** Synthesize an n×n texture with the target's statistics from seeded Gaussian noise. */
export function synthesizeTexture(target: PsStatistics, n: number, rng: Rng, opts: SynthesisOptions = {}): SynthesisResult {
  const S = opts.scales ?? 4, K = opts.orientations ?? 4, na = opts.neighbourhood ?? 7, iterations = opts.iterations ?? 5, refinements = opts.refinements ?? 80, stopSnr = opts.stopSnr ?? DEFAULT_STOP_SNR;
  const [mean, variance] = target.pixel as unknown as number[];
  let x: Float64Array = Float64Array.from({ length: n * n }, () => mean! + Math.sqrt(variance!) * rng.normal());
  const history: Record<StatisticGroup, number>[] = [];
  let p = buildPyramid(x, n, { scales: S, orientations: K });
  for (let it = 0; it < iterations; it++) {
    x = project(p, n, target, S, K, na);
    p = buildPyramid(x, n, { scales: S, orientations: K }); // for the convergence record and the next pass alike
    history.push(statisticsSnr(target, statisticsOfPyramid(p, x, na)));
  }
  if (refinements > 0) {
    x = refine(x, n, target, S, K, na, refinements, (st) => history.push(statisticsSnr(target, st)), stopSnr);
    history.push(statisticsSnr(target, textureStatistics(x, n, { scales: S, orientations: K, neighbourhood: na }))); // after the final range clip
  }
  return { image: x, snr: history.at(-1) ?? statisticsSnr(target, textureStatistics(x, n, { scales: S, orientations: K, neighbourhood: na })), history };
}
export { STATISTIC_GROUPS };
