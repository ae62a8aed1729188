import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Rig } from "../helpers/rig.js";

let rig: Rig;
afterEach(() => rig?.dispose());

// Stand-ins for filter-analysis and ood-eval whose numbers are a known function of their params.
const tFilt = `import { defineStage, param, port, Schema } from "lcl";
export default defineStage({ name: "t-filt", version: 1, description: "", params: Schema.Struct({ seed: param.int({ default: 0 }) }), inputs: {},
  outputs: { filters: port.table({ set: "utf8", r2: "float64" }) },
  async run(ctx) { await ctx.outputs.filters.write({ set: ["trained", "trained", "init"], r2: [0.5 + ctx.params.seed / 10, 0.9, 0.1] }); } });
`;
const tOod = `import { defineStage, param, port, Schema } from "lcl";
export default defineStage({ name: "t-ood", version: 1, description: "", params: Schema.Struct({ amp: param.number({ default: 0 }), fail_amp: param.number({ default: -1 }) }),
  inputs: { filters: port.table({ set: "utf8", r2: "float64" }) },
  outputs: { accuracy: port.table({ corruption: "utf8", severity: "int32", level: "float64", accuracy: "float64" }) },
  async run(ctx) { const r2s = (await ctx.inputs.filters.read()).getChild("r2")!.get(0) as number; if (ctx.params.amp === ctx.params.fail_amp && r2s > 0.65) throw new Error("diverged"); const r2 = (await ctx.inputs.filters.read()).getChild("r2")!.get(0) as number; const a = 0.8 - ctx.params.amp / 10 + (r2 - 0.5) / 10; await ctx.outputs.accuracy.write({ corruption: ["clean", "noise", "noise"], severity: Int32Array.from([0, 1, 2]), level: [0, 1, 2], accuracy: [a, a - 0.1, a - 0.3] }); } });
`;

const tTex = `import { defineStage, param, port, Schema } from "lcl";
export default defineStage({ name: "t-tex", version: 1, description: "", params: Schema.Struct({}), inputs: { filters: port.table({ set: "utf8", r2: "float64" }) },
  outputs: { summary: port.table({ layer: "int32", mean_mi: "float64", var_ratio: "float64" }) },
  async run(ctx) { const r2 = (await ctx.inputs.filters.read()).getChild("r2")!.get(0) as number; await ctx.outputs.summary.write({ layer: Int32Array.from([1, 2]), mean_mi: [0, r2 / 10], var_ratio: [1, 2] }); } });
`;

// filt (3 seeds) → ood (2 amplitudes, `oodExtra` appended to its node) and tex → the join.
const sweepRig = (oodExtra: string) => new Rig({
  "stages/t-filt.ts": tFilt, "stages/t-ood.ts": tOod, "stages/t-tex.ts": tTex,
  "pipelines/p.yaml": `nodes:\n  filt: { uses: t-filt }\n  ood: { uses: t-ood, inputs: { filters: filt.filters }${oodExtra} }\n  tex: { uses: t-tex, inputs: { filters: filt.filters } }\n  join: { uses: ablations, inputs: { ood: ood.accuracy, filters: filt.filters, texture: tex.summary } }\n`,
  "experiments.yaml": "default: a\nexperiments:\n  a:\n    pipeline: p\n    matrix:\n      filt: { seed: [0, 1, 2] }\n      ood: { amp: [0, 1] }\n",
});

describe("ablations join", () => {
  it("gets every variant, matches each model to its layer-1 analysis, and summarises over seeds", async () => {
    rig = sweepRig("");
    const r = await rig.lcl(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const rec = JSON.parse((await rig.lcl(["show", "a", "join", "--json"])).stdout)[0];
    expect(rec.metrics.variants).toBe(6);
    expect(rec.metrics.conditions).toBe(2);
    // amp=0: clean = 0.8 + (layer-1 seed)/100 → mean 0.81 over seeds 0,1,2; layer-1 R² = mean(0.5 + seed/10, 0.9) → 0.75
    expect(rec.metrics["clean_acc[amp=0]"]).toBeCloseTo(0.81, 10);
    expect(rec.metrics["clean_acc[amp=1]"]).toBeCloseTo(0.71, 10);
    expect(rec.metrics["ood_acc[amp=0]"]).toBeCloseTo(0.61, 10);
    expect(rec.metrics["gabor_r2[amp=0]"]).toBeCloseTo(0.75, 10);
    const o = rec.outputs.summary.object as string;
    expect(readFileSync(rig.path("artifacts/objects", o.slice(0, 2), o.slice(2))).subarray(0, 4).toString()).toBe("PAR1");
    expect(rec.outputs.variants.rows).toBe(6);
    // 95 % t CI over the 3 seeds: clean accuracy 0.80, 0.81, 0.82 → 0.81 ± t(0.975, 2)·0.01/√3, t = 4.302653 (tables)
    const { readTableFile } = await import("../../src/sdk/table-file.js");
    const summary = (await readTableFile(rig.path("artifacts/views/a/join/summary.parquet"))).toArray().map((r) => r.toJSON() as Record<string, any>);
    const clean = summary.find((r) => r.condition === "amp=0" && r.metric === "clean_acc")!;
    expect(clean.ci_lo).toBeCloseTo(0.81 - (4.302653 * 0.01) / Math.sqrt(3), 6);
    expect(clean.ci_hi).toBeCloseTo(0.81 + (4.302653 * 0.01) / Math.sqrt(3), 6);
    // layer 2's MI of each variant's own layer 1 (r2/10 = (0.5 + seed/10)/10) → mean over seeds 0.06
    expect(rec.metrics["texture_mi[amp=0]"]).toBeCloseTo(0.06, 10);
    expect(rec.outputs.variants.columns.find((c: any) => c.name === "texture_mi").nulls).toBe(0);
  });

  it("with --keep-going, a variant that failed is listed as failed and the rest are still summarised", async () => {
    rig = sweepRig(", params: { fail_amp: 1 }");
    const stop = await rig.lcl(["run"]);
    expect(stop.code).toBe(1); // without --keep-going the join is not started
    expect(rig.statuses().join).toBe("skipped");
    const r = await rig.lcl(["run", "--keep-going"]);
    expect(r.code).toBe(1); // a stage failed, and the run says so …
    expect(rig.statuses()["ood[seed=2,amp=1]"]).toBe("failed");
    expect(rig.statuses().join).toBe("ran"); // … but the join ran over what there is
    const rec = JSON.parse((await rig.lcl(["show", "a", "join", "--json"])).stdout)[0];
    expect(rec.metrics.variants).toBe(6);
    expect(rec.metrics.failed_variants).toBe(1);
    expect(rec.metrics["clean_acc[amp=1]"]).toBeCloseTo(0.705, 10); // seeds 0 and 1 only
    const status = rec.outputs.variants.columns.find((c: any) => c.name === "status");
    expect(status.distinct).toBe(2);
  });
});
