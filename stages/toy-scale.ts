import { defineStage, param, port, Schema } from "lcl";

/** Toy transform: multiplies values; `work_ms` burns CPU so parallelism is observable. */
export default defineStage({
  name: "toy-scale",
  version: 1,
  description: "Multiply every value by a factor.",
  params: Schema.Struct({
    factor: param.number({ default: 2, description: "multiplier" }),
    work_ms: param.int({ default: 0, min: 0, max: 600_000, description: "simulated work (awaited, not blocking) before writing" }),
  }),
  inputs: { table: port.table({ id: "int32", value: "float64" }) },
  outputs: { table: port.table({ id: "int32", value: "float64" }) },
  async run(ctx) {
    const t = await ctx.inputs.table.read();
    const values = t.getChild("value")!.toArray() as Float64Array;
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = values[i]! * ctx.params.factor;
    if (ctx.params.work_ms > 0) await sleep(ctx.params.work_ms, ctx.signal);
    ctx.log(`scaled ${values.length} values by ${ctx.params.factor}`);
    await ctx.outputs.table.write({ id: t.getChild("id")!.toArray(), value: out });
  },
});

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); reject(new Error("aborted")); }, { once: true });
  });
}
