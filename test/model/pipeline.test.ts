import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { tensorflow } from "../../src/compute/backend.js";
import { deadLeaves } from "../../src/data/dead-leaves.js";
import { decodeTensors } from "../../src/engine/tensors.js";
import { makeRng } from "../../src/sdk/rng.js";
import { Rig } from "../helpers/rig.js";

let rig: Rig;
afterEach(() => rig?.dispose());

// The lcl-v2 pipeline as shipped, on dead-leaves photos in a folder and tiny settings.
const experiments = `default: t
experiments:
  t:
    pipeline: lcl-v2
    params:
      images: { source: folder, folder: photos }
      patches-l1: { count: 256, downsample: 1 }
      patches-l2: { count: 256, downsample: 1 }
      layer1: { channels: 8, steps: 30, batch: 64, checkpoint_every: 10 }
      layer2: { channels: 8, steps: 12, batch: 32 }
`;

describe("lcl-v2 pipeline (tiny)", () => {
  it("runs end to end; the frozen front-end round-trips through the tfjs weights layout; a forced rerun is bit-identical", async () => {
    rig = new Rig({ "pipelines/lcl-v2.yaml": readFileSync(new URL("../../pipelines/lcl-v2.yaml", import.meta.url), "utf8"), "experiments.yaml": experiments });
    const rng = makeRng(3);
    for (let i = 0; i < 3; i++) {
      const im = deadLeaves(160, 160, rng.fork(`p${i}`));
      const png = await sharp(Uint8Array.from(im.data, (v) => Math.round(v * 255)), { raw: { width: 160, height: 160, channels: 1 } }).png().toBuffer();
      rig.write(`photos/${i}.png`, ""); writeFileSync(rig.path(`photos/${i}.png`), png);
    }
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.values(rig.statuses()).every((s) => s === "ran")).toBe(true);
    const show = async (node: string) => JSON.parse((await rig.lcl(["show", "t", node, "--json"])).stdout)[0];
    const object = (rec: any, out: string) => { const o = rec.outputs[out].object as string; return readFileSync(rig.path("artifacts/objects", o.slice(0, 2), o.slice(2))); };

    const l1 = await show("layer1"), l2 = await show("layer2"), fe = await show("frontend"), fa = await show("filters");
    expect(l1.metrics.rf_px).toBe(11);
    expect(l2.metrics.rf_px).toBe(23);
    expect(l1.outputs.curve.rows).toBe(30);
    expect(fa.outputs.filters.rows).toBe(16); // 8 trained + 8 init
    expect(fa.metrics).toHaveProperty("mean_r2");
    expect(fa.metrics).toHaveProperty("init_mean_r2");
    for (const png of [object(l1, "filters"), object(l2, "units"), object(fa, "fits")]) expect((await sharp(png).metadata()).format).toBe("png");

    // tfjs layout: decodeWeights(weights.bin, manifest) gives back exactly the frozen tensors.
    const model = JSON.parse(object(fe, "model_json").toString("utf8"));
    expect(model.modelTopology.blocks.map((b: any) => b.rf)).toEqual([11, 23]);
    const bin = object(fe, "weights_bin");
    const decoded = (await tensorflow("cpu")).io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), model.weightsManifest[0].weights);
    const frozen = decodeTensors(object(fe, "frontend"));
    for (const name of ["l1.w", "l1.b", "l2.w", "l2.b"]) {
      expect(decoded[name]!.shape).toEqual(frozen[name]!.shape);
      expect(Array.from(decoded[name]!.dataSync())).toEqual(Array.from(frozen[name]!.data));
    }

    const again = await rig.lcl(["run", "--force", "layer1", "--force", "layer2"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout + again.stderr).not.toMatch(/not deterministic/);
    expect(rig.statuses()).toMatchObject({ layer1: "ran", layer2: "ran", frontend: "cached", filters: "cached" });
  }, 240_000);
});

describe("layer1-train under kill -9", () => {
  it("resumes from its last checkpoint on the next run and ends with the same weights as an uninterrupted run", async () => {
    const make = () => {
      const r = new Rig({
        "pipelines/p.yaml": "nodes:\n  pairs: { uses: t-pairs }\n  layer1: { uses: layer1-train, inputs: { pairs: pairs.pairs }, params: { channels: 8, steps: 120, batch: 32, checkpoint_every: 10 } }\n",
        "experiments.yaml": "default: k\nexperiments:\n  k: { pipeline: p }\n",
        "stages/t-pairs.ts": `import { defineStage, port, Schema } from "lcl";
export default defineStage({
  name: "t-pairs", version: 1, description: "deterministic pairs", params: Schema.Struct({}), inputs: {},
  outputs: { pairs: port.table({ a: { list: "float32" }, b: { list: "float32" } }) },
  async run(ctx) {
    const a: Float32Array[] = [], b: Float32Array[] = [];
    for (let i = 0; i < 128; i++) { a.push(Float32Array.from({ length: 256 }, (_, j) => Math.sin(i * 0.37 + j * 0.61))); b.push(Float32Array.from({ length: 256 }, (_, j) => Math.sin(i * 0.37 + (j + 1) * 0.61))); }
    await ctx.outputs.pairs.write({ a, b });
  },
});
`,
      });
      return r;
    };
    const clean = make();
    try {
      expect((await clean.lcl(["run"])).code).toBe(0);
      const reference = JSON.parse((await clean.lcl(["show", "k", "layer1", "--json"])).stdout)[0];
      rig = make();
      const child = rig.spawn(["run"]);
      const dir = rig.path("artifacts/checkpoints");
      const end = Date.now() + 60_000;
      while (!(existsSync(dir) && readdirSync(dir).length)) { if (Date.now() > end) throw new Error("no checkpoint"); await new Promise((r) => setTimeout(r, 50)); }
      child.kill("SIGKILL");
      await new Promise((r) => child.on("close", r));
      const r = await rig.lcl(["run"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/layer1 .*resumed from checkpoint at step \d+/);
      const resumed = JSON.parse((await rig.lcl(["show", "k", "layer1", "--json"])).stdout)[0];
      expect(resumed.resumedFrom.step).toBeGreaterThan(0);
      expect(resumed.outputs.weights.logical).toBe(reference.outputs.weights.logical);
      expect(resumed.outputs.curve.logical).toBe(reference.outputs.curve.logical); // wall_s is volatile
    } finally { clean.dispose(); }
  }, 180_000);
});
