import { describe, expect, it } from "vitest";
import { corrupt, CORRUPTIONS, LEVELS } from "../../src/data/corruptions.js";
import { makeDft2 } from "../../src/data/dft.js";
import { makeRng } from "../../src/sdk/rng.js";

const N = 28;
/** A smooth grey-level image with edges, values in [lo, hi]. */
function image(seed: number, lo = 0.1, hi = 0.9) {
  const rng = makeRng(seed), a = rng.next() * 3, b = rng.next() * 3;
  return Float32Array.from({ length: N * N }, (_, i) => {
    const x = i % N, y = Math.floor(i / N);
    const v = 0.5 + 0.3 * Math.sin(x / (2 + a)) * Math.cos(y / (3 + b)) + (x > 14 + a ? 0.15 : -0.15);
    return lo + (hi - lo) * Math.min(1, Math.max(0, v));
  });
}
const sd = (a: Float32Array) => { const m = a.reduce((s, v) => s + v, 0) / a.length; return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length); };
const rms = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length);

describe("OOD corruptions", () => {
  it("severity 0 is the identity for every corruption", () => {
    const img = image(1);
    for (const c of CORRUPTIONS) expect(Array.from(corrupt(img, N, c, 0, makeRng(1)))).toEqual(Array.from(img));
  });

  it("damage grows with severity (distance from the original, averaged over images)", () => {
    for (const c of CORRUPTIONS) {
      const d = [1, 2, 3, 4, 5].map((s) => [1, 2, 3, 4].reduce((acc, k) => acc + rms(corrupt(image(k), N, c, s, makeRng(k)), image(k)), 0));
      for (let s = 1; s < 5; s++) expect(d[s], `${c} severity ${s + 1}`).toBeGreaterThan(d[s - 1]!);
    }
  });

  it("gaussian noise has the requested SD; contrast scales the SD by its factor", () => {
    const grey = new Float32Array(N * N * 4).fill(0.5);
    const noisy = corrupt(grey, N * 2, "gaussian_noise", 2, makeRng(3));
    expect(sd(noisy)).toBeGreaterThan(LEVELS.gaussian_noise[2]! * 0.95);
    expect(sd(noisy)).toBeLessThan(LEVELS.gaussian_noise[2]! * 1.05);
    const img = image(2);
    expect(sd(corrupt(img, N, "contrast", 3, makeRng(1))) / sd(img)).toBeCloseTo(LEVELS.contrast[3]!, 3);
  });

  it("phase scrambling keeps the amplitude spectrum; low-pass removes everything above its cutoff", () => {
    const img = image(4, 0.4, 0.6); // low contrast: the scrambled image stays inside [0,1], so no clipping
    const dft = makeDft2(N);
    const amp = (x: Float32Array) => { const re = new Float64Array(N * N), im = new Float64Array(N * N); dft.forward(x, re, im); return Array.from(re, (r, i) => Math.hypot(r, im[i]!)); };
    const a0 = amp(img), scrambled = corrupt(img, N, "phase_scramble", 5, makeRng(9)), a1 = amp(scrambled);
    expect(rms(scrambled, img)).toBeGreaterThan(0.01); // the image did change
    expect(Math.max(...a0.map((v, i) => Math.abs(v - a1[i]!)))).toBeLessThan(1e-3 * Math.max(...a0));
    const low = amp(corrupt(image(5, 0.3, 0.7), N, "low_pass", 4, makeRng(1)));
    const above = low.filter((_, i) => dft.freq[i]! > LEVELS.low_pass[4]! + 0.02);
    expect(Math.max(...above)).toBeLessThan(1e-3 * Math.max(...low));
  });
});
