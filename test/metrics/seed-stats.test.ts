import { describe, expect, it } from "vitest";
import { bootstrapInterval, compareConditions, resolvePairs, incompleteBeta, mean, pairedDifference, sd, tCdf, tInterval, tQuantile } from "../../src/metrics/seed-stats.js";
import { makeRng } from "../../src/sdk/rng.js";

describe("Student-t quantile", () => {
  it("equals the closed forms for 1 and 2 degrees of freedom", () => {
    for (const p of [0.6, 0.9, 0.95, 0.975, 0.995, 0.999]) {
      expect(tQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 8); // Cauchy
      expect(tQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 10);
    }
  });
  it("matches published two-sided critical values to 1e-4", () => {
    // Student-t tables (e.g. Abramowitz & Stegun table 26.10; R's qt) at 5 decimals.
    const table: [number, number, number][] = [[0.975, 4, 2.77645], [0.975, 9, 2.26216], [0.975, 29, 2.04523], [0.995, 10, 3.16927], [0.95, 5, 2.01505], [0.975, 120, 1.97993]];
    for (const [p, df, t] of table) expect(Math.abs(tQuantile(p, df) - t)).toBeLessThan(1e-4);
  });
  it("tends to the normal quantile as df grows, is odd around 0.5 and inverts the CDF", () => {
    expect(Math.abs(tQuantile(0.975, 1e6) - 1.959964)).toBeLessThan(1e-5);
    expect(tQuantile(0.025, 7)).toBeCloseTo(-tQuantile(0.975, 7), 12);
    for (const df of [1, 3, 4.5, 30]) for (const t of [-3, -0.4, 0.2, 2.5]) expect(tQuantile(tCdf(t, df), df)).toBeCloseTo(t, 8);
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12); // I_x(1,1) = x
    expect(incompleteBeta(0.3, 2, 1)).toBeCloseTo(0.09, 12); // I_x(a,1) = x^a
  });
  it("names the bad argument", () => {
    expect(() => tQuantile(1, 3)).toThrow(/p must be in/);
    expect(() => tQuantile(0.9, 0)).toThrow(/degrees of freedom/);
  });
});

describe("intervals over seeds", () => {
  it("mean and sample SD", () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(sd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(sd([3])).toBe(0);
  });
  it("a 95 % t interval of 5 normal draws covers the true mean ~95 % of the time (a z interval would not)", () => {
    const rng = makeRng(1234), trials = 4000, mu = 0.3, sigma = 0.05;
    let t = 0, z = 0;
    for (let k = 0; k < trials; k++) {
      const xs = Array.from({ length: 5 }, () => mu + sigma * rng.normal());
      const r = tInterval(xs);
      if (r.lo <= mu && mu <= r.hi) t++;
      const half = (1.959964 * r.sd) / Math.sqrt(5);
      if (r.mean - half <= mu && mu <= r.mean + half) z++;
    }
    expect(t / trials).toBeGreaterThan(0.935);
    expect(t / trials).toBeLessThan(0.965);
    expect(z / trials).toBeLessThan(0.92); // n − 1 = 4 degrees of freedom matter
  });
  it("one seed gives an unbounded interval, never a fake-tight one", () => {
    const r = tInterval([0.8]);
    expect(r.lo).toBe(-Infinity);
    expect(r.hi).toBe(Infinity);
  });
  it("pairing removes the shared seed effect: a small consistent difference is resolved paired, not unpaired", () => {
    const rng = makeRng(7);
    const seedEffect = Array.from({ length: 5 }, () => 0.05 * rng.normal());
    const a = seedEffect.map((s) => 0.80 + s + 0.002 * rng.normal() + 0.01);
    const b = seedEffect.map((s) => 0.80 + s + 0.002 * rng.normal());
    const paired = pairedDifference(a, b);
    expect(paired.resolved).toBe(true);
    expect(paired.lo).toBeGreaterThan(0);
    const ia = tInterval(a), ib = tInterval(b);
    expect(ia.lo < ib.hi && ib.lo < ia.hi).toBe(true); // the per-condition intervals overlap
    expect(pairedDifference([1, 2, 3], [1.5, 1.2, 3.4]).resolved).toBe(false);
    expect(() => pairedDifference([1, 2], [1])).toThrow(/pairs must match/);
  });
  it("the bootstrap interval is deterministic per seed, contains the mean and narrows with more data", () => {
    const xs = Array.from({ length: 40 }, (_, i) => Math.sin(i) + 2);
    const a = bootstrapInterval(xs, makeRng(1)), b = bootstrapInterval(xs, makeRng(1));
    expect(a).toEqual(b);
    expect(a.lo).toBeLessThan(a.mean);
    expect(a.hi).toBeGreaterThan(a.mean);
    const t = tInterval(xs);
    expect(Math.abs((a.hi - a.lo) - (t.hi - t.lo)) / (t.hi - t.lo)).toBeLessThan(0.25); // ≈ the t interval at n = 40
  });
});

describe("pairs of conditions", () => {
  const conds = ["transfer,n=100", "scratch,n=100", "transfer,n=250", "scratch,n=250"];
  it("a pair of parts pairs every condition with its counterpart of the same rest", () => {
    expect(resolvePairs([["transfer", "scratch"]], conds)).toEqual([["transfer,n=100", "scratch,n=100"], ["transfer,n=250", "scratch,n=250"]]);
    expect(resolvePairs([["transfer,n=250", "scratch,n=100"]], conds)).toEqual([["transfer,n=250", "scratch,n=100"]]);
    expect(resolvePairs([["layer=2", "layer=1"]], ["m,layer=1", "m,layer=2"])).toEqual([["m,layer=2", "m,layer=1"]]);
    expect(() => resolvePairs([["transfer", "oracle"]], conds)).toThrow(/matches no two conditions; conditions are: transfer,n=100/);
  });
  it("pairs seeds by name, refuses an unpaired seed unless told to drop it, and rejects duplicates", () => {
    const o = (condition: string, seed: string, value: number) => ({ metric: "acc", condition, seed, value });
    const obs = [o("a", "0", 1), o("a", "1", 2), o("a", "2", 4), o("b", "1", 1.5), o("b", "0", 0.4)];
    expect(() => compareConditions(obs)).toThrow(/cannot pair a with b: seed 2 \(only in a\) has no partner/);
    const { conditions, differences } = compareConditions(obs, { missing: "drop" });
    expect(conditions.map((c) => [c.condition, c.n])).toEqual([["a", 3], ["b", 2]]);
    expect(differences[0]).toMatchObject({ a: "a", b: "b", n: 2, seeds: ["0", "1"] });
    expect(differences[0]!.mean).toBeCloseTo(((1 - 0.4) + (2 - 1.5)) / 2, 12); // seed 0 with seed 0, not by position
    expect(() => compareConditions([o("a", "0", 1), o("a", "0", 2)])).toThrow(/two values for seed 0/);
  });
});
