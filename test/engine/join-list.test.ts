import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { experiments } from "./fixtures.js";

let rig: Rig;
afterEach(() => rig?.dispose());

/** Two different nodes (one swept) feeding one join port through a list. */
const pipeline = (joinInputs: string) => `
nodes:
  src: { uses: t-source }
  a: { uses: t-scale, inputs: { table: src.table }, params: { factor: 2 } }
  b: { uses: t-scale, inputs: { table: src.table }, params: { factor: 3 } }
  join: { uses: t-join, inputs: { tables: ${joinInputs} } }
`;

describe("a join port wired to a list of outputs", () => {
  it("receives every variant of each listed node, in the order listed", async () => {
    rig = new Rig({ "pipelines/p.yaml": pipeline("[b.table, a.table]"), "experiments.yaml": experiments(`  swept:
    extends: base
    matrix:
      a: { factor: [1, 4] }
`) }, { toyStages: true });
    expect((await rig.lcl(["run", "swept"])).code).toBe(0);
    const summary = JSON.parse(rig.read("artifacts/views/swept/join/summary.json")) as { label: string; sum: number }[];
    expect(summary.map((r) => r.label)).toEqual(["b", "a[factor=1]", "a[factor=4]"]);
    // sums scale with each variant's factor: the join really read each one's table
    expect(summary[2]!.sum / summary[1]!.sum).toBeCloseTo(4, 9);
    expect(summary[0]!.sum / summary[1]!.sum).toBeCloseTo(3, 9);
    const dag = await rig.lcl(["dag", "swept", "--format", "text"]);
    expect(dag.stdout).toMatch(/tables ← \[3 variants of b\.table \+ a\.table\]/);
  });

  it("is refused on a port that takes one input, and when empty", async () => {
    rig = new Rig({ "pipelines/p.yaml": pipeline("[a.table]").replace("table: src.table }, params: { factor: 2 }", "table: [src.table] }, params: { factor: 2 }"), "experiments.yaml": experiments() }, { toyStages: true });
    const r = await rig.lcl(["run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/takes one <node>\.<output>, not a list/);
    rig.write("pipelines/p.yaml", pipeline("[]"));
    const e = await rig.lcl(["run"]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/empty list/);
  });
});
