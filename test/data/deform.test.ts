import { describe, expect, it } from "vitest";
import { bilinear, downsample, elasticField, IDENTITY, meanStd, samplePatch, type Image } from "../../src/data/deform.js";
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
    const f = elasticField(16, 3, 2, () => rng.normal());
    let ss = 0, step = 0;
    for (let k = 0; k < f.ux.length; k++) ss += f.ux[k]! ** 2 + f.uy[k]! ** 2;
    expect(Math.sqrt(ss / f.ux.length)).toBeCloseTo(2, 5);
    for (let k = 0; k < 15; k++) step += Math.abs(f.ux[k + 1]! - f.ux[k]!);
    expect(step / 15).toBeLessThan(0.5 * 2); // neighbouring displacements are close: smooth, not white
    expect(meanStd(Float32Array.of(1, 3)).std).toBe(1);
  });
});
