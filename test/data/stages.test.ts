import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";

let rig: Rig;
afterEach(() => rig?.dispose());

/** A smooth-plus-texture grey image, so patches pass the contrast threshold. */
async function photo(w: number, h: number, seed: number, format: "png" | "jpeg" | "webp") {
  const px = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px[y * w + x] = Math.round(127 + 60 * Math.sin((x + seed * 7) / 9) * Math.cos(y / 13) + 40 * Math.sin((x * y + seed) / 50));
  return sharp(px, { raw: { width: w, height: h, channels: 1 } })[format]().toBuffer();
}

const pipeline = `nodes:
  images: { uses: natural-images, params: { source: folder, folder: photos } }
  l1: { uses: patches, inputs: { pixels: images.pixels }, params: { rf: 7, size: 8, count: 300, downsample: 1 } }
  l2: { uses: patches, inputs: { pixels: images.pixels }, params: { rf: 14, size: 16, count: 300, downsample: 1 } }
`;

async function workspace(extra = "") {
  rig = new Rig({ "pipelines/p.yaml": pipeline, "experiments.yaml": `default: q\nexperiments:\n  q: { pipeline: p }\n${extra}` });
  rig.write("photos/a.png", "");
  const files: [string, Buffer][] = [["a.png", await photo(160, 120, 1, "png")], ["b.jpg", await photo(200, 150, 2, "jpeg")], ["c.webp", await photo(140, 140, 3, "webp")]];
  for (const [f, b] of files) (await import("node:fs")).writeFileSync(rig.path("photos", f), b);
}

const table = (r: Rig, exp: string, node: string) => JSON.parse(execFileSync(process.execPath, [`${r.root}/node_modules/lcl/bin/lcl.js`, "show", exp, node, "--json"], { cwd: r.root, encoding: "utf8" }))[0];

