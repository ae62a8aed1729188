import type { Rng } from "../sdk/rng.js";
import { scramblePhase } from "./corruptions.js";
import { meanStd } from "./deform.js";
import { makeDft2 } from "./dft.js";

/**
 * Texture stimuli in the design of Freeman et al. 2013 / Ziemba et al. 2016 (science.md §1.6.2–4):
 * families × samples of naturalistic texture, each with a spectrally matched noise image. Their
 * textures were Portilla–Simoncelli syntheses; here a sample is a crop of a real texture region
 * (science.md §4.1b's stand-in), and its noise twin has the same amplitude spectrum with random
 * phases.
 */
export interface Image { readonly id: string; readonly width: number; readonly height: number; readonly data: Float32Array }
export interface Region { readonly image: string; readonly x: number; readonly y: number; readonly side: number; readonly score: number; readonly preferred: boolean }

/**
 * How texture-like a square region is: high local contrast that is *stationary* — the same in
 * every part of the region, in amount and in orientation content (textures are statistically
 * homogeneous; an object on a blank sky or a single edge is not). The region is split into 6×6
 * cells; per cell, the RMS contrast and the energy of the gradient along 4 orientations.
 * score = median cell contrast × (10th / 90th percentile of cell contrast) × (1 − mean
 * coefficient of variation of the cells' orientation profiles, floored at 0).
 */
export function textureScore(img: Image, x0: number, y0: number, side: number): number {
  const cells = 6, c = Math.floor(side / cells);
  const sds: number[] = [], profiles: number[][] = [];
  const at = (x: number, y: number) => img.data[y * img.width + x]!;
  for (let cy = 0; cy < cells; cy++) for (let cx = 0; cx < cells; cx++) {
    let s = 0, s2 = 0;
    const o = [0, 0, 0, 0];
    for (let y = 0; y < c; y++) for (let x = 0; x < c; x++) {
      const px = x0 + cx * c + x, py = y0 + cy * c + y, v = at(px, py);
      s += v; s2 += v * v;
      if (x + 1 < c && y + 1 < c) {
        const dx = at(px + 1, py) - v, dy = at(px, py + 1) - v, d1 = at(px + 1, py + 1) - v, d2 = at(px + 1, py) - at(px, py + 1);
        o[0]! += dx * dx; o[1]! += dy * dy; o[2]! += d1 * d1; o[3]! += d2 * d2;
      }
    }
    const m = s / (c * c);
    sds.push(Math.sqrt(Math.max(0, s2 / (c * c) - m * m)));
    const total = o.reduce((a, b) => a + b, 0) || 1;
    profiles.push(o.map((e) => e / total));
  }
  const sorted = [...sds].sort((a, b) => a - b), q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  const evenness = q(0.9) > 0 ? q(0.1) / q(0.9) : 0;
  let cv = 0;
  for (let k = 0; k < 4; k++) {
    const v = profiles.map((p) => p[k]!), m = v.reduce((a, b) => a + b, 0) / v.length;
    cv += (m > 0 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length) / m : 0) / 4;
  }
  return q(0.5) * evenness * Math.max(0, 1 - cv);
}

/**
 * One region per family: images whose id matches `prefer` first (whole textures such as
 * scikit-image's brick/grass/gravel — their best region), then the best-scoring regions of the
 * others, at most `perImage` per image and never overlapping. Deterministic.
 */
export function selectFamilies(images: readonly Image[], families: number, side: number, opts: { prefer?: readonly RegExp[]; perImage?: number; stride?: number } = {}): Region[] {
  const prefer = opts.prefer ?? [], perImage = opts.perImage ?? 2, stride = opts.stride ?? Math.max(8, Math.floor(side / 4));
  const candidates: Region[] = [];
  for (const img of images) {
    if (img.width < side || img.height < side) continue;
    const preferred = prefer.some((re) => re.test(img.id));
    const regions: Region[] = [];
    for (let y = 0; y + side <= img.height; y += stride) for (let x = 0; x + side <= img.width; x += stride) {
      regions.push({ image: img.id, x, y, side, score: textureScore(img, x, y, side), preferred });
    }
    regions.sort((a, b) => b.score - a.score || a.y - b.y || a.x - b.x);
    const kept: Region[] = [];
    for (const r of regions) {
      if (kept.length >= (preferred ? 1 : perImage)) break;
      if (kept.every((k) => Math.abs(k.x - r.x) >= side || Math.abs(k.y - r.y) >= side)) kept.push(r);
    }
    candidates.push(...kept);
  }
  candidates.sort((a, b) => Number(b.preferred) - Number(a.preferred) || b.score - a.score || a.image.localeCompare(b.image));
  if (candidates.length < families) {
    throw new Error(`only ${candidates.length} texture regions of ${side}×${side} px in ${images.length} images, ${families} families requested; add images (e.g. the python3-skimage package), raise per_image, lower families or lower region`);
  }
  return candidates.slice(0, families);
}

