import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { files } from "../engine/fixtures.js";
import { objectPath, recordPath } from "./helpers.js";

let rig: Rig;
afterEach(() => rig?.dispose());

/**
 * A corpus of store damage, applied one after another to the same store: after each, `lcl run`
 * must succeed (repairing what it needs), and then `lcl verify` must find a consistent store.
 */
const store = () => rig.path("artifacts");
/** The newest run record that parses (a junk one may sort last until verify quarantines it). */
const lastRun = () => readdirSync(path.join(store(), "runs")).sort().reverse().map((f) => { try { return JSON.parse(readFileSync(path.join(store(), "runs", f), "utf8")); } catch { return undefined; } }).find(Boolean);
const src = () => lastRun().stages.src.fingerprint as string;
const srcObject = () => JSON.parse(readFileSync(recordPath(store(), src()), "utf8")).outputs.table.object as string;
const refFile = () => { const [w] = readdirSync(path.join(store(), "refs")); return path.join(store(), "refs", w!, "base.json"); };

const corpus: [string, () => void][] = [
  ["object deleted", () => unlinkSync(objectPath(store(), srcObject()))],
  ["object replaced by other bytes of another size", () => writeFileSync(objectPath(store(), srcObject()), "not arrow at all")],
  ["object: one flipped byte (found when read as an input)", () => { const p = objectPath(store(), srcObject()); const b = readFileSync(p); b[b.length - 9]! ^= 1; writeFileSync(p, b); }],
  ["record deleted", () => unlinkSync(recordPath(store(), src()))],
  ["record torn", () => truncateSync(recordPath(store(), src()), 40)],
  ["record of the wrong shape", () => writeFileSync(recordPath(store(), src()), JSON.stringify({ fingerprint: src(), outputs: 5 }))],
  ["record with a non-hash object", () => { const p = recordPath(store(), src()); const r = JSON.parse(readFileSync(p, "utf8")); r.outputs.table.object = "../../x"; writeFileSync(p, JSON.stringify(r)); }],
  ["ref of the wrong shape", () => writeFileSync(refFile(), "[]")],
  ["a directory where a record belongs", () => { const p = recordPath(store(), src()); unlinkSync(p); mkdirSync(p); }],
  ["newest run record junk", () => writeFileSync(path.join(store(), "runs", "99999999-junk.json"), "\u0000\u0001")],
  ["object truncated", () => { const p = objectPath(store(), srcObject()); truncateSync(p, Math.floor(statSync(p).size / 2)); }],
  ["object a symlink to a file outside the store (other bytes)", () => { const p = objectPath(store(), srcObject()); unlinkSync(p); symlinkSync(outside(), p); }],
  ["object a dangling symlink", () => { const p = objectPath(store(), srcObject()); unlinkSync(p); symlinkSync(path.join(rig.root, "gone"), p); }],
  ["record a symlink to a file outside the store", () => { const p = recordPath(store(), src()); unlinkSync(p); symlinkSync(outside(), p); }],
  ["junk files among objects and records", () => { writeFileSync(path.join(path.dirname(objectPath(store(), srcObject())), "notes.txt"), "junk"); writeFileSync(path.join(path.dirname(recordPath(store(), src())), "x.json.bak"), "{"); }],
];
/** A file outside the store that damage links to: it must never be moved, changed or deleted. */
const OUTSIDE_TEXT = "a lab member's file, not the store's";
const outside = () => { const p = path.join(rig.root, "outside.txt"); writeFileSync(p, OUTSIDE_TEXT); return p; };

describe("corrupt-store corpus", () => {
  it(`${corpus.length} kinds of damage: each time run succeeds and repairs, then verify finds the store consistent`, async () => {
    rig = new Rig(files(), { toyStages: true });
    expect((await rig.lcl(["run"])).code).toBe(0);
    for (const [what, damage] of corpus) {
      damage();
      const r = await rig.lcl(["run", "--force", "scale"]); // scale reads src's object: the damage cannot hide
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      expect(lastRun().status, what).toBe("ok");
      if (what.includes("run record")) { // run does not read old run records: verify is what finds, names and quarantines it
        const first = await rig.lcl(["verify"]);
        expect(first.code, what).toBe(3);
        expect(first.stderr, what).toMatch(/99999999-junk\.json: not valid JSON/);
      }
      if (existsSync(path.join(rig.root, "outside.txt"))) expect(readFileSync(path.join(rig.root, "outside.txt"), "utf8"), what).toBe(OUTSIDE_TEXT);
      const v = await rig.lcl(["verify"]);
      expect(v.stdout + v.stderr, what).toMatch(/store is consistent/);
      expect(v.code, `${what}: ${v.stdout}${v.stderr}`).toBe(0);
    }
  }, 240_000);
});
