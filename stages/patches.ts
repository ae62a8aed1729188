import { defineStage, param, port, Schema } from "lcl";
import sharp from "sharp";
import { deformationAmplitudes, displacementRms, downsample, elasticField, meanStd, samplePatch, type Image } from "../src/data/deform.js";
import { makeWhitener } from "../src/data/whiten.js";

/**
 * Complexity-matched patch pairs (science.md §1.4): the same image location, and a copy under a
 * random deformation whose amplitude is proportional to the layer's receptive-field size R —
 * translation t ~ U(−αR, αR)², rotation θ ~ U(−β, β), log-scale s ~ U(−γ, γ), optionally a smooth
 * elastic field (σ = R/2, RMS αR). `reference_rf` is the ablation: every component sized for
 * another layer's R (see deformationAmplitudes for what that means for rotation and scale). The
 * RMS displacement within the receptive field is recorded per pair, per image and as a metric,
 * so the matching (or its absence) is measured, not assumed. Low-contrast patches are rejected;
 * pairs are optionally contrast-normalised. Deterministic given params (the RNG is seeded from
 * the fingerprint).
 */
export default defineStage({
  name: "patches",
  version: 1,
  description: "Deformed natural-image patch pairs with amplitudes scaled by the receptive field (complexity matching).",
  isolation: "process", // CPU-bound: layer-1 and layer-2 patches are cut in parallel
  params: Schema.Struct({
    size: param.int({ default: 16, min: 3, max: 256, description: "patch side in pixels (after downsampling)" }),
    count: param.int({ default: 2000, min: 1, max: 10_000_000, description: "number of pairs" }),
    rf: param.number({ default: 7, exclusiveMin: 0, description: "receptive-field size R of the layer, in pixels; sets the deformation scale" }),
    families: param.choices(["translation", "rotation", "scale", "elastic"], { default: ["translation", "rotation", "scale"], description: "deformations applied together" }),
    alpha: param.number({ default: 0.25, min: 0, max: 5, description: "translation (and elastic RMS) amplitude, in units of R" }),
    beta_deg: param.number({ default: 15, min: 0, max: 180, description: "maximum rotation, degrees" }),
    gamma: param.number({ default: 0.1, min: 0, max: 2, description: "maximum |log scale|" }),
    reference_rf: param.number({ default: 0, min: 0, description: "ablation (complexity matching off): if > 0, every deformation component is sized for this receptive field (px) instead of rf — layer 1's RF gives layer 2's pairs exactly layer 1's deformation in input pixels (translation and elastic field in px; rotation and scale angles × reference_rf/rf, the same displacement at the RF's edge)" }),
    downsample: param.int({ default: 2, min: 1, max: 16, description: "box-downsample images by this factor first" }),
    normalize: param.choice(["contrast", "whiten", "none"], { default: "contrast", description: "per patch: contrast (subtract mean, divide by SD), whiten (spectral whitening |f|·exp(−(|f|/0.4)⁴), then contrast), or raw" }),
    min_contrast: param.number({ default: 0.03, min: 0, description: "reject locations whose undeformed patch has a lower luminance SD" }),
    seed: param.int({ default: 0, min: 0, description: "another draw of the same distribution" }),
  }),
  inputs: { pixels: port.table({ id: "utf8", width: "int32", height: "int32", luminance: { list: "float32" } }) },
  outputs: {
    pairs: port.table({ image: "utf8", x: "float32", y: "float32", dx: "float32", dy: "float32", theta: "float32", log_scale: "float32", displacement_rms: "float32", a: { list: "float32" }, b: { list: "float32" } },
      { description: "pairs; a and b are row-major size×size patches; displacement_rms: RMS displacement (px) of B's sampling grid within the central rf×rf" }),
    summary: port.table({ image: "utf8", pairs: "int32", rejected: "int32", mean_contrast: "float64", rms_displacement: "float64" }, { format: "parquet" }),
    sheet: port.file("png", { description: "contact sheet: 16 pairs, A | B" }),
  },
  async run(ctx) {
    const p = ctx.params;
    const started = performance.now();
    const rng = ctx.rng.fork(`seed:${p.seed}`);
    const t = await ctx.inputs.pixels.read();
    const ids = t.getChild("id")!.toArray() as string[];
    const images: Image[] = [];
    for (let i = 0; i < t.numRows; i++) {
      const data = t.getChild("luminance")!.get(i)!.toArray() as Float32Array;
      images.push(downsample({ width: t.getChild("width")!.get(i) as number, height: t.getChild("height")!.get(i) as number, data }, p.downsample));
    }
    const amps = deformationAmplitudes({ rf: p.rf, reference: p.reference_rf, alpha: p.alpha, betaRad: (p.beta_deg * Math.PI) / 180, gamma: p.gamma });
    const amp = amps.translation;
    const fam = new Set(p.families);
    const window = Math.min(p.size, p.rf); // the displacement a unit at the patch centre sees
    const reach = ((p.normalize === "whiten" ? p.size + 2 * Math.ceil(p.size / 4) : p.size) / 2) * Math.exp(fam.has("scale") ? amps.logScale : 0) * Math.SQRT2 + (fam.has("translation") ? amp : 0) + (fam.has("elastic") ? 3 * amps.elasticRms : 0) + 1;
    const usable = images.map((im, i) => ({ i, im })).filter(({ im }) => im.width > 2 * reach && im.height > 2 * reach);
    if (!usable.length) throw new Error(`every image is smaller than a patch plus its deformation reach (${Math.ceil(2 * reach)} px); lower size/downsample or the amplitudes`);
    const areas = usable.map(({ im }) => (im.width - 2 * reach) * (im.height - 2 * reach));
    const total = areas.reduce((a, b) => a + b, 0);
    const n = p.count, P = p.size * p.size;
    const out = { image: [] as string[], x: new Float32Array(n), y: new Float32Array(n), dx: new Float32Array(n), dy: new Float32Array(n), theta: new Float32Array(n), log_scale: new Float32Array(n), displacement_rms: new Float32Array(n), a: [] as Float32Array[], b: [] as Float32Array[] };
    const pad = Math.ceil(p.size / 4), big = p.size + 2 * pad;
    const whiten = p.normalize === "whiten" ? makeWhitener(big) : undefined;
    const perImage = new Map<string, { pairs: number; rejected: number; contrast: number; displacementSq: number }>();
    let rejected = 0, displacementSq = 0;
    for (let k = 0; k < n; ) {
      if (ctx.signal.aborted) throw new Error("interrupted");
      let r = rng.next() * total, which = 0;
      while (r > areas[which]! && which < areas.length - 1) r -= areas[which++]!;
      const { i, im } = usable[which]!;
      const stats = perImage.get(ids[i]!) ?? { pairs: 0, rejected: 0, contrast: 0, displacementSq: 0 };
      perImage.set(ids[i]!, stats);
      const cx = reach + rng.next() * (im.width - 2 * reach), cy = reach + rng.next() * (im.height - 2 * reach);
      const a = samplePatch(im, cx, cy, p.size, { dx: 0, dy: 0, theta: 0, logScale: 0 }, new Float32Array(P));
      const sa = meanStd(a);
      if (sa.std < p.min_contrast) { stats.rejected++; rejected++; if (rejected > 100 * n) throw new Error("almost every patch is below min_contrast; lower it"); continue; }
      const d = {
        dx: fam.has("translation") ? (rng.next() * 2 - 1) * amp : 0, dy: fam.has("translation") ? (rng.next() * 2 - 1) * amp : 0,
        theta: fam.has("rotation") ? (rng.next() * 2 - 1) * amps.theta : 0, logScale: fam.has("scale") ? (rng.next() * 2 - 1) * amps.logScale : 0,
      };
      const field = fam.has("elastic") ? elasticField(p.size, amps.elasticSigma, amps.elasticRms, () => rng.normal()) : undefined;
      const moved = displacementRms(p.size, d, field, window);
      const b = samplePatch(im, cx, cy, p.size, d, new Float32Array(P), field);
      if (whiten) {
        // Whiten a larger patch and keep its centre: the DFT's wrap-around would otherwise print
        // bright frames along the borders.
        a.set(crop(whiten(samplePatch(im, cx, cy, big, { dx: 0, dy: 0, theta: 0, logScale: 0 })), big, pad, p.size));
        b.set(crop(whiten(samplePatch(im, cx, cy, big, d, undefined, field && padField(field, p.size, pad))), big, pad, p.size));
      }
      if (p.normalize !== "none") { normalise(a, meanStd(a)); normalise(b, meanStd(b)); }
      out.image.push(ids[i]!); out.x[k] = cx; out.y[k] = cy; out.dx[k] = d.dx; out.dy[k] = d.dy; out.theta[k] = d.theta; out.log_scale[k] = d.logScale;
      out.displacement_rms[k] = moved;
      out.a.push(a); out.b.push(b);
      stats.pairs++; stats.contrast += sa.std; stats.displacementSq += moved * moved; displacementSq += moved * moved;
      k++;
      if (k % 500 === 0) ctx.progress(k, n);
    }
    await ctx.outputs.pairs.write(out);
    const rows = [...perImage].sort(([x], [y]) => x.localeCompare(y));
    await ctx.outputs.summary.write({
      image: rows.map(([id]) => id), pairs: Int32Array.from(rows, ([, s]) => s.pairs), rejected: Int32Array.from(rows, ([, s]) => s.rejected),
      mean_contrast: Float64Array.from(rows, ([, s]) => (s.pairs ? s.contrast / s.pairs : 0)),
      rms_displacement: Float64Array.from(rows, ([, s]) => (s.pairs ? Math.sqrt(s.displacementSq / s.pairs) : 0)),
    });
    await ctx.outputs.sheet.write(await contactSheet(out.a, out.b, p.size));
    ctx.metric("pairs", n);
    ctx.metric("rejected_fraction", rejected / (n + rejected));
    ctx.metric("amplitude_px", amp);
    // RMS over pairs and the central rf×rf of how far B's grid moved: ∝ R when matched, layer 1's value in the ablation.
    ctx.metric("rms_displacement_px", Math.sqrt(displacementSq / n));
    ctx.metric("peak_rss_mb", process.resourceUsage().maxRSS / 1024); // meaningful under isolation: process
    ctx.metric("pairs_per_s", n / ((performance.now() - started) / 1000));
  },
});