/** The photos a texture set may draw on: those whose id contains one of `include` (every photo when it is empty). */
export function includedPhotos(images: readonly Image[], include: readonly string[]): Image[] {
  const kept = images.filter((im) => !include.length || include.some((s) => im.id.includes(s)));
  if (!kept.length) throw new Error(`include: no photo id contains any of ${include.join(", ")}; ids look like '${images[0]?.id ?? "(no images)"}'`);
  return kept;
}

/**
 * The families every texture stage (syntheses and raw crops alike) takes: `selectFamilies` over
 * the photos `include` admits, with `prefer` as case-insensitive substrings of the photo id.
 */
export function selectTextureFamilies(images: readonly Image[], families: number, side: number, opts: { include?: readonly string[]; prefer?: readonly string[]; perImage?: number } = {}): Region[] {
  const prefer = (opts.prefer ?? []).map((s) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i"));
  return selectFamilies(includedPhotos(images, opts.include ?? []), families, side, { prefer, perImage: opts.perImage });
}

/** Crop a size×size window at (x, y) of an image. */
export function crop(img: Image, x: number, y: number, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let r = 0; r < size; r++) out.set(img.data.subarray((y + r) * img.width + x, (y + r) * img.width + x + size), r * size);
  return out;
}

/** Raised-cosine circular aperture: 1 inside `flat`·radius, falling to 0 at the radius (size/2). */
export function aperture(size: number, flat: number): Float64Array {
  const w = new Float64Array(size * size), c = (size - 1) / 2, R = size / 2;
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
    const r = Math.hypot(i - c, j - c) / R;
    w[i * size + j] = r <= flat ? 1 : r >= 1 ? 0 : 0.5 * (1 + Math.cos((Math.PI * (r - flat)) / (1 - flat)));
  }
  return w;
}

/**
 * Set mean and RMS contrast, then blend to the mean under a circular aperture: flat inside
 * `flat`·radius, raised-cosine to the edge (Freeman's stimuli were windowed by a raised cosine
 * and shown on grey; a flat centre keeps most of a small image usable). Clipped to [0, 1].
 */
export function present(x: Float32Array, size: number, opts: { mean: number; contrast: number; flat: number }): Float32Array {
  const { mean: m, std: sd } = meanStd(x), w = aperture(size, opts.flat);
  return x.map((v, i) => Math.min(1, Math.max(0, opts.mean + w[i]! * (sd > 0 ? ((v - m) / sd) * opts.contrast * opts.mean : 0))));
}

export interface TextureStimulus { readonly family: string; readonly sample: number; readonly type: "texture" | "noise"; readonly pixels: Float32Array }

/**
 * A texture and its spectrally matched noise twin, both from ONE source (issue 13 §3): the
 * source's periodic component p (Moisan: no wrap-around jump, so the twin has no axis streaks),
 * zero-mean, as the texture — circularly shifted by a random offset — and p with its phases
 * randomized as the noise. Both have exactly p's amplitude spectrum.
 * Why the shift: a random-phase twin spreads every frequency's energy evenly over the image, but
 * p itself holds about half the low-frequency variance at its border (the smooth part Moisan
 * removes lives there), so behind a centred aperture the texture kept more low-frequency energy
 * than its twin. Over random circular shifts the texture's expected power under any aperture is
 * exactly the twin's (both are set by p's circular autocorrelation). p is periodic, so the wrap
 * seam the shift brings into view has no jump; for a synthesis that is periodic by construction
 * (Portilla–Simoncelli) the shift changes nothing but position. The old rule (texture = raw crop,
 * noise from p) left the noise with relatively more high-frequency energy after contrast
 * equalisation. Every stimulus set with noise twins uses this one rule, then `presentPair`.
 */
