import { fft2, realPart } from "./fft2.js";
import { buildPyramid, expand, masks, shrink, upsampleComplex, type Pyramid } from "./pyramid.js";
import { emptyIntermediates, moments, neighbourhoodAt, type PsStatistics, statisticsOfPyramid, statisticsSnr } from "./statistics.js";

/**
 * Gradient refinement of the band statistics that iterative projection leaves at 8–16 dB
 * (magnitude means, auto-correlations, cross-orientation and cross-scale covariances, real-part
 * cross-scale covariances). Loss: Σ_g ‖stat_g − target_g‖² / ‖target_g‖² over those groups
 * (= Σ 10^(−SNR_g/10)); its gradient with respect to the complex bands is taken analytically,
 * with each band's coarser-scale parents held fixed, and carried back to the image by the
 * adjoint of the pyramid analysis (`bandAdjoint`).
 */
export const REFINED_GROUPS = ["pixel", "lowpassMoments", "lowpassAutocorr", "magnitudeMeans", "magnitudeAutocorr", "magnitudeCrossOrientation", "magnitudeCrossScale", "realCrossScale"] as const;

/** Adjoint of x ↦ band (s, k) of `buildPyramid` (real image → complex band, as real pairs), summed over the given band gradients: Σ A_{s,k}ᴴ G_{s,k}. */
export function bandAdjoint(grads: Float64Array[][], n: number, K: number, lowpass?: Float64Array[]): Float64Array {
  const S = grads.length;
  // coarse to fine: accumulate each scale's band (and low-pass image) contributions in its spectrum, then carry the sum up through shrinkᴴ = expand/16 and the low-pass mask
  const lowSpec = (s: number) => { const m = n >> s, G = fft2(m).forwardReal(lowpass![s]!); for (let i = 0; i < G.length; i++) G[i] = G[i]! / (m * m); return G; };
  let acc: Float64Array | undefined = lowpass ? lowSpec(S) : undefined;
  for (let s = S - 1; s >= 0; s--) {
    const m = n >> s, mk = masks(m, K), f = fft2(m), spec = lowpass ? lowSpec(s) : new Float64Array(2 * m * m);
    if (acc) { const up = expand(acc, m); for (let i = 0; i < m * m; i++) { const w = mk.lo[i]! / 16; spec[2 * i] = spec[2 * i]! + up[2 * i]! * w; spec[2 * i + 1] = spec[2 * i + 1]! + up[2 * i + 1]! * w; } }
    grads[s]!.forEach((g, k) => {
      const G = f.forward(g); // IFFT_mᴴ = FFT_m / m²
      for (let i = 0; i < m * m; i++) { const w = (mk.hi[i]! * mk.oneSided[k]![i]!) / (m * m); spec[2 * i] = spec[2 * i]! + G[2 * i]! * w; spec[2 * i + 1] = spec[2 * i + 1]! + G[2 * i + 1]! * w; }
    });
    acc = spec;
  }
  const top = masks(n, K);
  for (let i = 0; i < n * n; i++) { acc![2 * i] = acc![2 * i]! * top.lo0[i]!; acc![2 * i + 1] = acc![2 * i + 1]! * top.lo0[i]!; }
  const x = fft2(n).inverse(acc!); // FFT_nᴴ = n² · IFFT_n
  const out = realPart(x);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * n * n;
  return out;
}


/**
 * Add to g the gradient of w·Σ_d (ac_d − t_d)² with respect to c, ac_d = (1/N) Σ_i c_i c_{i+d} over
 * the central k×k lags (circular): Σ_d e_d (c_{i+d} + c_{i−d}), a correlation plus a convolution
 * of c with the error kernel e, i.e. IFFT(C · 2 Re E), C = FFT(c) (the statistics computed it).
 */
