import { defineStage, port, Schema, tensorflow } from "lcl";
import { Effect } from "effect";
import { blockInfo, type FrontendArchitecture } from "../src/model/frontend.js";
import { curveColumns, curvePort, rawPairs, trainingMetrics, type LayerTrainingParams } from "../src/model/layer-training.js";
import { imagesOf, pairsFromTable } from "../src/model/pairs.js";
import { trainStack } from "../src/model/train.js";
import { blockParams, trainingParams } from "../src/model/train-params.js";
import { DEFAULT_BLOCKS } from "../src/model/architecture.js";

/**
 * The "not layerwise" control (science.md §1.4, control 3): LCL-V2's two blocks trained jointly,
 * end to end, with the same objective on pairs under large image-level augmentations (wire it
 * to a `patches` node with large α, rotation and scale). Same outputs as `frontend-freeze`.
 */
const p2 = blockParams({ kernel: DEFAULT_BLOCKS[1].kernel, channels: DEFAULT_BLOCKS[1].channels });
export default defineStage({
  name: "frontend-ssl",
  version: 1,
  description: "Both front-end blocks trained end to end with a self-supervised objective (the non-layerwise control).",
  isolation: "process",
  usesBackend: true,
  params: Schema.Struct({
    ...blockParams({ kernel: DEFAULT_BLOCKS[0].kernel, channels: DEFAULT_BLOCKS[0].channels }),
    kernel2: p2.kernel, channels2: p2.channels,
    ...trainingParams,
  }),
  inputs: { pairs: port.table({ a: { list: "float32" }, b: { list: "float32" } }, { description: "patch pairs; their `image` column (patches writes it) is recorded as provenance" }) },
  outputs: {
    frontend: port.tensors(), architecture: port.json(),
    curve: port.table(curvePort, { format: "parquet", volatile: ["wall_s"] }),
  },
  async run(ctx) {
    const p = ctx.params as typeof ctx.params & LayerTrainingParams;
    const tf = await tensorflow(ctx.backend);
    const table = await ctx.inputs.pairs.read();
    const pairs = pairsFromTable(table);
    const trainedOn = imagesOf(table);
    const s1 = { kernel: p.kernel, channels: p.channels, sigma: p.sigma, stride: p.stride, norm: p.norm, pooling: p.pooling };
    const s2 = { ...s1, kernel: p.kernel2, channels: p.channels2 };
    const started = performance.now();
    const t = await Effect.runPromise(trainStack(tf, rawPairs(pairs), {
      specs: [s1, s2], inChannels: 1, steps: p.steps, batch: Math.min(p.batch, pairs.count), lr: p.lr, weightDecay: p.weight_decay, warmup: p.warmup,
      objective: { name: p.objective, lambda: p.lambda, barlowLambda: p.barlow_lambda, tau: p.tau }, readout: p.readout, checkpointEvery: p.checkpoint_every, seed: ctx.rng.fork(`seed:${p.seed}`).int(2 ** 31), shards: p.shards,
    }, { progress: ctx.progress, log: ctx.log, checkpoint: ctx.checkpoint }), { signal: ctx.signal });
    const [b1, b2] = t.blocks as [{ w: Float32Array; b: Float32Array }, { w: Float32Array; b: Float32Array }];
    await ctx.outputs.frontend.write({
      "l1.w": { dtype: "float32", shape: [s1.kernel, s1.kernel, 1, s1.channels], data: b1.w }, "l1.b": { dtype: "float32", shape: [s1.channels], data: b1.b },
      "l2.w": { dtype: "float32", shape: [s2.kernel, s2.kernel, s1.channels, s2.channels], data: b2.w }, "l2.b": { dtype: "float32", shape: [s2.channels], data: b2.b },
    });
    const arch: FrontendArchitecture = { format: "lcl-v2-frontend", version: 1, input: { channels: 1 }, blocks: [blockInfo([s1], 1, trainedOn), blockInfo([s1, s2], s1.channels, trainedOn)], output_channels: s2.channels, ...(trainedOn && { training_images: trainedOn }) };
    await ctx.outputs.architecture.write(arch);
    await ctx.outputs.curve.write(curveColumns(t));
    for (const [k, v] of Object.entries(trainingMetrics(t, p.steps, started))) ctx.metric(k, v);
  },
});
