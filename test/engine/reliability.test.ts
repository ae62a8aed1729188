import { readdirSync, readFileSync, writeFileSync, existsSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { files, pipeline } from "./fixtures.js";

let rig: Rig;
afterEach(() => rig?.dispose());

function objects(r: Rig): string[] {
  const dir = r.path("artifacts/objects");
  return readdirSync(dir).flatMap((d) => readdirSync(path.join(dir, d)).map((f) => path.join(dir, d, f)));
}
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
const waitFor = async (cond: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error("timed out"); await new Promise((r) => setTimeout(r, 25)); }
};

const twoBranches = {
  "pipelines/p.yaml": `nodes:
  a: { uses: t-busy, params: { ms: 1500, seed: 1 } }
  b: { uses: t-busy, params: { ms: 1500, seed: 2 } }
`,
  "experiments.yaml": "experiments:\n  two: { pipeline: p }\n",
};

describe("reliability", () => {
  it("independent CPU-bound branches run at the same time in separate processes", async () => {
    rig = new Rig(twoBranches, { toyStages: true });
    const r = await rig.lcl(["run", "-j", "2"]);
    expect(r.code, r.stderr).toBe(0);
    const { a, b } = rig.lastRun().stages;
    const [as, ae, bs, be] = [a!.startedAt!, a!.finishedAt!, b!.startedAt!, b!.finishedAt!].map(Date.parse) as [number, number, number, number];
    expect(Math.max(as, bs)).toBeLessThan(Math.min(ae, be)); // the busy intervals intersect
    // With one job they run one after the other.
    rig.write("pipelines/p.yaml", twoBranches["pipelines/p.yaml"].replace(/ms: 1500/g, "ms: 300"));
    expect((await rig.lcl(["run", "-j", "1"])).code).toBe(0);
    const s = rig.lastRun().stages;
    const [first, second] = [s.a!, s.b!].sort((x, y) => Date.parse(x.startedAt!) - Date.parse(y.startedAt!));
    expect(Date.parse(second!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(first!.finishedAt!) - 5);
  });

  it("a stage process that dies fails only that stage", async () => {
    rig = new Rig({
      "pipelines/p.yaml": "nodes:\n  ok: { uses: t-busy, params: { ms: 10 } }\n  dies: { uses: t-busy, params: { crash: true } }\n",
      "experiments.yaml": "experiments:\n  two: { pipeline: p }\n",
    }, { toyStages: true });
    const r = await rig.lcl(["run", "--keep-going"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("stage process died (exit code 7)");
    expect(rig.statuses()).toEqual({ ok: "ran", dies: "failed" });
  });

  it("detects a corrupted object: verify quarantines it, and the next run recomputes that stage", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    const show = JSON.parse((await rig.lcl(["show", "src", "--json"])).stdout)[0];
    const obj = path.join(rig.path("artifacts/objects"), show.outputs.table.object.slice(0, 2), show.outputs.table.object.slice(2));
    const bytes = readFileSync(obj);
    bytes[bytes.length - 9]! ^= 0xff;
    writeFileSync(obj, bytes);
    const v = await rig.lcl(["verify"]);
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/corrupt [0-9a-f]{64}/);
    expect(existsSync(obj)).toBe(false);
    expect(readdirSync(rig.path("artifacts/quarantine"))).toHaveLength(1);
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ src: "ran", scale: "cached", join: "cached" }); // same bytes again → early cutoff
    expect((await rig.lcl(["verify"])).code).toBe(0);
  });

  it("never serves a corrupt object to a downstream stage", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    const show = JSON.parse((await rig.lcl(["show", "src", "--json"])).stdout)[0];
    const obj = path.join(rig.path("artifacts/objects"), show.outputs.table.object.slice(0, 2), show.outputs.table.object.slice(2));
    const bytes = readFileSync(obj); bytes[bytes.length - 9]! ^= 0xff; writeFileSync(obj, bytes);
    const r = await rig.lcl(["run", "--force", "scale"]);
    expect(r.code, r.stderr).toBe(0); // the input is checked before scale reads it: src recomputes in this run
    expect(readdirSync(rig.path("artifacts/quarantine"))).toHaveLength(1); // the bad bytes were quarantined, never served
    expect(rig.statuses()).toMatchObject({ src: "ran", scale: "ran" });
    expect(sha(obj)).toBe(show.outputs.table.object);
  });

  it("two concurrent runs never compute the same stage twice", async () => {
    rig = new Rig({ "pipelines/p.yaml": pipeline.replace("uses: t-source", "uses: t-source\n    params: { work_ms: 800 }"), "experiments.yaml": "default: base\nexperiments:\n  base: { pipeline: p }\n" }, { toyStages: true });
    const [x, y] = await Promise.all([rig.lcl(["run"]), rig.lcl(["run"])]);
    expect(x.code, x.stderr).toBe(0);
    expect(y.code, y.stderr).toBe(0);
    const runs = readdirSync(rig.path("artifacts/runs")).map((f) => JSON.parse(readFileSync(rig.path("artifacts/runs", f), "utf8")));
    for (const id of ["src", "scale", "join"]) {
      expect(runs.filter((r) => r.stages[id].status === "ran"), id).toHaveLength(1);
    }
  });

  it("kill -9 mid-run leaves no partial object, and the next run resumes from finished stages", async () => {
    rig = new Rig({ "pipelines/p.yaml": pipeline.replace("uses: t-scale", "uses: t-scale\n    params: { work_ms: 60000 }"), "experiments.yaml": "default: base\nexperiments:\n  base: { pipeline: p }\n" }, { toyStages: true });
    const child = rig.spawn(["run"]);
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    await waitFor(() => existsSync(rig.path("artifacts/locks/stages")) && readdirSync(rig.path("artifacts/locks/stages")).length > 0 && /✓ src|▶ scale/.test(err));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    for (const o of objects(rig)) expect(sha(o)).toBe(path.basename(path.dirname(o)) + path.basename(o));
    // Resume without the slow param: the finished source is reused, the stale lease is recovered automatically.
    rig.write("pipelines/p.yaml", pipeline);
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", scale: "ran", join: "ran" });
  });

  it("gc frees what nothing references and keeps what refs use", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    rig.write("experiments.yaml", files("    params:\n      scale: { factor: 5 }\n")["experiments.yaml"]);
    expect((await rig.lcl(["run"])).code).toBe(0);
    const before = objects(rig).length;
    // Within the grace period (default 24 h) nothing is freed, referenced or not.
    expect((await rig.lcl(["gc", "--dry-run", "--keep-runs", "0"])).stdout).toMatch(/would free .*: 0 objects, 0 stage records/);
    const dry = await rig.lcl(["gc", "--dry-run", "--keep-runs", "0", "--grace-hours", "0"]);
    expect(dry.stdout).toMatch(/would free .*: 2 objects, 2 stage records/);
    expect(objects(rig)).toHaveLength(before);
    const real = await rig.lcl(["gc", "--keep-runs", "0", "--grace-hours", "0"]);
    expect(real.code, real.stderr).toBe(0);
    expect(objects(rig)).toHaveLength(before - 2);
    const again = await rig.lcl(["run"]);
    expect(again.code).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", scale: "cached", join: "cached" });
    expect((await rig.lcl(["verify"])).code).toBe(0);
    const refDirs = readdirSync(rig.path("artifacts/refs"));
    expect(refDirs).toHaveLength(1); // one folder: this workspace's refs
    expect(statSync(rig.path("artifacts/refs", refDirs[0]!, "base.json")).isFile()).toBe(true);
  });
});

describe("interruption", () => {
  it("Ctrl-C stops running stages cleanly, records the run as interrupted and keeps finished work", async () => {
    rig = new Rig({ "pipelines/p.yaml": pipeline.replace("uses: t-scale", "uses: t-scale\n    params: { work_ms: 60000 }"), "experiments.yaml": "default: base\nexperiments:\n  base: { pipeline: p }\n" }, { toyStages: true });
    const child = rig.spawn(["run"]);
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    await waitFor(() => /▶ scale/.test(err));
    const t0 = Date.now();
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("close", r));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(code, err).toBe(130);
    expect(rig.lastRun().status).toBe("interrupted");
    expect(rig.statuses()).toMatchObject({ src: "ran", scale: "interrupted" });
    expect(readdirSync(rig.path("artifacts/locks/stages"))).toEqual([]); // leases released
    rig.write("pipelines/p.yaml", pipeline);
    expect((await rig.lcl(["run"])).code).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", scale: "ran", join: "ran" });
  });
});
