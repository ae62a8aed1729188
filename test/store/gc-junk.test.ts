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
    const tornRef = rig.path("artifacts/refs/other-ws/gone.json"); // unparseable: named, quarantined, then freed (grace 0)
    mkdirSync(path.dirname(tornRef), { recursive: true });
    writeFileSync(tornRef, "{ torn");
    // Beside the store's own folders, a file someone put at its root is named, never removed (it may be theirs).
    const foreign = [rig.path("artifacts/README.md"), rig.path("artifacts/notes/today.txt")];
    for (const f of foreign) { mkdirSync(path.dirname(f), { recursive: true }); writeFileSync(f, "mine"); }
    const g = await rig.lcl(["gc", "--keep-runs", "1", "--grace-hours", "0"]);
    expect(g.code, g.stderr).toBe(0);
    for (const f of junk) expect(existsSync(f), f).toBe(false);
    for (const f of foreign) expect(existsSync(f), f).toBe(true);
    expect(g.stdout).toMatch(/left alone, not lcl's: .*artifacts\/README\.md, .*artifacts\/notes\b/);
    expect(readdirSync(rig.path("artifacts/runs"))).toHaveLength(1);
    expect(g.stderr).toMatch(/99999999-999999-999-zzzzzz\.json: not valid JSON/);
    expect(g.stderr).toMatch(/other-ws\/gone\.json: not valid JSON/);
    expect(existsSync(tornRef)).toBe(false);
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", scale: "cached", join: "cached" }); // the real last run kept its results
  });
});
