import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";

/**
 * status/plan/why/no-op run answer from each kind's manifest (.lcl/cache/kinds.v1.json) instead of
 * importing the stage module (and what it computes with). The module marks every import in a file,
 * so these tests see exactly when it was imported.
 */
const stage = (version: number, extra = "") => `
import { appendFileSync } from "node:fs";
import { defineStage, param, port, Schema } from "lcl";
appendFileSync(process.env.MARK_FILE!, "imported\\n");
export default defineStage({
  name: "t-mark", version: ${version}, description: "marks its imports${extra}",
  params: Schema.Struct({ n: param.int({ default: 3, min: 1 }), data: param.string({ default: "data.txt" }) }),
  inputs: {},
  outputs: { table: port.table({ id: "int32" }) },
  files: (p) => [p.data],
  async run(ctx) { await ctx.outputs.table.write({ id: new Int32Array(ctx.params.n).map((_, i) => i) }); },
});
`;
const experiments = (n: number | string) => `default: base\nexperiments:\n  base:\n    pipeline: p\n    params:\n      mark: { n: ${n} }\n`;

describe("stage kinds from their manifest", () => {
  let rig: Rig;
  afterEach(() => rig?.dispose());
  const setup = () => {
    rig = new Rig({ "stages/t-mark.ts": stage(1), "pipelines/p.yaml": "nodes:\n  mark: { uses: t-mark }\n", "experiments.yaml": experiments(3), "data.txt": "x" });
    return { MARK_FILE: rig.path("imports.log") };
  };
  const imports = () => (existsSync(rig.path("imports.log")) ? readFileSync(rig.path("imports.log"), "utf8").split("\n").filter(Boolean).length : 0);

  it("an unchanged tree is planned without importing the stage module, with the same answer", async () => {
    const env = setup();
    const first = await rig.lcl(["plan", "--json"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(imports()).toBe(1);
    const second = await rig.lcl(["plan", "--json"], env);
    expect(second.code, second.stderr).toBe(0);
    expect(imports()).toBe(1);
    expect(second.stdout).toBe(first.stdout);
    expect(rig.exists(".lcl/cache/kinds.v1.json")).toBe(true);
  });

  it("a no-op run and status after a run import nothing; the fingerprint is the same as with the module loaded", async () => {
    const env = setup();
    expect((await rig.lcl(["run", "-q"], env)).code).toBe(0);
    const after = imports();
    const noop = await rig.lcl(["run", "-q"], env);
    expect(noop.code, noop.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ mark: "cached" });
    const status = await rig.lcl(["status"], env);
    expect(status.stdout).toMatch(/cached\s+mark/);
    expect(imports()).toBe(after);
  });

  it("a changed stage file invalidates its manifest: imported again, and the change is seen", async () => {
    const env = setup();
    expect((await rig.lcl(["run", "-q"], env)).code).toBe(0);
    const before = imports();
    rig.write("stages/t-mark.ts", stage(2));
    const plan = await rig.lcl(["plan"], env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(imports()).toBe(before + 1);
    expect(plan.stdout).toMatch(/stage\.version: 1 → 2/);
  });

  it("a params value not decoded before imports the module; a bad one is still diagnosed", async () => {
    const env = setup();
    expect((await rig.lcl(["plan"], env)).code).toBe(0);
    rig.write("experiments.yaml", experiments(5));
    expect((await rig.lcl(["plan"], env)).code).toBe(0);
    expect(imports()).toBe(2);
    rig.write("experiments.yaml", experiments(0));
    const bad = await rig.lcl(["plan"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/param 'n'/);
    rig.write("experiments.yaml", experiments(3));
    expect((await rig.lcl(["plan"], env)).code).toBe(0);
    expect(imports()).toBe(3); // n: 3 was decoded in the first plan: served from the manifest
  });
});
