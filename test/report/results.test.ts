import { describe, expect, it } from "vitest";
import { layoutDag, MAX_WIDTH, type DagBox } from "../../src/report/dag-svg.js";
import { cellText } from "../../src/report/markdown.js";
import { resultsTableHtml } from "../../src/report/results-html.js";
import { buildResults, compareResults, expandHeadline, parseInstanceId, type ResultStage } from "../../src/report/results.js";
import { summarise, tCdf, tQuantile } from "../../src/report/stats.js";

/** The results model, its statistics and the DAG layout, without a store or a browser. */

describe("Student's t", () => {
  it("matches the published two-sided 95 % critical values", () => {
    // Standard t-table values t_{0.975}(df) (e.g. Fisher & Yates; any statistics textbook).
    const table: [number, number][] = [[1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [9, 2.262], [19, 2.093], [29, 2.045], [120, 1.980]];
    for (const [df, t] of table) expect(tQuantile(0.975, df)).toBeCloseTo(t, 3);
    expect(tQuantile(0.975, 1e6)).toBeCloseTo(1.95996, 4); // → the normal quantile
  });
  it("is a symmetric, monotone distribution", () => {
    expect(tCdf(0, 3)).toBeCloseTo(0.5, 12);
    expect(tCdf(-1.3, 4) + tCdf(1.3, 4)).toBeCloseTo(1, 12);
    expect(tQuantile(0.025, 7)).toBeCloseTo(-tQuantile(0.975, 7), 10);
    expect(tCdf(1, 1)).toBeCloseTo(0.75, 10); // Cauchy: ½ + atan(1)/π
  });
  it("summarises replicates: mean, sample SD, CI half-width t·sd/√n", () => {
    const s = summarise([1, 2, 3, 4])!;
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.ci95).toBeCloseTo(3.182 * Math.sqrt(5 / 3) / 2, 3);
    expect(summarise([0.7])).toEqual({ n: 1, mean: 0.7 });
    expect(summarise([NaN])).toBeUndefined();
  });
});

const rec = (metrics: Record<string, number>, outputs: Record<string, unknown> = {}) => ({ metrics, outputs }) as never;
const kind = (name: string, headline?: string[], outputs: Record<string, { kind: string; headline?: boolean }> = {}) => ({ name, outputs, ...(headline ? { headline } : {}) }) as ResultStage["kind"];

describe("results model", () => {
  it("parses instance ids and expands headline patterns in declaration order", () => {
    expect(parseInstanceId("ood-lcl[absolute_amplitude=0,layer1.seed=2]")).toEqual({ node: "ood-lcl", point: [["absolute_amplitude", "0"], ["layer1.seed", "2"]] });
    expect(parseInstanceId("frontend")).toEqual({ node: "frontend", point: [] });
    expect(expandHeadline(["mi_l*", "decode_l*", "x"], ["decode_l1", "mi_l2", "mi_l1", "other"])).toEqual(["mi_l2", "mi_l1", "decode_l1", "x"]);
    expect(expandHeadline(["acc[*]"], ["acc[a]", "accb"])).toEqual(["acc[a]"]);
  });

  it("groups seed variants into one row with mean ± CI, keeps other axes apart, lists declared kinds first", () => {
    const ood = kind("ood", ["clean_acc", "ood_acc"], { plot: { kind: "file", headline: true } });
    const stages: ResultStage[] = [
      { id: "images", kind: kind("imgs"), status: "cached", record: rec({ images: 6, mb: 3 }) },
      ...[0.80, 0.82, 0.81].map((v, i) => ({ id: `ood[absolute_amplitude=0,seed=${i}]`, kind: ood, status: "cached", record: rec({ clean_acc: v, ood_acc: v - 0.2, extra: 1 }) })),
      ...[0.70, 0.74].map((v, i) => ({ id: `ood[absolute_amplitude=2.75,seed=${i}]`, kind: ood, status: i ? "stale" : "cached", record: rec({ clean_acc: v, ood_acc: v - 0.3 }) })),
    ];
    const r = buildResults(stages);
    expect(r.groups.map((g) => [g.kind, g.declared])).toEqual([["ood", true], ["imgs", false]]);
    const g = r.groups[0]!;
    expect(g.metrics).toEqual(["clean_acc", "ood_acc"]); // `extra` is not headline
    expect(g.rows.map((x) => x.key)).toEqual(["ood[absolute_amplitude=0]", "ood[absolute_amplitude=2.75]"]);
    const c = g.rows[0]!.cells.clean_acc!;
    expect(c.n).toBe(3);
    expect(c.mean).toBeCloseTo(0.81, 12);
    expect(c.ci95).toBeCloseTo(4.303 * 0.01 / Math.sqrt(3), 4); // sd of .80/.82/.81 is 0.01
    expect(cellText(c)).toBe(`0.81 ± ${Number((4.303 * 0.01 / Math.sqrt(3)).toPrecision(4))} (3)`);
    expect(g.rows[1]!.stages.map((s) => s.status)).toEqual(["cached", "stale"]);
  });

  it("lists a declared kind's stages that have no result yet, so a missing result is seen", () => {
    const r = buildResults([{ id: "neural", kind: kind("np", ["*_score"]), status: "missing" }, { id: "toy", kind: kind("t"), status: "missing" }]);
    expect(r.groups.map((g) => [g.kind, g.metrics, g.rows.map((x) => x.stages[0]!.status)])).toEqual([["np", ["*_score"], ["missing"]]]);
  });

  it("keeps a big sweep's results short in HTML: 12 rows shown, the rest folded, all of them present", () => {
    const k = kind("scale", ["y"]);
    const html = resultsTableHtml(buildResults(Array.from({ length: 20 }, (_, i) => ({ id: `s[factor=${i}]`, kind: k, status: "cached", record: rec({ y: i }) }))));
    expect(html).toContain("<summary>8 more scale rows</summary>");
    expect(html.match(/<tr data-row=/g)).toHaveLength(20);
    expect(html.indexOf('data-row="s[factor=12]"')).toBeGreaterThan(html.indexOf("<summary>8 more"));
  });

  it("takes key figures from headline outputs only (one per node), or every picture when no kind declares anything", () => {
    const png = { kind: "file", format: "png", object: "o", logical: "o", bytes: 1 };
    const fa = kind("fa", ["r2"], { fits: { kind: "file", headline: true }, other: { kind: "file" } });
    const declared = buildResults([
      { id: "f[seed=0]", kind: fa, status: "cached", record: rec({ r2: 1 }, { fits: png, other: png }) },
      { id: "f[seed=1]", kind: fa, status: "cached", record: rec({ r2: 1 }, { fits: png, other: png }) },
    ]);
    expect(declared.figures.map((f) => [f.stage, f.output, f.moreVariants])).toEqual([["f[seed=0]", "fits", 1]]);
    const guessed = buildResults([{ id: "x", kind: kind("k"), status: "cached", record: rec({ a: 1 }, { pic: png, t: { kind: "table", object: "t", logical: "t", bytes: 1 } }) }]);
    expect(guessed.figures.map((f) => f.output)).toEqual(["pic"]);
  });

  it("compares A with B row by row: Δ = B − A, a plain node pairs with the only row of a sweep", () => {
    const k = kind("ood", ["acc"]);
    const A = buildResults([{ id: "ood", kind: k, status: "cached", record: rec({ acc: 0.8 }) }, { id: "gone", kind: k, status: "cached", record: rec({ acc: 0.5 }) }]);
    const B = buildResults([{ id: "ood[seed=0]", kind: k, status: "cached", record: rec({ acc: 0.7 }) }, { id: "ood[seed=1]", kind: k, status: "cached", record: rec({ acc: 0.9 }) }, { id: "new", kind: k, status: "cached", record: rec({ acc: 0.1 }) }]);
    const cmp = compareResults(A, B);
    expect(cmp.map((c) => [c.a?.key, c.b?.key])).toEqual([["ood", "ood"], ["gone", undefined], [undefined, "new"]]);
    expect(cmp[0]!.metrics[0]!.delta).toBeCloseTo(0.8 - 0.8, 12);
    expect(cmp[0]!.metrics[0]!.b!.n).toBe(2);
  });
});

