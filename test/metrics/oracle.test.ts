import { describe, expect, it } from "vitest";
import { corr, feve, fractionOracle, oracleCorrelations, scoreModel, testCorrelations } from "../../src/metrics/oracle.js";
import { simulateTrials } from "../../src/neural/in-silico.js";
import { makeRng } from "../../src/sdk/rng.js";

describe("Lurz metrics (science.md §2.5)", () => {
  it("corr: Pearson with population SDs; a constant gives 0, not NaN", () => {
    expect(corr([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 6);
    expect(corr([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 6);
    // hand: x = [0,1,0,1], y = [0,0,1,1] → r = 0
    expect(corr([0, 1, 0, 1], [0, 0, 1, 1])).toBeCloseTo(0, 9);
    expect(corr([1, 1, 1], [1, 2, 3])).toBe(0);
  });

  it("oracle correlation: leave-one-out means, by hand", () => {
    // 1 neuron, 2 images × 3 repeats: image 0 = [1, 2, 3], image 1 = [4, 6, 8]
    const trials = Float64Array.from([1, 2, 3, 4, 6, 8]);
    // LOO means: image 0 → [2.5, 2, 1.5], image 1 → [7, 6, 5]
    const expected = corr([2.5, 2, 1.5, 7, 6, 5], [1, 2, 3, 4, 6, 8]);
    expect(oracleCorrelations(trials, { S: 2, N: 1, R: 3 })[0]).toBeCloseTo(expected, 12);
  });

  it("test correlation pairs each trial with its image's prediction and skips missing trials", () => {
    const trials = Float64Array.from([1, NaN, 4, 6]); // S = 2, N = 1, R = 2
    expect(testCorrelations(Float64Array.from([0, 1]), trials, { S: 2, N: 1, R: 2 })[0]).toBeCloseTo(corr([0, 1, 1], [1, 4, 6]), 12);
  });

  it("fraction oracle: the no-intercept slope across neurons", () => {
    expect(fractionOracle([0.2, 0.4], [0.4, 0.8])).toBeCloseTo(0.5, 12);
    // by hand: Σo·t / Σo² = (0.5·0.3 + 0.9·0.6) / (0.25 + 0.81)
    expect(fractionOracle([0.3, 0.6], [0.5, 0.9])).toBeCloseTo((0.15 + 0.54) / 1.06, 12);
    const oracle = [0.3, 0.5, 0.7];
    expect(fractionOracle(oracle, oracle)).toBe(1);
  });

  it("FEVE by hand: 2 images × 2 repeats", () => {
    // trials: image 0 = [1, 3], image 1 = [5, 7]; prediction [2, 6]
    const trials = Float64Array.from([1, 3, 5, 7]), pred = Float64Array.from([2, 6]);
    const total = [1, 3, 5, 7].reduce((a, v) => a + (v - 4) ** 2, 0) / 3; // 20/3
    const noise = (2 + 2) / 2; // var([1,3]) = var([5,7]) = 2
    const predVar = 1; // every residual is ±1
    const { fev, feve: fe } = feve(pred, trials, { S: 2, N: 1, R: 2 });
    expect(fev[0]).toBeCloseTo((total - noise) / total, 9);
    expect(fe[0]).toBeCloseTo(1 - (predVar - noise) / (total - noise), 9);
  });

  it("the true rates score FEVE ≈ 1 and fraction oracle ≈ 1 with many repeats; a constant prediction FEVE ≈ 0", () => {
    const S = 60, N = 20, R = 200, rng = makeRng(3);
    const rates = Float64Array.from({ length: S * N }, () => 1 + 4 * rng.next());
    const trials = simulateTrials(rates, S, N, R, rng.fork("t"), { kind: "gaussian", sd: 1 });
    const truth = scoreModel(rates, trials, { S, N, R }, 0);
    expect(truth.fractionOracle).toBeGreaterThan(0.98);
    expect(truth.fractionOracle).toBeLessThan(1.02);
    for (const v of truth.feve) expect(Math.abs(v - 1)).toBeLessThan(0.05);
    const means = new Float64Array(S * N);
    for (let n = 0; n < N; n++) { let m = 0; for (let s = 0; s < S; s++) for (let r = 0; r < R; r++) m += trials[(s * N + n) * R + r]! / (S * R); for (let s = 0; s < S; s++) means[s * N + n] = m; }
    for (const v of feve(means, trials, { S, N, R }).feve) expect(Math.abs(v)).toBeLessThan(0.05);
  });

  it("a noisy model scores below the oracle: fraction oracle < 1 and FEVE < 1", () => {
    const S = 50, N = 30, R = 10, rng = makeRng(5);
    const rates = Float64Array.from({ length: S * N }, () => 0.5 + 3 * rng.next());
    const trials = simulateTrials(rates, S, N, R, rng.fork("t"));
    const model = Float64Array.from(rates, (v) => Math.max(0.01, v + 0.8 * rng.normal()));
    const sc = scoreModel(model, trials, { S, N, R }, 0);
    expect(sc.fractionOracle).toBeLessThan(1);
    expect(sc.fractionOracle).toBeGreaterThan(0.3);
    expect(sc.meanFeve).toBeLessThan(1);
  });
});
