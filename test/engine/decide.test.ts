import { afterEach, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { Rig, type CliResult } from "../helpers/rig.js";
import { files, experiments, pipeline } from "./fixtures.js";

/**
 * `plan` (what would run, and why) and `run` (what ran, and why) must tell the same story: both
 * come from one decision. For each way a stage can need a rerun, the causes `plan --json` lists
 * are compared with the reason `run` prints on the stage's start line.
 */

let rig: Rig;
afterEach(() => rig?.dispose());

async function planned(id: string, command = "plan"): Promise<{ status: string; causes: string[] }> {
  const r = await rig.lcl([command, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  const entry = (JSON.parse(r.stdout) as { id: string; status: string; causes: string[] }[]).find((e) => e.id === id);
  expect(entry, `plan lists ${id}`).toBeDefined();
  return entry!;
}

/** The reason on `run`'s start line for `id` (non-TTY output: "▶ id (reason)"). */
function startReason(r: CliResult, id: string): string {
  const line = (r.stdout + r.stderr).split("\n").find((l) => l.startsWith(`▶ ${id} (`));
  expect(line, `run started ${id}:\n${r.stdout}${r.stderr}`).toBeDefined();
  return line!.slice(`▶ ${id} (`.length, -1);
}

/** Plan, then run: the run's reason is the plan's causes, in order. */
async function agree(id: string, args: string[] = []) {
  const plan = await planned(id);
  const run = await rig.lcl(["run", ...args]);
  const reason = startReason(run, id);
  expect(reason).toBe(plan.causes.join("; "));
  return { plan, reason, run };
}

describe("plan and run give the same reason", () => {
  it("a stage never run in this experiment", async () => {
    rig = new Rig(files(), { toyStages: true });
    const { plan } = await agree("src");
    expect(plan.status).toBe("missing");
    expect(plan.causes).toEqual(["never run in this experiment"]);
  });

  it("a param change", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    rig.write("experiments.yaml", experiments("    params:\n      scale: { factor: 3 }\n"));
    const { plan, reason } = await agree("scale");
    expect(plan.status).toBe("stale");
    expect(reason).toContain("params.factor: 2 → 3");
  });

  it("a code change, named by function", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    rig.write("stages/t-scale.ts", rig.read("stages/t-scale.ts").replace("return x * f;", "return x * f + 1;"));
    const { reason } = await agree("scale");
    expect(reason).toMatch(/code: stages\/t-scale\.ts changed \(function scale\)/);
  });

  it("an input change (its upstream already computed by another experiment)", async () => {
    const two = (offset: number) => `
default: base
experiments:
  base:
    pipeline: p
    params:
      src: { offset: ${offset} }
  other:
    pipeline: only-src
    params:
      src: { offset: 5 }
`;
    const onlySrc = "description: the source alone\nnodes:\n  src:\n    uses: t-source\n";
    rig = new Rig({ "pipelines/p.yaml": pipeline, "pipelines/only-src.yaml": onlySrc, "experiments.yaml": two(0) }, { toyStages: true });
    expect((await rig.lcl(["run", "base"])).code).toBe(0);
    expect((await rig.lcl(["run", "other"])).code).toBe(0);
    rig.write("experiments.yaml", two(5));
    // src is a cache hit (other's result); scale's key changes only through its input.
    expect((await planned("src", "status")).status).toBe("cached");
    const { plan, reason } = await agree("scale");
    expect(plan.status).toBe("stale");
    expect(reason).toMatch(/^input table: /);
  });

  it("outputs gone from the store (same fingerprint)", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    rmSync(rig.path("artifacts/objects"), { recursive: true, force: true });
    const { plan } = await agree("src");
    expect(plan.status).toBe("stale");
    expect(plan.causes.join(" ")).toMatch(/outputs are gone/);
  });

  it("records gone from the store (same fingerprint)", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    rmSync(rig.path("artifacts/stages"), { recursive: true, force: true });
    const { plan } = await agree("src");
    expect(plan.status).toBe("missing");
    expect(plan.causes.join(" ")).toMatch(/record is gone/);
  });

  it("the previous result gone and the key changed: the change cannot be named", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    rmSync(rig.path("artifacts/stages"), { recursive: true, force: true });
    rig.write("experiments.yaml", experiments("    params:\n      src: { offset: 1 }\n"));
    const { plan } = await agree("src");
    expect(plan.status).toBe("missing");
    expect(plan.causes.join(" ")).toMatch(/no longer in the store/);
  });

  it("failed last time with the same fingerprint", async () => {
    rig = new Rig(files(), { toyStages: true });
    rig.write("experiments.yaml", experiments("    params:\n      scale: { fail: true }\n"));
    expect((await rig.lcl(["run"])).code).not.toBe(0);
    const { plan, reason } = await agree("scale");
    expect(plan.status).toBe("failed");
    expect(reason).toContain("asked to fail");
  });

  it("failed last time, then changed: the change is named against the failed attempt", async () => {
    rig = new Rig(files(), { toyStages: true });
    rig.write("experiments.yaml", experiments("    params:\n      scale: { fail: true }\n"));
    expect((await rig.lcl(["run"])).code).not.toBe(0);
    rig.write("experiments.yaml", experiments("    params:\n      scale: { fail: true, factor: 3 }\n"));
    const { plan, reason } = await agree("scale");
    expect(plan.status).toBe("stale");
    expect(reason).toContain("params.factor: 2 → 3");
  });

  it("a forced rerun says so", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    const r = await rig.lcl(["run", "--force", "scale"]);
    expect(r.code, r.stderr).toBe(0);
    expect(startReason(r, "scale")).toMatch(/^forced/);
  });
});