function addAutocorrGrad(g: Float64Array, C: Float64Array, m: number, k: number, ac: ArrayLike<number>, target: ArrayLike<number>, off: number, w: number) {
  const h = (k - 1) / 2, N = m * m, e = new Float64Array(N);
  for (let dy = -h; dy <= h; dy++) for (let dx = -h; dx <= h; dx++) {
    const j = off + (dy + h) * k + dx + h;
    e[((dy + m) % m) * m + ((dx + m) % m)] = (2 * w * (ac[j]! - target[j]!)) / N;
  }
  const f = fft2(m), E = f.forwardReal(e);
  for (let i = 0; i < N; i++) { const r = 2 * E[2 * i]!; C[2 * i] = C[2 * i]! * r; C[2 * i + 1] = C[2 * i + 1]! * r; }
  const out = f.inverseReal(C);
  for (let i = 0; i < N; i++) g[i] = g[i]! + out[i]!;
}

/** Add to g the gradient of Σ w_j (moment_j(x) − t_j)² for the requested moments of x: mean, variance, skewness, kurtosis (each weight 0 to leave it out). */
function addMomentGrad(g: Float64Array, x: Float64Array, got: { mean: number; variance: number; skewness: number; kurtosis: number }, t: { mean: number; variance: number; skewness: number; kurtosis: number }, w: { mean: number; variance: number; skewness: number; kurtosis: number }) {
  const N = x.length, v = got.variance, sd = Math.sqrt(v);
  if (!(v > 0)) return;
  const m3 = got.skewness * v * sd, m4 = got.kurtosis * v * v;
  const eMean = 2 * w.mean * (got.mean - t.mean), eVar = 2 * w.variance * (v - t.variance), eSk = 2 * w.skewness * (got.skewness - t.skewness), eKu = 2 * w.kurtosis * (got.kurtosis - t.kurtosis);
  for (let i = 0; i < N; i++) {
    const d = x[i]! - got.mean, dv = (2 * d) / N, dm3 = (3 * (d * d - v)) / N, dm4 = (4 * (d * d * d - m3)) / N;
    const dsk = dm3 / (v * sd) - 1.5 * (m3 / (v * v * sd)) * dv, dku = dm4 / (v * v) - 2 * (m4 / (v * v * v)) * dv;
    g[i] = g[i]! + eMean / N + eVar * dv + eSk * dsk + eKu * dku;
  }
}

/** g += Σ_j w_j V_j over whole arrays, four terms per pass (g is read and written once per four). */
function addCombination(g: Float64Array, w: ArrayLike<number>, V: readonly Float64Array[]) {
  const N = g.length;
  let j = 0;
  for (; j + 4 <= V.length; j += 4) {
    const v0 = V[j]!, v1 = V[j + 1]!, v2 = V[j + 2]!, v3 = V[j + 3]!, w0 = w[j]!, w1 = w[j + 1]!, w2 = w[j + 2]!, w3 = w[j + 3]!;
    for (let i = 0; i < N; i++) g[i] = g[i]! + w0 * v0[i]! + w1 * v1[i]! + w2 * v2[i]! + w3 * v3[i]!;
  }
  for (; j < V.length; j++) { const v = V[j]!, wj = w[j]!; for (let i = 0; i < N; i++) g[i] = g[i]! + wj * v[i]!; }
}

/** Gradient of Σ_ab E_ab Σ_i X_a[i] Y_b[i] (E row-major, |X|×|Y|): gX_a += Σ_b E_ab Y_b and, when given, gY_b += Σ_a E_ab X_a. */
function addCrossGradients(E: Float64Array, X: readonly Float64Array[], Y: readonly Float64Array[], gX: Float64Array[], gY?: Float64Array[]) {
  const A = X.length, B = Y.length;
  for (let a = 0; a < A; a++) addCombination(gX[a]!, E.subarray(a * B, (a + 1) * B), Y);
  if (gY) for (let b = 0; b < B; b++) addCombination(gY[b]!, Array.from({ length: A }, (_, a) => E[a * B + b]!), X);
}

const sumSq = (a: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! ** 2; return s; };

