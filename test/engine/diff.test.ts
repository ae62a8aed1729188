import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";
import { files } from "./fixtures.js";

let rig: Rig;
afterEach(() => rig?.dispose());

describe("lcl diff", () => {
  it("shows changed stages with causes, output and metric deltas, and collapses identical ones", async () => {
    rig = new Rig(files(`  tripled:
    extends: base
    params:
      scale: { factor: 3 }
`), { toyStages: true });
    expect((await rig.lcl(["run", "base"])).code).toBe(0);
    expect((await rig.lcl(["run", "tripled"])).code).toBe(0);
    const d = await rig.lcl(["diff", "base", "tripled"]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/~ scale/);
    expect(d.stdout).toContain("params.factor: 2 → 3");
    expect(d.stdout).toMatch(/output table: [0-9a-f]{10} → [0-9a-f]{10}/);
    expect(d.stdout).toMatch(/value: mean 99(\.0+)? → 148\.50*/);
    expect(d.stdout).toMatch(/metric sum: 9900 → 14850 \(\+4950\)/);
    expect(d.stdout).toMatch(/~ join[\s\S]*input tables variant scale/);
    expect(d.stdout).not.toMatch(/^\s+[~=] src/m);
    expect(d.stdout).toContain("2 changed, 1 identical");

    const j = JSON.parse((await rig.lcl(["diff", "base", "tripled", "--json"])).stdout);
    expect(j.summary).toEqual({ same: 1, changed: 2, "only-a": 0, "only-b": 0, incomplete: 0 });
    expect(j.stages.find((s: any) => s.id === "src").status).toBe("same");

    // Runs can be compared too (by id or unique prefix).
    const runs = (await import("node:fs")).readdirSync(rig.path("artifacts/runs")).sort();
    const byRun = await rig.lcl(["diff", runs[0]!.slice(0, -5), runs[1]!.slice(0, -5), "--json"]);
    expect(JSON.parse(byRun.stdout).summary.changed).toBe(2);
  });
});
