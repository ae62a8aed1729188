import { existsSync, lstatSync, mkdirSync, symlinkSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { files } from "../engine/fixtures.js";
import { objectPath, recordPath } from "./helpers.js";

let rig: Rig;
afterEach(() => rig?.dispose());

const store = () => rig.path("artifacts");
async function ranOnce() {
  rig = new Rig(files(), { toyStages: true });
  const r = await rig.lcl(["run"]);
  expect(r.code, r.stderr).toBe(0);
  return rig.lastRun().stages;
}
const srcObject = () => JSON.parse(readFileSync(recordPath(store(), rig.lastRun().stages.src!.fingerprint!), "utf8")).outputs.table.object as string;

describe("a damaged store: every command agrees and the next run repairs", () => {
  it("a torn stage record: status says so, run recomputes it (not 'cached'), and the record is whole again", async () => {
    const stages = await ranOnce();
    const rec = recordPath(store(), stages.src!.fingerprint!);
    truncateSync(rec, Math.floor(readFileSync(rec).length / 2));
    const st = await rig.lcl(["status"]);
    expect(st.stdout).toMatch(/(missing|stale)\s+src/);
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses().src).toBe("ran");
    expect(() => JSON.parse(readFileSync(rec, "utf8"))).not.toThrow();
    expect((await rig.lcl(["run"])).code).toBe(0);
    expect(rig.statuses()).toEqual({ src: "cached", scale: "cached", join: "cached" });
  });

  it("a truncated object is caught by the fast path's size check and recomputed", async () => {
    await ranOnce();
    const obj = objectPath(store(), srcObject());
    truncateSync(obj, 10);
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses().src).toBe("ran");
    expect(readFileSync(obj).length).toBeGreaterThan(10);
    expect((await rig.lcl(["verify"])).code).toBe(0);
  });

  it("a flipped byte in an input: quarantined when read, its producer recomputed in the same run, views re-pointed", async () => {
    await ranOnce();
    const hash = srcObject();
    const obj = objectPath(store(), hash);
    const bytes = readFileSync(obj);
    bytes[bytes.length - 9]! ^= 0xff;
    writeFileSync(obj, bytes);
    const r = await rig.lcl(["run", "--force", "scale"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses()).toMatchObject({ src: "ran", scale: "ran" });
    expect(readdirSync(rig.path("artifacts/quarantine"))).toHaveLength(1);
    const view = rig.path("artifacts/views/base/src/table.arrow");
    expect(existsSync(path.resolve(path.dirname(view), readlinkSync(view)))).toBe(true); // the view resolves to good bytes
    expect((await rig.lcl(["verify"])).code).toBe(0);
  });
});

describe("store files of the wrong shape are named, quarantined, and the command carries on", () => {
  it("a stage record that is valid JSON of the wrong shape ({}): verify and show name it instead of crashing", async () => {
    const stages = await ranOnce();
    const rec = recordPath(store(), stages.src!.fingerprint!);
    writeFileSync(rec, "{}\n");
    const v = await rig.lcl(["verify"]);
    expect(v.code, v.stderr).toBe(3);
    expect(v.stderr).toContain(rec);
    expect(v.stderr).toMatch(/wrong shape/);
    expect(existsSync(rec)).toBe(false);
    expect(readdirSync(rig.path("artifacts/quarantine")).some((f) => f.startsWith("stages_"))).toBe(true);
    writeFileSync(rec, "{}\n");
    const s = await rig.lcl(["show", "src"]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toContain(rec);
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.statuses().src).toBe("ran");
  });

  it("an object 'hash' in a ref that walks out of the store is refused, never touched", async () => {
    const stages = await ranOnce();
    const victimDir = mkdtempSync(path.join(os.tmpdir(), "lcl-victim-"));
    const victim = path.join(victimDir, "file.txt");
    writeFileSync(victim, "precious");
    try {
      const [refDir] = readdirSync(rig.path("artifacts/refs"));
      const refFile = rig.path("artifacts/refs", refDir!, "base.json");
      const ref = JSON.parse(readFileSync(refFile, "utf8"));
      const evil = path.relative(rig.path("artifacts/objects"), victim);
      ref.stages.src.outputs.table.object = evil;
      ref.stages.src.outputs.table.bytes = "precious".length;
      writeFileSync(refFile, JSON.stringify(ref));
      const r = await rig.lcl(["run", "--force", "scale"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(refFile);
      expect(r.stderr).toMatch(/64 lowercase hex/);
      expect(readFileSync(victim, "utf8")).toBe("precious");
      expect(stages.src!.fingerprint).toBe(rig.lastRun().stages.src!.fingerprint);
    } finally { rmSync(victimDir, { recursive: true, force: true }); }
  });
});

describe("views never leave the store", () => {
  it("a symlink planted at artifacts/views/<experiment> is replaced by a real folder, and nothing is written where it pointed", async () => {
    rig = new Rig(files(), { toyStages: true });
    const outside = mkdtempSync(path.join(os.tmpdir(), "lcl-outside-"));
    try {
      mkdirSync(rig.path("artifacts/views"), { recursive: true });
      symlinkSync(outside, rig.path("artifacts/views/base"));
      const r = await rig.lcl(["run"]);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(outside)).toEqual([]);
      expect(lstatSync(rig.path("artifacts/views/base")).isDirectory()).toBe(true);
      expect(existsSync(rig.path("artifacts/views/base/src/table.arrow"))).toBe(true);
    } finally { rmSync(outside, { recursive: true, force: true }); }
  });
});
