/**
 * Patch geometry for complexity-matched pairs: a size×size patch is sampled on a grid centred at
 * (cx, cy) and mapped through translation, rotation, log-scale and an optional smooth elastic
 * field, with bilinear interpolation (edges replicated). Sampling the transformed grid directly
 * is the same as resampling a larger crop and centre-cropping, without the intermediate image.
 */
export interface Image { readonly width: number; readonly height: number; readonly data: Float32Array }
export interface Deformation { readonly dx: number; readonly dy: number; readonly theta: number; readonly logScale: number }
export interface Field { readonly ux: Float32Array; readonly uy: Float32Array }
export const IDENTITY: Deformation = { dx: 0, dy: 0, theta: 0, logScale: 0 };

export function bilinear(img: Image, x: number, y: number): number {
  const { width: w, height: h, data } = img;
  const xc = Math.min(Math.max(x, 0), w - 1), yc = Math.min(Math.max(y, 0), h - 1);
  const x0 = Math.floor(xc), y0 = Math.floor(yc);
  const x1 = Math.min(x0 + 1, w - 1), y1 = Math.min(y0 + 1, h - 1);
  const fx = xc - x0, fy = yc - y0;
  const a = data[y0 * w + x0]!, b = data[y0 * w + x1]!, c = data[y1 * w + x0]!, d = data[y1 * w + x1]!;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

export function samplePatch(img: Image, cx: number, cy: number, size: number, d: Deformation, out = new Float32Array(size * size), field?: Field): Float32Array {
  const s = Math.exp(d.logScale), cos = Math.cos(d.theta) * s, sin = Math.sin(d.theta) * s;
  const half = (size - 1) / 2;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const k = i * size + j;
      const u = j - half, v = i - half;
      const x = cx + cos * u - sin * v + d.dx + (field ? field.ux[k]! : 0);
      const y = cy + sin * u + cos * v + d.dy + (field ? field.uy[k]! : 0);
      out[k] = bilinear(img, x, y);
    }
  }
  return out;
}

/** Integer box downsampling (anti-aliasing before patch extraction; suppresses JPEG artefacts). */
export function downsample(img: Image, factor: number): Image {
  if (factor <= 1) return img;
  const w = Math.floor(img.width / factor), h = Math.floor(img.height / factor);
  const out = new Float32Array(w * h);
  const norm = 1 / (factor * factor);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let acc = 0;
    for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) acc += img.data[(y * factor + dy) * img.width + x * factor + dx]!;
    out[y * w + x] = acc * norm;
  }
  return { width: w, height: h, data: out };
}

/**
 * A smooth random displacement field: white noise blurred at `sigma`, scaled so that its expected
 * RMS (over both components) is `rms` at every pixel. The noise is drawn on a grid padded by the
 * blur's reach and blurred without edge handling, so the field is stationary: the same statistics
 * in input pixels whatever the patch size (edge-clamped blurring would give border pixels larger
 * displacements, and scaling each draw to an exact RMS would tie it to the patch's extent).
 */
export function elasticField(size: number, sigma: number, rms: number, normal: () => number): Field {
  const r = Math.max(1, Math.ceil(3 * sigma)), n = size + 2 * r;
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const ks = k.reduce((a, b) => a + b, 0);
  for (let i = 0; i < k.length; i++) k[i]! /= ks;
  const component = () => {
    const noise = Float32Array.from({ length: n * n }, normal), rows = new Float32Array(n * size), out = new Float32Array(size * size);
    for (let i = 0; i < n; i++) for (let j = 0; j < size; j++) { let a = 0; for (let t = 0; t <= 2 * r; t++) a += k[t]! * noise[i * n + j + t]!; rows[i * size + j] = a; }
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) { let a = 0; for (let t = 0; t <= 2 * r; t++) a += k[t]! * rows[(i + t) * size + j]!; out[i * size + j] = a; }
    return out;
  };
  const ux = component(), uy = component();
  // Blurred unit white noise has variance (Σk²)² per component (separable kernel, Σk = 1).
  const k2 = k.reduce((a, b) => a + b * b, 0), scale = rms / (Math.SQRT2 * k2);
  for (let i = 0; i < ux.length; i++) { ux[i]! *= scale; uy[i]! *= scale; }
  return { ux, uy };
}

export function meanStd(p: Float32Array): { mean: number; std: number } {
  let m = 0;
  for (const v of p) m += v;
  m /= p.length;
  let s = 0;
  for (const v of p) s += (v - m) ** 2;
  return { mean: m, std: Math.sqrt(s / p.length) };
}

/** How far each deformation family moves a patch of one layer: what the patches stage draws from. */
export interface DeformationAmplitudes {
  /** Translation t ~ U(−translation, translation)², px. */
  readonly translation: number;
  /** Rotation θ ~ U(−theta, theta), radians. */
  readonly theta: number;
  /** Log-scale ~ U(−logScale, logScale). */
  readonly logScale: number;
  /** Elastic field: RMS displacement (px) and smoothing σ (px). */
  readonly elasticRms: number;
  readonly elasticSigma: number;
}

/**
 * Deformation amplitudes for a layer with receptive field `rf` px (science.md §1.4): translation
 * and elastic RMS α·R, the elastic field smooth at R/2, rotation up to β and log-scale up to γ.
 * Complexity matching is R = rf. The ablation passes `reference` (layer 1's RF): every component
 * is then layer 1's deformation in input pixels —
 * - translation and the elastic field (a stationary random field) simply keep layer 1's pixel
 *   amplitude and smoothness;
 * - rotation and scale have no single pixel amplitude: they move a point at distance r from the
 *   centre by ≈ θ·r and ≈ s·r, so the same angle would still move layer 2's receptive-field edge
 *   rf₂/rf₁ times as far. The angles are scaled by reference/rf instead, which gives the same
 *   displacement at the receptive-field edge (and the same RMS over the receptive field) as layer 1.
 */
export function deformationAmplitudes(o: { readonly rf: number; readonly reference?: number; readonly alpha: number; readonly betaRad: number; readonly gamma: number }): DeformationAmplitudes {
  const R = o.reference && o.reference > 0 ? o.reference : o.rf, angular = R / o.rf;
  return { translation: o.alpha * R, theta: o.betaRad * angular, logScale: o.gamma * angular, elasticRms: o.alpha * R, elasticSigma: Math.max(0.5, R / 2) };
}

/**
 * RMS length of the displacement (sampled position − undeformed grid position) that `samplePatch`
 * applies, over the grid points of a size×size patch within `window`×`window` of its centre: the
 * deformation a unit with that receptive field sees.
 */
export function displacementRms(size: number, d: Deformation, field?: Field, window = size): number {
  const s = Math.exp(d.logScale), cos = Math.cos(d.theta) * s, sin = Math.sin(d.theta) * s;
  const half = (size - 1) / 2, w = window / 2;
  let ss = 0, n = 0;
  for (let i = 0; i < size; i++) {
    const v = i - half;
    if (Math.abs(v) > w) continue;
    for (let j = 0; j < size; j++) {
      const u = j - half;
      if (Math.abs(u) > w) continue;
      const k = i * size + j;
      const ex = cos * u - sin * v - u + d.dx + (field ? field.ux[k]! : 0), ey = sin * u + cos * v - v + d.dy + (field ? field.uy[k]! : 0);
      ss += ex * ex + ey * ey; n++;
    }
  }
  return Math.sqrt(ss / Math.max(1, n));
}
