import type { Rng } from "../sdk/rng.js";
import { elasticField, samplePatch } from "./deform.js";
import { makeDft2 } from "./dft.js";

/**
 * Out-of-distribution corruptions of grey images in [0, 1] (after Geirhos et al. 2018/2021 and
 * Hendrycks & Dietterich 2019), each at severities 1–5; severity 0 is the identity. Results are
 * clipped to [0, 1] like a displayed image.
 */
export const CORRUPTIONS = ["gaussian_noise", "gaussian_blur", "contrast", "low_pass", "high_pass", "phase_scramble", "elastic"] as const;
export type Corruption = (typeof CORRUPTIONS)[number];
export const SEVERITIES = [1, 2, 3, 4, 5] as const;

/** The parameter of each corruption per severity 0–5 (index = severity). */
export const LEVELS: Readonly<Record<Corruption, readonly number[]>> = {
  gaussian_noise: [0, 0.04, 0.08, 0.12, 0.18, 0.26], // noise SD
  gaussian_blur: [0, 0.5, 1, 1.5, 2, 3], // blur σ, px
  contrast: [1, 0.5, 0.3, 0.2, 0.1, 0.05], // contrast factor around the image mean
  low_pass: [Infinity, 0.3, 0.2, 0.15, 0.1, 0.06], // keep |f| ≤ cutoff, cycles/px
  high_pass: [0, 3, 2, 1.5, 1, 0.7], // remove a Gaussian blur of this σ (smaller = more removed)
  phase_scramble: [0, 0.2, 0.4, 0.6, 0.8, 1], // phase noise U(−wπ, wπ)
  elastic: [0, 0.5, 1, 1.5, 2, 3], // RMS displacement, px (smoothed with σ = 3 px)
};

const clip = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

function blur(img: Float32Array, n: number, sigma: number): Float32Array {
  if (sigma <= 0) return img.slice();
  const r = Math.ceil(3 * sigma), k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const tmp = new Float32Array(n * n), out = new Float32Array(n * n);
  const at = (i: number) => Math.min(n - 1, Math.max(0, i)); // edges clamped
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) { let s = 0; for (let i = -r; i <= r; i++) s += k[i + r]! * img[y * n + at(x + i)]!; tmp[y * n + x] = s / sum; }
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) { let s = 0; for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[at(y + i) * n + x]!; out[y * n + x] = s / sum; }
  return out;
}

const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;

/** Corrupt one n×n image; `rng` drives the random ones (noise, phase, elastic field). */
export function corrupt(img: Float32Array, n: number, c: Corruption, severity: number, rng: Rng): Float32Array {
  const level = LEVELS[c][severity];
  if (level === undefined) throw new Error(`severity ${severity} is out of range 0–5`);
  if (severity === 0) return img.slice();
  switch (c) {
    case "gaussian_noise": return img.map((v) => clip(v + rng.normal() * level));
    case "gaussian_blur": return blur(img, n, level).map(clip);
    case "contrast": { const m = mean(img); return img.map((v) => clip(m + (v - m) * level)); }
    case "high_pass": { const low = blur(img, n, level), m = mean(img); return img.map((v, i) => clip(v - low[i]! + m)); }
    case "low_pass": {
      const dft = makeDft2(n), re = new Float64Array(n * n), im = new Float64Array(n * n);
      dft.forward(img, re, im);
      dft.freq.forEach((f, i) => { if (f > level) { re[i] = 0; im[i] = 0; } });
      return dft.inverse(re, im).map(clip);
    }
    case "phase_scramble": return scramblePhase(img, n, level, rng).map(clip);
    case "elastic": {
      const field = elasticField(n, 3, level, () => rng.normal());
      const out = samplePatch({ width: n, height: n, data: img }, (n - 1) / 2, (n - 1) / 2, n, { dx: 0, dy: 0, theta: 0, logScale: 0 }, undefined, field);
      return out.map(clip);
    }
  }
}

/**
 * Add phase noise U(−level·π, level·π) to every frequency of an n×n image, keeping its amplitude
 * spectrum exactly (no clipping): level 1 gives spectrally matched noise (Freeman et al. 2013's
 * control stimuli). Hermitian-symmetric noise (φ(−f) = −φ(f)) keeps the image real; the DC and
 * Nyquist terms keep their phase.
 */
export function scramblePhase(img: Float32Array, n: number, level: number, rng: Rng): Float32Array {
  const dft = makeDft2(n), re = new Float64Array(n * n), im = new Float64Array(n * n);
  dft.forward(img, re, im);
  const rot = (k: number, a: number) => { const r = re[k]!, m = im[k]!; re[k] = r * Math.cos(a) - m * Math.sin(a); im[k] = r * Math.sin(a) + m * Math.cos(a); };
  for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) {
    const i = u * n + v, j = ((n - u) % n) * n + ((n - v) % n);
    if (j <= i) continue;
    const phi = (rng.next() * 2 - 1) * Math.PI * level;
    rot(i, phi); rot(j, -phi);
  }
  return dft.inverse(re, im);
}
