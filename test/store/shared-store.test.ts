import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { files } from "../engine/fixtures.js";
import { refFiles, runsIn, statusesOf } from "./helpers.js";

let rigs: Rig[] = [];
let shared: string | undefined;
afterEach(() => { for (const r of rigs) r.dispose(); rigs = []; if (shared) rmSync(shared, { recursive: true, force: true }); shared = undefined; });

/** Two workspaces of one lab, each with an experiment called `base`, different params, one LCL_STORE. */
function twoWorkspaces() {
  shared = mkdtempSync(path.join(os.tmpdir(), "lcl-shared-store-"));
  const a = new Rig(files("    params:\n      scale: { factor: 2 }\n"), { toyStages: true });
  const b = new Rig(files("    params:\n      scale: { factor: 7 }\n"), { toyStages: true });
  rigs = [a, b];
  return { a, b, env: { LCL_STORE: shared } };
}

describe("a store shared by two workspaces", () => {
  it("keeps one ref per workspace and experiment, so gc in one never frees the other's current results", async () => {
    const { a, b, env } = twoWorkspaces();
    expect((await a.lcl(["run"], env)).code).toBe(0);
    expect((await b.lcl(["run"], env)).code).toBe(0);
    expect(refFiles(shared!)).toHaveLength(2); // not one `base.json` overwritten by the other workspace
    // gc from workspace b with no run history kept and no grace: only refs protect results.
    const g = await b.lcl(["gc", "--keep-runs", "0", "--grace-hours", "0"], env);
    expect(g.code, g.stderr).toBe(0);
    expect((await a.lcl(["status"], env)).stdout).not.toMatch(/missing|stale/);
    const again = await a.lcl(["run"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(statusesOf(runsIn(shared!).at(-1)!)).toEqual({ src: "cached", scale: "cached", join: "cached" });
    expect((await a.lcl(["verify"], env)).code).toBe(0);
  });

  it("keeps the last N runs of each workspace, not the last N of the whole store", async () => {
    const { a, b, env } = twoWorkspaces();
    expect((await a.lcl(["run"], env)).code).toBe(0);
    // b runs twice with different params: with --keep-runs 1 a store-wide count would keep only b's last run.
    expect((await b.lcl(["run"], env)).code).toBe(0);
    b.write("experiments.yaml", files("    params:\n      scale: { factor: 9 }\n")["experiments.yaml"]);
    expect((await b.lcl(["run"], env)).code).toBe(0);
    for (const f of refFiles(shared!)) rmSync(f); // refs gone (e.g. deleted by hand): only run history protects
    expect((await b.lcl(["gc", "--keep-runs", "1", "--grace-hours", "0"], env)).code).toBe(0);
    expect((await a.lcl(["run"], env)).code).toBe(0);
    expect(statusesOf(runsIn(shared!).at(-1)!)).toEqual({ src: "cached", scale: "cached", join: "cached" });
  });
});
