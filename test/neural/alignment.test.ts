import { readFileSync, writeFileSync } from "node:fs";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { deadLeaves } from "../../src/data/dead-leaves.js";
import { makeRng } from "../../src/sdk/rng.js";
import { Rig } from "../helpers/rig.js";

let rig: Rig;
afterEach(() => rig?.dispose());

async function withPhotos(files: Record<string, string>) {
  rig = new Rig({ ...files, "photos/.keep": "" });
  const rng = makeRng(3);
  for (let i = 0; i < 4; i++) {
    const im = deadLeaves(160, 160, rng.fork(`p${i}`));
    writeFileSync(rig.path(`photos/${i}.png`), await sharp(Uint8Array.from(im.data, (v) => Math.round(v * 255)), { raw: { width: 160, height: 160, channels: 1 } }).png().toBuffer());
  }
  return rig;
}

const metrics = async (exp: string, node: string) => {
  const recs = JSON.parse((await rig.lcl(["show", exp, node, "--json"])).stdout) as { instance: string; metrics: Record<string, number> }[];
  return Object.fromEntries(recs.map((r) => [r.instance, r.metrics]));
};
const table = (rec: any, out: string) => { const o = rec.outputs[out].object as string; return readFileSync(rig.path("artifacts/objects", o.slice(0, 2), o.slice(2))); };

// Textures from dead-leaves "photos", a random front-end as the known model, neurons drawn from its layers.
const pipeline = (size: number, region: number, channels: [number, number]) => `nodes:
  photos: { uses: natural-images, params: { source: folder, folder: photos } }
  textures: { uses: texture-stimuli, inputs: { pixels: photos.pixels }, params: { families: 10, samples: 12, size: ${size}, region: ${region}, per_image: 4 } }
  model: { uses: frontend-random, params: { channels1: ${channels[0]}, channels2: ${channels[1]} } }
  texture: { uses: texture-selectivity, inputs: { stimuli: textures.stimuli, frontend: model.frontend, architecture: model.architecture }, params: { resamples: 200 } }
  population: { uses: in-silico-population, inputs: { stimuli: textures.stimuli, frontend: model.frontend, architecture: model.architecture }, params: { neurons: 20 } }
  neural: { uses: neural-predictivity, inputs: { stimuli: population.stimuli, responses: population.responses, neurons: population.neurons, frontend: model.frontend, architecture: model.architecture } }
`;

