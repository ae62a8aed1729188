import { mkdirSync, symlinkSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";

let rig: Rig;
afterEach(() => rig?.dispose());

const ws = () => new Rig({
  "pipelines/f.yaml": "nodes:\n  read: { uses: t-files, params: { path: data } }\n",
  "experiments.yaml": "experiments:\n  f: { pipeline: f }\n",
  "data/a.txt": "one\ntwo\n",
}, { toyStages: true });

describe("symlinks inside a declared data folder", () => {
  it("a dangling symlink is a clear error naming it (exit 2), not 'ok' then an internal error", async () => {
    rig = ws();
    symlinkSync("gone.txt", rig.path("data/b.txt"));
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/data\/b\.txt.*broken symlink → gone\.txt/);
  });

  it("a symlink loop is detected at once, without walking the workspace", async () => {
    rig = ws();
    mkdirSync(rig.path("data/sub"));
    symlinkSync("..", rig.path("data/sub/up"));
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/data\/sub\/up.*symlink loop/);
    expect(r.stderr).not.toMatch(/artifacts/);
  });

  it("a self-referencing link is a loop too; a link to a sibling folder is followed normally", async () => {
    rig = ws();
    symlinkSync("self", rig.path("data/self"));
    expect((await rig.lcl(["run"])).stderr).toMatch(/data\/self.*symlink loop/);
    rig.dispose();
    rig = ws();
    rig.write("more/c.txt", "x\n");
    symlinkSync("../more", rig.path("data/more"));
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
  });
});
