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
  it("the generating layer wins layer selection for each region; the ceiling matches the closed-form reliability; layer 1 is blind to phase structure", async () => {
    await withPhotos({ "pipelines/p.yaml": pipeline(32, 64, [8, 16]), "experiments.yaml": "default: a\nexperiments:\n  a: { pipeline: p }\n" });
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const m = (await metrics("a", "neural")).neural!;
    expect(m.V1_layer).toBe(1);
    expect(m.V2_layer).toBe(2);
    const pop = (await metrics("a", "population")).population!;
    expect(Math.abs(m.V1_ceiling! - pop.reliability_V1!)).toBeLessThan(0.05);
    expect(Math.abs(m.V2_ceiling! - pop.reliability_V2!)).toBeLessThan(0.05);
    // An energy-pooled layer 1 responds to the amplitude spectrum, which texture and noise share.
    const t = (await metrics("a", "texture")).texture!;
    expect(Math.abs(t.mi_l1!)).toBeLessThan(0.1);
  });

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