describe("natural-images and patches", () => {
  it("folder source: decodes JPEG/PNG/WebP to luminance with provenance; a truncated image is skipped by name, or fails the stage", async () => {
    await workspace();
    rig.write("photos/broken.jpg", readFileSync(rig.path("photos/b.jpg")).subarray(0, 300).toString("latin1"));
    const r = await rig.lcl(["run", "q", "images", "--verbose"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped .*broken\.jpg: unreadable image/);
    const rec = table(rig, "q", "images");
    expect(rec.outputs.images.rows).toBe(3);
    expect(rec.metrics).toMatchObject({ images: 3, skipped: 1 });
    const w = rec.outputs.images.columns.find((c: { name: string }) => c.name === "width");
    expect([w.min, w.max]).toEqual([140, 200]);
    rig.write("experiments.yaml", "default: q\nexperiments:\n  q:\n    pipeline: p\n    params:\n      images: { on_error: fail }\n");
    const f = await rig.lcl(["run", "q", "images"]);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/broken\.jpg: unreadable image/);
  });

  it("patches: amplitudes scale with the receptive field, stay in range, are normalised, deterministic, and come with a contact sheet", async () => {
    await workspace("  q-unmatched:\n    extends: q\n    params:\n      l2: { reference_rf: 7 }\n");
    const r = await rig.lcl(["run", "q"]);
    expect(r.code, r.stderr).toBe(0);
    const l1 = table(rig, "q", "l1"), l2 = table(rig, "q", "l2");
    expect(l1.metrics.amplitude_px).toBeCloseTo(0.25 * 7);
    expect(l2.metrics.amplitude_px).toBeCloseTo(0.25 * 14); // complexity matching: layer 2 deforms twice as far
    const col = (rec: any, name: string) => rec.outputs.pairs.columns.find((c: { name: string }) => c.name === name);
    expect(Math.max(Math.abs(col(l2, "dx").min), col(l2, "dx").max)).toBeLessThanOrEqual(3.5);
    expect(Math.max(Math.abs(col(l2, "dx").min), col(l2, "dx").max)).toBeGreaterThan(1.75); // uses the larger range
    expect(Math.max(Math.abs(col(l1, "theta").min), col(l1, "theta").max)).toBeLessThanOrEqual((15 * Math.PI) / 180 + 1e-6);
    expect(col(l1, "a").mean).toBeCloseTo(0, 5);
    expect(col(l1, "a").std).toBeCloseTo(1, 2);
    expect(l1.outputs.pairs.rows).toBe(300);
    expect(readFileSync(rig.path("artifacts/views/q/l1/sheet.png")).subarray(1, 4).toString()).toBe("PNG");

    const u = await rig.lcl(["run", "q-unmatched"]);
    expect(u.code, u.stderr).toBe(0);
    expect(rig.statuses()).toMatchObject({ images: "cached", l1: "cached", l2: "ran" });
    expect(table(rig, "q-unmatched", "l2").metrics.amplitude_px).toBeCloseTo(1.75);

    // Same params → the same pairs, bit for bit, from a fresh store.
    const before = l1.outputs.pairs.object;
    (await import("node:fs")).rmSync(rig.path("artifacts"), { recursive: true });
    expect((await rig.lcl(["run", "q"])).code).toBe(0);
    expect(table(rig, "q", "l1").outputs.pairs.object).toBe(before);
  }, 180_000); // ~20 s on 2 free cores; two lcl runs of real photos, so a loaded CI machine needs the margin

  it("patches record the RMS displacement within the RF: layer 2 / layer 1 ≈ RF₂/RF₁ matched, ≈ 1 with layer 1's reference RF (every family)", async () => {
    const all = "families: [translation, rotation, scale, elastic]";
    await workspace(`  m:\n    extends: q\n    params:\n      l1: { ${all} }\n      l2: { ${all} }\n  u:\n    extends: m\n    params:\n      l2: { ${all}, reference_rf: 7 }\n`);
    for (const e of ["m", "u"]) { const r = await rig.lcl(["run", e]); expect(r.code, r.stderr).toBe(0); }
    const rms = (e: string, node: string) => table(rig, e, node).metrics.rms_displacement_px as number;
    const l1 = rms("m", "l1");
    expect(l1).toBeGreaterThan(0);
    expect(rms("m", "l2") / l1).toBeGreaterThan(2 * 0.9); // RF 14 / RF 7
    expect(rms("m", "l2") / l1).toBeLessThan(2 * 1.1);
    expect(rms("u", "l2") / l1).toBeGreaterThan(0.9);
    expect(rms("u", "l2") / l1).toBeLessThan(1.1);
    // The per-pair column and the per-image summary carry the same measure.
    const col = table(rig, "u", "l2").outputs.pairs.columns.find((c: { name: string }) => c.name === "displacement_rms");
    expect(col.mean).toBeGreaterThan(0);
    expect(col.mean).toBeLessThanOrEqual(rms("u", "l2") + 1e-6); // a mean of RMSs is at most their RMS
  }, 180_000); // ~20 s on 2 free cores; two lcl runs of real photos, so a loaded CI machine needs the margin

  it("whitening: patches are spectrally whitened, then contrast-normalised", async () => {
    await workspace();
    rig.write("experiments.yaml", "experiments:\n  w:\n    pipeline: p\n    params:\n      l1: { normalize: whiten }\n");
    expect((await rig.lcl(["run", "w", "l1"])).code).toBe(0);
    const rec = table(rig, "w", "l1");
    const a = rec.outputs.pairs.columns.find((c: { name: string }) => c.name === "a");
    expect(a.mean).toBeCloseTo(0, 5);
    expect(a.std).toBeCloseTo(1, 2);
    expect(rec.data.params.normalize).toBe("whiten");
  });

  it("10k pairs stay within bounded memory (peak RSS of the stage process)", async () => {
    await workspace();
    rig.write("experiments.yaml", "experiments:\n  big:\n    pipeline: p\n    params:\n      l1: { count: 10000, size: 16 }\n");
    const r = await rig.lcl(["run", "big", "l1"]);
    expect(r.code, r.stderr).toBe(0);
    const rec = table(rig, "big", "l1");
    expect(rec.outputs.pairs.rows).toBe(10_000);
    // 10k pairs × 2 × 256 floats ≈ 20 MB of payload; the whole process (Node, Arrow, sharp) stays far below 1 GB.
    expect(rec.metrics.peak_rss_mb).toBeLessThan(600);
  });

  const hasApt = (() => { try { execFileSync("sh", ["-c", "command -v apt-get && command -v dpkg-deb"]); return true; } catch { return false; } })();
  it.runIf(hasApt)("debian source: fetches a pinned data package into the store's cache and records each photo's licence", async () => {
    rig = new Rig({ "pipelines/p.yaml": "nodes:\n  images: { uses: natural-images, params: { packages: [palapeli-data] } }\n", "experiments.yaml": "experiments:\n  d: { pipeline: p }\n" });
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const rec = table(rig, "d", "images");
    expect(rec.outputs.images.rows).toBe(5);
    const lic = rec.outputs.images.columns.find((c: { name: string }) => c.name === "licence");
    expect(lic.min).toMatch(/Public Domain/);
    expect((await rig.lcl(["run", "--force", "images"])).code).toBe(0); // second time from the cache, no download
  }, 180_000);
});
