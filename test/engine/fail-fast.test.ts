import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";

let rig: Rig;
afterEach(() => rig?.dispose());

describe("without --keep-going", () => {
  it("a stage queued for a slot does not start after another stage has failed", async () => {
    rig = new Rig({
      "pipelines/p.yaml": "nodes:\n  dies: { uses: t-busy, params: { crash: true } }\n  b: { uses: t-busy, params: { ms: 10, seed: 1 } }\n  c: { uses: t-busy, params: { ms: 10, seed: 2 } }\n",
      "experiments.yaml": "experiments:\n  e: { pipeline: p }\n",
    }, { toyStages: true });
    const r = await rig.lcl(["run", "-j", "1"]);
    expect(r.code).toBe(1);
    expect(rig.statuses()).toEqual({ dies: "failed", b: "skipped", c: "skipped" });
  });
});

describe("a stage that calls process.exit", () => {
  it.each([["on a stage thread (the default)", ""], ["inline, on lcl's own thread", 'isolation: "inline", ']])("%s fails that stage (exit 1, run record written) instead of ending lcl with its exit code", async (_, isolation) => {
    rig = new Rig({
      "stages/t-exit.ts": `import { defineStage, port, Schema } from "lcl";
export default defineStage({ name: "t-exit", version: 1, description: "exits", ${isolation}params: Schema.Struct({}), inputs: {}, outputs: { out: port.json() },
  async run() { process.exit(3); } });
`,
      "pipelines/p.yaml": "nodes:\n  x: { uses: t-exit }\n  ok: { uses: t-source }\n",
      "experiments.yaml": "experiments:\n  e: { pipeline: p }\n",
    }, { toyStages: true });
    const r = await rig.lcl(["run", "--keep-going"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/process\.exit\(3\)/);
    expect(rig.statuses()).toEqual({ x: "failed", ok: "ran" });
  });
});

describe("a JSON output holding NaN", () => {
  it("fails naming the output and the key", async () => {
    rig = new Rig({
      "stages/t-nan.ts": `import { defineStage, port, Schema } from "lcl";
export default defineStage({ name: "t-nan", version: 1, description: "NaN", params: Schema.Struct({}), inputs: {}, outputs: { stats: port.json() },
  async run(ctx) { await ctx.outputs.stats.write({ fit: { r2: [0.5, NaN] } }); } });
`,
      "pipelines/p.yaml": "nodes:\n  x: { uses: t-nan }\n",
      "experiments.yaml": "experiments:\n  e: { pipeline: p }\n",
    }, { toyStages: true });
    const r = await rig.lcl(["run"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/output 'stats': canonical JSON cannot hold NaN \(at fit\.r2\[1\]\)/);
  });
});

describe("stage timeouts", () => {
  it("--timeout stops a stage that runs too long and fails it with the limit; a node's resources.time does too", async () => {
    rig = new Rig({
      "pipelines/p.yaml": "nodes:\n  slow: { uses: t-busy, params: { ms: 60000 } }\n",
      "experiments.yaml": "experiments:\n  e: { pipeline: p }\n",
    }, { toyStages: true });
    let t0 = Date.now();
    const r = await rig.lcl(["run", "--timeout", "0:02"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/timed out after 2 s/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(rig.statuses()).toEqual({ slow: "failed" });
    rig.write("pipelines/p.yaml", "nodes:\n  slow: { uses: t-busy, params: { ms: 60000 }, resources: { time: \"0:02\" } }\n");
    t0 = Date.now();
    const y = await rig.lcl(["run"]);
    expect(y.code, y.stderr).toBe(1);
    expect(y.stderr).toMatch(/timed out after 2 s/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect((await rig.lcl(["run", "--timeout", "soon"])).code).toBe(2);
  });
});
