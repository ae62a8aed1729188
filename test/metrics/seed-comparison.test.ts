import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { readTableFile } from "../../src/sdk/table-file.js";

let rig: Rig;
afterEach(() => rig?.dispose());

// A measurement whose value is a known function of (seed, effect): a large seed effect shared by
// both conditions (what pairing removes) plus an effect that varies a little per seed.
const BASE = [0.70, 0.75, 0.72, 0.80, 0.68], NOISE = [0.1, -0.2, 0.3, 0, -0.1], L2 = [0.05, 0.12, 0.02, 0.09, 0.07];
const tMeasure = `import { defineStage, param, port, Schema } from "lcl";
const BASE = ${JSON.stringify(BASE)}, NOISE = ${JSON.stringify(NOISE)}, L2 = ${JSON.stringify(L2)};
export default defineStage({ name: "t-measure", version: 1, description: "", params: Schema.Struct({ seed: param.int({ default: 0 }), effect: param.number({ default: 0 }) }), inputs: {},
  outputs: { table: port.table({ layer: "int32", value: "float64" }) },
  async run(ctx) { const { seed, effect } = ctx.params; const v = BASE[seed] + effect * (1 + NOISE[seed]);
    await ctx.outputs.table.write({ layer: Int32Array.from([1, 1, 2]), value: [v - 0.01, v + 0.01, v + L2[seed]] }); } });
`;
const T4 = 2.776445; // Student t, 97.5 % quantile, 4 degrees of freedom (tables)
const tCi = (d: number[]) => {
  const m = d.reduce((a, b) => a + b, 0) / d.length, s = Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / (d.length - 1));
  return { m, s, lo: m - (T4 * s) / Math.sqrt(d.length), hi: m + (T4 * s) / Math.sqrt(d.length) };
};
/** The rows of a stage's output table, read from its view (Parquet). */
const rows = async (node: string, output: string) => {
  const t = await readTableFile(rig.path(`artifacts/views/a/${node}/${output}.parquet`));
  return t.toArray().map((r) => r.toJSON() as Record<string, any>);
};

const rigWith = (pipeline: string, experiment: string) => new Rig({ "stages/t-measure.ts": tMeasure, "pipelines/p.yaml": pipeline, "experiments.yaml": `default: a\nexperiments:\n  a:\n    pipeline: p\n${experiment}` });
const show = async (node: string) => JSON.parse((await rig.lcl(["show", "a", node, "--json", "--rows", "50"])).stdout)[0];

