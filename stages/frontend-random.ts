import { defineStage, param, port, Schema } from "lcl";
import { DEFAULT_BLOCKS, POOLINGS } from "../src/model/architecture.js";
import { initBlock } from "../src/model/block.js";
import { blockInfo, type FrontendArchitecture } from "../src/model/frontend.js";

/**
 * An untrained front-end with LCL-V2's architecture (He-normal weights): the "random frozen
 * front-end" baseline, and the starting point of the end-to-end baseline. Same outputs as
 * `frontend-freeze`, so a classifier takes either.
 */
export default defineStage({
  name: "frontend-random",
  version: 1,
  description: "A randomly initialised front-end with LCL-V2's architecture (baselines).",
  params: Schema.Struct({
    channels1: param.int({ default: DEFAULT_BLOCKS[0].channels, min: 1, description: "layer-1 channels" }),
    channels2: param.int({ default: DEFAULT_BLOCKS[1].channels, min: 1, description: "layer-2 channels" }),
    seed: param.int({ default: 0, min: 0 }),
    pooling: param.choice(POOLINGS, { default: "l2", description: "both blocks' pooling: l2 sqrt(blur(relu²)) or energy blur(relu²) (as layer1-train's `pooling`)" }),
    norm: param.bool({ default: true, description: "both blocks' local divisive normalisation (as layer1-train's `norm`)" }),
  }),
  inputs: {},
  outputs: { frontend: port.tensors(), architecture: port.json() },
  async run(ctx) {
    const look = { pooling: ctx.params.pooling, norm: ctx.params.norm };
    const s1 = { ...DEFAULT_BLOCKS[0], ...look, channels: ctx.params.channels1 }, s2 = { ...DEFAULT_BLOCKS[1], ...look, channels: ctx.params.channels2 };
    const rng = ctx.rng.fork("init");
    const l1 = initBlock(s1, 1, rng), l2 = initBlock(s2, s1.channels, rng);
    await ctx.outputs.frontend.write({
      "l1.w": { dtype: "float32", shape: [s1.kernel, s1.kernel, 1, s1.channels], data: l1.w }, "l1.b": { dtype: "float32", shape: [s1.channels], data: l1.b },
      "l2.w": { dtype: "float32", shape: [s2.kernel, s2.kernel, s1.channels, s2.channels], data: l2.w }, "l2.b": { dtype: "float32", shape: [s2.channels], data: l2.b },
    });
    const arch: FrontendArchitecture = { format: "lcl-v2-frontend", version: 1, input: { channels: 1 }, blocks: [blockInfo([s1], 1, []), blockInfo([s1, s2], s1.channels, [])], output_channels: s2.channels, training_images: [] };
    await ctx.outputs.architecture.write(arch);
  },
});
