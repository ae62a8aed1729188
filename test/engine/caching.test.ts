import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { files, experiments } from "./fixtures.js";

let rig: Rig;
afterEach(() => rig?.dispose());

describe("rerun only what changed", () => {
  it("runs everything once, then nothing, then only the changed branch", async () => {
    rig = new Rig(files(), { toyStages: true });
    const first = await rig.lcl(["run"]);
    expect(first.code, first.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ src: "ran", scale: "ran", join: "ran" });

    const again = await rig.lcl(["run"]);
    expect(again.code).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", scale: "cached", join: "cached" });

    rig.write("experiments.yaml", experiments("    params:\n      scale: { factor: 3 }\n"));
    const plan = await rig.lcl(["plan"]);
    expect(plan.stdout).toMatch(/stale\s+scale/);
    expect(plan.stdout).toContain("params.factor: 2 → 3");
    expect(plan.stdout).not.toMatch(/src/);
    const why = await rig.lcl(["why", "base", "scale"]);
    expect(why.stdout).toContain("params.factor: 2 → 3");

    expect((await rig.lcl(["run"])).code).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", scale: "ran", join: "ran" });
  });

  it("early cutoff: a rerun with identical outputs leaves downstream cached", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    rig.write("experiments.yaml", experiments("    params:\n      scale: { label: renamed }\n"));
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", scale: "ran", join: "cached" });
    expect(r.stderr).toContain("outputs unchanged");
  });

  it("why names code changes by function, and ignores comment/format-only edits", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    const src = rig.read("stages/t-scale.ts");
    rig.write("stages/t-scale.ts", src.replace("function scale(x: number, f: number) {", "// a new comment\nfunction   scale(x: number,f: number)   {\n\n"));
    const cosmetic = await rig.lcl(["why", "scale"]);
    expect(cosmetic.stdout).toContain("cached");
    rig.write("stages/t-scale.ts", src.replace("return x * f;", "return x * f + 1;"));
    const why = await rig.lcl(["why", "scale"]);
    expect(why.stdout).toMatch(/code: stages\/t-scale\.ts changed \(function scale\)/);
    rig.write("stages/t-scale.ts", src.replace('throw new Error("asked to fail")', 'throw new Error("asked to fail!")'));
    expect((await rig.lcl(["why", "scale"])).stdout).toMatch(/code: stages\/t-scale\.ts changed \(export default\)/);
  });

  it("why reports an upstream output change as an input hash change", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    rig.write("experiments.yaml", experiments("    params:\n      src: { offset: 5 }\n"));
    const pending = await rig.lcl(["why", "scale"]);
    expect(pending.stdout).toMatch(/pending[\s\S]*waits for src/);
    expect((await rig.lcl(["run", "base", "src"])).code).toBe(0);
    expect(rig.statuses()).toEqual({ src: "ran" });
    const why = await rig.lcl(["why", "scale"]);
    expect(why.stdout).toMatch(/input table: [0-9a-f]{10}… → [0-9a-f]{10}…/);
  });

  it("why reports a backend change for stages that declare they depend on it", async () => {
    rig = new Rig({
      "pipelines/p.yaml": "nodes:\n  src: { uses: t-source }\n  info: { uses: t-backend, inputs: { table: src.table } }\n",
      "experiments.yaml": "experiments:\n  b: { pipeline: p }\n",
    }, { toyStages: true });
    expect((await rig.lcl(["run"], { LCL_BACKEND: "cpu" })).code).toBe(0);
    const why = await rig.lcl(["why", "b", "info"], { LCL_BACKEND: "wasm" });
    expect(why.stdout).toMatch(/backend: cpu@4\.22\.0 → wasm@4\.22\.0(\+simd)?/);
    const src = await rig.lcl(["why", "b", "src"], { LCL_BACKEND: "wasm" });
    expect(src.stdout).toContain("cached"); // backend-independent stages keep their cache
  });
});

