import { defineStage, port, Schema } from "lcl";
import sharp from "sharp";
import { tInterval } from "../src/metrics/seed-stats.js";
import { lineChart } from "../src/viz/chart.js";

/**
 * The ablation table: one row per variant of a sweep (complexity matching on/off, objectives,
 * amplitudes, seeds …) with its layer-1 Gabor R², clean and OOD accuracy and layer 2's texture
 * modulation index and family/sample variance ratio (texture-selectivity); and the same metrics as mean ± sd over seeds per
 * condition with its 95 % Student-t CI (paired differences between conditions: seed-comparison). Seeds are recognised as sweep keys named
 * `seed` or `<node>.seed`; every other sweep key defines the condition.
 */
const isSeed = (k: string) => k === "seed" || k.endsWith(".seed");
const fmt = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
const conditionOf = (point: Readonly<Record<string, unknown>>) =>
  Object.entries(point).filter(([k]) => !isSeed(k)).map(([k, v]) => `${k}=${fmt(v)}`).join(",") || "default";
const seedOf = (point: Readonly<Record<string, unknown>>) => Object.entries(point).filter(([k]) => isSeed(k)).map(([k, v]) => `${k}=${fmt(v)}`).join(",") || "-";
const METRICS = ["gabor_r2", "frac_gabor", "clean_acc", "ood_acc", "texture_mi", "texture_var_ratio"] as const;

