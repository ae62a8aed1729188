import { defineStage, param, port, Schema } from "lcl";

export default defineStage({
  name: "bench-consume", version: 1, description: "i * k",
  params: Schema.Struct({ k: param.int({ default: 2 }) }),
  inputs: { x: port.json() }, outputs: { out: port.json() },
  async run(ctx) { const v = (await ctx.inputs.x.read()) as { i: number }; await ctx.outputs.out.write({ y: v.i * ctx.params.k }); },
});