function crop(src: Float32Array, n: number, pad: number, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let i = 0; i < size; i++) out.set(src.subarray((i + pad) * n + pad, (i + pad) * n + pad + size), i * size);
  return out;
}

/** Extend an elastic field to the padded grid (edge values replicated). */
function padField(f: { ux: Float32Array; uy: Float32Array }, size: number, pad: number) {
  const n = size + 2 * pad, ux = new Float32Array(n * n), uy = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const k = Math.min(size - 1, Math.max(0, i - pad)) * size + Math.min(size - 1, Math.max(0, j - pad));
    ux[i * n + j] = f.ux[k]!; uy[i * n + j] = f.uy[k]!;
  }
  return { ux, uy };
}

function normalise(p: Float32Array, { mean, std }: { mean: number; std: number }) {
  const inv = std > 1e-8 ? 1 / std : 0;
  for (let k = 0; k < p.length; k++) p[k] = (p[k]! - mean) * inv;
}

/** 4 rows × 4 pairs, each pair A | B, nearest-neighbour ×4, each patch rescaled to its own range. */
async function contactSheet(a: Float32Array[], b: Float32Array[], size: number): Promise<Uint8Array> {
  const zoom = 4, gap = 2, cell = size * zoom, pairs = Math.min(16, a.length), cols = 4, rows = Math.ceil(pairs / cols);
  const W = cols * (2 * cell + 3 * gap), H = rows * (cell + 2 * gap);
  const img = new Uint8Array(W * H).fill(255);
  const draw = (patch: Float32Array, ox: number, oy: number) => {
    let lo = Infinity, hi = -Infinity;
    for (const v of patch) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const s = hi > lo ? 255 / (hi - lo) : 0;
    for (let y = 0; y < cell; y++) for (let x = 0; x < cell; x++) img[(oy + y) * W + ox + x] = Math.round((patch[Math.floor(y / zoom) * size + Math.floor(x / zoom)]! - lo) * s);
  };
  for (let k = 0; k < pairs; k++) {
    const ox = (k % cols) * (2 * cell + 3 * gap) + gap, oy = Math.floor(k / cols) * (cell + 2 * gap) + gap;
    draw(a[k]!, ox, oy);
    draw(b[k]!, ox + cell + gap, oy);
  }
  return new Uint8Array(await sharp(img, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer());
}
