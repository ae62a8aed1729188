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

/** A smooth random displacement field: white noise, Gaussian-blurred at `sigma`, scaled to RMS `rms`. */
export function elasticField(size: number, sigma: number, rms: number, normal: () => number): Field {
  const blur = (f: Float32Array) => {
    const r = Math.max(1, Math.ceil(3 * sigma));
    const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
    const ks = k.reduce((a, b) => a + b, 0);
    const tmp = new Float32Array(f.length), out = new Float32Array(f.length);
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
      let a = 0; for (let t = -r; t <= r; t++) a += k[t + r]! * f[i * size + Math.min(size - 1, Math.max(0, j + t))]!; tmp[i * size + j] = a / ks;
    }
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
      let a = 0; for (let t = -r; t <= r; t++) a += k[t + r]! * tmp[Math.min(size - 1, Math.max(0, i + t)) * size + j]!; out[i * size + j] = a / ks;
    }
    return out;
  };
  const ux = blur(Float32Array.from({ length: size * size }, normal)), uy = blur(Float32Array.from({ length: size * size }, normal));
  let ss = 0;
  for (let k = 0; k < ux.length; k++) ss += ux[k]! ** 2 + uy[k]! ** 2;
  const scale = ss > 0 ? rms / Math.sqrt(ss / ux.length) : 0;
  for (let k = 0; k < ux.length; k++) { ux[k]! *= scale; uy[k]! *= scale; }
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
