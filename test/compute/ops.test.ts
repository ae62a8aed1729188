import { describe, expect, it } from "vitest";
import { tensorflow, type Tf } from "../../src/compute/backend.js";
import { conv2d, conv2dSame, energyPool, gaussianPool, subsample } from "../../src/compute/ops.js";
import type * as tfc from "@tensorflow/tfjs-core";

const close = (a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array, tol = 1e-4) => {
  expect(a.length).toBe(b.length);
  let worst = 0, scale = 1e-6;
  for (let i = 0; i < a.length; i++) { worst = Math.max(worst, Math.abs(a[i]! - b[i]!)); scale = Math.max(scale, Math.abs(b[i]!)); }
  expect(worst / scale).toBeLessThan(tol);
};

/** Forward and weight-gradient of conv → energy pool → loss, with our ops or tf's own. */
function layer(tf: Tf, ours: boolean) {
  const x = tf.randomNormal([4, 12, 12, 2], 0, 1, "float32", 11) as tfc.Tensor4D;
  const w = tf.randomNormal([5, 5, 2, 3], 0, 0.3, "float32", 12) as tfc.Tensor4D;
  const f = (wt: tfc.Tensor) => {
    const y = ours ? conv2d(tf, x, wt as tfc.Tensor4D) : tf.conv2d(x, wt as tfc.Tensor4D, 1, "valid");
    const p = ours ? energyPool(tf, tf.relu(y) as tfc.Tensor4D, 1.0, 2) : tf.sqrt(tf.add(gaussianPool(tf, tf.square(tf.relu(y)) as tfc.Tensor4D, 1.0, 2), 1e-6));
    return tf.mean(tf.square(tf.sub(p, 0.5))) as tfc.Scalar;
  };
  const { value, grad } = tf.valueAndGrad(f)(w);
  const out = { y: (ours ? conv2d(tf, x, w) : tf.conv2d(x, w, 1, "valid")).dataSync().slice(), loss: value.dataSync()[0]!, grad: grad.dataSync().slice() };
  tf.dispose([x, w, value, grad]);
  return out;
}

