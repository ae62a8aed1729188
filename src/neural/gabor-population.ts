import type { Rng } from "../sdk/rng.js";

/**
 * In-silico "mice" for the Lurz readout (science.md §4.2): grey photo crops, and animals whose
 * neurons are Gabor simple units (one linear filter) or energy units (a quadrature pair,
 * √(z₀² + z₉₀²)) drawn from one feature bank shared by every animal, with RF centres given by a
 * smooth linear retinotopic map of each neuron's cortical position plus scatter, and an
 * ELU+1-like output nonlinearity. Rates and cortical positions are ground truth; Poisson trials
 * are drawn by the stage with src/neural/in-silico.ts.
 */

/** Grey crops of `height`×`width`: block averages of `factor`× larger windows of each photo, contrast-checked. */
export function cropImages(photos: readonly { width: number; height: number; luminance: Float32Array }[], count: number, height: number, width: number, factor: number, rng: Rng, minStd = 0.03): Float32Array {
  const usable = photos.filter((p) => p.width >= width * factor && p.height >= height * factor);
  if (!usable.length) throw new Error(`no photo is at least ${width * factor}×${height * factor} px; lower 'downsample' or the crop size`);
  const out = new Float32Array(count * height * width), P = height * width;
  let made = 0, tries = 0;
  while (made < count) {
    if (++tries > count * 50) throw new Error(`only ${made} of ${count} crops passed the contrast check (SD ≥ ${minStd}); use more photos or a lower min_std`);
    const ph = usable[rng.int(usable.length)]!;
    const x0 = rng.int(ph.width - width * factor + 1), y0 = rng.int(ph.height - height * factor + 1);
    const crop = new Float32Array(P);
    let m = 0;
    for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) {
      let s = 0;
      for (let a = 0; a < factor; a++) for (let b = 0; b < factor; b++) s += ph.luminance[(y0 + i * factor + a) * ph.width + x0 + j * factor + b]!;
      crop[i * width + j] = s / (factor * factor); m += crop[i * width + j]! / P;
    }
    let v = 0;
    for (let k = 0; k < P; k++) v += (crop[k]! - m) ** 2 / P;
    if (Math.sqrt(v) < minStd) continue;
    out.set(crop, made * P); made++;
  }
  return out;
}

export interface Feature {
  readonly kind: "simple" | "complex";
  /** Orientation of the carrier's wave vector, radians. */
  readonly theta: number;
  /** Carrier wavelength, px. */
  readonly wavelength: number;
  /** Envelope SD, px. */
  readonly sigma: number;
  /** Carrier phase (simple units), radians. */
  readonly phase: number;
}

/** A feature bank shared by all animals: orientations evenly spread, wavelength and phase random, a `complexFraction` of energy units. */
export function featureBank(count: number, rng: Rng, o: { complexFraction: number; wavelength: readonly [number, number]; sigmaPerWavelength: number }): Feature[] {
  return Array.from({ length: count }, (_, i) => {
    const wavelength = o.wavelength[0] * (o.wavelength[1] / o.wavelength[0]) ** rng.next();
    return {
      kind: rng.next() < o.complexFraction ? "complex" : "simple",
      theta: (Math.PI * (i + rng.next() * 0.5)) / count,
      wavelength, sigma: wavelength * o.sigmaPerWavelength, phase: rng.next() * 2 * Math.PI,
    } as Feature;
  });
}

export interface AnimalNeurons {
  readonly feature: Int32Array;
  /** N × 2 cortical positions (arbitrary units, roughly [−1, 1]). */
  readonly cortex: Float64Array;
  /** N × 2 RF centres in normalised image coordinates [−1, 1] (x right, y down). */
  readonly rf: Float64Array;
  /** The animal's retinotopic map: rf ≈ A·cortex + b (A row-major 2×2). */
  readonly map: { readonly A: readonly number[]; readonly b: readonly number[] };
  readonly gain: Float64Array;
  readonly threshold: Float64Array;
}

/**
 * One animal: neurons at random cortical positions; RF centre = A·c + b + N(0, scatter²), A a
 * random rotation (and possibly reflection) times `span`, clipped to ±`maxRf`. Each neuron picks
 * a feature of the shared bank, a gain and a threshold for its ELU+1 output.
 */
