import { fft2, realPart } from "./fft2.js";

/**
 * Complex steerable pyramid (Simoncelli & Freeman 1995; the complex form Portilla & Simoncelli
 * 2000 use), built in the Fourier domain so it is a tight frame: analysis then synthesis gives
 * the image back to rounding.
 *
 * Radius r is in units of the Nyquist frequency (r = 1 at ±½ cycle/px on an axis). Radial split
 * at ρ: H(r) = cos(π/2 · log2(ρ/r)) for ρ/2 < r < ρ (1 above, 0 below), L = √(1 − H²), so
 * H² + L² = 1. Angular: A_k(θ) = α |cos(θ − πk/K)|^(K−1) with Σ_k A_k² = 1; the complex band uses
 * the one-sided 2α cos^(K−1) (zero where the cosine is negative), whose real part is the real
 * steerable band. Layout:
 *  - highpass: the residual above the first split (n×n, real);
 *  - bands[s][k]: scale s (0 finest, side n/2^s), orientation k (angle πk/K), complex interleaved;
 *  - lowpass: the residual below the last split (side n/2^S, real).
 * Each coarser scale is the low-passed image subsampled by 2 (cropping the spectrum, which the
 * low-pass has already emptied outside the kept half), with pixel values of the same magnitude.
 */
export interface Pyramid {
  readonly n: number;
  readonly scales: number;
  readonly orientations: number;
  readonly highpass: Float64Array;
  readonly bands: Float64Array[][];
  readonly lowpass: Float64Array;
  /** The low-passed image entering each split, s = 0 … S (side n/2^s; the last is `lowpass`): Portilla–Simoncelli's per-scale low-pass images. */
  readonly lowpassImages: Float64Array[];
}

export interface PyramidOptions { readonly scales?: number; readonly orientations?: number }

interface Masks { readonly hi: Float64Array; readonly lo: Float64Array; readonly hi0: Float64Array; readonly lo0: Float64Array; readonly angle: Float64Array[]; readonly oneSided: Float64Array[] }
const maskCache = new Map<string, Masks>();

/** Radial high/low masks for a split at ρ and the K angular masks, for an m×m spectrum. */
export function masks(m: number, K: number): Masks {
  const key = `${m}:${K}`, hit = maskCache.get(key);
  if (hit) return hit;
  const hi = new Float64Array(m * m), lo = new Float64Array(m * m), hi0 = new Float64Array(m * m), lo0 = new Float64Array(m * m);
  const angle = Array.from({ length: K }, () => new Float64Array(m * m)), oneSided = Array.from({ length: K }, () => new Float64Array(m * m));
  const p = K - 1;
  let c = 0; // Σ_k cos^(2p)(θ − πk/K) is the same for every θ when K > p; evaluate at θ = 0
  for (let k = 0; k < K; k++) c += Math.cos((Math.PI * k) / K) ** (2 * p);
  const alpha = 1 / Math.sqrt(c);
  const split = (r: number, rho: number) => (r >= rho ? 1 : r <= rho / 2 ? 0 : Math.cos((Math.PI / 2) * Math.log2(rho / r)));
  for (let y = 0; y < m; y++) for (let x = 0; x < m; x++) {
    const fy = (y <= m / 2 ? y : y - m) / m, fx = (x <= m / 2 ? x : x - m) / m, r = 2 * Math.hypot(fx, fy), theta = Math.atan2(fy, fx), i = y * m + x;
    const h = split(r, 0.5), h0 = split(r, 1);
    hi[i] = h; lo[i] = Math.sqrt(Math.max(0, 1 - h * h)); hi0[i] = h0; lo0[i] = Math.sqrt(Math.max(0, 1 - h0 * h0));
    for (let k = 0; k < K; k++) {
      const cs = Math.cos(theta - (Math.PI * k) / K);
      angle[k]![i] = alpha * Math.abs(cs) ** p;
      oneSided[k]![i] = cs > 0 ? 2 * alpha * cs ** p : 0;
    }
  }
  const out = { hi, lo, hi0, lo0, angle, oneSided };
  maskCache.set(key, out);
  return out;
}

export function multiply(spec: Float64Array, mask: Float64Array): Float64Array {
  const out = new Float64Array(spec.length);
  for (let i = 0; i < mask.length; i++) { out[2 * i] = spec[2 * i]! * mask[i]!; out[2 * i + 1] = spec[2 * i + 1]! * mask[i]!; }
  return out;
}