describe("training ops that are fast on wasm", () => {
  it("subsample keeps every s-th row and column, odd sizes included, and has a gradient", async () => {
    const tf = await tensorflow("cpu");
    const x = tf.tensor4d(Float32Array.from({ length: 25 }, (_, i) => i), [1, 5, 5, 1]);
    expect(Array.from(subsample(tf, x, 2).dataSync())).toEqual([0, 2, 4, 10, 12, 14, 20, 22, 24]);
    const g = tf.grad((t: tfc.Tensor) => tf.sum(subsample(tf, t as tfc.Tensor4D, 2)))(x);
    expect(Array.from(g.dataSync()).filter((v) => v === 1)).toHaveLength(9);
  });

  it("strided conv (subsampled) equals tf.conv2d with stride 2, with input and weight gradients", async () => {
    const tf = await tensorflow("cpu");
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, "float32", 31) as tfc.Tensor4D, w = tf.randomNormal([3, 3, 3, 4], 0, 0.3, "float32", 32) as tfc.Tensor4D;
    const f = (ours: boolean) => (xt: tfc.Tensor, wt: tfc.Tensor) => tf.sum(tf.square(ours ? conv2d(tf, xt as tfc.Tensor4D, wt as tfc.Tensor4D, 2, { inputGrad: true }) : tf.conv2d(xt as tfc.Tensor4D, wt as tfc.Tensor4D, 2, "valid"))) as tfc.Scalar;
    const [a, b] = [tf.valueAndGrads(f(true))([x, w]), tf.valueAndGrads(f(false))([x, w])];
    expect(a.value.dataSync()[0]).toBeCloseTo(b.value.dataSync()[0]!, 3);
    close(a.grads[0]!.dataSync(), b.grads[0]!.dataSync());
    close(a.grads[1]!.dataSync(), b.grads[1]!.dataSync());
  });

  it("conv2d (weight gradient as a conv) equals tf.conv2d, forward and weight gradient (cpu reference)", async () => {
    const tf = await tensorflow("cpu");
    const ref = layer(tf, false), ours = layer(tf, true);
    close(ours.y, ref.y);
    expect(ours.loss).toBeCloseTo(ref.loss, 5);
    close(ours.grad, ref.grad);
  });

  it("on wasm (which lacks Conv2DBackpropFilter) the same layer trains and matches cpu", async () => {
    const cpu = layer(await tensorflow("cpu"), false);
    const wasm = layer(await tensorflow("wasm"), true);
    close(wasm.y, cpu.y, 1e-4);
    expect(wasm.loss).toBeCloseTo(cpu.loss, 4);
    close(wasm.grad, cpu.grad, 1e-3);
  });

  it("same-padded conv for deep nets: input and weight gradients on wasm equal tf.conv2d's on cpu", async () => {
    const run = async (backend: string, ours: boolean) => {
      const tf = await tensorflow(backend);
      const x = tf.randomNormal([3, 9, 9, 4], 0, 1, "float32", 21) as tfc.Tensor4D;
      const w = tf.randomNormal([3, 3, 4, 5], 0, 0.3, "float32", 22) as tfc.Tensor4D;
      const f = (xt: tfc.Tensor, wt: tfc.Tensor) => tf.mean(tf.square(tf.sub(ours ? conv2dSame(tf, xt as tfc.Tensor4D, wt as tfc.Tensor4D) : tf.conv2d(xt as tfc.Tensor4D, wt as tfc.Tensor4D, 1, "same"), 0.3))) as tfc.Scalar;
      const { grads } = tf.valueAndGrads(f)([x, w]);
      return grads.map((g) => g.dataSync().slice());
    };
    const [dx, dw] = await run("cpu", false), [ox, ow] = await run("wasm", true);
    close(ox!, dx!, 1e-3);
    close(ow!, dw!, 1e-3);
  });

  it("input gradients of valid and same convs (non-square kernel, Cin ≠ Cout) on wasm equal tf.conv2d's on cpu", async () => {
    const run = async (backend: string, ours: boolean, pad: "valid" | "same") => {
      const tf = await tensorflow(backend);
      const x = tf.randomNormal([2, 8, 10, 3], 0, 1, "float32", 41) as tfc.Tensor4D;
      const w = tf.randomNormal([3, 5, 3, 4], 0, 0.3, "float32", 42) as tfc.Tensor4D;
      const conv = (xt: tfc.Tensor4D, wt: tfc.Tensor4D) => ours ? (pad === "same" ? conv2dSame(tf, xt, wt) : conv2d(tf, xt, wt, 1, { inputGrad: true })) : tf.conv2d(xt, wt, 1, pad);
      const outShape = pad === "same" ? [2, 8, 10, 4] : [2, 6, 6, 4];
      // A weighted sum, so every output position carries a different gradient.
      const weights = tf.reshape(tf.sin(tf.range(0, outShape.reduce((a, b) => a * b, 1))), outShape);
      const f = (xt: tfc.Tensor, wt: tfc.Tensor) => tf.sum(tf.mul(conv(xt as tfc.Tensor4D, wt as tfc.Tensor4D), weights)) as tfc.Scalar;
      const { grads } = tf.valueAndGrads(f)([x, w]);
      return grads.map((g) => g.dataSync().slice());
    };
    for (const pad of ["valid", "same"] as const) {
      const [dx, dw] = await run("cpu", false, pad), [ox, ow] = await run("wasm", true, pad);
      close(ox!, dx!, 1e-4);
      close(ow!, dw!, 1e-4);
    }
  });

  it("a frozen (noGrad) conv's input gradient on wasm equals tf.conv2d's on cpu", async () => {
    const run = async (backend: string, ours: boolean) => {
      const tf = await tensorflow(backend);
      const x = tf.randomNormal([2, 9, 8, 3], 0, 1, "float32", 61) as tfc.Tensor4D, w = tf.randomNormal([5, 3, 3, 4], 0, 0.3, "float32", 62) as tfc.Tensor4D;
      const weights = tf.reshape(tf.sin(tf.range(0, 2 * 5 * 6 * 4)), [2, 5, 6, 4]);
      return tf.grad((xt: tfc.Tensor) => tf.sum(tf.mul(ours ? conv2d(tf, xt as tfc.Tensor4D, w, 1, { noGrad: true }) : tf.conv2d(xt as tfc.Tensor4D, w, 1, "valid"), weights)))(x).dataSync().slice();
    };
    close(await run("wasm", true), await run("cpu", false), 1e-4);
  });

  it("conv backprop on wasm runs forward convs only (wasm's Conv2DBackpropInput is a slow plain loop)", async () => {
    const tf = await tensorflow("wasm");
    const x = tf.randomNormal([2, 6, 6, 4], 0, 1, "float32", 51) as tfc.Tensor4D, w = tf.randomNormal([3, 3, 4, 4], 0, 0.3, "float32", 52) as tfc.Tensor4D;
    // conv2dSame, a valid conv with weight and input gradients, and a frozen (noGrad) conv an attack differentiates through.
    const info = await tf.profile(() => tf.tidy(() => tf.grads((xt: tfc.Tensor, wt: tfc.Tensor) =>
      tf.sum(conv2d(tf, conv2d(tf, conv2dSame(tf, xt as tfc.Tensor4D, wt as tfc.Tensor4D), wt as tfc.Tensor4D, 1, { inputGrad: true }), w, 1, { noGrad: true })))([x, w]).forEach((g) => g.dataSync())));
    const names = new Set(info.kernels.map((k) => k.name));
    expect(names.has("Conv2D")).toBe(true);
    expect([...names].filter((n) => n.startsWith("Conv2DBackprop"))).toEqual([]);
  });

  it("Gaussian pooling preserves a constant image and halves the size with stride 2", async () => {
    const tf = await tensorflow("cpu");
    const p = gaussianPool(tf, tf.fill([1, 8, 6, 2], 3) as tfc.Tensor4D, 1.2, 2);
    expect(p.shape).toEqual([1, 4, 3, 2]);
    for (const v of p.dataSync()) expect(v).toBeCloseTo(3, 5);
  });
});
