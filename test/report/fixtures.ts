/**
 * A workspace for report tests: one stage kind whose outputs look like the science ones (a
 * training curve, a filter image, an OOD table, a mean ± sd summary, per-unit values by layer),
 * a kind that fails on demand, and the toy demo stages (lcl's own) for stale/pending states.
 */
const PNG = "iVBORw0KGgoAAAANSUhEUgAAABgAAAAQCAIAAACDRijCAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAETElEQVQ4jTXMaSy6DwDA8d87x8xcYctMw0bLLGPLnL3JjFqkNVZZUoisTU+SEj2lSMsxtQ4pR6PMMcMy18YmjWbM0BwvHGE2YXj738P+39ffff5JpVKXy3V/f//z8/P6+rq/vz84OEgmk1NSUkJDQ8PCwpBIJI1GMxgMXq83EAh8f3/f3t4uLi4KBILCwkIYDBYUFBQbG/tPKpWurKzc3NwEAoHHx8fd3V2tVkuhUNLT0yMiIqKiojIzM2tra/V6/cHBwfPz89vbm8/nm5+fFwgEWCwWDoeHh4cnJCRA0NzcnNfrvb6+Pjs7W1tbGxgYoNPpGAwmOTk5NTU1Pz+fxWKNjIxsbm6en59fXV15PB673S4UCsvLy1EoFAKBQKFQEGSxWFZXV3d2dtbX1+12u0qlamxsJBAIxcXFWCy2oqKCy+VqNBqHw7GxsbG9vb28vGw0GkUiEZVKxeFwhYWFOBwOgjQajV6vN5lMBoNhcHAQBEEAADgcDpPJrK+vb25ubm9vVygUw8PDBoPBZDLpdDq1Wi2RSHg8HpvNZjKZbDYbgjo6OgAA4PP5AAAIhUKJRAKCoEql6v9NqVTKZDKJRNLe3s7/TSAQiESi7u5uhULR19fX39/f19cHQQ0NDWQyGY/HV1ZWMhgMoVA4NDQ0PT29uLi4sLAwMTGh0Wj4fD6dTicSiQQCgUKhcDgcEASNRqPT6VxaWnI6nRBEoVByc3NRKFR2djYej29razObzVtbW8fHx16v1+Vy6XQ6LpdbWlqKRqMzMjIKCgpoNJpCoZibm3O73ScnJ263G4LKy8tTU1NhMFhiYmJRURGPx5uamjo+Pvb7/Q8PDx6PZ2xsrLGxMTc3Fw6Hw2AwJBJJIpGUSqXL5bq+vn55ebm6uoIgHA4Hh8ODg4Ojo6MxGExra+vs7Ozl5eXn5+f7+/vp6anVamWxWGg0OiIiIiQkJCkpiUAgqFSqnZ2dp6en7+9vv98PQSUlJQkJCSEhITExMX/QzMzMxcXFx8dHIBA4OTmxWq1sNjsrKysyMjI0NBSBQPxB29vbfr//6+vr8fERgvB4fFpaWlxcHAKBwGKxPB5vcnLS6/U+PDzc3d253W6z2dzU1JSXl5eYmBgfH49CoaqqqpRK5drams/n8/v9Pp8PgqqrqwsKCtBoNAaDIRKJfD7fZDKtr68fHh56PJ7V1dXR0dHW1taysrKcnBw0Gl1cXFxbW6tQKBwOx97e3tHR0d7eHgRxOJyamhoSiUShUOrr6zs6OrRarc1mc/xmsVjUajUAAHV1dWQymUQiUalULpcrk8n0er3dbnc6nXa7HYLEYrHo/8RicVdXV09PDwiC8t9AEOzp6enq6urs7Px7Ojs7JRKJVCqVyWR/j1wuhyCtVms2m202m8ViGRkZkcvlbW1tLBaL/ltDQwMAAL29vaOjo+Pj4zabzWg0ajQasVjc0tLCYDBoNBqDwfgPZtk5yNG4yYYAAAAASUVORK5CYII=";

