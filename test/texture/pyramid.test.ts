import { describe, expect, it } from "vitest";
import { makeDft2 } from "../../src/data/dft.js";
import { makeRng } from "../../src/sdk/rng.js";
import { fft2, realPart, toComplex } from "../../src/texture/fft2.js";
import { buildPyramid, reconstructPyramid } from "../../src/texture/pyramid.js";

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };
const energy = (x: ArrayLike<number>) => { let s = 0; for (let i = 0; i < x.length; i++) s += x[i]! ** 2; return s; };

describe("2-D FFT (fft.js)", () => {
  it("agrees with the direct O(n³) DFT and inverts", () => {
    const n = 16, rng = makeRng(1), x = Float64Array.from({ length: n * n }, () => rng.normal());
    const z = fft2(n).forward(toComplex(x)), re = new Float64Array(n * n), im = new Float64Array(n * n);
    makeDft2(n).forward(x, re, im);
    for (let i = 0; i < n * n; i++) { expect(z[2 * i]).toBeCloseTo(re[i]!, 9); expect(z[2 * i + 1]).toBeCloseTo(im[i]!, 9); }
    expect(maxAbs(realPart(fft2(n).inverse(z)), x)).toBeLessThan(1e-12);
    expect(() => fft2(24)).toThrow(/not a power of two/);
  });
  it("forwardReal agrees with the direct DFT of a real image; inverseReal of a Hermitian spectrum is the real part of the full inverse, at every size down to 2", () => {
    for (const n of [2, 4, 16, 64]) {
      const rng = makeRng(n), x = Float64Array.from({ length: n * n }, () => rng.normal()), re = new Float64Array(n * n), im = new Float64Array(n * n);
      makeDft2(n).forward(x, re, im);
      const z = fft2(n).forwardReal(x);
      for (let i = 0; i < n * n; i++) { expect(z[2 * i]).toBeCloseTo(re[i]!, 9); expect(z[2 * i + 1]).toBeCloseTo(im[i]!, 9); }
      // a Hermitian spectrum that is not a plain real image's: the spectrum times an even, non-separable mask
      const h = z.map((v, j) => { const i = j >> 1, fy = Math.min(Math.floor(i / n), n - Math.floor(i / n)), fx = Math.min(i % n, n - (i % n)); return v / (1 + fx * fy + fx * fx); });
      expect(maxAbs(fft2(n).inverseReal(h), realPart(fft2(n).inverse(h)))).toBeLessThan(1e-12);
      expect(maxAbs(fft2(n).inverseReal(z), x)).toBeLessThan(1e-12);
    }
  });
});

describe("complex steerable pyramid", () => {
  it("reconstructs the image to 1e-10 (float64), default 4 scales × 4 orientations, and at other sizes/orientations", () => {
    for (const [n, scales, orientations] of [[64, 4, 4], [128, 4, 4], [32, 3, 6], [64, 2, 2]] as const) {
      const rng = makeRng(n + scales), x = Float64Array.from({ length: n * n }, () => rng.normal() + 0.3 * Math.sin(0.2 * (rng.next() + 1)));
      const p = buildPyramid(x, n, { scales, orientations });
      expect(p.bands.length).toBe(scales); expect(p.bands[0]!.length).toBe(orientations);
      expect(p.bands[scales - 1]![0]!.length).toBe(2 * (n >> (scales - 1)) ** 2);
      expect(p.lowpass.length).toBe((n >> scales) ** 2);
      expect(maxAbs(reconstructPyramid(p), x)).toBeLessThan(1e-10);
    }
  });

  it("is a tight frame: energy of highpass + real bands (weighted by area) + lowpass equals the image's", () => {
    const n = 64, rng = makeRng(3), x = Float64Array.from({ length: n * n }, () => rng.normal());
    const p = buildPyramid(x, n);
    let e = energy(p.highpass);
    p.bands.forEach((bs, s) => { for (const b of bs) e += energy(realPart(b)) * 4 ** s; });
    e += energy(p.lowpass) * 4 ** p.scales;
    expect(e / energy(x)).toBeCloseTo(1, 10);
  });

  it("an oriented grating lands in the band of its orientation and scale; the complex band's magnitude is smooth (its envelope)", () => {
    const n = 64, f = 1 / 8; // 8 px period: r = 2f = 0.25 → scale 1 (0.125 < r < 0.5 straddles scales 0/1; 0.25 is in scale 1's passband)
    for (let k = 0; k < 4; k++) {
      const th = (Math.PI * k) / 4, x = Float64Array.from({ length: n * n }, (_, i) => Math.cos(2 * Math.PI * f * ((i % n) * Math.cos(th) + Math.floor(i / n) * Math.sin(th))));
      const p = buildPyramid(x, n), e = p.bands.map((bs) => bs.map((b) => energy(realPart(b))));
      const [bs, bk] = e.flatMap((row, s) => row.map((v, o) => [v, s, o] as const)).sort((a, b) => b[0] - a[0])[0]!.slice(1) as [number, number];
      expect(bk).toBe(k);
      expect(bs).toBe(1);
    }
    // magnitude of a pure grating's analytic band is nearly constant in space
    const x = Float64Array.from({ length: n * n }, (_, i) => Math.cos(2 * Math.PI * f * (i % n)));
    const b = buildPyramid(x, n).bands[1]![0]!, mag = Array.from({ length: (n / 2) ** 2 }, (_, i) => Math.hypot(b[2 * i]!, b[2 * i + 1]!));
    const mean = mag.reduce((a, v) => a + v, 0) / mag.length;
    expect(Math.max(...mag.map((v) => Math.abs(v - mean))) / mean).toBeLessThan(0.01);
  });
});
