/**
 * Receptive-field analysis of learned layer-1 filters (k×k, one input channel): a 2-D Gabor fit
 * per filter (Levenberg–Marquardt from several data-driven starts) and orientation tuning to
 * sinusoidal gratings. Pure numerics on Float32Arrays: no tfjs, no engine.
 */

/** Gabor parameters; positions in pixels from the filter centre, θ the carrier's direction, f in cycles/px. */
export interface Gabor {
  readonly amplitude: number;
  readonly x0: number;
  readonly y0: number;
  readonly theta: number;
  readonly freq: number;
  readonly phase: number;
  readonly sigmaX: number;
  readonly sigmaY: number;
  readonly offset: number;
}

const toVec = (g: Gabor) => [g.amplitude, g.x0, g.y0, g.theta, g.freq, g.phase, g.sigmaX, g.sigmaY, g.offset];
const fromVec = (p: readonly number[]): Gabor => ({ amplitude: p[0]!, x0: p[1]!, y0: p[2]!, theta: p[3]!, freq: p[4]!, phase: p[5]!, sigmaX: p[6]!, sigmaY: p[7]!, offset: p[8]! });

/** Render a Gabor on a k×k grid (row-major, y down), centred at ((k−1)/2, (k−1)/2). */
export function renderGabor(g: Gabor, k: number, out: Float32Array = new Float32Array(k * k)): Float32Array {
  const c = (k - 1) / 2, cos = Math.cos(g.theta), sin = Math.sin(g.theta);
  for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) {
    const dx = x - c - g.x0, dy = y - c - g.y0;
    const xr = dx * cos + dy * sin, yr = -dx * sin + dy * cos;
    out[y * k + x] = g.amplitude * Math.exp(-(xr * xr) / (2 * g.sigmaX ** 2) - (yr * yr) / (2 * g.sigmaY ** 2)) * Math.cos(2 * Math.PI * g.freq * xr + g.phase) + g.offset;
  }
  return out;
}

function sse(w: Float32Array, k: number, p: readonly number[], buf: Float32Array): number {
  renderGabor(fromVec(p), k, buf);
  let s = 0;
  for (let i = 0; i < w.length; i++) s += (w[i]! - buf[i]!) ** 2;
  return s;
}

function clamp(p: number[], k: number): number[] {
  const q = p.slice();
  q[1] = Math.max(-k, Math.min(k, q[1]!)); q[2] = Math.max(-k, Math.min(k, q[2]!));
  q[4] = Math.max(0, Math.min(0.5, q[4]!));
  q[6] = Math.max(0.4, Math.min(2 * k, Math.abs(q[6]!))); q[7] = Math.max(0.4, Math.min(2 * k, Math.abs(q[7]!)));
  return q;
}

/** Solve (A) x = b for a small symmetric positive-definite A by Gaussian elimination with pivoting. */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length, m = a.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    if (Math.abs(m[piv]![c]!) < 1e-300) return undefined;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let j = r + 1; j < n; j++) s -= m[r]![j]! * x[j]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

function levenbergMarquardt(w: Float32Array, k: number, start: number[], iterations = 80): { p: number[]; sse: number } {
  const n = w.length, np = start.length;
  const buf = new Float32Array(n), plus = new Float32Array(n), minus = new Float32Array(n);
  let p = clamp(start, k), cur = sse(w, k, p, buf), mu = 1e-2;
  for (let it = 0; it < iterations; it++) {
    renderGabor(fromVec(p), k, buf);
    const r = Array.from(w, (v, i) => v - buf[i]!);
    const J: number[][] = Array.from({ length: n }, () => new Array<number>(np).fill(0));
    for (let j = 0; j < np; j++) {
      const h = 1e-4 * Math.max(1, Math.abs(p[j]!));
      const pp = p.slice(), pm = p.slice();
      pp[j]! += h; pm[j]! -= h;
      renderGabor(fromVec(pp), k, plus); renderGabor(fromVec(pm), k, minus);
      for (let i = 0; i < n; i++) J[i]![j] = (plus[i]! - minus[i]!) / (2 * h);
    }
    const JtJ = Array.from({ length: np }, (_, a) => Array.from({ length: np }, (_, b) => { let s = 0; for (let i = 0; i < n; i++) s += J[i]![a]! * J[i]![b]!; return s; }));
    const Jtr = Array.from({ length: np }, (_, a) => { let s = 0; for (let i = 0; i < n; i++) s += J[i]![a]! * r[i]!; return s; });
    let improved = false;
    for (let tries = 0; tries < 8 && !improved; tries++) {
      const A = JtJ.map((row, a) => row.map((v, b) => (a === b ? v * (1 + mu) + 1e-12 : v)));
      const d = solve(A, Jtr);
      if (!d) { mu *= 4; continue; }
      const cand = clamp(p.map((v, j) => v + d[j]!), k);
      const s = sse(w, k, cand, buf);
      if (s < cur) { improved = cur - s > 1e-12 * cur; p = cand; cur = s; mu = Math.max(1e-7, mu / 3); if (!improved) return { p, sse: cur }; }
      else mu *= 4;
    }
    if (!improved) break;
  }
  return { p, sse: cur };
}

