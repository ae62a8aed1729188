import { defineStage, port, Schema, tensorflow } from "lcl";
import type * as tfc from "@tensorflow/tfjs-core";
import { receptiveFields } from "../src/model/architecture.js";
import { blockForward } from "../src/model/block.js";
import { readoutFeatures, type Readout } from "../src/model/features.js";
import { blockInfo, frozenForward, parseBlockInfo, unionImages } from "../src/model/frontend.js";
import { curveColumns, curvePort, specOf, trainingMetrics, trainLayer, type FrozenBlock } from "../src/model/layer-training.js";
import { imagesOf, pairsFromTable, type Pairs } from "../src/model/pairs.js";
import { blockParams, trainingParams } from "../src/model/train-params.js";
import { tileGrid } from "../src/viz/grid.js";

/**
 * LCL-V2 layer 2 (≈V2): the same block on top of the frozen layer 1, trained on pairs whose
 * deformations scale with layer 2's larger receptive field. No gradient reaches layer 1: its
 * output is computed as data. The picture shows, per unit, the patches that drive it most.
 */
export default defineStage({
  name: "layer2-train",
  version: 1,
  description: "Train LCL-V2 layer 2 on the frozen layer 1's responses to (larger) patch pairs.",
  headline: ["loss", "similarity", "decorrelation"],
  isolation: "process",
  usesBackend: true,
  params: Schema.Struct({ ...blockParams({ kernel: 3, channels: 64 }), ...trainingParams }),
  inputs: {
    layer1: port.tensors({ description: "layer-1 weights" }),
    layer1_block: port.json({ description: "layer-1 architecture" }),
    pairs: port.table({ a: { list: "float32" }, b: { list: "float32" } }, { description: "patch pairs; their `image` column (patches writes it) is recorded as provenance" }),
  },
  outputs: {
    weights: port.tensors({ description: "w [k,k,C1,C] and b [C]" }),
    block: port.json({ description: "architecture of the block, with its receptive field (counting layer 1)" }),
    curve: port.table(curvePort, { headline: true, format: "parquet", volatile: ["wall_s"], description: "one row per step" }),
    units: port.file("png", { headline: true, description: "one row per unit (first 16): its 8 strongest-driving patches" }),
  },
  async run(ctx) {
    const p = ctx.params;
    const tf = await tensorflow(ctx.backend);
    const l1 = parseBlockInfo(await ctx.inputs.layer1_block.read(), "input layer1_block");
    const w1 = await ctx.inputs.layer1.read();
    const frozen: FrozenBlock[] = [{ spec: l1, w: w1.w!.data as Float32Array, b: w1.b!.data as Float32Array, inChannels: l1.in_channels }];
    const table = await ctx.inputs.pairs.read();
    const pairs = pairsFromTable(table);
    // Provenance: layer 2 has seen, through layer 1, everything layer 1 was trained on.
    const own = imagesOf(table);
    const trainedOn = l1.training_images && own ? unionImages(l1.training_images, own) : undefined;
    const spec = specOf(p);
    const rf = receptiveFields([l1, spec])[1]!.rf;
    ctx.log(`${pairs.count} pairs of ${pairs.side}×${pairs.side}; layer-1 RF ${l1.rf} px, layer-2 RF ${rf} px`);
    const started = performance.now();
    const t = await trainLayer(tf, pairs, frozen, p, { seed: ctx.rng.fork(`seed:${p.seed}`).int(2 ** 31), signal: ctx.signal, checkpoint: ctx.checkpoint, log: ctx.log, progress: ctx.progress });
    await ctx.outputs.weights.write({
      w: { dtype: "float32", shape: [spec.kernel, spec.kernel, l1.channels, spec.channels], data: t.w },
      b: { dtype: "float32", shape: [spec.channels], data: t.b },
    });
    await ctx.outputs.block.write(blockInfo([l1, spec], l1.channels, trainedOn));
    await ctx.outputs.curve.write(curveColumns(t));
    await ctx.outputs.units.write(await strongestPatches(ctx, tf, pairs, frozen, { spec, w: t.w, b: t.b, inChannels: l1.channels }, p.readout));
    for (const [k, v] of Object.entries(trainingMetrics(t, p.steps, started))) ctx.metric(k, v);
    ctx.metric("rf_px", rf);
  },
});

/**
 * Layer-2 units are not pictures of filters (they weigh layer-1 channels), so each is shown by
 * the patches (A sides, up to 1024) that give it the largest response as the objective reads it
 * (map mean or central unit): what it is for.
 */
async function strongestPatches(ctx: { signal: AbortSignal }, tf: Awaited<ReturnType<typeof tensorflow>>, pairs: Pairs, frozen: FrozenBlock[], top: FrozenBlock, readout: Readout) {
  const n = Math.min(pairs.count, 1024), P = pairs.side * pairs.side, units = Math.min(16, top.spec.channels), per = 8;
  const feats = new Float32Array(n * top.spec.channels);
  for (let s = 0; s < n; s += 128) {
    if (ctx.signal.aborted) throw new Error("interrupted");
    const m = Math.min(128, n - s);
    const z = tf.tidy(() => {
      const x = tf.tensor4d(pairs.a.subarray(s * P, (s + m) * P), [m, pairs.side, pairs.side, 1]);
      const y = frozenForward(tf, x, frozen);
      const w = tf.tensor4d(top.w, [top.spec.kernel, top.spec.kernel, top.inChannels, top.spec.channels]) as tfc.Tensor4D;
      return readoutFeatures(tf, blockForward(tf, y, { w, b: tf.tensor1d(top.b) }, top.spec), readout);
    });
    feats.set(z.dataSync() as Float32Array, s * top.spec.channels);
    z.dispose();
  }
  const tiles: Float32Array[] = [];
  for (let u = 0; u < units; u++) {
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => feats[j * top.spec.channels + u]! - feats[i * top.spec.channels + u]! || i - j);
    for (const i of order.slice(0, per)) tiles.push(pairs.a.subarray(i * P, (i + 1) * P));
  }
  return tileGrid(tiles, pairs.side, { cols: per, zoom: 2, gap: 1, scale: "range" });
}
