import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LCL_ROOT, Rig } from "../helpers/rig.js";

/**
 * What the README promises, checked as a user would meet it: every experiment in the repository's
 * experiments.yaml plans cleanly, and the "5-minute tour" commands work on the toy demo. The
 * workspace has lcl's own experiments.yaml and pipelines/ (the built-in stage kinds come with lcl).
 */

let rig: Rig;
const lcl = async (...args: string[]) => {
  const r = await rig.lcl(args);
  expect(r.code, `lcl ${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
};

beforeAll(() => {
  const files: Record<string, string> = { "experiments.yaml": readFileSync(path.join(LCL_ROOT, "experiments.yaml"), "utf8") };
  for (const f of readdirSync(path.join(LCL_ROOT, "pipelines"))) files[`pipelines/${f}`] = readFileSync(path.join(LCL_ROOT, "pipelines", f), "utf8");
  rig = new Rig(files);
});
afterAll(() => rig?.dispose());

describe("the README's promises", () => {
  it("every experiment in experiments.yaml plans cleanly", async () => {
    const names = [...readFileSync(rig.path("experiments.yaml"), "utf8").matchAll(/^ {2}([a-z0-9][a-z0-9-]*):\s*$/gm)].map((m) => m[1]!);
    expect(names).toContain("demo");
    for (const name of names) {
      const plan = JSON.parse(await lcl("plan", name, "--json")) as { id: string; status: string }[];
      expect(plan.length, name).toBeGreaterThan(0);
      // Nothing has run in this workspace: each stage either has a key (missing) or waits for one (pending).
      for (const s of plan) expect(["missing", "pending"], `${name} ${s.id}`).toContain(s.status);
    }
  }, 300_000);

  it("the tour: plan, run, why, diff, dag, runs, show, schema, report", async () => {
    expect(await lcl("plan", "demo")).toMatch(/missing\s+numbers[\s\S]*never run in this experiment/);
    await lcl("run", "demo");
    expect(await lcl("why", "demo", "scale")).toMatch(/scale: cached[\s\S]*nothing it depends on changed/);
    await lcl("run", "demo-sweep");
    const diff = await lcl("diff", "demo", "demo-sweep");
    expect(diff).toMatch(/~ summary/);
    expect(await lcl("dag", "demo", "--format", "mermaid")).toMatch(/^flowchart LR\n[\s\S]*numbers[\s\S]*scale[\s\S]*summary/);
    expect(await lcl("dag", "demo", "--format", "dot")).toMatch(/^digraph "demo" \{[\s\S]*->[\s\S]*\}\s*$/);
    const runs = (await lcl("runs")).trim().split("\n");
    expect(runs.map((l) => l.split(/\s+/)[1])).toEqual(["demo", "demo-sweep"]);
    for (const l of runs) expect(l).toMatch(/\bok\b/);

    const summary = (JSON.parse(await lcl("status", "demo", "--json")) as { id: string; fingerprint: string }[]).find((s) => s.id === "summary")!;
    const show = await lcl("show", summary.fingerprint.slice(0, 10), "--rows", "2");
    expect(show).toContain("summary (toy-summary");
    expect(show).toContain(summary.fingerprint);

    await lcl("schema", "--out", "editor");
    for (const f of ["experiments.schema.json", "pipeline.schema.json"]) expect(JSON.parse(rig.read(`editor/${f}`))).toHaveProperty("$schema");

    await lcl("report", "demo", "--against", "demo-sweep", "-o", "report.html");
    const html = rig.read("report.html");
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain("demo-sweep");
  }, 120_000);
});