describe("DAG layout", () => {
  const box = (id: string, deps: string[] = []): DagBox => ({ id, label: id, sub: "", href: id, deps, statuses: { cached: 1 } });
  const crossings = (boxes: readonly DagBox[], pos: ReadonlyMap<string, { x: number; y: number }>) => {
    // Independent count from the drawn positions: edges between the same two rows whose ends swap order.
    const edges = boxes.flatMap((b) => b.deps.map((d) => [pos.get(d)!, pos.get(b.id)!] as const));
    let n = 0;
    for (let i = 0; i < edges.length; i++) for (let j = i + 1; j < edges.length; j++) {
      const [p, q] = edges[i]!, [r, s] = edges[j]!;
      if (p.y === r.y && q.y === s.y && (p.x - r.x) * (q.x - s.x) < 0) n++;
    }
    return n;
  };

  it("untangles a graph that drawn in input order crosses", () => {
    // a1→b2, a2→b1 (and c below each): in input order every edge pair crosses; a crossing-free order exists.
    const boxes = [box("a1"), box("a2"), box("b1", ["a2"]), box("b2", ["a1"]), box("c1", ["b1"]), box("c2", ["b2"]), box("d", ["c1", "c2"])];
    const { pos } = layoutDag(boxes);
    expect(crossings(boxes, pos)).toBe(0);
  });

  it("fits ~60 stages into the page width without overlapping boxes, flowing top to bottom", () => {
    const boxes = [box("src"), ...Array.from({ length: 58 }, (_, i) => box(`v${i}`, ["src"])), box("join", Array.from({ length: 58 }, (_, i) => `v${i}`))];
    const l = layoutDag(boxes);
    expect(l.width).toBeLessThanOrEqual(MAX_WIDTH);
    const rects = [...l.pos.values()];
    for (const p of rects) expect(p.x + l.box.w).toBeLessThanOrEqual(l.width);
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
      const a = rects[i]!, b = rects[j]!;
      expect(Math.abs(a.x - b.x) >= l.box.w || Math.abs(a.y - b.y) >= l.box.h, `boxes ${i} and ${j} overlap`).toBe(true);
    }
    expect(l.pos.get("src")!.y).toBeLessThan(l.pos.get("v0")!.y);
    expect(Math.max(...rects.map((p) => p.y))).toBe(l.pos.get("join")!.y);
  });
});
