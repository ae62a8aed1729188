import { readFileSync } from "node:fs";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";

let rig: Rig;
afterEach(() => rig?.dispose());

describe("Fashion-MNIST → classifier → ood-eval", () => {
  it("reads the real Debian IDX files, trains, and evaluates clean and corrupted accuracy consistently", async () => {
    rig = new Rig({
      "pipelines/p.yaml": `nodes:
  fashion: { uses: fashion-mnist, params: { train: 300, validation: 100, test: 100 } }
  random: { uses: frontend-random, params: { channels1: 8, channels2: 8 } }
  net: { uses: classifier, inputs: { frontend: random.frontend, frontend_architecture: random.architecture, train: fashion.train, validation: fashion.validation, test: fashion.test }, params: { width: 8, depth: 1, epochs: 1 } }
  ood: { uses: ood-eval, inputs: { model: net.model, architecture: net.architecture, test: fashion.test }, params: { corruptions: [gaussian_noise, contrast], severities: 2 } }
`,
      "experiments.yaml": "default: f\nexperiments:\n  f: { pipeline: p }\n",
    });
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const show = async (node: string) => JSON.parse((await rig.lcl(["show", "f", node, "--json"])).stdout)[0];
    const fashion = await show("fashion"), net = await show("net"), ood = await show("ood");
    expect([fashion.outputs.train.rows, fashion.outputs.validation.rows, fashion.outputs.test.rows]).toEqual([300, 100, 100]);
    const label = fashion.outputs.train.columns.find((c: any) => c.name === "label");
    expect([label.min, label.max]).toEqual([0, 9]);
    expect(ood.outputs.accuracy.rows).toBe(1 + 2 * 2);
    expect(ood.metrics.clean_acc).toBe(net.metrics.test_acc); // same model, same images
    const o = ood.outputs.plot.object as string;
    expect((await sharp(readFileSync(rig.path("artifacts/objects", o.slice(0, 2), o.slice(2)))).metadata()).format).toBe("png");
  }, 240_000);
});
