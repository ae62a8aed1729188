import { defineStage, makeRng, param, port, Schema } from "lcl";
import { fitGabor, orientationTuning, renderGabor } from "../src/analysis/filters.js";
import { initBlock, kernelTiles } from "../src/model/block.js";
import { parseBlockInfo } from "../src/model/frontend.js";
import { tileGrid } from "../src/viz/grid.js";

/**
 * Are the learned layer-1 filters V1-like? Per filter: a 2-D Gabor fit (R²) and orientation
 * tuning to gratings (OSI = 1 − circular variance, preferred orientation and spatial
 * frequency). The same numbers for an equal number of filters drawn from the training's own
 * initialisation give the chance level the trained ones are compared against.
 */
export default defineStage({
  name: "filter-analysis",
  version: 1,
  description: "Gabor fits and orientation selectivity of layer-1 filters, against their random initialisation.",
  headline: ["mean_r2", "frac_gabor", "mean_osi", "orientation_coverage", "init_mean_r2", "init_frac_gabor"],
  params: Schema.Struct({
    r2_threshold: param.number({ default: 0.7, min: 0, max: 1, description: "a filter counts as Gabor-like above this R²" }),
  }),
  inputs: { weights: port.tensors(), block: port.json() },
  outputs: {
    filters: port.table({
      set: "utf8", unit: "int32", r2: "float64", osi: "float64", orientation_deg: "float64", freq_cpp: "float64",
      gabor_theta_deg: "float64", gabor_freq_cpp: "float64", sigma_x: "float64", sigma_y: "float64", phase: "float64",
    }, { format: "parquet", description: "one row per filter; set = trained | init" }),
    fits: port.file("png", { headline: true, description: "each trained filter beside its Gabor fit" }),
  },
  async run(ctx) {
    const block = parseBlockInfo(await ctx.inputs.block.read(), "input block");
    if (block.in_channels !== 1) throw new Error(`filter-analysis reads layer-1 filters (1 input channel); this block has ${block.in_channels}`);
    const w = (await ctx.inputs.weights.read()).w!.data as Float32Array;
    const k = block.kernel, C = block.channels;
    const trained = kernelTiles(w, k, 1, C);
    // A fixed draw (per shape), so the chance level is the same for every model compared.
    const init = kernelTiles(initBlock(block, 1, makeRng(0).fork("filter-analysis:init")).w, k, 1, C);
    const rows = { set: [] as string[], unit: [] as number[], r2: [] as number[], osi: [] as number[], orientation_deg: [] as number[], freq_cpp: [] as number[],
      gabor_theta_deg: [] as number[], gabor_freq_cpp: [] as number[], sigma_x: [] as number[], sigma_y: [] as number[], phase: [] as number[] };
    const summary: Record<string, { r2: number; osi: number; good: number }> = {};
    const fitTiles: Float32Array[] = [];
    for (const [name, tiles] of [["trained", trained], ["init", init]] as const) {
      const s = { r2: 0, osi: 0, good: 0 };
      tiles.forEach((f, u) => {
        if (ctx.signal.aborted) throw new Error("interrupted");
        const fit = fitGabor(f, k), tune = orientationTuning(f, k);
        rows.set.push(name); rows.unit.push(u); rows.r2.push(fit.r2); rows.osi.push(tune.osi);
        rows.orientation_deg.push((tune.orientation * 180) / Math.PI); rows.freq_cpp.push(tune.freq);
        rows.gabor_theta_deg.push((fit.gabor.theta * 180) / Math.PI); rows.gabor_freq_cpp.push(fit.gabor.freq);
        rows.sigma_x.push(fit.gabor.sigmaX); rows.sigma_y.push(fit.gabor.sigmaY); rows.phase.push(fit.gabor.phase);
        s.r2 += fit.r2 / tiles.length; s.osi += tune.osi / tiles.length; if (fit.r2 > ctx.params.r2_threshold) s.good++;
        if (name === "trained") fitTiles.push(f, renderGabor(fit.gabor, k));
      });
      summary[name] = s;
    }
    await ctx.outputs.filters.write({ ...rows, unit: Int32Array.from(rows.unit) });
    await ctx.outputs.fits.write(await tileGrid(fitTiles, k, { cols: 8, zoom: 6, group: 2 }));
    // Distribution of the Gabor-like trained filters: do they tile orientation, and at what scale?
    const good = rows.set.map((x, i) => i).filter((i) => rows.set[i] === "trained" && rows.r2[i]! > ctx.params.r2_threshold);
    if (good.length) {
      let re = 0, im = 0;
      for (const i of good) { const t = (2 * rows.orientation_deg[i]! * Math.PI) / 180; re += Math.cos(t); im += Math.sin(t); }
      ctx.metric("orientation_coverage", 1 - Math.hypot(re, im) / good.length); // 1: uniform over orientations, 0: all alike
      const f = good.map((i) => rows.freq_cpp[i]!).sort((a, b) => a - b);
      ctx.metric("median_freq_cpp", f[Math.floor(f.length / 2)]!);
    }
    for (const [name, s] of Object.entries(summary)) {
      const pre = name === "trained" ? "" : "init_";
      ctx.metric(`${pre}mean_r2`, s.r2);
      ctx.metric(`${pre}frac_gabor`, s.good / C);
      ctx.metric(`${pre}mean_osi`, s.osi);
    }
  },
});