/** The refined groups' loss, and its gradient with respect to the image. */
export function bandLossGradient(x: Float64Array, n: number, t: PsStatistics, S: number, K: number, na: number): { loss: number; grad: Float64Array; stats: PsStatistics } {
  const spectra = emptyIntermediates();
  const p: Pyramid = buildPyramid(x, n, { scales: S, orientations: K }), st = statisticsOfPyramid(p, x, na, spectra);
  const w = Object.fromEntries(REFINED_GROUPS.map((g) => [g, 1 / Math.max(sumSq(t[g]), 1e-30)])) as Record<(typeof REFINED_GROUPS)[number], number>;
  let loss = 0;
  for (const g of REFINED_GROUPS) { let e = 0; t[g].forEach((v, i) => { if (g !== "pixel" || i < 4) e += (st[g][i]! - v) ** 2; }); loss += w[g] * e; }
  // the range: a penalty on every pixel outside [min, max] (≥ the squared error of the extremes), smooth, unlike clipping
  const lo = t.pixel[4]!, hi = t.pixel[5]!;
  for (let i = 0; i < x.length; i++) { const o = x[i]! > hi ? x[i]! - hi : x[i]! < lo ? x[i]! - lo : 0; loss += w.pixel * o * o; }
  let acOff = 0;
  const parentGrads = p.bands.map((bs) => bs.map((z) => new Float64Array(z.length)));
  const grads = p.bands.map((bs, s) => {
    const m = n >> s, N = m * m, k = neighbourhoodAt(na, m);
    const c = spectra.centredMagnitudes[s]!;
    const dc = bs.map(() => new Float64Array(N)), dre = bs.map(() => new Float64Array(N)), dmag = bs.map(() => 0);
    for (let a = 0; a < K; a++) {
      // magnitude mean
      dmag[a] = (2 * w.magnitudeMeans * (st.magnitudeMeans[s * K + a]! - t.magnitudeMeans[s * K + a]!)) / N;
      // auto-correlation: ac_d = (1/N) Σ_i c_i c_{i+d}
      const g = dc[a]!;
      addAutocorrGrad(g, spectra.magnitude[s]![a]!, m, k, st.magnitudeAutocorr, t.magnitudeAutocorr, acOff + a * k * k, w.magnitudeAutocorr);
    }
    { // cross-orientation covariance: c_a appears on both sides, so e_ab gathers the (a, b) and (b, a) errors
      const e = new Float64Array(K * K), o = s * K * K;
      for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) e[a * K + b] = (2 * w.magnitudeCrossOrientation * ((st.magnitudeCrossOrientation[o + a * K + b]! - t.magnitudeCrossOrientation[o + a * K + b]!) + (st.magnitudeCrossOrientation[o + b * K + a]! - t.magnitudeCrossOrientation[o + b * K + a]!))) / N;
      addCrossGradients(e, c, c, dc);
    }
    if (s + 1 < S) {
      const pm = spectra.parentMagnitudes[s]!, pr = spectra.parentParts[s]!, re = spectra.realParts[s]!;
      const dpm = pm.map(() => new Float64Array(N)), dpr = pr.map(() => new Float64Array(N));
      const em = new Float64Array(K * K), er = new Float64Array(2 * K * K);
      for (let j = 0; j < K * K; j++) em[j] = (2 * w.magnitudeCrossScale * (st.magnitudeCrossScale[s * K * K + j]! - t.magnitudeCrossScale[s * K * K + j]!)) / N;
      for (let j = 0; j < 2 * K * K; j++) er[j] = (2 * w.realCrossScale * (st.realCrossScale[s * 2 * K * K + j]! - t.realCrossScale[s * 2 * K * K + j]!)) / N;
      addCrossGradients(em, c, pm, dc, dpm);
      addCrossGradients(er, re, pr, dre, dpr);
      // through the parents: P = u²/|u| of u = the coarser band upsampled; |P| = |u| (centred in the statistic)
      const h = m / 2, f = fft2(m);
      p.bands[s + 1]!.forEach((zc, b) => {
        const u = upsampleComplex(zc, h), gm = dpm[b]!, gre = dpr[2 * b]!, gim = dpr[2 * b + 1]!, Gu = new Float64Array(2 * N);
        let mu = 0; for (const v of gm) mu += v; mu /= N;
        for (let i = 0; i < N; i++) {
          const x1 = u[2 * i]!, y1 = u[2 * i + 1]!, r2 = x1 * x1 + y1 * y1, r = Math.sqrt(r2);
          if (!(r > 0)) continue;
          const r3 = r2 * r, q = x1 * x1 - y1 * y1, dm = gm[i]! - mu;
          Gu[2 * i] = gre[i]! * (2 * x1 / r - q * x1 / r3) + gim[i]! * (2 * y1 / r - 2 * x1 * y1 * x1 / r3) + dm * x1 / r;
          Gu[2 * i + 1] = gre[i]! * (-2 * y1 / r - q * y1 / r3) + gim[i]! * (2 * x1 / r - 2 * x1 * y1 * y1 / r3) + dm * y1 / r;
        }
        const Gz = fft2(h).inverse(shrink(f.forward(Gu), m)); // upsampleᴴ = 4 · IFFT_h ∘ shrink ∘ FFT_m
        const acc = parentGrads[s + 1]![b]!;
        for (let i = 0; i < Gz.length; i++) acc[i] = acc[i]! + 4 * Gz[i]!;
      });
    }
    acOff += K * k * k;
    return bs.map((z, a) => {
      const g = dc[a]!; let mu = 0; for (const v of g) mu += v; mu /= N; // c = |z| − mean|z|
      const G = new Float64Array(2 * N);
      for (let i = 0; i < N; i++) {
        const re = z[2 * i]!, im = z[2 * i + 1]!, r = Math.sqrt(re * re + im * im), dm = g[i]! - mu + dmag[a]!;
        if (r > 0) { G[2 * i] = (dm * re) / r; G[2 * i + 1] = (dm * im) / r; }
        G[2 * i] = G[2 * i]! + dre[a]![i]!;
      }
      return G;
    });
  });
  grads.forEach((bs, s) => bs.forEach((g, k) => { const pg = parentGrads[s]![k]!; for (let i = 0; i < g.length; i++) g[i] = g[i]! + pg[i]!; }));
  // low-pass images: skewness, kurtosis and central auto-correlation at each scale (variance is the auto-correlation's centre)
  let loOff = 0;
  const lowGrads = p.lowpassImages.map((lo, s) => {
    const m = n >> s, k = neighbourhoodAt(na, m), mo = moments(lo), g = new Float64Array(m * m);
    addAutocorrGrad(g, spectra.lowpass[s]!, m, k, st.lowpassAutocorr, t.lowpassAutocorr, loOff, w.lowpassAutocorr);
    loOff += k * k;
    let gm = 0; for (const v of g) gm += v; gm /= g.length; for (let i = 0; i < g.length; i++) g[i] = g[i]! - gm; // c = lo − mean(lo)
    addMomentGrad(g, lo, mo, { mean: 0, variance: 0, skewness: t.lowpassMoments[2 * s]!, kurtosis: t.lowpassMoments[2 * s + 1]! }, { mean: 0, variance: 0, skewness: w.lowpassMoments, kurtosis: w.lowpassMoments });
    return g;
  });
  const grad = bandAdjoint(grads, n, K, lowGrads), px = moments(x);
  { // the high-pass residual's variance (last entry of magnitudeMeans); the high-pass filter is real and symmetric, so self-adjoint
    const hp = p.highpass, hm = moments(hp), e = 2 * w.magnitudeMeans * (hm.variance - t.magnitudeMeans[S * K]!), top = masks(n, K);
    const G = fft2(n).forwardReal(hp.map((v) => (e * 2 * (v - hm.mean)) / hp.length));
    for (let i = 0; i < n * n; i++) { G[2 * i] = G[2 * i]! * top.hi0[i]!; G[2 * i + 1] = G[2 * i + 1]! * top.hi0[i]!; }
    const back = fft2(n).inverseReal(G);
    for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! + back[i]!;
  }
  for (let i = 0; i < x.length; i++) { const o = x[i]! > hi ? x[i]! - hi : x[i]! < lo ? x[i]! - lo : 0; grad[i] = grad[i]! + 2 * w.pixel * o; }
  addMomentGrad(grad, x, px, { mean: t.pixel[0]!, variance: t.pixel[1]!, skewness: t.pixel[2]!, kurtosis: t.pixel[3]! }, { mean: w.pixel, variance: w.pixel, skewness: w.pixel, kurtosis: w.pixel });
  return { loss, grad, stats: st };
}

