import { defineStage, param, port, Schema } from "lcl";
import sharp from "sharp";
import { compareConditions, type Observation } from "../src/metrics/seed-stats.js";
import { lineChart } from "../src/viz/chart.js";

/**
 * Conditions compared over seeds. A join over per-variant tables (one node's sweep, or a list of
 * nodes): each variant is a (condition, seed) — its condition is the node it came from (when the
 * join gathers several), the non-seed sweep keys and the values of `by` columns; its seed is the
 * sweep keys named in `seed`. Each metric is the mean of a column over the rows a filter keeps.
 * Out: per condition mean ± t CI over seeds, and per pair of conditions the paired difference
 * (seed k against seed k: they share data and initialisation draws) with its CI and whether the
 * CI excludes 0. Generic statistics: nothing here knows what the columns mean.
 */
const Scalar = Schema.Union([Schema.String, Schema.Finite, Schema.Boolean]);
const Test = Schema.Struct({ gt: Schema.optionalKey(Schema.Finite), ge: Schema.optionalKey(Schema.Finite), lt: Schema.optionalKey(Schema.Finite), le: Schema.optionalKey(Schema.Finite), ne: Schema.optionalKey(Scalar) });
const Metric = Schema.Struct({
  name: Schema.String.annotate({ description: "metric name in the output tables (e.g. ood_acc)" }),
  column: Schema.String.annotate({ description: "numeric column averaged over the kept rows" }),
  where: Schema.optionalKey(Schema.Record(Schema.String, Schema.Union([Scalar, Test])).annotate({ description: "rows kept: { column: value } (equal) or { column: { gt|ge|lt|le|ne: value } }" })),
});
type Where = Readonly<Record<string, string | number | boolean | { gt?: number; ge?: number; lt?: number; le?: number; ne?: string | number | boolean }>>;