export default defineStage({
  name: "ablations",
  version: 2,
  description: "Join every ablation variant: Gabor R², clean/OOD accuracy, layer-2 texture MI, per variant and mean ± sd over seeds.",
  headline: ["clean_acc[*]", "ood_acc[*]", "gabor_r2[*]", "texture_var_ratio[*]", "texture_mi[*]", "failed_variants"],
  params: Schema.Struct({}),
  inputs: {
    ood: port.table({ corruption: "utf8", severity: "int32", level: "float64", accuracy: "float64" }, { many: true, allowFailed: true, description: "ood-eval accuracy tables of every variant" }),
    filters: port.table({ set: "utf8", r2: "float64" }, { many: true, allowFailed: true, description: "filter-analysis tables of every variant" }),
    texture: port.table({ layer: "int32", mean_mi: "float64", var_ratio: "float64" }, { many: true, allowFailed: true, description: "texture-selectivity summaries of every variant (layer 2's mean MI and family/sample variance ratio)" }),
  },
  outputs: {
    variants: port.table({ variant: "utf8", condition: "utf8", seed: "utf8", status: "utf8", gabor_r2: "float64", frac_gabor: "float64", clean_acc: "float64", ood_acc: "float64", texture_mi: "float64", texture_var_ratio: "float64" }, { format: "parquet" }),
    summary: port.table({ condition: "utf8", metric: "utf8", mean: "float64", sd: "float64", n: "int32", ci_lo: "float64", ci_hi: "float64" }, { format: "parquet", description: "per condition and metric: mean, SD and 95 % t CI over seeds (unbounded for one seed)" }),
    plot: port.file("png", { headline: true, description: "mean ± sd over seeds of each metric per condition" }),
  },
  async run(ctx) {
    const filters = await Promise.all(ctx.inputs.filters.filter((v) => v.failed === undefined).map(async (v) => {
      const t = await v.input.read();
      const set = t.getChild("set")!.toArray() as string[], r2 = t.getChild("r2")!.toArray() as Float64Array;
      const trained = [...r2].filter((_, i) => set[i] === "trained");
      return { point: v.point, r2: trained.reduce((a, b) => a + b, 0) / trained.length, frac: trained.filter((x) => x > 0.7).length / trained.length };
    }));
    const textures = await Promise.all(ctx.inputs.texture.filter((v) => v.failed === undefined).map(async (v) => {
      const t = await v.input.read();
      const layer = [...(t.getChild("layer")!.toArray() as Int32Array)], mi = t.getChild("mean_mi")!.toArray() as Float64Array, vr = t.getChild("var_ratio")!.toArray() as Float64Array;
      const at = layer.indexOf(Math.max(...layer)); // the top layer: V2 for a two-block front-end
      return { point: v.point, mi: at >= 0 ? mi[at]! : null, vr: at >= 0 ? vr[at]! : null };
    }));
    // An analysis belongs to the variants whose sweep point contains its own.
    const matching = <T extends { point: Readonly<Record<string, unknown>> }>(xs: readonly T[], point: Readonly<Record<string, unknown>>) =>
      xs.find((x) => Object.entries(x.point).every(([k, val]) => fmt(point[k]) === fmt(val)));
    const rows = { variant: [] as string[], condition: [] as string[], seed: [] as string[], status: [] as string[], gabor_r2: [] as (number | null)[], frac_gabor: [] as (number | null)[], clean_acc: [] as (number | null)[], ood_acc: [] as (number | null)[], texture_mi: [] as (number | null)[], texture_var_ratio: [] as (number | null)[] };
    for (const v of ctx.inputs.ood) {
      if (v.failed !== undefined) {
        // A variant that failed is listed as failed, never silently missing.
        rows.variant.push(v.label); rows.condition.push(conditionOf(v.point)); rows.seed.push(seedOf(v.point)); rows.status.push(v.failed);
        for (const m of METRICS) rows[m].push(null);
        continue;
      }
      const t = await v.input.read();
      const sev = t.getChild("severity")!.toArray() as Int32Array, acc = t.getChild("accuracy")!.toArray() as Float64Array;
      const ood = [...acc].filter((_, i) => sev[i]! > 0);
      // The layer-1 analysis this variant's model was built on: its sweep point is a subset of ours.
      const f = matching(filters, v.point), tex = matching(textures, v.point);
      rows.variant.push(v.label); rows.condition.push(conditionOf(v.point)); rows.seed.push(seedOf(v.point)); rows.status.push("ok");
      rows.gabor_r2.push(f ? f.r2 : null); rows.frac_gabor.push(f ? f.frac : null);
      rows.clean_acc.push(acc[[...sev].indexOf(0)] ?? NaN); rows.ood_acc.push(ood.reduce((a, b) => a + b, 0) / Math.max(1, ood.length));
      rows.texture_mi.push(tex ? tex.mi : null); rows.texture_var_ratio.push(tex ? tex.vr : null);
    }
    await ctx.outputs.variants.write(rows);
    const conditions = [...new Set(rows.condition)];
    const summary = { condition: [] as string[], metric: [] as string[], mean: [] as number[], sd: [] as number[], n: [] as number[], ci_lo: [] as number[], ci_hi: [] as number[] };
    for (const c of conditions) for (const m of METRICS) {
      const vals = rows[m].filter((_, i) => rows.condition[i] === c).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
      if (!vals.length) continue;
      const { mean, sd, lo, hi } = tInterval(vals);
      summary.condition.push(c); summary.metric.push(m); summary.mean.push(mean); summary.sd.push(sd); summary.n.push(vals.length); summary.ci_lo.push(lo); summary.ci_hi.push(hi);
      ctx.metric(`${m}[${c}]`, mean);
    }
    await ctx.outputs.summary.write({ ...summary, n: Int32Array.from(summary.n), ci_lo: Float64Array.from(summary.ci_lo), ci_hi: Float64Array.from(summary.ci_hi) });
    const series = METRICS.filter((m) => summary.metric.includes(m)).map((m) => ({
      label: m, points: conditions.map((c, i) => { const k = summary.condition.findIndex((x, j) => x === c && summary.metric[j] === m); return k >= 0 ? [i + 1, summary.mean[k]!, summary.sd[k]!] as [number, number, number] : [i + 1, NaN] as [number, number]; }).filter((p) => Number.isFinite(p[1])),
    }));
    await ctx.outputs.plot.write(new Uint8Array(await sharp(Buffer.from(lineChart({ title: `ablations: ${conditions.map((c, i) => `${i + 1} = ${c}`).join("; ")}`.slice(0, 120), x: "condition", y: "mean ± sd over seeds", series }))).png().toBuffer()));
    ctx.metric("variants", rows.variant.length);
    ctx.metric("failed_variants", rows.status.filter((x) => x !== "ok").length);
    ctx.metric("conditions", conditions.length);
  },
});
