import { defineStage, port, Schema, tensorflow } from "lcl";
import { receptiveFields } from "../src/model/architecture.js";
import { kernelTiles } from "../src/model/block.js";
import { blockInfo } from "../src/model/frontend.js";
import { curveColumns, curvePort, specOf, trainingMetrics, trainLayer } from "../src/model/layer-training.js";
import { imagesOf, pairsFromTable } from "../src/model/pairs.js";
import { blockParams, trainingParams } from "../src/model/train-params.js";
import { tileGrid } from "../src/viz/grid.js";

/**
 * LCL-V2 layer 1 (≈V1): conv → ReLU → L2 pooling → divisive normalisation, trained on
 * complexity-matched patch pairs so that deformed pairs look alike and other images do not
 * (science.md §1.2–1.5). Saves a checkpoint every `checkpoint_every` steps: an interrupted or
 * killed run resumes on the next `lcl run` and ends with the same weights.
 */
export default defineStage({
  name: "layer1-train",
  version: 1,
  description: "Train LCL-V2 layer 1 on patch pairs (layerwise, self-supervised).",
  headline: ["loss", "similarity", "decorrelation"],
  isolation: "process",
  usesBackend: true,
  params: Schema.Struct({ ...blockParams({ kernel: 7, channels: 32 }), ...trainingParams }),
  inputs: { pairs: port.table({ a: { list: "float32" }, b: { list: "float32" } }, { description: "patch pairs; their `image` column (patches writes it) is recorded as provenance" }) },
  outputs: {
    weights: port.tensors({ description: "w [k,k,1,C] and b [C]" }),
    block: port.json({ description: "architecture of the block, with its receptive field and the images it was trained on" }),
    curve: port.table(curvePort, { headline: true, format: "parquet", volatile: ["wall_s"], description: "one row per step" }),
    filters: port.file("png", { description: "the learned filters, 0 = grey" }),
  },
  async run(ctx) {
    const p = ctx.params;
    const tf = await tensorflow(ctx.backend);
    const table = await ctx.inputs.pairs.read();
    const pairs = pairsFromTable(table);
    const trainedOn = imagesOf(table);
    const spec = specOf(p);
    const rf = receptiveFields([spec])[0]!.rf;
    if (pairs.side < spec.kernel) throw new Error(`patches are ${pairs.side}×${pairs.side}, smaller than the ${spec.kernel}×${spec.kernel} kernel; raise the patches stage's size`);
    ctx.log(`${pairs.count} pairs of ${pairs.side}×${pairs.side}; receptive field ${rf} px`);
    const started = performance.now();
    const t = await trainLayer(tf, pairs, [], p, { seed: ctx.rng.fork(`seed:${p.seed}`).int(2 ** 31), signal: ctx.signal, checkpoint: ctx.checkpoint, log: ctx.log, progress: ctx.progress });
    await ctx.outputs.weights.write({
      w: { dtype: "float32", shape: [spec.kernel, spec.kernel, 1, spec.channels], data: t.w },
      b: { dtype: "float32", shape: [spec.channels], data: t.b },
    });
    await ctx.outputs.block.write(blockInfo([spec], 1, trainedOn));
    await ctx.outputs.curve.write(curveColumns(t));
    await ctx.outputs.filters.write(await tileGrid(kernelTiles(t.w, spec.kernel, 1, spec.channels), spec.kernel, { cols: 8, zoom: 6 }));
    for (const [k, v] of Object.entries(trainingMetrics(t, p.steps, started))) ctx.metric(k, v);
    ctx.metric("rf_px", rf);
  },
});