export const scienceStage = `import { defineStage, param, port, Schema } from "lcl";

export default defineStage({
  name: "r-science",
  version: 1,
  description: "Fake training run with science-shaped outputs, for report tests.",
  headline: ["final_loss", "final_acc*"],
  params: Schema.Struct({ seed: param.int({ default: 0 }), lr: param.number({ default: 0.1 }) }),
  inputs: {},
  outputs: {
    curve: port.table({ step: "int32", loss: "float64", accuracy: "float64", wall_s: "float64" }, { format: "parquet", volatile: ["wall_s"], headline: true }),
    filters: port.file("png", { description: "filter images", headline: true }),
    ood: port.table({ corruption: "utf8", severity: "int32", accuracy: "float64" }, { format: "parquet", headline: true }),
    summary: port.table({ condition: "utf8", metric: "utf8", mean: "float64", sd: "float64", n: "int32" }, { format: "parquet" }),
    units: port.table({ layer: "int32", unit: "int32", mi: "float64" }, { format: "parquet" }),
    block: port.json(),
  },
  async run(ctx) {
    const { seed, lr } = ctx.params;
    const steps = 60;
    const step = Int32Array.from({ length: steps }, (_, i) => i);
    const loss = Float64Array.from(step, (i) => Math.exp(-i * lr) + 0.05 * ctx.rng.next() + seed * 0.01);
    const accuracy = Float64Array.from(loss, (l) => 1 - l / 2);
    await ctx.outputs.curve.write({ step, loss, accuracy, wall_s: Float64Array.from(step, (i) => i * 0.01) });
    await ctx.outputs.filters.write(new Uint8Array(Buffer.from("${PNG}", "base64")));
    const corruption: string[] = [], severity: number[] = [], acc: number[] = [];
    for (const c of ["noise", "blur", "contrast"]) for (let s = 1; s <= 5; s++) { corruption.push(c); severity.push(s); acc.push(0.9 - s * 0.1 * (c === "noise" ? 1.5 : 1)); }
    await ctx.outputs.ood.write({ corruption, severity: Int32Array.from(severity), accuracy: Float64Array.from(acc) });
    await ctx.outputs.summary.write({ condition: ["matched", "matched", "unmatched", "unmatched"], metric: ["clean_acc", "ood_acc", "clean_acc", "ood_acc"],
      mean: Float64Array.from([0.80, 0.56, 0.79, 0.55]), sd: Float64Array.from([0.006, 0.03, 0.007, 0.013]), n: Int32Array.from([3, 3, 3, 3]) });
    const layer = Int32Array.from({ length: 96 }, (_, i) => (i < 32 ? 1 : 2));
    await ctx.outputs.units.write({ layer, unit: Int32Array.from(layer, (_, i) => (i < 32 ? i : i - 32)), mi: Float64Array.from(layer, (l) => (l === 1 ? -0.1 : 0.12) + 0.1 * (ctx.rng.next() - 0.5)) });
    await ctx.outputs.block.write({ kernel: 7, channels: 32, rf: 11 });
    ctx.metric("final_loss", loss[steps - 1]!);
    ctx.metric("final_accuracy", accuracy[steps - 1]!);
    ctx.metric("not_headline", 42);
  },
});
`;

export const failStage = `import { defineStage, param, port, Schema } from "lcl";

export default defineStage({
  name: "r-fail",
  version: 1,
  description: "Fails when asked to, for report tests.",
  params: Schema.Struct({ fail: param.bool({ default: true }) }),
  inputs: {},
  outputs: { out: port.json() },
  async run(ctx) {
    ctx.log("about to fail");
    if (ctx.params.fail) throw new Error("deliberate failure for the report test");
    await ctx.outputs.out.write({ ok: true });
  },
});
`;

export const pipeline = `description: report test pipeline
nodes:
  train: { uses: r-science }
  bad: { uses: r-fail }
  numbers: { uses: toy-numbers, params: { n: 200 } }
  scale: { uses: toy-scale, inputs: { table: numbers.table } }
  summary: { uses: toy-summary, inputs: { tables: scale.table } }
`;

export const experiments = (seeds: string, n = 200) => `default: sci
experiments:
  sci:
    pipeline: sci
    description: Report test experiment.
    params: { numbers: { n: ${n} } }
    matrix: { train: { seed: [${seeds}] } }
  sci-b:
    extends: sci
    params: { train: { lr: 0.2 } }
`;