export const TUNING_ORIENTATIONS = 16;
export const TUNING_FREQS = Array.from({ length: 12 }, (_, i) => 0.04 * Math.pow(0.5 / 0.04, i / 11));

/**
 * Response of a linear filter to a unit sinusoidal grating of orientation θ and frequency f at
 * its best phase: |Σ w(x) e^{−i2πf(x cosθ + y sinθ)}|. Also returns that sum's phase.
 */
export function gratingResponse(w: Float32Array, k: number, theta: number, freq: number): { amplitude: number; phase: number } {
  const c = (k - 1) / 2, kx = 2 * Math.PI * freq * Math.cos(theta), ky = 2 * Math.PI * freq * Math.sin(theta);
  let re = 0, im = 0;
  for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) {
    const a = kx * (x - c) + ky * (y - c);
    re += w[y * k + x]! * Math.cos(a); im -= w[y * k + x]! * Math.sin(a);
  }
  return { amplitude: Math.hypot(re, im), phase: Math.atan2(im, re) };
}

export interface Tuning {
  /** Preferred orientation of the carrier, radians in [0, π). */
  readonly orientation: number;
  /** Preferred spatial frequency, cycles/px. */
  readonly freq: number;
  /** 1 − circular variance of the orientation tuning curve at the preferred frequency: 0 untuned, 1 a single orientation. */
  readonly osi: number;
  readonly curve: Float64Array;
}

export function orientationTuning(w: Float32Array, k: number): Tuning {
  let best = -1, bf = 0;
  for (const f of TUNING_FREQS) for (let j = 0; j < TUNING_ORIENTATIONS; j++) {
    const r = gratingResponse(w, k, (j * Math.PI) / TUNING_ORIENTATIONS, f).amplitude;
    if (r > best) { best = r; bf = f; }
  }
  const curve = Float64Array.from({ length: TUNING_ORIENTATIONS }, (_, j) => gratingResponse(w, k, (j * Math.PI) / TUNING_ORIENTATIONS, bf).amplitude);
  let re = 0, im = 0, sum = 0, arg = 0;
  curve.forEach((r, j) => { const t = (j * Math.PI) / TUNING_ORIENTATIONS; re += r * Math.cos(2 * t); im += r * Math.sin(2 * t); sum += r; if (r > curve[arg]!) arg = j; });
  return { orientation: (arg * Math.PI) / TUNING_ORIENTATIONS, freq: bf, osi: sum > 0 ? Math.hypot(re, im) / sum : 0, curve };
}

export interface GaborFit { readonly gabor: Gabor; readonly r2: number }

/** Best of several Levenberg–Marquardt fits started from the filter's grating tuning and centroid. */
export function fitGabor(w: Float32Array, k: number): GaborFit {
  let mean = 0;
  for (const v of w) mean += v;
  mean /= w.length;
  let sst = 0, cx = 0, cy = 0, mass = 0;
  const c = (k - 1) / 2;
  for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) {
    const v = w[y * k + x]! - mean;
    sst += v * v; cx += v * v * (x - c); cy += v * v * (y - c); mass += v * v;
  }
  if (sst === 0) return { gabor: fromVec([0, 0, 0, 0, 0, 0, 1, 1, mean]), r2: 0 };
  cx /= mass; cy /= mass;
  const t = orientationTuning(w, k);
  let peak = 0;
  for (const v of w) peak = Math.max(peak, Math.abs(v - mean));
  const starts: number[][] = [];
  for (const sigma of [k / 6, k / 3.5]) for (const dphi of [0, Math.PI / 2]) {
    // Phase of the grating response, referred to the centroid.
    const ph = gratingResponse(w, k, t.orientation, t.freq).phase;
    const shift = 2 * Math.PI * t.freq * (cx * Math.cos(t.orientation) + cy * Math.sin(t.orientation));
    starts.push([peak, cx, cy, t.orientation, t.freq, ph + shift + dphi, sigma, sigma, mean]);
  }
  starts.push([peak, cx, cy, 0, 0, 0, k / 5, k / 5, mean]); // a blob
  let best = { p: starts[0]!, sse: Infinity };
  for (const s of starts) { const r = levenbergMarquardt(w, k, s); if (r.sse < best.sse) best = r; }
  const p = best.p.slice();
  // Canonical form: σ positive, θ in [0, π), phase in (−π, π].
  if (p[3]! < 0 || p[3]! >= Math.PI) { const turns = Math.floor(p[3]! / Math.PI); p[3] = p[3]! - turns * Math.PI; if (turns % 2) p[5] = -p[5]!; }
  p[5] = Math.atan2(Math.sin(p[5]!), Math.cos(p[5]!));
  return { gabor: fromVec(p), r2: Math.max(0, 1 - best.sse / sst) };
}
