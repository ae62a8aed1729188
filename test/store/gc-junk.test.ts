import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { files } from "../engine/fixtures.js";

let rig: Rig;
afterEach(() => rig?.dispose());

describe("gc and junk in the store", () => {
  it("frees non-hash files under objects/ and stages/, old quarantined files and unparseable runs, and a junk run never takes a 'last N runs' place", async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    const junk = [rig.path("artifacts/objects/README.txt"), rig.path("artifacts/objects/ab/not-a-hash"), rig.path("artifacts/stages/zz-notes.txt"), rig.path("artifacts/quarantine/old.bin")];
    for (const f of junk) { mkdirSync(path.dirname(f), { recursive: true }); writeFileSync(f, "junk"); }
    writeFileSync(rig.path("artifacts/runs/99999999-999999-999-zzzzzz.json"), "{ torn"); // sorts after every real run
    rmSync(rig.path("artifacts/refs"), { recursive: true }); // only the run history protects now
    const g = await rig.lcl(["gc", "--keep-runs", "1", "--grace-hours", "0"]);
    expect(g.code, g.stderr).toBe(0);
    for (const f of junk) expect(existsSync(f), f).toBe(false);
    expect(readdirSync(rig.path("artifacts/runs"))).toHaveLength(1);
    expect(g.stderr).toMatch(/99999999-999999-999-zzzzzz\.json: not valid JSON/);
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", scale: "cached", join: "cached" }); // the real last run kept its results
  });
});
