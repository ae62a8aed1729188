import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { deadLeaves } from "../../src/data/dead-leaves.js";
import { assertHeldOut, checkHeldOut, OverlapError, overlappingImages } from "../../src/data/provenance.js";
import { makeRng } from "../../src/sdk/rng.js";
import { Rig } from "../helpers/rig.js";

describe("held-out stimuli (library)", () => {
  it("finds shared images by content, however the photo was fetched, and names them", () => {
    const training = ["palapeli-data:castle-0123abcd", "mate-backgrounds:Wood-89abcdef", "palapeli-data:bee-deadbeef"];
    // The same bee photo read from a folder has another prefix but the same content hash.
    expect(overlappingImages(training, ["bee-deadbeef", "skimage:brick-11111111", "castle-0123abcd", ""])).toEqual(["palapeli-data:bee-deadbeef", "palapeli-data:castle-0123abcd"]);
    expect(() => assertHeldOut(training, ["bee-deadbeef"], { model: "M", stimuli: "S" })).toThrow(OverlapError);
    expect(() => assertHeldOut(training, ["bee-deadbeef"], { model: "M", stimuli: "S" })).toThrow(/palapeli-data:bee-deadbeef.*exclude/);
    expect(() => assertHeldOut(training, ["skimage:brick-11111111"], { model: "M", stimuli: "S" })).not.toThrow();
  });

  it("says what it could not check instead of passing silently", () => {
    expect(checkHeldOut(undefined, ["a-00000000"], { model: "M", stimuli: "S" })).toMatch(/M does not record/);
    expect(checkHeldOut(["a-00000000"], undefined, { model: "M", stimuli: "S" })).toMatch(/no 'source' column/);
    expect(checkHeldOut([], ["a-00000000"], { model: "M", stimuli: "S" })).toBeUndefined();
  });
});

let rig: Rig;
afterEach(() => rig?.dispose());

// Four dead-leaves "photos": all/ holds every one, stim/ the two the texture stimuli are cut from.
async function workspace(experiments: (stimIds: string[]) => string) {
  const pipeline = `nodes:
  train-photos: { uses: natural-images, params: { source: folder, folder: all } }
  stim-photos: { uses: natural-images, params: { source: folder, folder: stim } }
  patches-l1: { uses: patches, inputs: { pixels: train-photos.pixels }, params: { rf: 11, size: 16, count: 64 } }
  patches-l2: { uses: patches, inputs: { pixels: train-photos.pixels }, params: { rf: 23, size: 32, count: 64 } }
  layer1: { uses: layer1-train, inputs: { pairs: patches-l1.pairs }, params: { channels: 4, steps: 2, batch: 16, checkpoint_every: 0 } }
  layer2: { uses: layer2-train, inputs: { layer1: layer1.weights, layer1_block: layer1.block, pairs: patches-l2.pairs }, params: { channels: 4, steps: 2, batch: 16, checkpoint_every: 0 } }
  frontend: { uses: frontend-freeze, inputs: { layer1: layer1.weights, layer1_block: layer1.block, layer2: layer2.weights, layer2_block: layer2.block } }
  textures: { uses: texture-stimuli, inputs: { pixels: stim-photos.pixels }, params: { families: 4, samples: 4, size: 32, region: 64, per_image: 2 } }
  texture: { uses: texture-selectivity, inputs: { stimuli: textures.stimuli, frontend: frontend.frontend, architecture: frontend.architecture }, params: { resamples: 100, folds: 2 } }
  population: { uses: in-silico-population, inputs: { stimuli: textures.stimuli, frontend: frontend.frontend, architecture: frontend.architecture }, params: { neurons: 4, repetitions: 2 } }
`;
  rig = new Rig({ "pipelines/p.yaml": pipeline, "all/.keep": "", "stim/.keep": "" });
  const rng = makeRng(5), stimIds: string[] = [];
  for (let i = 0; i < 4; i++) {
    const im = deadLeaves(160, 160, rng.fork(`p${i}`));
    const png = await sharp(Uint8Array.from(im.data, (v) => Math.round(v * 255)), { raw: { width: 160, height: 160, channels: 1 } }).png().toBuffer();
    writeFileSync(rig.path(`all/p${i}.png`), png);
    if (i < 2) {
      writeFileSync(rig.path(`stim/p${i}.png`), png);
      // The id natural-images gives a folder photo: name, then the first 8 hex digits of the file's sha256.
      stimIds.push(`p${i}-${createHash("sha256").update(png).digest("hex").slice(0, 8)}`);
    }
  }
  rig.write("experiments.yaml", experiments(stimIds));
  return stimIds;
}

describe("held-out stimuli (through the CLI)", () => {
  it("refuses texture stimuli cut from the front-end's training photos, naming them, and runs once they are excluded from training", async () => {
    const stimIds = await workspace((ids) => `default: overlap\nexperiments:\n  overlap: { pipeline: p }\n  held-out:\n    pipeline: p\n    params:\n      train-photos: { exclude: [${ids.join(", ")}] }\n`);

    const bad = await rig.lcl(["run", "overlap"]);
    expect(bad.code).not.toBe(0);
    const out = bad.stdout + bad.stderr;
    for (const id of stimIds) expect(out).toContain(id);
    expect(out).toMatch(/trained on/);
    expect(out).toMatch(/exclude/);
    const failed = rig.statuses();
    expect(failed.texture).toBe("failed");
    expect(failed.population).toBe("failed");

    const good = await rig.lcl(["run", "held-out"]);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    const ok = rig.statuses();
    expect(ok.texture).not.toBe("failed");
    expect(ok.population).not.toBe("failed");
  }, 120_000);

  it("an exclude entry that names no package and no image fails the images stage with the ids it accepts", async () => {
    await workspace(() => "default: typo\nexperiments:\n  typo:\n    pipeline: p\n    params:\n      train-photos: { exclude: [p9-00000000] }\n");
    const r = await rig.lcl(["run", "typo", "train-photos"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/exclude: 'p9-00000000' is neither a corpus package .* nor the id of an image.*ids look like 'p0-[0-9a-f]{8}'/s);
  }, 60_000);
});
