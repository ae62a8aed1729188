import { writeFileSync } from "node:fs";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { deadLeaves } from "../../src/data/dead-leaves.js";
import { makeRng } from "../../src/sdk/rng.js";
import { Rig } from "../helpers/rig.js";

let rig: Rig;
afterEach(() => rig?.dispose());

// The lurz pipeline at toy size on dead-leaves "photos": in-silico animals in the recordings
// format → core + readout on a0 → frozen core + new readout on a1, vs. from scratch, both readouts.
const pipeline = `nodes:
  photos: { uses: natural-images, params: { source: folder, folder: photos } }
  animals: { uses: in-silico-animals, inputs: { pixels: photos.pixels }, params: { animals: 2, neurons: 24, height: 16, width: 28, downsample: 4, train: 300, validation: 60, test: 20, repetitions: 5, wavelength: [3, 5] } }
  pretrain: { uses: gaussian-readout, inputs: { stimuli: animals.stimuli, responses: animals.responses, neurons: animals.neurons }, params: { animals: [a0], train_images: 200, channels: 8, input_kernel: 5, hidden_kernel: 3, max_epochs: 3 } }
  transfer: { uses: readout-transfer, inputs: { stimuli: animals.stimuli, responses: animals.responses, neurons: animals.neurons, model: pretrain.model, architecture: pretrain.architecture }, params: { animals: [a1], offset: 200, train_images: 100, max_epochs: 3 } }
  scratch: { uses: gaussian-readout, inputs: { stimuli: animals.stimuli, responses: animals.responses, neurons: animals.neurons }, params: { animals: [a1], offset: 200, train_images: 100, channels: 8, input_kernel: 5, hidden_kernel: 3, max_epochs: 3 } }
  transfer-f: { uses: readout-transfer, inputs: { stimuli: animals.stimuli, responses: animals.responses, neurons: animals.neurons, model: pretrain.model, architecture: pretrain.architecture }, params: { animals: [a1], offset: 200, train_images: 100, max_epochs: 3, readout: factorized } }
  scratch-f: { uses: gaussian-readout, inputs: { stimuli: animals.stimuli, responses: animals.responses, neurons: animals.neurons }, params: { animals: [a1], offset: 200, train_images: 100, channels: 8, input_kernel: 5, hidden_kernel: 3, max_epochs: 3, readout: factorized } }
  compare: { uses: readout-comparison, inputs: { transfer: transfer.summary, scratch: scratch.summary, transfer_factorized: transfer-f.summary, scratch_factorized: scratch-f.summary, pretrain: pretrain.summary } }
`;

describe("lurz stages (in-silico animals → readouts → comparison)", () => {
  it("run end to end on the recordings format; every arm reports fraction oracle ≤ 1 and FEVE < 1", async () => {
    rig = new Rig({ "pipelines/p.yaml": pipeline, "experiments.yaml": "default: a\nexperiments:\n  a: { pipeline: p }\n", "photos/.keep": "" });
    const rng = makeRng(3);
    for (let i = 0; i < 4; i++) {
      const im = deadLeaves(160, 160, rng.fork(`p${i}`));
      writeFileSync(rig.path(`photos/${i}.png`), await sharp(Uint8Array.from(im.data, (v) => Math.round(v * 255)), { raw: { width: 160, height: 160, channels: 1 } }).png().toBuffer());
    }
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const recs = JSON.parse((await rig.lcl(["show", "a", "compare", "--json"])).stdout) as { metrics: Record<string, number> }[];
    const fo = recs[0]!.metrics;
    expect(Object.keys(fo).sort()).toEqual(["fo_pretrain_200", "fo_scratch_100", "fo_scratch_factorized_100", "fo_transfer_100", "fo_transfer_factorized_100"]);
    for (const v of Object.values(fo)) expect(v).toBeLessThanOrEqual(1);
    for (const node of ["pretrain", "transfer", "scratch", "transfer-f", "scratch-f"]) {
      const m = (JSON.parse((await rig.lcl(["show", "a", node, "--json"])).stdout) as { metrics: Record<string, number> }[])[0]!.metrics;
      expect(m.fraction_oracle, node).toBeLessThanOrEqual(1);
      if (m.feve !== undefined) expect(m.feve, node).toBeLessThan(1);
      expect(m.oracle, node).toBeGreaterThan(0);
    }
  }, 180_000);
});
