import { describe, expect, it } from "vitest";
import { fitGabor, orientationTuning, renderGabor } from "../../src/analysis/filters.js";
import { makeRng } from "../../src/sdk/rng.js";

const angleDiff = (a: number, b: number) => { const d = Math.abs(a - b) % Math.PI; return Math.min(d, Math.PI - d); };

describe("filter analysis", () => {
  it("a Gabor fit recovers a rendered Gabor (R² ≈ 1, orientation and frequency)", () => {
    for (const theta of [0.3, 1.2, 2.5]) {
      const truth = { amplitude: 1, x0: 0.4, y0: -0.3, theta, freq: 0.22, phase: 0.7, sigmaX: 1.6, sigmaY: 1.9, offset: 0.05 };
      const f = renderGabor(truth, 9);
      const fit = fitGabor(f, 9);
      expect(fit.r2).toBeGreaterThan(0.99);
      expect(angleDiff(fit.gabor.theta, theta)).toBeLessThan(0.06);
      expect(Math.abs(fit.gabor.freq - 0.22) / 0.22).toBeLessThan(0.1);
      // grating tuning agrees with the carrier
      const t = orientationTuning(f, 9);
      expect(angleDiff(t.orientation, theta)).toBeLessThan(Math.PI / 16 + 1e-9);
      expect(t.osi).toBeGreaterThan(0.4);
    }
  });

  it("white-noise filters fit poorly and are barely tuned; an isotropic blob is untuned", () => {
    const rng = makeRng(5);
    let r2 = 0, osi = 0;
    for (let i = 0; i < 20; i++) {
      const f = Float32Array.from({ length: 49 }, () => rng.normal());
      r2 += fitGabor(f, 7).r2 / 20;
      osi += orientationTuning(f, 7).osi / 20;
    }
    expect(r2).toBeLessThan(0.5);
    expect(osi).toBeLessThan(0.3);
    const blob = renderGabor({ amplitude: 1, x0: 0, y0: 0, theta: 0, freq: 0, phase: 0, sigmaX: 1.5, sigmaY: 1.5, offset: 0 }, 7);
    expect(orientationTuning(blob, 7).osi).toBeLessThan(0.05);
  });
});
