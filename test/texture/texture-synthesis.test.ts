import { readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { deadLeaves } from "../../src/data/dead-leaves.js";
import { LCL_ROOT } from "../../src/engine/workspace.js";
import { makeRng } from "../../src/sdk/rng.js";
import { readTableFile } from "../../src/sdk/table-file.js";
import { synthesizeAll, type SynthesisJob } from "../../src/texture/parallel.js";
import { textureStatistics } from "../../src/texture/statistics.js";
import { Rig } from "../helpers/rig.js";

describe("parallel synthesis", () => {
  it("worker threads (the bundled dist/texture-worker.mjs) give exactly the images of an in-thread run, in job order", async () => {
    const n = 32, opts = { scales: 2, orientations: 4, neighbourhood: 5, iterations: 2, refinements: 2 }, rng = makeRng(1);
    const target = textureStatistics(Float64Array.from({ length: n * n }, (_, i) => Math.sin(i / 3) + 0.3 * rng.normal()), n, opts);
    const jobs: SynthesisJob[] = [5, 6, 7].map((seed) => ({ target, n, seed, options: opts }));
    const serial = await synthesizeAll(jobs, { workers: 1 });
    const done: number[] = [];
    const threaded = await synthesizeAll(jobs, { workers: 2, script: path.join(LCL_ROOT, "dist", "texture-worker.mjs"), onDone: (d) => done.push(d) });
    expect(done).toEqual([1, 2, 3]);
    threaded.forEach((r, i) => expect(Array.from(r.image)).toEqual(Array.from(serial[i]!.image)));
    expect(Array.from(serial[0]!.image)).not.toEqual(Array.from(serial[1]!.image)); // seeds matter
    // a job that fails in a worker rejects with its index and the reason
    const bad = [...jobs, { ...jobs[0]!, n: 24 }];
    await expect(synthesizeAll(bad, { workers: 2, script: path.join(LCL_ROOT, "dist", "texture-worker.mjs") })).rejects.toThrow(/job 3: .*not a power of two/);
  }, 60_000);
});

let rig: Rig;
afterEach(() => rig?.dispose());

describe("texture-synthesis stage (tiny: 2 families × 2 samples, 32 px)", () => {
  it("writes texture/noise pairs with equal mean and contrast, the photo as source, licences, convergence rows and a sheet", async () => {
    rig = new Rig({
      "pipelines/p.yaml": `nodes:
  photos: { uses: natural-images, params: { source: folder, folder: photos } }
  synth: { uses: texture-synthesis, inputs: { pixels: photos.pixels, images: photos.images }, params: { families: 2, samples: 2, size: 32, region: 64, scales: 3, neighbourhood: 5, iterations: 3, refinements: 2, workers: 2 } }
`,
      "experiments.yaml": "default: a\nexperiments:\n  a: { pipeline: p }\n", "photos/.keep": "",
    });
    const rng = makeRng(4);
    for (let i = 0; i < 2; i++) {
      const im = deadLeaves(96, 96, rng.fork(`p${i}`));
      writeFileSync(rig.path(`photos/p${i}.png`), await sharp(Uint8Array.from(im.data, (v) => Math.round(v * 255)), { raw: { width: 96, height: 96, channels: 1 } }).png().toBuffer());
    }
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const dir = rig.path("artifacts/views/a/synth"), file = (stem: string) => path.join(dir, readdirSync(dir).find((f) => f.startsWith(`${stem}.`))!);
    const stim = (await readTableFile(file("stimuli"))).toArray().map((x) => x.toJSON() as Record<string, any>);
    expect(stim.length).toBe(2 * 2 * 2);
    const photos = (await readTableFile(file("families"))).toArray().map((x) => x.toJSON() as Record<string, any>);
    expect(photos.length).toBe(2);
    for (const f of photos) expect(f.licence).toMatch(/user folder/);
    const stats = (px: Float32Array) => { const m = px.reduce((a, v) => a + v, 0) / px.length; return { m, sd: Math.sqrt(px.reduce((a, v) => a + (v - m) ** 2, 0) / px.length) }; };
    for (const s of stim) {
      s.pixels = Float32Array.from(s.pixels);
      expect(photos.map((f) => f.image)).toContain(s.source); // provenance for the held-out check
      if (s.type !== "texture") continue;
      const twin = stim.find((o) => o.type === "noise" && o.family === s.family && o.sample === s.sample)!;
      twin.pixels = Float32Array.from(twin.pixels);
      const a = stats(s.pixels), b = stats(twin.pixels);
      // presentPair: same background mean outside the aperture, same gain; under the aperture the two differ by content only
      expect(s.pixels[0]).toBeCloseTo(0.5, 6); expect(twin.pixels[0]).toBeCloseTo(0.5, 6);
      expect(Math.abs(a.m - b.m)).toBeLessThan(0.03);
      expect(a.sd / b.sd).toBeGreaterThan(0.8); expect(a.sd / b.sd).toBeLessThan(1.25);
    }
    const t0 = stim.filter((s) => s.type === "texture" && s.family === photos[0]!.family);
    expect(Array.from(t0[0]!.pixels)).not.toEqual(Array.from(t0[1]!.pixels)); // different seeds, different samples
    const conv = (await readTableFile(file("convergence"))).toArray().map((x) => x.toJSON() as Record<string, any>);
    for (const s of stim.filter((x) => x.type === "texture")) { // per image: 3 projection iterations, ≤ 2 refinement steps, the final clip; 8 groups each
      const rows = conv.filter((c) => c.stimulus_id === s.stimulus_id);
      expect(rows.length % 8).toBe(0); expect(rows.length / 8).toBeGreaterThanOrEqual(4); expect(rows.length / 8).toBeLessThanOrEqual(6);
    }
    expect(readdirSync(dir).some((f) => f.endsWith(".png"))).toBe(true);
  }, 180_000);
});
