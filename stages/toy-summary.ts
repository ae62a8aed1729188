import { defineStage, port, Schema } from "lcl";

/** Toy join: one row of statistics per upstream variant (a sweep's results side by side). */
export default defineStage({
  name: "toy-summary",
  version: 1,
  description: "Summarise every variant of a swept table: rows, mean, min, max.",
  params: Schema.Struct({}),
  inputs: { tables: port.table({ value: "float64" }, { many: true, description: "all variants of the upstream table" }) },
  outputs: {
    summary: port.table({ variant: "utf8", rows: "int32", mean: "float64", min: "float64", max: "float64" }, { format: "parquet" }),
    totals: port.json(),
  },
  async run(ctx) {
    const rows: { variant: string; rows: number; mean: number; min: number; max: number }[] = [];
    for (const v of ctx.inputs.tables) {
      const values = (await v.input.read()).getChild("value")!.toArray() as Float64Array;
      let sum = 0, min = Infinity, max = -Infinity;
      for (const x of values) { sum += x; if (x < min) min = x; if (x > max) max = x; }
      rows.push({ variant: v.label, rows: values.length, mean: sum / values.length, min, max });
    }
    await ctx.outputs.summary.write({
      variant: rows.map((r) => r.variant), rows: Int32Array.from(rows.map((r) => r.rows)),
      mean: Float64Array.from(rows.map((r) => r.mean)), min: Float64Array.from(rows.map((r) => r.min)), max: Float64Array.from(rows.map((r) => r.max)),
    });
    await ctx.outputs.totals.write({ variants: rows.length, grandMean: rows.reduce((a, r) => a + r.mean, 0) / rows.length });
    ctx.metric("variants", rows.length);
  },
});
