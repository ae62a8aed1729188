import type * as tfc from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { tensorflow } from "../../src/compute/backend.js";
import { Adam, type AdamOptions } from "../../src/model/adam.js";
import { makeRng } from "../../src/sdk/rng.js";

/** Run `steps` Adam updates on fresh variables from the same start, through tfjs ops or through JS arrays; the final weights and moments. */
async function run(backend: string, arrays: boolean, o: AdamOptions, steps: number) {
  const tf = await tensorflow(backend);
  const rng = makeRng(5), shapes = [[3, 3, 4, 5], [5], [7, 2]];
  const draw = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);
  const vars = shapes.map((s) => tf.variable(tf.tensor(draw(s.reduce((a, b) => a * b, 1)), s)));
  const adam = new Adam(tf, vars, o);
  for (let step = 0; step < steps; step++) {
    // Gradients spanning magnitudes (tiny ones exercise eps, some exact zeros).
    const grads = shapes.map((s, i) => draw(s.reduce((a, b) => a * b, 1), 10 ** (i - 2)).map((v, j) => (j % 7 === 0 ? 0 : v)));
    if (arrays) adam.applyArrays(grads, step);
    else tf.tidy(() => adam.apply(grads.map((g, i) => tf.tensor(g, shapes[i]!) as tfc.Tensor), step));
  }
  const out = [...vars.map((v) => Float32Array.from(v.dataSync() as Float32Array)), ...Object.values(adam.state()).map((t) => Float32Array.from(t.data as Float32Array))];
  adam.dispose(); vars.forEach((v) => v.dispose());
  return out;
}

describe("Adam on JS arrays", () => {
  it.each(["wasm", "cpu"])("equals the tfjs-op Adam bit for bit on %s (weights and moments), with weight decay and warm-up", async (backend) => {
    for (const o of [{ lr: 1e-2, steps: 20, weightDecay: 0 }, { lr: 3e-3, steps: 20, weightDecay: 0.05, warmup: 3 }] as AdamOptions[]) {
      const ref = await run(backend, false, o, 6), ours = await run(backend, true, o, 6);
      ours.forEach((a, i) => expect(Buffer.from(a.buffer).equals(Buffer.from(ref[i]!.buffer))).toBe(true));
      const start = (await run(backend, false, o, 0))[0]!;
      expect(ref[0]!.some((v, i) => v !== start[i])).toBe(true); // the weights moved
    }
  });
});