describe("user-supplied files", () => {
  const ws = (p: string) => ({
    "pipelines/f.yaml": "nodes:\n  read: { uses: t-files }\n",
    "experiments.yaml": `experiments:\n  f:\n    pipeline: f\n    params:\n      read: { path: ${p} }\n`,
  });

  it("enter the fingerprint by content: an edited file reruns the stage and why names it", async () => {
    rig = new Rig({ ...ws("data"), "data/a.txt": "1\n2\n", "data/b.txt": "x\n", "data/.hidden": "ignored" }, { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    rig.write("data/.hidden", "still ignored");
    expect((await rig.lcl(["why", "read"])).stdout).toContain("cached");
    rig.write("data/b.txt", "x\ny\n");
    const why = await rig.lcl(["why", "read"]);
    expect(why.stdout).toMatch(/file data\/b\.txt: changed \([0-9a-f]{10}… → [0-9a-f]{10}…\)/);
    rig.write("data/c.txt", "new");
    expect((await rig.lcl(["why", "read"])).stdout).toContain("file data/c.txt: added");
    expect((await rig.lcl(["run"])).code).toBe(0);
    expect(rig.statuses()).toEqual({ read: "ran" });
  });

  it("paths may not leave the workspace, and missing ones are reported before running", async () => {
    rig = new Rig(ws("../etc"), { toyStages: true });
    const out = await rig.lcl(["run"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("experiments.yaml:5:21: experiments.f.params.read.path: path '../etc' leaves the workspace");
    rig.write("experiments.yaml", ws("nope")["experiments.yaml"]);
    const missing = await rig.lcl(["run"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file or folder 'nope'");
  });
});

describe("determinism", () => {
  it("a fresh store reproduces the same fingerprints and bit-identical objects (seeded RNG)", async () => {
    rig = new Rig({
      "pipelines/d.yaml": "nodes:\n  numbers: { uses: toy-numbers, params: { n: 500 } }\n  scale: { uses: toy-scale, inputs: { table: numbers.table } }\n  summary: { uses: toy-summary, inputs: { tables: scale.table } }\n",
      "experiments.yaml": "experiments:\n  d: { pipeline: d }\n",
    });
    const snapshot = async () => {
      expect((await rig.lcl(["run"])).code).toBe(0);
      return JSON.parse((await rig.lcl(["show", "d", "summary", "--json"])).stdout).concat(
        JSON.parse((await rig.lcl(["show", "d", "numbers", "--json"])).stdout)).map((r: any) => [r.fingerprint, Object.values(r.outputs).map((o: any) => o.object)]);
    };
    const first = await snapshot();
    (await import("node:fs")).rmSync(rig.path("artifacts"), { recursive: true });
    expect(await snapshot()).toEqual(first);
  });
});

describe("determinism audit", () => {
  it("--force on a stored result reports a stage whose outputs change under the same fingerprint", async () => {
    rig = new Rig({
      "pipelines/r.yaml": "nodes:\n  good: { uses: t-random }\n  bad: { uses: t-random, params: { seeded: false } }\n",
      "experiments.yaml": "experiments:\n  r: { pipeline: r }\n",
    }, { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    const r = await rig.lcl(["run", "--force", "good", "--force", "bad"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/⚠ bad same fingerprint, different table: this stage is not deterministic/);
    expect(r.stderr).not.toMatch(/⚠ good/);
  });
});

describe("seeded randomness and early cutoff", () => {
  it("a refactor of a random stage that keeps the math reruns it, reproduces its draws, and leaves downstream cached", async () => {
    rig = new Rig({
      "pipelines/r.yaml": "nodes:\n  draw: { uses: t-random }\n  scale: { uses: t-scale, inputs: { table: draw.table } }\n",
      "experiments.yaml": "experiments:\n  r: { pipeline: r }\n",
    }, { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    const before = JSON.parse((await rig.lcl(["show", "r", "draw", "--json"])).stdout)[0];
    rig.write("stages/t-random.ts", rig.read("stages/t-random.ts").replace("const draw =", "const pick =").replace("Float64Array.from({ length: 10 }, draw)", "Float64Array.from({ length: 10 }, pick)"));
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ draw: "ran", scale: "cached" });
    const after = JSON.parse((await rig.lcl(["show", "r", "draw", "--json"])).stdout)[0];
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(after.outputs.table.logical).toBe(before.outputs.table.logical);
  });
});