const dot = (a: Float64Array, b: Float64Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };

/** Lowest per-group SNR (dB) of `got` against the target. */
export const minSnr = (t: PsStatistics, got: PsStatistics) => Math.min(...Object.values(statisticsSnr(t, got)));

/**
 * At most `steps` of L-BFGS (memory 8; Nocedal & Wright alg. 7.4) on the loss, with a backtracking
 * step (first try 1, the quasi-Newton step), restarted from the gradient when a direction fails;
 * then the pixel range is imposed by clipping (the loss has already pushed pixels into it).
 * Stops early once every group's SNR is ≥ `stopSnr` dB (the steps after that only polish groups
 * already past the bar, and most of the time went there). `onStep` sees the statistics after every
 * accepted step.
 */
export function refine(x0: Float64Array, n: number, t: PsStatistics, S: number, K: number, na: number, steps: number, onStep?: (stats: PsStatistics) => void, stopSnr = Infinity): Float64Array {
  let x = x0, cur = bandLossGradient(x, n, t, S, K, na), restarted = false;
  if (minSnr(t, cur.stats) >= stopSnr) steps = 0;
  const mem: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  let scale = 1 / Math.sqrt(Math.max(dot(cur.grad, cur.grad), 1e-300)); // first step: a unit change along the gradient
  for (let it = 0; it < steps; it++) {
    // two-loop recursion: dir = −H g
    const q = Float64Array.from(cur.grad), alpha: number[] = [];
    for (let j = mem.length - 1; j >= 0; j--) { const m = mem[j]!, a = m.rho * dot(m.s, q); alpha[j] = a; for (let i = 0; i < q.length; i++) q[i] = q[i]! - a * m.y[i]!; }
    const gamma = mem.length ? dot(mem.at(-1)!.s, mem.at(-1)!.y) / dot(mem.at(-1)!.y, mem.at(-1)!.y) : scale;
    for (let i = 0; i < q.length; i++) q[i] = q[i]! * gamma;
    for (let j = 0; j < mem.length; j++) { const m = mem[j]!, b = m.rho * dot(m.y, q); for (let i = 0; i < q.length; i++) q[i] = q[i]! + m.s[i]! * (alpha[j]! - b); }
    const dir = q.map((v) => -v);
    let step = 1, accepted = false;
    for (let tries = 0; tries < 10 && !accepted; tries++) {
      const y = x.map((v, i) => v + step * dir[i]!), next = bandLossGradient(y, n, t, S, K, na);
      if (next.loss < cur.loss) {
        const sv = y.map((v, i) => v - x[i]!), yv = next.grad.map((v, i) => v - cur.grad[i]!), sy = dot(sv, yv);
        if (sy > 1e-12 * Math.sqrt(dot(sv, sv) * dot(yv, yv))) { mem.push({ s: sv, y: yv, rho: 1 / sy }); if (mem.length > 8) mem.shift(); }
        x = y; cur = next; accepted = true;
      } else step /= 4;
    }
    if (!accepted) { // the first step or a stale memory can fail: restart from the gradient once, then stop
      if (restarted) break;
      restarted = true; mem.length = 0; scale = 1e-3 / Math.sqrt(Math.max(dot(cur.grad, cur.grad), 1e-300)); it--; continue;
    }
    restarted = false;
    onStep?.(cur.stats);
    if (minSnr(t, cur.stats) >= stopSnr) break;
  }
  const lo = t.pixel[4]!, hi = t.pixel[5]!;
  return x.map((v) => Math.min(hi, Math.max(lo, v)));
}
