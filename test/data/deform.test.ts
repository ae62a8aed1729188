import { describe, expect, it } from "vitest";
import { bilinear, deformationAmplitudes, displacementRms, downsample, elasticField, IDENTITY, meanStd, samplePatch, type Deformation, type Field, type Image } from "../../src/data/deform.js";
import { makeRng } from "../../src/sdk/rng.js";

const W = 40, H = 30;
const img: Image = { width: W, height: H, data: Float32Array.from({ length: W * H }, (_, k) => Math.sin(k * 0.37) + (k % W) * 0.01) };
const crop = (x0: number, y0: number, size: number) => Float32Array.from({ length: size * size }, (_, k) => img.data[(y0 + Math.floor(k / size)) * W + x0 + (k % size)]!);

describe("patch geometry", () => {
  it("the identity deformation is a plain crop (odd and even sizes)", () => {
    // size 7 centred on pixel (20, 15): the grid is 17..23 × 12..18
    expect(samplePatch(img, 20, 15, 7, IDENTITY)).toEqual(crop(17, 12, 7));
    // size 8: the centre sits between pixels
    expect(samplePatch(img, 20.5, 15.5, 8, IDENTITY)).toEqual(crop(17, 12, 8));
  });

  it("a pure integer translation equals the shifted crop", () => {
    expect(samplePatch(img, 20, 15, 7, { ...IDENTITY, dx: 3, dy: -2 })).toEqual(crop(20, 10, 7));
  });

  it("rotation by 0 is the identity; by 90° it transposes and flips the crop", () => {
    expect(samplePatch(img, 20, 15, 5, { ...IDENTITY, theta: 0 })).toEqual(crop(18, 13, 5));
    const r = samplePatch(img, 20, 15, 5, { ...IDENTITY, theta: Math.PI / 2 });
    const c = crop(18, 13, 5);
    // output (row i, col j) samples x = cx − (i − 2), y = cy + (j − 2): crop row j, column 4 − i
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(r[i * 5 + j]!).toBeCloseTo(c[j * 5 + (4 - i)]!, 5);
  });

  it("bilinear interpolation is exact at pixel centres and linear in between", () => {
    expect(bilinear(img, 3, 4)).toBe(img.data[4 * W + 3]);
    expect(bilinear(img, 3.5, 4)).toBeCloseTo((img.data[4 * W + 3]! + img.data[4 * W + 4]!) / 2, 6);
    expect(bilinear(img, -5, -5)).toBe(img.data[0]); // edges replicate
  });

  it("downsampling averages blocks; the elastic field has the requested RMS and is smooth", () => {
    const d = downsample(img, 2);
    expect([d.width, d.height]).toEqual([20, 15]);
    expect(d.data[0]!).toBeCloseTo((img.data[0]! + img.data[1]! + img.data[W]! + img.data[W + 1]!) / 4, 6);
    const rng = makeRng(3);
    // Expected RMS 2 px at every pixel (border and centre alike: the field is stationary), over 300 draws.
    let ss = 0, border = 0, centre = 0, step = 0;
    for (let t = 0; t < 300; t++) {
      const f = elasticField(16, 3, 2, () => rng.normal());
      for (let k = 0; k < f.ux.length; k++) ss += f.ux[k]! ** 2 + f.uy[k]! ** 2;
      border += f.ux[0]! ** 2 + f.uy[0]! ** 2; centre += f.ux[8 * 16 + 8]! ** 2 + f.uy[8 * 16 + 8]! ** 2;
      for (let k = 0; k < 15; k++) step += Math.abs(f.ux[k + 1]! - f.ux[k]!);
    }
    expect(Math.sqrt(ss / (300 * 256))).toBeGreaterThan(2 * 0.95);
    expect(Math.sqrt(ss / (300 * 256))).toBeLessThan(2 * 1.05);
    expect(Math.sqrt(border / 300) / Math.sqrt(centre / 300)).toBeGreaterThan(0.85);
    expect(Math.sqrt(border / 300) / Math.sqrt(centre / 300)).toBeLessThan(1.15);
    expect(step / (300 * 15)).toBeLessThan(0.5 * 2); // neighbouring displacements are close: smooth, not white
    expect(meanStd(Float32Array.of(1, 3)).std).toBe(1);
  });

  /**
   * The displacement samplePatch applies, read back by sampling two ramps (value = x, value = y)
   * far from any edge: the reference for displacementRms, independent of its formula.
   */
  function measuredRms(size: number, d: Deformation, field: Field | undefined, window: number): number {
    const n = 400, c = n / 2, half = (size - 1) / 2;
    const ramp = (axis: 0 | 1): Image => ({ width: n, height: n, data: Float32Array.from({ length: n * n }, (_, k) => (axis === 0 ? k % n : Math.floor(k / n))) });
    const px = samplePatch(ramp(0), c, c, size, d, undefined, field), py = samplePatch(ramp(1), c, c, size, d, undefined, field);
    let ss = 0, m = 0;
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
      if (Math.abs(j - half) > window / 2 || Math.abs(i - half) > window / 2) continue;
      ss += (px[i * size + j]! - (c + j - half)) ** 2 + (py[i * size + j]! - (c + i - half)) ** 2; m++;
    }
    return Math.sqrt(ss / m);
  }

  it("displacementRms is the RMS of how far samplePatch moves its grid, within the central window", () => {
    const rng = makeRng(5);
    for (const [size, window] of [[16, 11], [32, 23], [15, 15]] as const) {
      const d = { dx: 1.3, dy: -0.7, theta: 0.2, logScale: -0.08 }, field = elasticField(size, 3, 1.5, () => rng.normal());
      expect(displacementRms(size, d, field, window)).toBeCloseTo(measuredRms(size, d, field, window), 3);
      expect(displacementRms(size, d, undefined, window)).toBeCloseTo(measuredRms(size, d, undefined, window), 3);
    }
    expect(displacementRms(16, IDENTITY)).toBe(0);
  });

  it("complexity matching: each component's displacement within the RF grows ∝ RF; with a reference RF it is layer 1's in pixels", () => {
    // Layer 1: RF 11 px on 16-px patches; layer 2: RF 23 px on 32-px patches (pipelines/lcl-v2.yaml).
    const o = { alpha: 0.25, betaRad: (15 * Math.PI) / 180, gamma: 0.1 };
    const l1 = deformationAmplitudes({ rf: 11, ...o }), matched = deformationAmplitudes({ rf: 23, ...o }), unmatched = deformationAmplitudes({ rf: 23, reference: 11, ...o });
    const rmsOf = (a: typeof l1, size: number, window: number, family: "translation" | "rotation" | "scale" | "elastic") => {
      // the extreme of each family's range; the elastic field averaged over draws
      if (family !== "elastic") {
        const d = { ...IDENTITY, ...(family === "translation" ? { dx: a.translation, dy: a.translation } : family === "rotation" ? { theta: a.theta } : { logScale: a.logScale }) };
        return displacementRms(size, d, undefined, window);
      }
      const rng = makeRng(9);
      let ss = 0;
      for (let t = 0; t < 120; t++) ss += displacementRms(size, IDENTITY, elasticField(size, a.elasticSigma, a.elasticRms, () => rng.normal()), window) ** 2;
      return Math.sqrt(ss / 120);
    };
    for (const family of ["translation", "rotation", "scale", "elastic"] as const) {
      const r1 = rmsOf(l1, 16, 11, family);
      // Matched: layer 2 / layer 1 ≈ RF₂/RF₁ = 2.09 (the grid's half-pixel offsets make the windows 12 and 24 points wide: 2.0 for rotation and scale).
      expect(rmsOf(matched, 32, 23, family) / r1, `${family} matched`).toBeGreaterThan(1.9);
      expect(rmsOf(matched, 32, 23, family) / r1, `${family} matched`).toBeLessThan(2.2);
      // Unmatched: ≈ 1 — the same deformation in input pixels.
      expect(rmsOf(unmatched, 32, 23, family) / r1, `${family} unmatched`).toBeGreaterThan(0.9);
      expect(rmsOf(unmatched, 32, 23, family) / r1, `${family} unmatched`).toBeLessThan(1.1);
    }
  });
});
