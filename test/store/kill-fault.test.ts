import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { pipeline } from "../engine/fixtures.js";

let rig: Rig;
afterEach(() => rig?.dispose());

const TRIALS = 12;
const list = (d: string) => { try { return readdirSync(d); } catch { return []; } };

/** The store invariants a kill at any instant must preserve: every object is whole, every record is whole and complete. */
function checkStore(store: string) {
  for (const d of list(path.join(store, "objects"))) for (const f of list(path.join(store, "objects", d))) {
    const bytes = readFileSync(path.join(store, "objects", d, f));
    expect(createHash("sha256").update(bytes).digest("hex"), `object ${d}${f}`).toBe(d + f);
  }
  for (const d of list(path.join(store, "stages"))) for (const f of list(path.join(store, "stages", d))) {
    const rec = JSON.parse(readFileSync(path.join(store, "stages", d, f), "utf8")); // never torn
    if (f.endsWith(".failed.json")) continue;
    for (const o of Object.values(rec.outputs) as { object: string }[]) expect(list(path.join(store, "objects", o.object.slice(0, 2))), `record ${f}`).toContain(o.object.slice(2));
  }
  for (const dir of ["runs", ...list(path.join(store, "refs")).map((w) => path.join("refs", w))]) {
    for (const f of list(path.join(store, dir))) if (f.endsWith(".json")) JSON.parse(readFileSync(path.join(store, dir, f), "utf8"));
  }
}

describe("fault injection: kill -9 at random instants while objects and records are written", () => {
  it(`${TRIALS} kills leave a consistent store, and each next run finishes the work without recomputing finished stages`, async () => {
    // A sweep of short stages: the run is almost always between writing an object and writing a record.
    const factors = Array.from({ length: 40 }, (_, i) => i + 1);
    rig = new Rig({
      "pipelines/p.yaml": pipeline.replace("uses: t-scale", "uses: t-scale\n    params: { work_ms: 40 }"),
      "experiments.yaml": `default: base\nexperiments:\n  base:\n    pipeline: p\n    matrix:\n      scale: { factor: [${factors.join(", ")}] }\n`,
    }, { toyStages: true });
    let seed = 12345; // deterministic schedule of kill delays (the instants hit still vary with load)
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const finished = new Set<string>();
    for (let t = 0; t < TRIALS; t++) {
      const child = rig.spawn(["run", "-j", "2"]);
      let err = "";
      child.stderr!.on("data", (d) => (err += d));
      let done = false;
      const closed = new Promise((r) => child.on("close", () => { done = true; r(undefined); })); // the run may finish before the kill
      // Kill once stages are finishing (the first ✓: its stage thread has started and results are being
      // written), after a random extra delay; a run with nothing left to do ends by itself.
      const t0 = Date.now();
      while (!/✓ /.test(err) && !done && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.floor(next() * 500)));
      child.kill("SIGKILL");
      await closed;
      checkStore(rig.path("artifacts"));
      for (const m of err.matchAll(/✓ (\S+)/g)) finished.add(m[1]!);
    }
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    // Whatever a killed run reported finished is reused, not recomputed.
    const statuses = rig.statuses();
    expect(finished.size).toBeGreaterThan(0);
    for (const id of finished) if (id in statuses) expect(statuses[id], id).toBe("cached");
    expect((await rig.lcl(["verify"])).code).toBe(0);
    checkStore(rig.path("artifacts"));
  }, 120_000);
});