const fmt = (v: unknown) => (typeof v === "string" ? v : typeof v === "bigint" ? String(v) : JSON.stringify(v));
const nodeOf = (label: string) => label.replace(/\[.*$/, "");
const keyMatches = (key: string, names: readonly string[]) => names.some((n) => key === n || key.endsWith(`.${n}`));
const num = (v: unknown) => (typeof v === "bigint" ? Number(v) : v);

function keeps(where: Where | undefined, get: (col: string) => unknown): boolean {
  for (const [col, test] of Object.entries(where ?? {})) {
    const v = num(get(col));
    if (test !== null && typeof test === "object") {
      if (test.gt !== undefined && !((v as number) > test.gt)) return false;
      if (test.ge !== undefined && !((v as number) >= test.ge)) return false;
      if (test.lt !== undefined && !((v as number) < test.lt)) return false;
      if (test.le !== undefined && !((v as number) <= test.le)) return false;
      if (test.ne !== undefined && v === test.ne) return false;
    } else if (v !== test) return false;
  }
  return true;
}

const COND = { metric: "utf8", condition: "utf8", n: "int32", mean: "float64", sd: "float64", ci_lo: "float64", ci_hi: "float64" } as const;
const DIFF = { metric: "utf8", a: "utf8", b: "utf8", n: "int32", diff: "float64", sd: "float64", ci_lo: "float64", ci_hi: "float64", resolved: "bool", seeds: "utf8" } as const;

export default defineStage({
  name: "seed-comparison",
  version: 1,
  description: "Conditions over seeds: mean ± Student-t CI per condition and the paired difference (seed k vs seed k) with its CI and whether it is resolved (CI excludes 0).",
  params: Schema.Struct({
    metrics: Schema.Array(Metric).check(Schema.isMinLength(1)).annotate({ description: "what to measure in each variant's table" }),
    seed: param.strings({ default: ["seed"], description: "sweep keys that identify the seed (a key matches `k` or `<node>.k`); the rest of the sweep point is the condition" }),
    condition: param.strings({ default: [], description: "sweep keys that define the condition (default: every key that is not a seed)" }),
    by: param.strings({ default: [], description: "table columns whose values also split conditions (e.g. layer: layer 1 vs layer 2 of the same variant)" }),
    pairs: Schema.optionalKey(Schema.Array(Schema.Tuple([Schema.String, Schema.String])).annotate({ description: "pairs [A, B] of conditions compared as A − B (default: the first condition against each other one)" })),
    level: param.number({ default: 0.95, min: 0.5, max: 0.999, description: "confidence level of every interval" }),
    missing: param.choice(["error", "drop"], { default: "error", description: "a seed one side of a pair lacks: error, or compare on the seeds both have" }),
  }),
  inputs: {
    tables: port.table({}, { many: true, allowFailed: true, description: "per-variant metric tables: one node's sweep, or a list [a.out, b.out] of several nodes" }),
  },
  outputs: {
    observations: port.table({ variant: "utf8", condition: "utf8", seed: "utf8", metric: "utf8", value: "float64" }, { format: "parquet", description: "one row per variant, condition and metric" }),
    conditions: port.table(COND, { format: "parquet", description: "per metric and condition: n seeds, mean, SD, CI" }),
    differences: port.table(DIFF, { format: "parquet", description: "per metric and pair: paired difference A − B over seeds, its CI, resolved = CI excludes 0" }),
    plot: port.file("png", { description: "mean and CI per condition, one series per metric" }),
  },
  async run(ctx) {
    const p = ctx.params;
    const variants = ctx.inputs.tables;
    if (!variants.length) throw new Error("no variants to compare: wire `tables` to a swept node's table (or a list of nodes)");
    const manyNodes = new Set(variants.map((v) => nodeOf(v.label))).size > 1;
    const keys = [...new Set(variants.flatMap((v) => Object.keys(v.point)))];
    const seedKeys = keys.filter((k) => keyMatches(k, p.seed));
    // Not swept over seeds (e.g. the one-seed experiment of a pipeline that also has a seed sweep):
    // one seed each, intervals unbounded, nothing resolved — said in the log rather than failing.
    if (!seedKeys.length) ctx.log(`no sweep key named ${p.seed.join(" or ")} (keys: ${keys.join(", ") || "none"}): one seed per condition, so every interval is unbounded; sweep a seed (e.g. matrix: { layer1: { seed: [0, 1, 2, 3, 4] } }) or name the seed key in params.seed`);
    for (const c of p.condition) if (!keys.some((k) => keyMatches(k, [c]))) throw new Error(`params.condition names '${c}', which no variant's sweep point has; keys are: ${keys.join(", ")}`);
    const conditionKeys = keys.filter((k) => !seedKeys.includes(k) && (!p.condition.length || keyMatches(k, p.condition)));
    const obs: (Observation & { variant: string })[] = [];
    const failed: string[] = [];
    for (const v of variants) {
      // The seed is its values alone: `a.seed=3` of one node pairs with `b.seed=3` of another.
      const seed = seedKeys.filter((k) => k in v.point).map((k) => fmt(v.point[k])).join(",");
      const base = [...(manyNodes ? [nodeOf(v.label)] : []), ...conditionKeys.filter((k) => k in v.point).map((k) => `${k}=${fmt(v.point[k])}`)];
      if (v.failed !== undefined) { failed.push(`${v.label}: ${v.failed}`); continue; }
      const t = await v.input.read();
      const cols = new Map<string, { get(i: number): unknown }>();
      const col = (name: string) => {
        let c = cols.get(name);
        if (!c) {
          const child = t.getChild(name);
          if (!child) throw new Error(`${v.label}: its table has no column '${name}' (columns: ${t.schema.fields.map((f) => f.name).join(", ")}); fix params.metrics / params.by`);
          c = child; cols.set(name, c);
        }
        return c;
      };
      for (const m of p.metrics) {
        const sums = new Map<string, { s: number; n: number }>();
        for (let i = 0; i < t.numRows; i++) {
          if (!keeps(m.where as Where | undefined, (c) => col(c).get(i))) continue;
          const x = Number(num(col(m.column).get(i)));
          if (!Number.isFinite(x)) continue;
          const group = [...base, ...p.by.map((b) => `${b}=${fmt(col(b).get(i))}`)].join(",") || "all";
          const g = sums.get(group) ?? { s: 0, n: 0 };
          g.s += x; g.n += 1; sums.set(group, g);
        }
        if (!sums.size) throw new Error(`${v.label}: no row with a finite ${m.column} passes the filter of metric ${m.name} (${JSON.stringify(m.where ?? {})}); check params.metrics`);
        for (const [condition, g] of sums) obs.push({ variant: v.label, metric: m.name, condition, seed, value: g.s / g.n });
      }
    }
    if (failed.length) {
      ctx.log(`failed variants (their seeds are missing): ${failed.join("; ")}`);
      if (p.missing === "error") throw new Error(`${failed.length} variant(s) failed, so their seeds cannot be paired: ${failed.join("; ")}; rerun them, or set missing: drop`);
    }
    const { conditions, differences } = compareConditions(obs, { ...(p.pairs ? { pairs: p.pairs } : {}), level: p.level, missing: p.missing });
    await ctx.outputs.observations.write({ variant: obs.map((o) => o.variant), condition: obs.map((o) => o.condition), seed: obs.map((o) => o.seed), metric: obs.map((o) => o.metric), value: Float64Array.from(obs, (o) => o.value) });
    await ctx.outputs.conditions.write({
      metric: conditions.map((c) => c.metric), condition: conditions.map((c) => c.condition), n: Int32Array.from(conditions, (c) => c.n),
      mean: Float64Array.from(conditions, (c) => c.mean), sd: Float64Array.from(conditions, (c) => c.sd), ci_lo: Float64Array.from(conditions, (c) => c.lo), ci_hi: Float64Array.from(conditions, (c) => c.hi),
    });
    await ctx.outputs.differences.write({
      metric: differences.map((d) => d.metric), a: differences.map((d) => d.a), b: differences.map((d) => d.b), n: Int32Array.from(differences, (d) => d.n),
      diff: Float64Array.from(differences, (d) => d.mean), sd: Float64Array.from(differences, (d) => d.sd), ci_lo: Float64Array.from(differences, (d) => d.lo), ci_hi: Float64Array.from(differences, (d) => d.hi),
      resolved: differences.map((d) => d.resolved), seeds: differences.map((d) => d.seeds.join(";")),
    });
    for (const d of differences) {
      ctx.metric(`${d.metric}[${d.a} − ${d.b}]`, d.mean);
      ctx.log(`${d.metric}: ${d.a} − ${d.b} = ${d.mean.toFixed(4)} [${d.lo.toFixed(4)}, ${d.hi.toFixed(4)}] over ${d.n} seeds${d.resolved ? " — resolved" : " — not resolved"}`);
    }
    ctx.metric("resolved_differences", differences.filter((d) => d.resolved).length);
    ctx.metric("differences", differences.length);
    const names = [...new Set(conditions.map((c) => c.condition))];
    const series = [...new Set(conditions.map((c) => c.metric))].map((metric) => ({
      label: metric,
      points: conditions.filter((c) => c.metric === metric).map((c) => {
        const x = names.indexOf(c.condition) + 1;
        return Number.isFinite(c.hi) ? [x, c.mean, c.hi - c.mean] as const : [x, c.mean] as const;
      }),
    }));
    const title = `mean, ${Math.round(p.level * 100)} % CI over seeds: ${names.map((c, i) => `${i + 1} = ${c}`).join("; ")}`;
    await ctx.outputs.plot.write(new Uint8Array(await sharp(Buffer.from(lineChart({ title: title.length > 120 ? `${title.slice(0, 117)}…` : title, x: "condition", y: `mean ± ${Math.round(p.level * 100)} % CI`, series }))).png().toBuffer()));
  },
});
