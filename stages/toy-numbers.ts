import { defineStage, param, port, Schema } from "lcl";

/** Toy source stage for the demo pipeline and engine tests: n pseudo-random numbers. */
export default defineStage({
  name: "toy-numbers",
  version: 1,
  description: "Generate n uniform random numbers (seeded from the stage fingerprint).",
  params: Schema.Struct({
    n: param.int({ default: 1000, min: 1, max: 10_000_000, description: "how many numbers" }),
    offset: param.number({ default: 0, description: "added to every value" }),
  }),
  inputs: {},
  outputs: { table: port.table({ id: "int32", value: "float64" }, { description: "id and value per row" }) },
  async run(ctx) {
    const { n, offset } = ctx.params;
    const id = new Int32Array(n), value = new Float64Array(n);
    for (let i = 0; i < n; i++) { id[i] = i; value[i] = ctx.rng.next() + offset; }
    await ctx.outputs.table.write({ id, value });
    ctx.metric("rows", n);
  },
});
