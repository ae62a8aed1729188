import { describe, expect, it } from "vitest";
import { makeRng } from "../../src/sdk/rng.js";
import { centralAutocorr, moments, STATISTIC_GROUPS, statisticSizes, statisticsSnr, textureStatistics } from "../../src/texture/statistics.js";

describe("Portilla–Simoncelli statistics", () => {
  it("group sizes follow the documented formulas (1230 numbers at 64 px, 4 scales × 4 orientations, 7×7)", () => {
    const rng = makeRng(1), n = 64, x = Float64Array.from({ length: n * n }, () => rng.normal());
    const st = textureStatistics(x, n), sizes = statisticSizes(n);
    for (const g of STATISTIC_GROUPS) expect(st[g].length, g).toBe(sizes[g]);
    expect(STATISTIC_GROUPS.reduce((a, g) => a + sizes[g], 0)).toBe(1230);
    const s3 = statisticSizes(128, { scales: 3, orientations: 6, neighbourhood: 5 }), st3 = textureStatistics(Float64Array.from({ length: 128 * 128 }, () => rng.normal()), 128, { scales: 3, orientations: 6, neighbourhood: 5 });
    for (const g of STATISTIC_GROUPS) expect(st3[g].length, g).toBe(s3[g]);
  });

  it("pixel moments match their definitions on a uniform sample (skewness 0, kurtosis 9/5)", () => {
    const rng = makeRng(2), x = Float64Array.from({ length: 200000 }, () => rng.next());
    const m = moments(x);
    expect(m.mean).toBeCloseTo(0.5, 2); expect(m.variance).toBeCloseTo(1 / 12, 3); expect(m.skewness).toBeCloseTo(0, 1); expect(m.kurtosis).toBeCloseTo(1.8, 1);
  });

  it("central autocorrelation equals the direct circular sum", () => {
    const n = 16, rng = makeRng(3), x = Float64Array.from({ length: n * n }, () => rng.normal());
    const mean = x.reduce((a, v) => a + v, 0) / x.length, ac = centralAutocorr(x, n, 5);
    for (const [dy, dx] of [[0, 0], [1, 2], [-2, 1], [2, -2]] as const) {
      let s = 0;
      for (let y = 0; y < n; y++) for (let xx = 0; xx < n; xx++) s += (x[y * n + xx]! - mean) * (x[((y + dy + n) % n) * n + ((xx + dx + n) % n)]! - mean);
      expect(ac[(dy + 2) * 5 + dx + 2]).toBeCloseTo(s / (n * n), 10);
    }
  });

  it("are invariant to circular shifts by whole pixels of the coarsest scale (16 px), and distinguish a different texture", () => {
    const n = 64, rng = makeRng(4), x = Float64Array.from({ length: n * n }, (_, i) => Math.sin((i % n) / 2) * (1 + rng.normal() * 0.3) + 0.5 * rng.normal());
    const shifted = Float64Array.from({ length: n * n }, (_, i) => x[(((Math.floor(i / n) + 16) % n) * n + ((i % n) + 48) % n)]!);
    const snr = statisticsSnr(textureStatistics(x, n), textureStatistics(shifted, n));
    for (const g of STATISTIC_GROUPS) expect(snr[g], g).toBeGreaterThan(100);
    const other = Float64Array.from({ length: n * n }, () => rng.normal());
    const diff = statisticsSnr(textureStatistics(x, n), textureStatistics(other, n));
    expect(Math.min(diff.magnitudeMeans, diff.magnitudeCrossOrientation, diff.lowpassAutocorr)).toBeLessThan(10);
  });

  it("cross-scale phase statistics: near zero for random-phase noise, large for sharp edges (a square wave)", () => {
    const n = 64, rng = makeRng(5);
    const noise = Float64Array.from({ length: n * n }, () => rng.normal());
    const square = Float64Array.from({ length: n * n }, (_, i) => ((i % n) % 16 < 8 ? 1 : -1) + 0.05 * rng.normal());
    const rel = (x: Float64Array) => { const s = textureStatistics(x, n); const r = s.realCrossScale.reduce((a, v) => a + Math.abs(v), 0); const e = s.magnitudeCrossScale.reduce((a, v) => a + Math.abs(v), 0); return r / e; };
    expect(rel(square)).toBeGreaterThan(5 * rel(noise));
  });
});
