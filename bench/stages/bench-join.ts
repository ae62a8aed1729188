import { defineStage, port, Schema } from "lcl";

export default defineStage({
  name: "bench-join", version: 1, description: "sum",
  params: Schema.Struct({}),
  inputs: { xs: port.json({ many: true }) }, outputs: { out: port.json() },
  async run(ctx) { let s = 0; for (const v of ctx.inputs.xs) s += ((await v.input.read()) as { y: number }).y; await ctx.outputs.out.write({ sum: s }); },
});
