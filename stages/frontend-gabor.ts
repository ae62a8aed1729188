import { defineStage, param, port, Schema } from "lcl";
import { renderGabor } from "../src/analysis/filters.js";
import { DEFAULT_BLOCKS, POOLINGS } from "../src/model/architecture.js";
import { initBlock } from "../src/model/block.js";
import { blockInfo, type FrontendArchitecture } from "../src/model/frontend.js";

/**
 * A fixed, hand-designed V1 (VOneNet-like; science.md §1.2): layer 1 is a Gabor bank —
 * orientations × spatial frequencies × quadrature phases, zero-mean, unit norm — in LCL-V2's
 * block (so rectification, L2 pooling and normalisation are the same), and layer 2 is random.
 * Against LCL-V2 this isolates what *learning* layer 1 buys over a textbook V1.
 */
export default defineStage({
  name: "frontend-gabor",
  version: 1,
  description: "A fixed Gabor-bank layer 1 (+ random layer 2) with LCL-V2's architecture (baseline).",
  params: Schema.Struct({
    orientations: param.int({ default: 8, min: 1, max: 32 }),
    freqs: param.numbers({ default: [0.12, 0.25], description: "carrier frequencies, cycles/px" }),
    sigma: param.number({ default: 1.5, exclusiveMin: 0, description: "Gaussian envelope σ, px" }),
    channels2: param.int({ default: DEFAULT_BLOCKS[1].channels, min: 1, description: "layer-2 channels (random)" }),
    seed: param.int({ default: 0, min: 0 }),
    pooling: param.choice(POOLINGS, { default: "l2", description: "both blocks' pooling: l2 sqrt(blur(relu²)) or energy blur(relu²) (as layer1-train's `pooling`)" }),
    norm: param.bool({ default: true, description: "both blocks' local divisive normalisation (as layer1-train's `norm`)" }),
  }),
  inputs: {},
  outputs: { frontend: port.tensors(), architecture: port.json() },
  async run(ctx) {
    const p = ctx.params, k = DEFAULT_BLOCKS[0].kernel;
    const filters: Float32Array[] = [];
    for (const f of p.freqs) for (let o = 0; o < p.orientations; o++) for (const phase of [0, Math.PI / 2]) {
      const g = renderGabor({ amplitude: 1, x0: 0, y0: 0, theta: (o * Math.PI) / p.orientations, freq: f, phase, sigmaX: p.sigma, sigmaY: p.sigma, offset: 0 }, k);
      const mean = g.reduce((a, b) => a + b, 0) / g.length;
      const norm = Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0)) || 1;
      filters.push(g.map((v) => (v - mean) / norm));
    }
    const c1 = filters.length;
    const w1 = new Float32Array(k * k * c1);
    filters.forEach((g, c) => g.forEach((v, i) => { w1[i * c1 + c] = v; })); // [k,k,1,C] row-major
    const look = { pooling: p.pooling, norm: p.norm };
    const s1 = { ...DEFAULT_BLOCKS[0], ...look, channels: c1 }, s2 = { ...DEFAULT_BLOCKS[1], ...look, channels: p.channels2 };
    const l2 = initBlock(s2, c1, ctx.rng.fork("layer2"));
    await ctx.outputs.frontend.write({
      "l1.w": { dtype: "float32", shape: [k, k, 1, c1], data: w1 }, "l1.b": { dtype: "float32", shape: [c1], data: new Float32Array(c1) },
      "l2.w": { dtype: "float32", shape: [s2.kernel, s2.kernel, c1, s2.channels], data: l2.w }, "l2.b": { dtype: "float32", shape: [s2.channels], data: l2.b },
    });
    const arch: FrontendArchitecture = { format: "lcl-v2-frontend", version: 1, input: { channels: 1 }, blocks: [blockInfo([s1], 1, []), blockInfo([s1, s2], c1, [])], output_channels: s2.channels, training_images: [] };
    await ctx.outputs.architecture.write(arch);
    ctx.metric("channels1", c1);
  },
});
