import { defineStage, param, port, Schema } from "lcl";
import { concat, selectTextureFamilies, textureStimuli, type Image } from "../src/data/textures.js";
import { recordingTables, STIMULI_ALL } from "../src/neural/recordings.js";
import { tileGrid } from "../src/viz/grid.js";

/**
 * Texture families × samples, each sample with a spectrally matched noise twin (Freeman et al.
 * 2013 design; science.md §1.6.2 and §4.1b): crops of the most texture-like regions of real
 * photographs — scikit-image's brick/grass/gravel first when present — written in the
 * recordings format's stimulus table, so the same stimuli can drive in-silico populations.
 */
export default defineStage({
  name: "texture-stimuli",
  version: 2,
  description: "Texture families × samples from real photos, each with a phase-randomized (spectrally matched) noise twin.",
  params: Schema.Struct({
    families: param.int({ default: 15, min: 2, max: 100, description: "texture families (Freeman 2013: 15)" }),
    samples: param.int({ default: 15, min: 2, max: 100, description: "samples (crops) per family (Freeman 2013: 15)" }),
    size: param.int({ default: 64, min: 16, max: 256, description: "stimulus side in pixels" }),
    region: param.int({ default: 160, min: 16, max: 2048, description: "side of the texture region each family's crops come from (> size, so samples differ)" }),
    per_image: param.int({ default: 2, min: 1, max: 10, description: "at most this many families from one photograph" }),
    include: param.strings({ default: [], description: "use only photos whose id contains one of these (e.g. 'brick', 'mypaint-data-extras:'), as texture-synthesis; empty = all" }),
    prefer: param.strings({ default: ["brick", "grass", "gravel"], description: "photos whose id contains one of these are taken first as whole-texture families" }),
    contrast: param.number({ default: 0.3, min: 0.01, max: 1, description: "RMS contrast (SD / mean) of every stimulus, texture and noise alike; a pair that would clip is shown at a lower one, the same for both" }),
  }),
  inputs: { pixels: port.table({ id: "utf8", width: "int32", height: "int32", luminance: { list: "float32" } }) },
  outputs: {
    stimuli: port.table(STIMULI_ALL, { description: "recordings-format stimuli: family, sample, type = texture | noise" }),
    families: port.table({ family: "utf8", image: "utf8", x: "int32", y: "int32", side: "int32", score: "float64" }, { format: "parquet", description: "where each family was cut from" }),
    sheet: port.file("png", { description: "per family: two texture samples and their noise twins" }),
  },
  async run(ctx) {
    const p = ctx.params;
    if (p.region < p.size) throw new Error(`region (${p.region}) must be at least size (${p.size})`);
    const t = await ctx.inputs.pixels.read();
    const ids = t.getChild("id")!.toArray() as string[], w = t.getChild("width")!.toArray(), h = t.getChild("height")!.toArray(), lum = t.getChild("luminance")!;
    const images = new Map<string, Image>();
    ids.forEach((id, i) => images.set(id, { id, width: w[i]!, height: h[i]!, data: Float32Array.from((lum.get(i) as { toArray(): Float32Array }).toArray()) }));
    const regions = selectTextureFamilies([...images.values()], p.families, p.region, { include: p.include, prefer: p.prefer, perImage: p.per_image });
    const stim = textureStimuli(images, regions, p.samples, p.size, ctx.rng);
    // Each stimulus names its photograph, so stages can refuse stimuli from a front-end's training images.
    const sourceOf = new Map(regions.map((r) => [`${r.image}@${r.x},${r.y}`, r.image]));
    const tables = recordingTables({
      stimuli: {
        ids: stim.map((s) => `${s.family}/${s.type}/${s.sample}`), width: p.size, height: p.size,
        pixels: concat(stim.map((s) => s.pixels)), family: stim.map((s) => s.family), type: stim.map((s) => s.type), sample: stim.map((s) => s.sample),
        source: stim.map((s) => sourceOf.get(s.family) ?? ""),
      },
      neurons: { ids: [], region: [] }, repetitions: 0, trials: new Float64Array(0),
    });
    await ctx.outputs.stimuli.write(tables.stimuli);
    await ctx.outputs.families.write({
      family: regions.map((r) => `${r.image}@${r.x},${r.y}`), image: regions.map((r) => r.image),
      x: Int32Array.from(regions, (r) => r.x), y: Int32Array.from(regions, (r) => r.y), side: Int32Array.from(regions, (r) => r.side), score: Float64Array.from(regions, (r) => r.score),
    });
    // Contact sheet: each row a family — samples 0 and 1 as texture, then noise.
    const tiles = regions.flatMap((_, f) => [0, 1].flatMap((s) => ["texture", "noise"].map((ty) => stim[f * p.samples * 2 + s * 2 + (ty === "noise" ? 1 : 0)]!.pixels)))
      .map((x) => x.map((v) => v - 0.5));
    await ctx.outputs.sheet.write(await tileGrid(tiles, p.size, { cols: 4, zoom: Math.max(1, Math.round(96 / p.size)) }));
    ctx.metric("families", regions.length);
    ctx.metric("stimuli", stim.length);
    ctx.metric("min_texture_score", Math.min(...regions.map((r) => r.score)));
  },
});
