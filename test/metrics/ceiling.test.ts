import { describe, expect, it } from "vitest";
import { internalConsistency, pearson, spearmanBrown, stratifiedShuffleSplit } from "../../src/metrics/ceiling.js";
import { makeRng } from "../../src/sdk/rng.js";

describe("ceilings and splits", () => {
  it("Pearson r: 1 for an affine copy, −1 for a flipped one; Spearman–Brown doubles the test length correctly", () => {
    const a = [1, 4, 2, 8, 5];
    expect(pearson(a, a.map((x) => 3 * x + 2))).toBeCloseTo(1, 12);
    expect(pearson(a, a.map((x) => -x))).toBeCloseTo(-1, 12);
    expect(spearmanBrown(0.5)).toBeCloseTo(2 / 3, 12);
    expect(spearmanBrown(1)).toBe(1);
  });

  it("the split-half ceiling rises towards 1 as trial noise falls, and matches the theoretical reliability", () => {
    const rng = makeRng(1), S = 400, R = 8;
    const signal = Array.from({ length: S }, () => rng.normal());
    // one neuron: trials S × 1 × R
    const ceiling = (noise: number) => internalConsistency(Float64Array.from({ length: S * R }, (_, k) => signal[Math.floor(k / R)]! + noise * rng.normal()), S, 1, R, makeRng(2), 20).ceiling;
    const [hi, mid, lo] = [ceiling(0.1), ceiling(1), ceiling(3)];
    expect(hi).toBeGreaterThan(0.99);
    expect(hi).toBeGreaterThan(mid);
    expect(mid).toBeGreaterThan(lo);
    // reliability of the mean of R trials: var_s / (var_s + noise²/R) = 1 / (1 + 1/8) for noise 1
    expect(mid).toBeCloseTo(1 / (1 + 1 / R), 1);
  });

  it("stratified splits keep each label's share and never overlap", () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? "texture" : "noise"));
    for (const s of stratifiedShuffleSplit(labels, 5, 0.9, makeRng(3))) {
      expect(s.train.length + s.test.length).toBe(100);
      expect(new Set([...s.train, ...s.test]).size).toBe(100);
      expect(s.test.filter((i) => labels[i] === "texture")).toHaveLength(2); // 25 textures: round(22.5) = 23 train, 2 test
      expect(s.test.filter((i) => labels[i] === "noise")).toHaveLength(7); // 75 noise: round(67.5) = 68 train, 7 test
    }
  });
});
