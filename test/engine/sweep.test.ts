import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { files } from "./fixtures.js";

let rig: Rig;
afterEach(() => rig?.dispose());

const sweep = (factors: string, extra = "") => files(`  sweep:
    extends: base
    matrix:
      scale: { factor: [${factors}] }
${extra}`);

describe("sweeps", () => {
  it("fans a node and its downstream out with readable names; the join receives every variant", async () => {
    rig = new Rig(sweep("1, 2, 3"), { toyStages: true });
    const r = await rig.lcl(["run", "sweep"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ src: "ran", "scale[factor=1]": "ran", "scale[factor=2]": "ran", "scale[factor=3]": "ran", join: "ran" });
    const show = await rig.lcl(["show", "sweep", "join", "--json"]);
    const rec = JSON.parse(show.stdout)[0];
    expect(Object.keys(rec.data.inputs.tables)).toEqual(["scale[factor=1]", "scale[factor=2]", "scale[factor=3]"]);
    // Stable paths for tools outside lcl: views/<experiment>/<stage>/<output>.<ext>.
    const summary = JSON.parse(rig.read("artifacts/views/sweep/join/summary.json"));
    expect(summary.map((r: { label: string }) => r.label)).toEqual(["scale[factor=1]", "scale[factor=2]", "scale[factor=3]"]);
    expect(rig.exists("artifacts/views/sweep/scale[factor=2]/table.arrow")).toBe(true);
  });

  it("caches per variant: adding a value runs only the new variant and the join", async () => {
    rig = new Rig(sweep("1, 2"), { toyStages: true });
    expect((await rig.lcl(["run", "sweep"])).code).toBe(0);
    rig.write("experiments.yaml", sweep("1, 2, 4")["experiments.yaml"]);
    expect((await rig.lcl(["run", "sweep"])).code).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", "scale[factor=1]": "cached", "scale[factor=2]": "cached", "scale[factor=4]": "ran", join: "ran" });
    // The base experiment's scale (factor 2) is the very same computation as the sweep's factor=2 variant.
    expect((await rig.lcl(["run", "base"])).code).toBe(0);
    expect(rig.statuses()).toMatchObject({ src: "cached", scale: "cached" });
  });

  it("a failed variant shows as failed; --keep-going finishes the others; the fix resumes only what is missing", async () => {
    rig = new Rig(files(`  sweep:
    extends: base
    params:
      scale: { work_ms: 50 }
    matrix:
      scale: [ { factor: 1 }, { factor: 2, fail: true }, { factor: 3 } ]
`), { toyStages: true });
    const r = await rig.lcl(["run", "sweep", "--keep-going", "-j", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("asked to fail");
    expect(rig.statuses()).toEqual({ src: "ran", "scale[factor=1]": "ran", "scale[factor=2,fail=true]": "failed", "scale[factor=3]": "ran", join: "skipped" });
    const status = await rig.lcl(["status", "sweep"]);
    expect(status.stdout).toMatch(/failed\s+scale\[factor=2,fail=true\]/);
    rig.write("experiments.yaml", files(`  sweep:
    extends: base
    params:
      scale: { work_ms: 50 }
    matrix:
      scale: [ { factor: 1 }, { factor: 2, fail: false }, { factor: 3 } ]
`)["experiments.yaml"]);
    expect((await rig.lcl(["run", "sweep"])).code).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", "scale[factor=1]": "cached", "scale[factor=2,fail=false]": "ran", "scale[factor=3]": "cached", join: "ran" });
  });

  it("two swept nodes give a product, with each downstream instance wired to its own upstream variant", async () => {
    rig = new Rig(files(`  grid:
    extends: base
    matrix:
      src: { offset: [0, 10] }
      scale: { factor: [1, 2] }
`), { toyStages: true });
    const dag = await rig.lcl(["dag", "grid"]);
    expect(dag.code, dag.stderr).toBe(0);
    expect(dag.stdout).toContain("scale[offset=10,factor=2]  [t-scale]  table ← src[offset=10].table");
    expect(dag.stdout).toContain("join  [t-join]  tables ← [4 variants of scale.table]");
  });
});

describe("zip sweeps (one axis across several nodes)", () => {
  const twoScales = `nodes:
  src: { uses: t-source }
  first: { uses: t-scale, inputs: { table: src.table } }
  second: { uses: t-scale, inputs: { table: first.table } }
  join: { uses: t-join, inputs: { tables: second.table } }
`;
  const exps = (body: string) => `default: z\nexperiments:\n  z:\n    pipeline: p\n${body}`;

  it("sets params of several nodes in lockstep: 2 points, not 2 × 2; crosses with an ordinary matrix", async () => {
    rig = new Rig({ "pipelines/p.yaml": twoScales, "experiments.yaml": exps("    zip:\n      f: { first.factor: [1, 3], second.factor: [1, 3] }\n    matrix:\n      second: { label: [a, b] }\n") }, { toyStages: true });
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(rig.statuses()).sort()).toEqual([
      "first[f=1]", "first[f=3]", "join", "second[f=1,label=a]", "second[f=1,label=b]", "second[f=3,label=a]", "second[f=3,label=b]", "src"]);
    const rec = JSON.parse((await rig.lcl(["show", "z", "second[f=3,label=a]", "--json"])).stdout)[0];
    expect(rec.data.params.factor).toBe(3);
    expect(rec.metrics.sum).toBe(3 * JSON.parse((await rig.lcl(["show", "z", "first[f=3]", "--json"])).stdout)[0].metrics.sum);
  });

  it("rejects unequal lists, unknown nodes and a param swept twice, with file:line and a fix", async () => {
    rig = new Rig({ "pipelines/p.yaml": twoScales, "experiments.yaml": exps("    zip:\n      f: { first.factor: [1, 3], secnd.factor: [1] }\n") }, { toyStages: true });
    let r = await rig.lcl(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/experiments\.yaml:\d+:\d+.*no node 'secnd'.*did you mean 'second\.factor'/s);
    expect(r.stderr).toMatch(/zip lists must be equally long/);
    rig.write("experiments.yaml", exps("    zip:\n      f: { first.factor: [1, 3], second.factor: [1, 3] }\n    matrix:\n      first: { factor: [5, 6] }\n"));
    r = await rig.lcl(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/first\.factor is swept both here and in matrix\.first/);
  });
});

describe("a join wired to a list of outputs", () => {
  const gather = (tables: string) => `nodes:
  src: { uses: t-source }
  a: { uses: t-scale, inputs: { table: src.table } }
  b: { uses: t-scale, inputs: { table: src.table }, params: { factor: 3 } }
  join: { uses: t-join, inputs: { tables: ${tables} } }
`;
  const exps = `default: z\nexperiments:\n  z:\n    pipeline: p\n    matrix:\n      src: { offset: [0, 10] }\n`;

  it("receives every variant of every listed node, in the listed order", async () => {
    rig = new Rig({ "pipelines/p.yaml": gather("[a.table, b.table]"), "experiments.yaml": exps }, { toyStages: true });
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const rec = JSON.parse((await rig.lcl(["show", "z", "join", "--json"])).stdout)[0];
    expect(Object.keys(rec.data.inputs.tables)).toEqual(["a[offset=0]", "a[offset=10]", "b[offset=0]", "b[offset=10]"]);
    expect((await rig.lcl(["dag", "z"])).stdout).toContain("tables ← [4 variants of a.table + b.table]");
  });

  it("rejects a list on a plain input and a repeated output, pointing at the YAML", async () => {
    rig = new Rig({ "pipelines/p.yaml": gather("[a.table, a.table]").replace("inputs: { table: src.table }, params", "inputs: { table: [src.table] }, params"), "experiments.yaml": exps }, { toyStages: true });
    const r = await rig.lcl(["plan"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipelines\/p\.yaml:\d+:\d+.*input 'table' of 't-scale' takes one <node>\.<output>, not a list/s);
    expect(r.stderr).toMatch(/input 'tables' lists a\.table twice/);
  });
});
