import { describe, expect, it } from "vitest";
import { makeRng } from "../../src/sdk/rng.js";
import { buildPyramid } from "../../src/texture/pyramid.js";
import { bandAdjoint, bandLossGradient } from "../../src/texture/refine.js";
import { textureStatistics } from "../../src/texture/statistics.js";

describe("gradient refinement of PS statistics", () => {
  it("bandAdjoint is the adjoint of the pyramid's band and low-pass analysis: ⟨A x, G⟩ = ⟨x, Aᴴ G⟩", () => {
    const n = 32, S = 3, K = 4, rng = makeRng(1), x = Float64Array.from({ length: n * n }, () => rng.normal());
    const p = buildPyramid(x, n, { scales: S, orientations: K });
    const G = p.bands.map((bs) => bs.map((b) => Float64Array.from(b, () => rng.normal())));
    const L = p.lowpassImages.map((lo) => Float64Array.from(lo, () => rng.normal()));
    let lhs = 0;
    p.bands.forEach((bs, s) => bs.forEach((b, k) => b.forEach((v, i) => { lhs += v * G[s]![k]![i]!; })));
    p.lowpassImages.forEach((lo, s) => lo.forEach((v, i) => { lhs += v * L[s]![i]!; }));
    const back = bandAdjoint(G, n, K, L);
    let rhs = 0;
    back.forEach((v, i) => { rhs += v * x[i]!; });
    expect(rhs / lhs).toBeCloseTo(1, 10);
  });

  it("the analytic gradient of the loss matches central finite differences along random directions", () => {
    const n = 32, S = 3, K = 4, na = 5, rng = makeRng(2);
    const target = textureStatistics(Float64Array.from({ length: n * n }, (_, i) => Math.sin((i % n) / 2) * (1 + 0.5 * rng.normal()) + 0.3 * rng.normal() ** 2), n, { scales: S, orientations: K, neighbourhood: na });
    const x = Float64Array.from({ length: n * n }, () => rng.normal());
    const { grad } = bandLossGradient(x, n, target, S, K, na);
    for (let trial = 0; trial < 3; trial++) {
      const d = Float64Array.from({ length: n * n }, () => rng.normal()), eps = 1e-5;
      const plus = bandLossGradient(x.map((v, i) => v + eps * d[i]!), n, target, S, K, na).loss, minus = bandLossGradient(x.map((v, i) => v - eps * d[i]!), n, target, S, K, na).loss;
      let analytic = 0;
      grad.forEach((g, i) => { analytic += g * d[i]!; });
      expect(analytic / ((plus - minus) / (2 * eps))).toBeCloseTo(1, 4);
    }
  });
});