describe("alignment stages on a known model (in silico)", () => {
  it("the generating layer wins layer selection for each region; the ceiling matches the closed-form reliability", async () => {
    await withPhotos({ "pipelines/p.yaml": pipeline(32, 64, [8, 16]), "experiments.yaml": "default: a\nexperiments:\n  a: { pipeline: p }\n" });
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const m = (await metrics("a", "neural")).neural!;
    expect(m.V1_layer).toBe(1);
    expect(m.V2_layer).toBe(2);
    const pop = (await metrics("a", "population")).population!;
    expect(Math.abs(m.V1_ceiling! - pop.reliability_V1!)).toBeLessThan(0.05);
    expect(Math.abs(m.V2_ceiling! - pop.reliability_V2!)).toBeLessThan(0.05);
  }, 180_000);

  it("a trained layer 1 read as energy units (squared pooling, no normalisation) is blind to what separates texture from spectrally matched noise; compressive (sqrt) pooling is not", async () => {
    // Layer 1 trained on dead-leaves photos, tested on textures cut from other (held-out) ones. The
    // squared response of a linear filter depends on the stimulus only through its power spectrum,
    // which a texture and its noise twin share, so energy units sit at MI ≈ 0 (V1 in Freeman 2013).
    // A compressive read-out (sqrt) of the same units rewards the Gaussian twin: at equal power
    // it spreads energy evenly, while a sparse natural texture concentrates it (Jensen), so MI < 0.
    rig = new Rig({
      "pipelines/p.yaml": `nodes:
  train: { uses: natural-images, params: { source: folder, folder: train } }
  stim: { uses: natural-images, params: { source: folder, folder: stim } }
  pairs: { uses: patches, inputs: { pixels: train.pixels }, params: { rf: 11, size: 16, count: 1024 } }
  layer1: { uses: layer1-train, inputs: { pairs: pairs.pairs }, params: { channels: 8, steps: 150, batch: 64, checkpoint_every: 0 } }
  model: { uses: t-layer1-frontend, inputs: { weights: layer1.weights, block: layer1.block } }
  textures: { uses: texture-stimuli, inputs: { pixels: stim.pixels }, params: { families: 8, samples: 12, size: 32, region: 64, per_image: 2 } }
  texture: { uses: texture-selectivity, inputs: { stimuli: textures.stimuli, frontend: model.frontend, architecture: model.architecture }, params: { resamples: 200, central: 0.5 } }
`,
      "experiments.yaml": "default: a\nexperiments:\n  a:\n    pipeline: p\n    matrix:\n      layer1: [{ pooling: l2, norm: true }, { pooling: energy, norm: false }]\n",
      // Layer 1 alone as a front-end: the measure concerns layer 1, so layer 2 need not be trained.
      "stages/t-layer1-frontend.ts": `import { defineStage, port, Schema } from "lcl";
export default defineStage({
  name: "t-layer1-frontend", version: 1, description: "layer 1 alone as a front-end", params: Schema.Struct({}),
  inputs: { weights: port.tensors(), block: port.json() },
  outputs: { frontend: port.tensors(), architecture: port.json() },
  async run(ctx) {
    const w = await ctx.inputs.weights.read(), b = await ctx.inputs.block.read() as { channels: number; training_images: string[] };
    await ctx.outputs.frontend.write({ "l1.w": w.w!, "l1.b": w.b! });
    await ctx.outputs.architecture.write({ format: "lcl-v2-frontend", version: 1, input: { channels: 1 }, blocks: [b], output_channels: b.channels, training_images: b.training_images });
  },
});
`,
      "train/.keep": "", "stim/.keep": "",
    });
    const rng = makeRng(11);
    for (let i = 0; i < 7; i++) {
      const im = deadLeaves(160, 160, rng.fork(`p${i}`));
      writeFileSync(rig.path(`${i < 3 ? "train" : "stim"}/${i}.png`), await sharp(Uint8Array.from(im.data, (v) => Math.round(v * 255)), { raw: { width: 160, height: 160, channels: 1 } }).png().toBuffer());
    }
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const m = await metrics("a", "texture");
    const l2 = m["texture[pooling=l2,norm=true]"]!.mi_l1!, energy = m["texture[pooling=energy,norm=false]"]!.mi_l1!;
    const seen = `layer-1 MI: energy/no-norm ${energy.toFixed(3)}, l2/norm ${l2.toFixed(3)}`;
    expect(Math.abs(energy), seen).toBeLessThan(0.05);
    expect(l2, seen).toBeLessThan(energy);
  }, 240_000);

  it("as trial noise shrinks the ceiling rises to 1 and the generating layer's ceiled score approaches 1 (PLS with as many components as features = least squares)", async () => {
    // 16-px stimuli, 2 channels: layer 1 has 5×5×2 = 50 features, so 50 PLS components is an exact linear map.
    await withPhotos({
      "pipelines/p.yaml": pipeline(16, 32, [2, 2]),
      "experiments.yaml": "default: a\nexperiments:\n  a:\n    pipeline: p\n    params:\n      population: { regions: [V1], layers: [1] }\n      neural: { components: 50, public_fraction: 0, commit: [V1=1] }\n    matrix:\n      population: { mean_rate: [2, 20000] }\n",
    });
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const m = await metrics("a", "neural");
    const noisy = m["neural[mean_rate=2]"]!, clean = m["neural[mean_rate=20000]"]!;
    expect(clean.V1_ceiling).toBeGreaterThan(0.99);
    expect(noisy.V1_ceiling).toBeLessThan(clean.V1_ceiling! - 0.05);
    expect(clean.V1_score).toBeGreaterThan(0.95);
    expect(clean.V1_score).toBeLessThanOrEqual(1.01);
  });
});