export function animalNeurons(n: number, bankSize: number, rng: Rng, o: { span: number; scatter: number; maxRf: number; offset: number }): AnimalNeurons {
  const phi = rng.next() * 2 * Math.PI, flip = rng.next() < 0.5 ? -1 : 1;
  const A = [o.span * Math.cos(phi), -o.span * Math.sin(phi) * flip, o.span * Math.sin(phi), o.span * Math.cos(phi) * flip];
  const b = [(rng.next() * 2 - 1) * o.offset, (rng.next() * 2 - 1) * o.offset];
  const feature = new Int32Array(n), cortex = new Float64Array(2 * n), rf = new Float64Array(2 * n), gain = new Float64Array(n), threshold = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    feature[i] = rng.int(bankSize);
    const cx = rng.next() * 2 - 1, cy = rng.next() * 2 - 1;
    cortex[2 * i] = cx; cortex[2 * i + 1] = cy;
    const clip = (v: number) => Math.max(-o.maxRf, Math.min(o.maxRf, v));
    rf[2 * i] = clip(A[0]! * cx + A[1]! * cy + b[0]! + o.scatter * rng.normal());
    rf[2 * i + 1] = clip(A[2]! * cx + A[3]! * cy + b[1]! + o.scatter * rng.normal());
    gain[i] = 1 + 0.5 * rng.next(); threshold[i] = 0.5 + rng.next();
  }
  return { feature, cortex, rf, map: { A, b }, gain, threshold };
}

const elu = (x: number) => (x > 0 ? x : Math.exp(x) - 1);

/**
 * Noise-free drive S × N of one animal's neurons to images (S × height × width, each z-scored by
 * the whole set's mean and SD): the Gabor (pair) response at the neuron's RF centre, z-scored per
 * neuron over the images, then ELU(gain·(z − threshold)) + 1 — non-negative, sparse, like a
 * rectified V1 response. Pixel centre of normalised x: (x+1)/2·(width−1).
 */
export function animalDrive(images: Float32Array, S: number, height: number, width: number, bank: readonly Feature[], a: AnimalNeurons): Float64Array {
  const N = a.feature.length, P = height * width;
  let m = 0, v = 0;
  for (let k = 0; k < images.length; k++) m += images[k]! / images.length;
  for (let k = 0; k < images.length; k++) v += (images[k]! - m) ** 2 / images.length;
  const sd = Math.sqrt(v) || 1;
  const z = new Float64Array(S * N);
  const resp = new Float64Array(S);
  for (let n = 0; n < N; n++) {
    const f = bank[a.feature[n]!]!;
    const cx = ((a.rf[2 * n]! + 1) / 2) * (width - 1), cy = ((a.rf[2 * n + 1]! + 1) / 2) * (height - 1);
    const r = Math.ceil(3 * f.sigma);
    const i0 = Math.max(0, Math.floor(cy - r)), i1 = Math.min(height - 1, Math.ceil(cy + r));
    const j0 = Math.max(0, Math.floor(cx - r)), j1 = Math.min(width - 1, Math.ceil(cx + r));
    const idx: number[] = [], g0: number[] = [], g90: number[] = [];
    const k = (2 * Math.PI) / f.wavelength, ct = Math.cos(f.theta), st = Math.sin(f.theta);
    for (let i = i0; i <= i1; i++) for (let j = j0; j <= j1; j++) {
      const dx = j - cx, dy = i - cy, env = Math.exp(-(dx * dx + dy * dy) / (2 * f.sigma * f.sigma)), u = k * (dx * ct + dy * st);
      idx.push(i * width + j); g0.push(env * Math.cos(u + f.phase)); g90.push(env * Math.sin(u + f.phase));
    }
    // Zero-mean filters: a Gabor's DC leaks luminance into the response otherwise.
    const dc0 = g0.reduce((s, x) => s + x, 0) / g0.length, dc90 = g90.reduce((s, x) => s + x, 0) / g90.length;
    let mm = 0;
    for (let s = 0; s < S; s++) {
      let a0 = 0, a90 = 0;
      for (let q = 0; q < idx.length; q++) { const x = (images[s * P + idx[q]!]! - m) / sd; a0 += (g0[q]! - dc0) * x; a90 += (g90[q]! - dc90) * x; }
      resp[s] = f.kind === "simple" ? a0 : Math.sqrt(a0 * a0 + a90 * a90);
      mm += resp[s]! / S;
    }
    let vv = 0;
    for (let s = 0; s < S; s++) vv += (resp[s]! - mm) ** 2 / S;
    const rs = Math.sqrt(vv) || 1;
    for (let s = 0; s < S; s++) z[s * N + n] = elu(a.gain[n]! * ((resp[s]! - mm) / rs - a.threshold[n]!)) + 1;
  }
  return z;
}
