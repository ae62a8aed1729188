import { defineStage, param, port, Schema, tensorflow } from "lcl";
import sharp from "sharp";
import { bootstrapMean, familyDecoding, geometricMean, modulationByFamily, PUBLISHED, reliablyModulated, varianceRatio } from "../src/analysis/texture.js";
import { checkHeldOut } from "../src/data/provenance.js";
import { centralMeans, stimulusResponses } from "../src/model/features.js";
import { parseFrontendArchitecture } from "../src/model/frontend.js";
import { readStimuli, STIMULI_COLUMNS } from "../src/neural/recordings.js";
import { lineChart } from "../src/viz/chart.js";

/**
 * Is a front-end V2-like? Per layer and unit: the texture modulation index against spectrally
 * matched noise (Freeman et al. 2013), the across/within-family variance ratio (Ziemba et al.
 * 2016) and linear family decoding across samples. Expected for LCL-V2: layer 2 > layer 1 ≈ 0.
 * A unit is a channel at the centre of the map (one receptive field on the stimulus, as a
 * recorded neuron has), its rectified response. Refuses stimuli cut from the front-end's
 * training images (their `source` against its architecture's `training_images`).
 */
export default defineStage({
  name: "texture-selectivity",
  version: 1,
  description: "Texture modulation index, family/sample variance ratio and family decoding per layer of a front-end.",
  headline: ["mi_l*", "frac_modulated_l*", "var_ratio_l*", "decode_l*"],
  usesBackend: true,
  params: Schema.Struct({
    central: param.number({ default: 0, min: 0, max: 1, description: "0: a unit is a channel at the map's centre (one RF, like a neuron); > 0: its response averaged over this central fraction (per side) of the map" }),
    folds: param.int({ default: 5, min: 2, max: 50, description: "cross-validation folds over samples for family decoding" }),
    ridge: param.number({ default: 1, min: 0, description: "ridge penalty of the decoder (on z-scored units)" }),
    resamples: param.int({ default: 2000, min: 100, max: 100000, description: "bootstrap resamples for confidence intervals" }),
  }),
  inputs: {
    stimuli: port.table({ ...STIMULI_COLUMNS, family: "utf8", type: "utf8", sample: "int32" }),
    frontend: port.tensors(),
    architecture: port.json(),
  },
  outputs: {
    units: port.table({ layer: "int32", unit: "int32", mi: "float64", modulated: "bool", var_ratio: "float64", mean_texture: "float64", mean_noise: "float64" }, { format: "parquet", description: "one row per unit" }),
    summary: port.table({
      layer: "int32", units: "int32", mean_mi: "float64", mi_lo: "float64", mi_hi: "float64", frac_modulated: "float64",
      var_ratio: "float64", decode_texture: "float64", decode_noise: "float64", chance: "float64",
    }, { format: "parquet", description: "per layer: mean MI with 95 % bootstrap CI, fraction reliably modulated, geometric-mean variance ratio, family decoding" }),
    families: port.table({ layer: "int32", family: "utf8", mean_mi: "float64", frac_positive: "float64" }, { format: "parquet", description: "per layer and texture family: MI averaged over units, share of units with MI > 0 (Freeman 2013: modulation differs strongly between families)" }),
    histogram: port.file("png", { headline: true, description: "distribution of unit modulation indices per layer" }),
  },
  async run(ctx) {
    const p = ctx.params;
    const st = await ctx.inputs.stimuli.read();
    const d = readStimuli(st, "input stimuli");
    if (!d.family || !d.type || !d.sample) throw new Error("input stimuli: need family, type (texture | noise) and sample for every stimulus; wire it to texture-stimuli's 'stimuli' output");
    if (d.width !== d.height) throw new Error(`input stimuli: ${d.width}×${d.height} px; the front-end takes square stimuli`);
    const design = { family: d.family, type: d.type, sample: d.sample };
    const archJson = await ctx.inputs.architecture.read();
    const unchecked = checkHeldOut(parseFrontendArchitecture(archJson, "input architecture").training_images, d.source, { model: "the front-end (input architecture)", stimuli: "the input stimuli" });
    if (unchecked) ctx.log(`warning: ${unchecked}`);
    const S = d.ids.length;
    const tf = await tensorflow(ctx.backend);
    const maps = stimulusResponses(tf, archJson, await ctx.inputs.frontend.read(), d.pixels, S, d.width, { signal: ctx.signal });
    const units = { layer: [] as number[], unit: [] as number[], mi: [] as number[], modulated: [] as boolean[], var_ratio: [] as number[], mean_texture: [] as number[], mean_noise: [] as number[] };
    const summary = { layer: [] as number[], units: [] as number[], mean_mi: [] as number[], mi_lo: [] as number[], mi_hi: [] as number[], frac_modulated: [] as number[], var_ratio: [] as number[], decode_texture: [] as number[], decode_noise: [] as number[], chance: [] as number[] };
    const hist: { label: string; points: [number, number][] }[] = [];
    const fam = { layer: [] as number[], family: [] as string[], mean_mi: [] as number[], frac_positive: [] as number[] };
    for (const m of maps) {
      const U = m.channels, resp = centralMeans(m, S, p.central);
      const { families, mi: byFamily } = modulationByFamily(resp, U, design);
      const F = families.length;
      const mi = Float64Array.from({ length: U }, (_, u) => { let s = 0; for (let f = 0; f < F; f++) s += byFamily[u * F + f]! / F; return s; });
      const modulated = reliablyModulated(byFamily, U, F, ctx.rng.fork(`sig:${m.layer}`));
      families.forEach((f, k) => {
        let sum = 0, pos = 0;
        for (let u = 0; u < U; u++) { const v = byFamily[u * F + k]!; sum += v / U; if (v > 0) pos++; }
        fam.layer.push(m.layer); fam.family.push(f); fam.mean_mi.push(sum); fam.frac_positive.push(pos / U);
      });
      const vr = varianceRatio(resp, U, design);
      for (let u = 0; u < U; u++) {
        let t = 0, n = 0, nt = 0, nn = 0;
        for (let s = 0; s < S; s++) { if (design.type[s] === "texture") { t += resp[s * U + u]!; nt++; } else { n += resp[s * U + u]!; nn++; } }
        units.layer.push(m.layer); units.unit.push(u); units.mi.push(mi[u]!); units.modulated.push(modulated[u]!); units.var_ratio.push(vr[u]!);
        units.mean_texture.push(t / nt); units.mean_noise.push(n / nn);
      }
      const ci = bootstrapMean(mi, ctx.rng.fork(`ci:${m.layer}`), p.resamples);
      const frac = modulated.filter(Boolean).length / U;
      const dt = familyDecoding(resp, U, design, { type: "texture", folds: p.folds, ridge: p.ridge });
      const dn = familyDecoding(resp, U, design, { type: "noise", folds: p.folds, ridge: p.ridge });
      const g = geometricMean(vr);
      summary.layer.push(m.layer); summary.units.push(U); summary.mean_mi.push(ci.mean); summary.mi_lo.push(ci.lo); summary.mi_hi.push(ci.hi);
      summary.frac_modulated.push(frac); summary.var_ratio.push(g); summary.decode_texture.push(dt); summary.decode_noise.push(dn); summary.chance.push(1 / F);
      ctx.metric(`mi_l${m.layer}`, ci.mean);
      ctx.metric(`frac_modulated_l${m.layer}`, frac);
      ctx.metric(`var_ratio_l${m.layer}`, g);
      ctx.metric(`decode_l${m.layer}`, dt);
      ctx.log(`layer ${m.layer}: MI ${ci.mean.toFixed(3)} [${ci.lo.toFixed(3)}, ${ci.hi.toFixed(3)}], ${(100 * frac).toFixed(0)} % reliably modulated (published: V1 ${100 * PUBLISHED.fracModulated.V1} %, V2 ${100 * PUBLISHED.fracModulated.V2} %), variance ratio ${g.toFixed(2)}, family decoding ${(100 * dt).toFixed(0)} % (chance ${(100 / F).toFixed(0)} %)`);
      hist.push({ label: `layer ${m.layer}`, points: histogram(mi, -0.5, 0.5, 20) });
    }
    if (maps.length >= 2) ctx.metric("mi_gain", summary.mean_mi[1]! - summary.mean_mi[0]!);
    await ctx.outputs.units.write({ ...units, layer: Int32Array.from(units.layer), unit: Int32Array.from(units.unit) });
    await ctx.outputs.families.write({ ...fam, layer: Int32Array.from(fam.layer) });
    await ctx.outputs.summary.write({ ...summary, layer: Int32Array.from(summary.layer), units: Int32Array.from(summary.units) });
    const svg = lineChart({ title: "texture modulation index (texture vs. spectrally matched noise)", x: "modulation index", y: "fraction of units", series: hist });
    await ctx.outputs.histogram.write(new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer()));
  },
});

/** A step outline of the histogram of `v` over [lo, hi] (fractions), as chart points. */
function histogram(v: ArrayLike<number>, lo: number, hi: number, bins: number): [number, number][] {
  const counts = new Array<number>(bins).fill(0), w = (hi - lo) / bins;
  for (let i = 0; i < v.length; i++) counts[Math.min(bins - 1, Math.max(0, Math.floor((v[i]! - lo) / w)))]! += 1 / v.length;
  return counts.flatMap((c, b) => [[lo + b * w, c], [lo + (b + 1) * w, c]] as [number, number][]);
}

