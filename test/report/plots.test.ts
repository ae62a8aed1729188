import { describe, expect, it } from "vitest";
import { choose, plotsFor } from "../../src/report/plots.js";
import type { Column, LoadedTable } from "../../src/report/tables.js";

/** Plot choice is by columns only; these are the shapes lcl's stages write, and some that get no plot. */
const table = (cols: Record<string, [string, unknown[]]>): LoadedTable => {
  const columns: Column[] = Object.entries(cols).map(([name, [type, values]]) => ({ name, type, values }));
  return { rows: columns[0]!.values.length, head: [], fields: columns.map(({ name, type }) => ({ name, type })), columns, sampled: false };
};
const range = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));

describe("report plots", () => {
  it("a step/epoch column makes a curve of the metric columns (not wall time)", () => {
    const [c] = choose(table({ step: ["int32", range(50, (i) => i)], loss: ["float64", range(50, (i) => 1 / (i + 1))], lr: ["float64", range(50, () => 0.01)], wall_s: ["float64", range(50, (i) => i)] }), "t");
    expect(c?.kind).toBe("curve");
    expect(c?.title).toBe("t: loss by step");
  });

  it("accuracy by severity per corruption (ood-eval) is a line per category", () => {
    const corr = ["noise", "blur", "contrast"].flatMap((k) => range(5, () => k));
    const [c] = choose(table({ corruption: ["utf8", corr], severity: ["int32", range(15, (i) => (i % 5) + 1)], level: ["float64", range(15, (i) => i / 10)], accuracy: ["float64", range(15, (i) => 0.9 - i / 50)] }), "t");
    expect(c?.kind).toBe("lines");
    expect(c?.title).toBe("t: accuracy by severity, per corruption");
  });

  it("mean ± sd per condition and metric (ablations) is one panel per metric with error bars", () => {
    const [c] = choose(table({ condition: ["utf8", ["a", "a", "b", "b"]], metric: ["utf8", ["clean", "ood", "clean", "ood"]], mean: ["float64", [0.8, 0.5, 0.79, 0.55]], sd: ["float64", [0.01, 0.03, 0.01, 0.02]], n: ["int32", [3, 3, 3, 3]] }), "t");
    expect(c?.kind).toBe("summary");
    const rows = (c!.spec.data as { values: Record<string, unknown>[] }).values;
    expect(new Set(rows.map((r) => r.metric))).toEqual(new Set(["clean", "ood"]));
    expect(rows[0]).toMatchObject({ label: "a", value: 0.8, lo: 0.8 - 0.01, hi: 0.8 + 0.01 });
  });

  it("one row per sweep variant (ablations' variants table, a failed one NaN) is a dot plot per metric", () => {
    const [c] = choose(table({ variant: ["utf8", ["a0", "a1", "b0"]], condition: ["utf8", ["a", "a", "b"]], seed: ["utf8", ["0", "1", "0"]], status: ["utf8", ["ok", "ok", "failed"]],
      gabor_r2: ["float64", [0.7, 0.8, NaN]], clean_acc: ["float64", [0.8, 0.81, NaN]], ood_acc: ["float64", [0.55, 0.56, NaN]] }), "t");
    expect(c?.kind).toBe("summary");
    const rows = (c!.spec.data as { values: Record<string, unknown>[] }).values;
    expect(rows).toHaveLength(6); // the failed variant's NaNs are left out, not drawn at 0
  });

  it("per-unit values with a layer column (texture modulation) are a histogram per layer", () => {
    const [c] = choose(table({ layer: ["int32", range(96, (i) => (i < 32 ? 1 : 2))], unit: ["int32", range(96, (i) => i % 32)], mi: ["float64", range(96, (i) => Math.sin(i))], modulated: ["bool", range(96, (i) => i % 2 === 0)] }), "t");
    expect(c?.kind).toBe("histogram");
    expect(c?.title).toBe("t: distribution of mi by layer");
  });

  it("tables without float columns, or too few rows for a distribution, get none", () => {
    expect(choose(table({ id: ["utf8", ["a", "b"]], n: ["int32", [1, 2]] }), "t")).toEqual([]);
    expect(choose(table({ x: ["float64", range(20, (i) => i)] }), "t")).toEqual([]);
    expect(choose(table({ x: ["float64", range(41, (i) => i)] }), "t")[0]?.kind).toBe("histogram");
  });

  it("renders static SVG with ids unique across charts on one page", async () => {
    const t = table({ step: ["int32", range(20, (i) => i)], loss: ["float64", range(20, (i) => 1 / (i + 1))] });
    const [a] = await plotsFor(t, "a"), [b] = await plotsFor(t, "b");
    expect(a!.svg.startsWith("<svg")).toBe(true);
    expect(a!.svg).not.toMatch(/<script/);
    const ids = (s: string) => [...s.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    const shared = ids(a!.svg).filter((id) => ids(b!.svg).includes(id));
    expect(shared).toEqual([]);
  });
});
