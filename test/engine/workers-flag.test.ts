import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";

let rig: Rig;
afterEach(() => rig?.dispose());

// A stage that reports the worker count it was given, as training stages record it in their metrics.
const files = {
  "stages/t-workers.ts": `import { defineStage, port, Schema } from "lcl";
export default defineStage({ name: "t-workers", version: 1, description: "reports LCL_WORKERS", params: Schema.Struct({}), inputs: {}, outputs: { out: port.json() },
  async run(ctx) { ctx.log("workers=" + (process.env.LCL_WORKERS ?? "unset")); await ctx.outputs.out.write({ workers: process.env.LCL_WORKERS ?? null }); } });
`,
  "pipelines/p.yaml": "nodes:\n  w: { uses: t-workers }\n",
  "experiments.yaml": "experiments:\n  e: { pipeline: p }\n",
};

describe("lcl run --workers", () => {
  it("reaches the stage as LCL_WORKERS and is not part of the fingerprint (another count reuses the result)", async () => {
    rig = new Rig(files, { toyStages: true });
    const first = await rig.lcl(["run", "--workers", "3", "--verbose"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout + first.stderr).toMatch(/workers=3/);
    const fp = rig.lastRun().stages.w!.fingerprint;
    const second = await rig.lcl(["run", "--workers", "1"]);
    expect(second.code, second.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ w: "cached" });
    expect(rig.lastRun().stages.w!.fingerprint).toBe(fp);
  });

  it("rejects a count below 1 with a usage error (exit 2) and a fix", async () => {
    rig = new Rig(files, { toyStages: true });
    const r = await rig.lcl(["run", "--workers", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--workers 0.*whole number/);
    expect(r.stderr).toMatch(/--workers 2/);
  });
});