/** Central half of an m×m spectrum (signed frequencies in [−m/4, m/4)), scaled by ¼ so the subsampled image keeps its pixel magnitudes. */
export function shrink(spec: Float64Array, m: number): Float64Array {
  const h = m / 2, out = new Float64Array(2 * h * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < h; x++) {
    const py = ((y < h / 2 ? y : y - h) + m) % m, px = ((x < h / 2 ? x : x - h) + m) % m, j = py * m + px, i = y * h + x;
    out[2 * i] = spec[2 * j]! / 4; out[2 * i + 1] = spec[2 * j + 1]! / 4;
  }
  return out;
}

/** Inverse of `shrink`: an (m/2)² spectrum zero-padded into m×m. */
export function expand(spec: Float64Array, m: number): Float64Array {
  const h = m / 2, out = new Float64Array(2 * m * m);
  for (let y = 0; y < h; y++) for (let x = 0; x < h; x++) {
    const py = ((y < h / 2 ? y : y - h) + m) % m, px = ((x < h / 2 ? x : x - h) + m) % m, j = py * m + px, i = y * h + x;
    out[2 * j] = spec[2 * i]! * 4; out[2 * j + 1] = spec[2 * i + 1]! * 4;
  }
  return out;
}

/** Decompose an n×n image (n a power of two, n/2^scales ≥ 4). Defaults: 4 scales × 4 orientations, as Portilla & Simoncelli and Freeman et al. */
export function buildPyramid(img: ArrayLike<number>, n: number, opts: PyramidOptions = {}): Pyramid {
  const S = opts.scales ?? 4, K = opts.orientations ?? 4;
  if (img.length !== n * n) throw new Error(`buildPyramid: expected ${n}×${n} = ${n * n} pixels, got ${img.length}`);
  if (n >> S < 4) throw new Error(`buildPyramid: ${S} scales need an image of at least ${4 << S} px (the coarsest band would be ${n >> S} px); use fewer scales or a larger image`);
  if (K < 2 || K > 8) throw new Error(`buildPyramid: orientations must be 2–8, got ${K}`);
  const top = masks(n, K), X = fft2(n).forwardReal(img);
  const highpass = fft2(n).inverseReal(multiply(X, top.hi0));
  let lo = multiply(X, top.lo0), m = n;
  const bands: Float64Array[][] = [], lowpassImages: Float64Array[] = [];
  for (let s = 0; s < S; s++) {
    const mk = masks(m, K), f = fft2(m), hiSpec = multiply(lo, mk.hi);
    lowpassImages.push(f.inverseReal(lo));
    bands.push(mk.oneSided.map((a) => f.inverse(multiply(hiSpec, a))));
    lo = shrink(multiply(lo, mk.lo), m);
    m /= 2;
  }
  const lowpass = fft2(m).inverseReal(lo);
  lowpassImages.push(lowpass);
  return { n, scales: S, orientations: K, highpass, bands, lowpass, lowpassImages };
}

/** Synthesis: the image a pyramid came from (only the real parts of the complex bands are used). */
export function reconstructPyramid(p: Pyramid): Float64Array {
  const K = p.orientations;
  let m = p.n >> p.scales, lo = fft2(m).forwardReal(p.lowpass);
  for (let s = p.scales - 1; s >= 0; s--) {
    m *= 2;
    const mk = masks(m, K), f = fft2(m), spec = multiply(expand(lo, m), mk.lo);
    p.bands[s]!.forEach((band, k) => {
      const b = f.forwardReal(realPart(band));
      for (let i = 0; i < m * m; i++) { const w = mk.hi[i]! * mk.angle[k]![i]!; spec[2 * i] = spec[2 * i]! + b[2 * i]! * w; spec[2 * i + 1] = spec[2 * i + 1]! + b[2 * i + 1]! * w; }
    });
    lo = spec;
  }
  const top = masks(p.n, K), spec = multiply(lo, top.lo0), H = fft2(p.n).forwardReal(p.highpass);
  for (let i = 0; i < p.n * p.n; i++) { spec[2 * i] = spec[2 * i]! + H[2 * i]! * top.hi0[i]!; spec[2 * i + 1] = spec[2 * i + 1]! + H[2 * i + 1]! * top.hi0[i]!; }
  return fft2(p.n).inverseReal(spec);
}

const upsampled = new WeakMap<Float64Array, Float64Array>();

/**
 * Upsample a complex m×m band to 2m×2m by zero-padding its spectrum (band-limited interpolation;
 * values keep their magnitude). Remembered per band array (the statistics and their gradient both
 * upsample every parent band of one pyramid), so the result must not be modified.
 */
export function upsampleComplex(z: Float64Array, m: number): Float64Array {
  const hit = upsampled.get(z);
  if (hit && hit.length === 8 * m * m) return hit;
  const out = fft2(2 * m).inverse(expand(fft2(m).forward(z), 2 * m));
  upsampled.set(z, out);
  return out;
}