describe("seed-comparison through the CLI", () => {
  it("one node's sweep: per-condition CI and the paired difference over seeds, resolved where the CI excludes 0", async () => {
    rig = rigWith(`nodes:
  m: { uses: t-measure }
  cmp: { uses: seed-comparison, inputs: { tables: m.table }, params: { metrics: [ { name: v1, column: value, where: { layer: 1 } } ] } }
`, "    matrix:\n      m: { effect: [0.02, 0], seed: [0, 1, 2, 3, 4] }\n");
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const rec = await show("cmp");
    const expected = tCi(NOISE.map((n) => 0.02 * (1 + n)));
    expect(rec.metrics["v1[effect=0.02 − effect=0]"]).toBeCloseTo(expected.m, 10);
    const [d] = await rows("cmp", "differences");
    expect(d).toMatchObject({ metric: "v1", a: "effect=0.02", b: "effect=0", n: 5, resolved: true, seeds: "0;1;2;3;4" });
    expect(d!.diff).toBeCloseTo(expected.m, 10);
    expect(d!.sd).toBeCloseTo(expected.s, 10);
    expect(d!.ci_lo).toBeCloseTo(expected.lo, 5);
    expect(d!.ci_hi).toBeCloseTo(expected.hi, 5);
    // Per condition: the seed effect dominates, so the two conditions' own CIs overlap widely.
    const c = await rows("cmp", "conditions");
    expect(c.map((x) => [x.condition, x.n])).toEqual([["effect=0.02", 5], ["effect=0", 5]]);
    const plain = tCi(BASE);
    expect(c[1]!.mean).toBeCloseTo(plain.m, 10);
    expect(c[1]!.ci_lo).toBeCloseTo(plain.lo, 5);
    expect(c[0]!.ci_lo).toBeLessThan(c[1]!.ci_hi);
    expect((await rows("cmp", "observations")).length).toBe(10);
  });

  it("a list of nodes: each node is a condition, seeds pair across nodes by value; layers of one table compare through `by`", async () => {
    rig = rigWith(`nodes:
  lcl: { uses: t-measure, params: { effect: 0.03 } }
  base: { uses: t-measure }
  cmp: { uses: seed-comparison, inputs: { tables: [lcl.table, base.table] }, params: { metrics: [ { name: v, column: value, where: { layer: { lt: 2 } } } ] } }
  layers: { uses: seed-comparison, inputs: { tables: lcl.table }, params: { by: [layer], pairs: [[layer=2, layer=1]], metrics: [ { name: v, column: value } ] } }
`, "    matrix:\n      lcl: { seed: [0, 1, 2, 3, 4] }\n      base: { seed: [0, 1, 2, 3, 4] }\n");
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const [d] = await rows("cmp", "differences");
    expect(d).toMatchObject({ a: "lcl", b: "base", n: 5, resolved: true });
    expect(d!.diff).toBeCloseTo(tCi(NOISE.map((n) => 0.03 * (1 + n))).m, 10);
    const [l] = await rows("layers", "differences");
    const l2 = tCi(L2);
    expect(l).toMatchObject({ a: "layer=2", b: "layer=1", n: 5, resolved: true });
    expect(l!.diff).toBeCloseTo(l2.m, 10);
    expect(l!.ci_lo).toBeCloseTo(l2.lo, 5);
  });

  it("says which seeds cannot be paired, and compares on the common ones with missing: drop", async () => {
    const pipeline = (extra: string) => `nodes:
  a1: { uses: t-measure, params: { effect: 0.03 } }
  b1: { uses: t-measure }
  cmp: { uses: seed-comparison, inputs: { tables: [a1.table, b1.table] }, params: { metrics: [ { name: v, column: value } ]${extra} } }
`;
    const exp = "    matrix:\n      a1: { seed: [0, 1, 2, 3, 4] }\n      b1: { seed: [0, 1, 2] }\n";
    rig = rigWith(pipeline(""), exp);
    const r = await rig.lcl(["run"]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/cannot pair a1 with b1: seed 3 \(only in a1\), 4 \(only in a1\) has no partner.*missing: drop/s);
    rig.write("pipelines/p.yaml", pipeline(", missing: drop"));
    expect((await rig.lcl(["run"])).code).toBe(0);
    const [d] = await rows("cmp", "differences");
    expect(d).toMatchObject({ n: 3, seeds: "0;1;2" });
    // No seed axis (a one-seed experiment of the same pipeline): n = 1, unbounded, never resolved.
    rig.write("pipelines/p.yaml", pipeline(", seed: [replicate], condition: [nothing]"));
    expect((await rig.lcl(["plan"])).code).toBe(0);
    const bad = await rig.lcl(["run"]);
    expect(bad.stdout + bad.stderr).toMatch(/params\.condition names 'nothing', which no variant's sweep point has/);
    rig.write("pipelines/p.yaml", pipeline(", seed: [replicate]"));
    rig.write("experiments.yaml", "default: a\nexperiments:\n  a:\n    pipeline: p\n");
    expect((await rig.lcl(["run"])).code).toBe(0);
    const [one] = await rows("cmp", "differences");
    expect(one).toMatchObject({ n: 1, resolved: false, ci_lo: -Infinity, ci_hi: Infinity });
  });
});
