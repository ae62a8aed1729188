import { describe, expect, it } from "vitest";
import { conditionAgreements, errorConsistency, summarise, type Trial } from "../../src/metrics/error-consistency.js";
import { makeRng } from "../../src/sdk/rng.js";

/**
 * Two synthetic observers with accuracies p1, p2 sharing a latent "difficulty" u ~ U(0,1): on a
 * trial, with probability m both answer from the shared u (right iff u < p_i), otherwise each
 * from its own independent draw. Each observer's accuracy stays p_i. They agree (both right or
 * both wrong) with probability 1 − |p1 − p2| on a shared trial and c_exp otherwise, so
 *   κ = m · (1 − |p1 − p2| − c_exp) / (1 − c_exp),  c_exp = p1p2 + (1−p1)(1−p2)
 * — κ = m when p1 = p2. `anti` flips observer 2 to "right iff u > 1 − p2", i.e. the hard trials
 * of one are the easy ones of the other: both right iff 1 − p2 < u < p1, both wrong iff
 * p1 ≤ u ≤ 1 − p2, so shared agreement |p1 + p2 − 1| and negative κ.
 */
function observers(n: number, p1: number, p2: number, m: number, seed: number, anti = false) {
  const rng = makeRng(seed), a = new Uint8Array(n), b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (rng.next() < m) {
      const u = rng.next();
      a[i] = u < p1 ? 1 : 0;
      b[i] = (anti ? u > 1 - p2 : u < p2) ? 1 : 0;
    } else {
      a[i] = rng.next() < p1 ? 1 : 0;
      b[i] = rng.next() < p2 ? 1 : 0;
    }
  }
  return { a, b };
}
const expected = (p1: number, p2: number, m: number, anti = false) => {
  const cExp = p1 * p2 + (1 - p1) * (1 - p2), shared = anti ? Math.abs(p1 + p2 - 1) : 1 - Math.abs(p1 - p2);
  return (m * (shared - cExp)) / (1 - cExp);
};

describe("error consistency (Cohen's κ over trial correctness)", () => {
  it.each([
    [0.7, 0.7, 0], [0.7, 0.7, 0.3], [0.7, 0.7, 0.8], [0.9, 0.6, 0.5], [0.5, 0.8, 1], [0.3, 0.4, 0.6],
  ])("synthetic observers p1=%s p2=%s sharing difficulty with probability %s: κ as derived", (p1, p2, m) => {
    const { a, b } = observers(200_000, p1, p2, m, 7);
    const r = errorConsistency(a, b);
    expect(r.p1).toBeCloseTo(p1, 2);
    expect(r.p2).toBeCloseTo(p2, 2);
    expect(Math.abs(r.kappa - expected(p1, p2, m))).toBeLessThan(0.01); // sampling SE ≈ 0.003 at this n
  });

  it("observers whose hard trials are each other's easy ones have negative κ", () => {
    const { a, b } = observers(200_000, 0.6, 0.6, 0.7, 3, true);
    const r = errorConsistency(a, b);
    expect(expected(0.6, 0.6, 0.7, true)).toBeLessThan(0);
    expect(Math.abs(r.kappa - expected(0.6, 0.6, 0.7, true))).toBeLessThan(0.01);
  });

  it("identical correctness gives κ = 1; exactly complementary at p = 0.5 gives κ = −1", () => {
    const a = [1, 0, 1, 1, 0, 0, 1, 0];
    expect(errorConsistency(a, a).kappa).toBe(1);
    expect(errorConsistency(a, a.map((x) => 1 - x)).kappa).toBe(-1);
  });

  it("edge cases: both always right or both always wrong → undefined (NaN); one perfect observer → κ = 0", () => {
    expect(errorConsistency([1, 1, 1], [true, true, true]).kappa).toBeNaN();
    expect(errorConsistency([0, 0, 0], [0, 0, 0]).kappa).toBeNaN();
    // One always right: agreement is exactly what the other's accuracy predicts.
    expect(errorConsistency([1, 1, 1, 1], [1, 0, 1, 0]).kappa).toBeCloseTo(0, 12);
    expect(errorConsistency([1, 1, 1, 1], [0, 0, 0, 0]).kappa).toBe(0);
    expect(() => errorConsistency([1, 0], [1])).toThrow(/same trials/);
    expect(() => errorConsistency([], [])).toThrow(/at least one/);
  });

  it("per condition: trials are matched by (condition, item) whatever their order; undefined conditions are left out of the mean and counted", () => {
    const { a, b } = observers(4000, 0.7, 0.7, 0.5, 11);
    const mk = (xs: Uint8Array, cond: (i: number) => string): Trial[] => [...xs].map((c, i) => ({ condition: cond(i), item: `img${i}`, correct: c === 1 }));
    const cond = (i: number) => (i % 2 ? "noise-1" : "blur-1");
    const ta = mk(a, cond), tb = mk(b, cond).reverse();
    // a third condition where both are perfect: κ undefined there
    ta.push({ condition: "clean", item: "x", correct: true }, { condition: "clean", item: "y", correct: true });
    tb.push({ condition: "clean", item: "y", correct: true }, { condition: "clean", item: "x", correct: true }, { condition: "only-b", item: "z", correct: false });
    const per = conditionAgreements(ta, tb);
    expect(per.map((c) => c.condition)).toEqual(["blur-1", "clean", "noise-1"]);
    const even = errorConsistency([...a].filter((_, i) => i % 2 === 0), [...b].filter((_, i) => i % 2 === 0));
    expect(per[0]!.kappa).toBeCloseTo(even.kappa, 12);
    expect(per[1]!.kappa).toBeNaN();
    const s = summarise(per, makeRng(1));
    expect(s.conditions).toBe(2);
    expect(s.undefinedConditions).toBe(1);
    expect(s.kappa).toBeCloseTo((per[0]!.kappa + per[2]!.kappa) / 2, 12);
    expect(s.lo).toBeLessThanOrEqual(s.kappa);
    expect(s.hi).toBeGreaterThanOrEqual(s.kappa);
    expect(s.trials).toBe(4002);
    expect(() => conditionAgreements([...ta, ta[0]!], tb)).toThrow(/twice/);
  });
});
