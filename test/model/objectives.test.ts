import type * as tfc from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { tensorflow } from "../../src/compute/backend.js";
import { makeRng } from "../../src/sdk/rng.js";
import { objective, OBJECTIVES, spectralMinimum, type ObjectiveName } from "../../src/model/objectives.js";

const opts = (name: ObjectiveName, lambda = 1) => ({ name, lambda, barlowLambda: 5e-3, tau: 0.1 });

/** Rows of a Sylvester–Hadamard matrix: centred over the rows they form a regular simplex. */
function hadamard(n: number): number[][] {
  let h = [[1]];
  while (h.length < n) h = [...h.map((r) => [...r, ...r]), ...h.map((r) => [...r, ...r.map((v) => -v)])];
  return h;
}

describe("objectives", () => {
  it("spectral: identical pairs on a regular simplex reach the analytic minimum −2 + λ/(N−1)², and any perturbation is worse", async () => {
    const tf = await tensorflow("cpu");
    const N = 8, lambda = 1.5;
    const z = tf.tensor2d(hadamard(N).map((r) => r.map((v) => 3 * v + 1))) as tfc.Tensor2D; // scale and offset do not matter
    const t = objective(tf, z, z, opts("spectral", lambda));
    expect(t.similarity.dataSync()[0]).toBeCloseTo(1, 5);
    expect(t.loss.dataSync()[0]).toBeCloseTo(spectralMinimum(N, lambda), 5);
    const rng = makeRng(4);
    for (let trial = 0; trial < 5; trial++) {
      const noisy = tf.add(z, tf.tensor2d(Array.from({ length: N }, () => Array.from({ length: N }, () => rng.normal() * 0.3)))) as tfc.Tensor2D;
      expect(objective(tf, z, noisy, opts("spectral", lambda)).loss.dataSync()[0]).toBeGreaterThan(spectralMinimum(N, lambda));
    }
  });

  it.each(OBJECTIVES)("%s: finite gradients; aligned pairs score better than shuffled ones", async (name) => {
    const tf = await tensorflow("cpu");
    const rng = makeRng(9);
    const a = tf.tensor2d(Array.from({ length: 32 }, () => Array.from({ length: 16 }, () => rng.normal()))) as tfc.Tensor2D;
    const noise = tf.tensor2d(Array.from({ length: 32 }, () => Array.from({ length: 16 }, () => rng.normal() * 0.2))) as tfc.Tensor2D;
    const aligned = tf.add(a, noise) as tfc.Tensor2D;
    const shuffled = tf.concat([tf.slice(aligned, [1, 0], [31, 16]), tf.slice(aligned, [0, 0], [1, 16])]) as tfc.Tensor2D;
    const grad = tf.grad((x: tfc.Tensor) => objective(tf, x as tfc.Tensor2D, aligned, opts(name)).loss)(a);
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    expect(Math.max(...Array.from(grad.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    expect(objective(tf, a, aligned, opts(name)).loss.dataSync()[0]).toBeLessThan(objective(tf, a, shuffled, opts(name)).loss.dataSync()[0]!);
  });

  it("every objective gives the same value and gradient on wasm as on cpu", async () => {
    const rng = makeRng(2);
    const rows = (n: number, d: number) => Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
    const A = rows(16, 8), B = rows(16, 8);
    const run = async (backend: string, name: ObjectiveName) => {
      const tf = await tensorflow(backend);
      const b = tf.tensor2d(B) as tfc.Tensor2D;
      const { value, grad } = tf.valueAndGrad((x: tfc.Tensor) => objective(tf, x as tfc.Tensor2D, b, opts(name)).loss)(tf.tensor2d(A));
      return { v: value.dataSync()[0]!, g: Array.from(grad.dataSync()) };
    };
    for (const name of OBJECTIVES) {
      const [w, c] = [await run("wasm", name), await run("cpu", name)];
      expect(w.v).toBeCloseTo(c.v, 4);
      const scale = Math.max(...c.g.map(Math.abs));
      expect(Math.max(...w.g.map((x, i) => Math.abs(x - c.g[i]!))) / scale).toBeLessThan(1e-3);
    }
  });
});