export function spectrallyMatchedPair(source: Float32Array, size: number, rng: Rng): { texture: Float32Array; noise: Float32Array } {
  if (source.length !== size * size) throw new Error(`spectrallyMatchedPair: expected a ${size}×${size} source, got ${source.length} pixels`);
  const p = periodicComponent(source, size), { mean } = meanStd(p);
  const dx = rng.int(size), dy = rng.int(size), texture = new Float32Array(size * size), centred = p.map((v) => v - mean); // centred in float32, so rounding is relative to the contrast, not the mean luminance
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) texture[y * size + x] = centred[((y + dy) % size) * size + ((x + dx) % size)]!;
  return { texture, noise: scramblePhase(centred, size, 1, rng.fork("phase")) };
}

/**
 * Show a matched pair with the same mean, RMS contrast and aperture. Their variances are equal
 * (same amplitude spectrum), so each is scaled by the same gain. Nothing is clipped: a skewed
 * texture (a specular highlight) would lose energy to clipping that its Gaussian-like twin keeps,
 * so the pair's contrast is lowered together, if needed, until both fit in [0, 1]; `contrast`
 * is the one used (≤ look.contrast).
 */
export function presentPair(pair: { texture: Float32Array; noise: Float32Array }, size: number, look: { mean: number; contrast: number; flat: number }): { texture: Float32Array; noise: Float32Array; contrast: number } {
  const w = aperture(size, look.flat);
  const z = [pair.texture, pair.noise].map((x) => { const { mean, std } = meanStd(x); return x.map((v) => (std > 0 ? (v - mean) / std : 0)); });
  let peak = 0;
  for (const x of z) for (const v of x) peak = Math.max(peak, Math.abs(v)); // over the whole image, not under the aperture: a gain that depended on where the peak falls would weigh samples by their central energy
  const room = Math.min(look.mean, 1 - look.mean) / look.mean, contrast = peak > 0 ? Math.min(look.contrast, room / peak) : look.contrast;
  const [texture, noise] = z.map((x) => x.map((v, i) => Math.min(1, Math.max(0, look.mean * (1 + w[i]! * v * contrast))))) as [Float32Array, Float32Array];
  return { texture, noise, contrast };
}

/**
 * `samples` random crops per region, each made into a texture and its noise twin by
 * `spectrallyMatchedPair` and shown by `presentPair`. Returns texture/noise pairs in
 * (family, sample) order.
 */
export function textureStimuli(images: ReadonlyMap<string, Image>, regions: readonly Region[], samples: number, size: number, rng: Rng, look = { mean: 0.5, contrast: 0.3, flat: 0.6 }): TextureStimulus[] {
  const out: TextureStimulus[] = [];
  regions.forEach((r, f) => {
    const img = images.get(r.image)!;
    const family = `${r.image}@${r.x},${r.y}`;
    const frng = rng.fork(`family:${f}`);
    for (let s = 0; s < samples; s++) {
      const x = r.x + frng.int(r.side - size + 1), y = r.y + frng.int(r.side - size + 1);
      const shown = presentPair(spectrallyMatchedPair(crop(img, x, y, size), size, frng.fork(`noise:${s}`)), size, look);
      out.push({ family, sample: s, type: "texture", pixels: shown.texture });
      out.push({ family, sample: s, type: "noise", pixels: shown.noise });
    }
  });
  return out;
}

/**
 * Moisan's periodic + smooth decomposition (J Math Imaging Vis 2011): the periodic component p
 * of an n×n image u has no jump where the DFT wraps the image around, so its spectrum lacks
 * the edge artifacts. s solves Δs = Δ_boundary(u); p = u − s.
 */
export function periodicComponent(u: Float32Array, n: number): Float32Array {
  const v = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const top = u[k]!, bottom = u[(n - 1) * n + k]!, left = u[k * n]!, right = u[k * n + n - 1]!;
    v[k]! += bottom - top; v[(n - 1) * n + k]! += top - bottom;
    v[k * n]! += right - left; v[k * n + n - 1]! += left - right;
  }
  const dft = makeDft2(n), re = new Float64Array(n * n), im = new Float64Array(n * n);
  dft.forward(v, re, im);
  for (let q = 0; q < n; q++) for (let r = 0; r < n; r++) {
    const i = q * n + r, d = 2 * Math.cos((2 * Math.PI * q) / n) + 2 * Math.cos((2 * Math.PI * r) / n) - 4;
    if (i === 0) { re[i] = 0; im[i] = 0; } else { re[i]! /= d; im[i]! /= d; }
  }
  const smooth = dft.inverse(re, im);
  return u.map((x, i) => x - smooth[i]!);
}

/** Stimuli laid end to end (the recordings table stores them as one flat pixel column). */
export function concat(xs: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of xs) { out.set(x, o); o += x.length; }
  return out;
}
