import { defineStage, param, port, Schema } from "lcl";

// Benchmark stage: tiny JSON output, so the benchmark measures engine overhead, not work.
export default defineStage({
  name: "bench-produce", version: 1, description: "emit i",
  params: Schema.Struct({ i: param.int({ default: 0 }) }),
  inputs: {}, outputs: { out: port.json() },
  async run(ctx) { await ctx.outputs.out.write({ i: ctx.params.i }); },
});
