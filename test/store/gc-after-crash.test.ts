import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { pipeline } from "../engine/fixtures.js";

let rig: Rig;
afterEach(() => rig?.dispose());

const waitFor = async (cond: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error("timed out"); await new Promise((r) => setTimeout(r, 25)); }
};

/** Run with a stage that never finishes, and kill -9 the driver once the source stage is done. */
async function killAfterSource(r: Rig) {
  const child = r.spawn(["run"]);
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  // Killed once the source's result is registered (a kill in the milliseconds between a stage finishing and
  // its registration is what the grace period covers, tested below).
  const registered = () => { try { return readdirSync(r.path("artifacts/refs")).some((w) => readFileSync(r.path("artifacts/refs", w, "base.json"), "utf8").includes('"src"')); } catch { return false; } };
  await waitFor(() => /✓ src/.test(err) && /▶ scale/.test(err) && registered());
  child.kill("SIGKILL");
  await new Promise((res) => child.on("close", res));
  expect(existsSync(r.path("artifacts/runs")) ? readdirSync(r.path("artifacts/runs")) : []).toEqual([]); // the killed run wrote no run record
}

describe("gc after a killed run", () => {
  it("keeps the finished stages of a run killed with -9 (registered as they finish), even with no grace period", async () => {
    rig = new Rig({ "pipelines/p.yaml": pipeline.replace("uses: t-scale", "uses: t-scale\n    params: { work_ms: 60000 }"), "experiments.yaml": "default: base\nexperiments:\n  base: { pipeline: p }\n" }, { toyStages: true });
    await killAfterSource(rig);
    const g = await rig.lcl(["gc", "--keep-runs", "0", "--grace-hours", "0"]);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toMatch(/: 0 objects, 0 stage records/);
    rig.write("pipelines/p.yaml", pipeline);
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", scale: "ran", join: "ran" });
  });

  it("never frees results younger than the grace period, referenced or not", async () => {
    rig = new Rig({ "pipelines/p.yaml": pipeline.replace("uses: t-scale", "uses: t-scale\n    params: { work_ms: 60000 }"), "experiments.yaml": "default: base\nexperiments:\n  base: { pipeline: p }\n" }, { toyStages: true });
    await killAfterSource(rig);
    rmSync(rig.path("artifacts/refs"), { recursive: true }); // nothing references the source's result any more
    expect((await rig.lcl(["gc", "--keep-runs", "0"])).stdout).toMatch(/: 0 objects, 0 stage records/);
    expect((await rig.lcl(["gc", "--keep-runs", "0", "--grace-hours", "0"])).stdout).toMatch(/: 1 objects, 1 stage records/);
    expect((await rig.lcl(["gc", "--grace-hours", "-1"])).code).toBe(2);
  });
});
