import type * as tfc from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { tensorflow } from "../../src/compute/backend.js";
import { DEFAULT_BLOCKS } from "../../src/model/architecture.js";
import { initBlock } from "../../src/model/block.js";
import { accuracy, crossEntropyCoupler, disposeParams, fit, initClassifier, pixelNormalisation, prepare, resnetModel, type ClassifierArchitecture, type Model, type Split } from "../../src/model/classifier.js";
import { blockInfo, type FrontendArchitecture } from "../../src/model/frontend.js";
import type { TensorSet } from "../../src/sdk/ports.js";
import { makeRng } from "../../src/sdk/rng.js";
import { shapes } from "../helpers/shapes.js";


/** A 4-channel, 3-class LCL-V2Net small enough to train in a test, and its front-end weights. */
function tinyNet() {
  const s1 = { ...DEFAULT_BLOCKS[0], channels: 4 }, s2 = { ...DEFAULT_BLOCKS[1], channels: 4 };
  const rng = makeRng(1), l1 = initBlock(s1, 1, rng), l2 = initBlock(s2, 4, rng);
  const fe: FrontendArchitecture = { format: "lcl-v2-frontend", version: 1, input: { channels: 1 }, blocks: [blockInfo([s1], 1), blockInfo([s1, s2], 4)], output_channels: 4 };
  const arch: ClassifierArchitecture = { format: "lcl-classifier", version: 1, input_size: 32, width: 4, depth: 1, classes: 3, frontend: fe, frontend_trainable: false, input_normalisation: { mean: 0.5, std: 0.25 } };
  const frontend = {
    "l1.w": { dtype: "float32", shape: [7, 7, 1, 4], data: l1.w }, "l1.b": { dtype: "float32", shape: [4], data: l1.b },
    "l2.w": { dtype: "float32", shape: [3, 3, 4, 4], data: l2.w }, "l2.b": { dtype: "float32", shape: [4], data: l2.b },
  } as const;
  return { arch, frontend };
}

describe("classifier (LCL-V2Net backbone)", () => {
  it.each([["frozen", false], ["trainable", true]] as const)("front-end %s: training lowers the loss and beats chance on a tiny set", async (_, trainable) => {
    const tf = await tensorflow("wasm");
    const s1 = { ...DEFAULT_BLOCKS[0], channels: 8 }, s2 = { ...DEFAULT_BLOCKS[1], channels: 8 };
    const rng = makeRng(1);
    const l1 = initBlock(s1, 1, rng), l2 = initBlock(s2, 8, rng);
    const fe: FrontendArchitecture = { format: "lcl-v2-frontend", version: 1, input: { channels: 1 }, blocks: [blockInfo([s1], 1), blockInfo([s1, s2], 8)], output_channels: 8 };
    const norm = pixelNormalisation(tf, shapes(240, 2).pixels, 28, 32); // the training split's statistics
    const arch: ClassifierArchitecture = { format: "lcl-classifier", version: 1, input_size: 32, width: 8, depth: 1, classes: 3, frontend: fe, frontend_trainable: trainable, input_normalisation: norm };
    const split = (n: number, seed: number): Split => { const d = shapes(n, seed); return { x: prepare(tf, d.pixels, 28, 32, norm), y: d.y, n }; };
    const train = split(240, 2), val = split(60, 3);
    const before = tf.memory().numTensors;
    const p = initClassifier(tf, arch, {
      "l1.w": { dtype: "float32", shape: [7, 7, 1, 8], data: l1.w }, "l1.b": { dtype: "float32", shape: [8], data: l1.b },
      "l2.w": { dtype: "float32", shape: [3, 3, 8, 8], data: l2.w }, "l2.b": { dtype: "float32", shape: [8], data: l2.b },
    }, makeRng(4));
    const frontBefore = Float32Array.from(p["fe.l1.w"]!.dataSync() as Float32Array);
    const r = await Effect.runPromise(fit(tf, resnetModel(tf, p, arch), train, val, { epochs: 4, batch: 32, lr: 5e-3, patience: 4, seed: 1 }, { progress: () => {}, log: () => {} }));
    expect(r.curve.train_loss.at(-1)!).toBeLessThan(r.curve.train_loss[0]!);
    expect(accuracy(tf, resnetModel(tf, p, arch), val)).toBeGreaterThan(0.6); // chance: 1/3
    const frontAfter = p["fe.l1.w"]!.dataSync() as Float32Array;
    expect(Buffer.from(frontAfter.buffer).equals(Buffer.from(frontBefore.buffer))).toBe(!trainable); // frozen means frozen
    disposeParams(p);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it("interrupted mid-fit and resumed from its checkpoint, the fit ends with the same weights and curve; a transform hook sees every batch", async () => {
    const tf = await tensorflow("wasm");
    const { arch, frontend } = tinyNet();
    const split = (n: number, seed: number): Split => { const d = shapes(n, seed); return { x: prepare(tf, d.pixels, 28, 32, arch.input_normalisation), y: d.y, n }; };
    const train = split(60, 2), val = split(30, 3);
    let saved: { step: number; state: TensorSet; meta?: unknown } | undefined;
    const checkpoint = { load: async () => saved, save: async (step: number, state: TensorSet, meta?: unknown) => { saved = { step, state: structuredClone(state), meta: structuredClone(meta) }; } };
    const steps: number[] = [];
    const o = { epochs: 3, batch: 20, lr: 5e-3, patience: 3, seed: 1, transformBatch: (x: tfc.Tensor4D, _y: Int32Array, step: number) => { steps.push(step); return x; } };
    const run = async (io: { checkpoint?: typeof checkpoint; progress?: (d: number) => void }, signal?: AbortSignal) => {
      const p = initClassifier(tf, arch, frontend, makeRng(4));
      try {
        const r = await Effect.runPromise(fit(tf, resnetModel(tf, p, arch), train, val, o, { progress: io.progress ?? (() => {}), log: () => {}, ...(io.checkpoint ? { checkpoint: io.checkpoint } : {}) }), signal ? { signal } : {});
        return { r, w: Float32Array.from(p["head.w"]!.dataSync() as Float32Array) };
      } finally { disposeParams(p); }
    };
    const whole = await run({});
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const ctl = new AbortController();
    await expect(run({ checkpoint, progress: (d) => { if (d === 4) ctl.abort(); } }, ctl.signal)).rejects.toThrow();
    expect(saved?.step).toBe(4); // an interruption saves after the last whole step, mid-epoch
    const resumed = await run({ checkpoint });
    expect(Buffer.from(resumed.w.buffer).equals(Buffer.from(whole.w.buffer))).toBe(true);
    expect(resumed.r.curve.val_acc).toEqual(whole.r.curve.val_acc);
    expect(resumed.r.curve.train_loss).toEqual(whole.r.curve.train_loss);
  }, 60_000);

  it("data-parallel: 4 shards on 2 workers end with the weights of 4 shards on 1 worker, bit for bit, and near the unsharded fit", async () => {
    const tf = await tensorflow("wasm");
    const { arch, frontend } = tinyNet();
    const d = shapes(60, 2), train: Split = { x: prepare(tf, d.pixels, 28, 32, arch.input_normalisation), y: d.y, n: 60 }, val = train;
    const run = async (shards: number, workers: number) => {
      const p = initClassifier(tf, arch, frontend, makeRng(4));
      try {
        const r = await Effect.runPromise(fit(tf, resnetModel(tf, p, arch), train, val, { epochs: 1, batch: 20, lr: 5e-3, patience: 1, seed: 1, shards, workers }, { progress: () => {}, log: () => {} }));
        return { w: Float32Array.from(p["head.w"]!.dataSync() as Float32Array), workers: r.workers };
      } finally { disposeParams(p); }
    };
    const one = await run(4, 1), two = await run(4, 2), whole = await run(1, 1);
    expect(two.workers).toBe(2);
    expect(Buffer.from(two.w.buffer).equals(Buffer.from(one.w.buffer))).toBe(true);
    const scale = Math.max(...Array.from(whole.w, Math.abs));
    expect(Math.max(...Array.from(one.w, (v, i) => Math.abs(v - whole.w[i]!))) / scale).toBeLessThan(1e-4);
  }, 120_000);

  it("a frozen front-end is computed once per image, not every step, and the fit matches one that reruns it every step", async () => {
    const tf = await tensorflow("wasm");
    const { arch, frontend } = tinyNet();
    const d = shapes(60, 2), train: Split = { x: prepare(tf, d.pixels, 28, 32, arch.input_normalisation), y: d.y, n: 60 };
    const v = shapes(30, 3), val: Split = { x: prepare(tf, v.pixels, 28, 32, arch.input_normalisation), y: v.y, n: 30 };
    const run = async (cached: boolean, shards: number, workers: number) => {
      const p = initClassifier(tf, arch, frontend, makeRng(4));
      let stemCalls = 0;
      const base = resnetModel(tf, p, arch), stem = base.frozenStem!();
      // The reference: the same model without the stem, so each step runs the whole network on images.
      const model: Model = cached ? { ...base, frozenStem: () => ({ ...stem, apply: (x) => { stemCalls++; return stem.apply(x); } }) } : { ...base, frozenStem: undefined };
      try {
        const r = await Effect.runPromise(fit(tf, model, train, val, { epochs: 3, batch: 20, lr: 5e-3, patience: 3, seed: 1, shards, workers }, { progress: () => {}, log: () => {} }));
        return { w: Float32Array.from(p["res0.w1"]!.dataSync() as Float32Array), curve: r.curve, stemCalls };
      } finally { disposeParams(p); }
    };
    const every = await run(false, 2, 1), once = await run(true, 2, 1), twoWorkers = await run(true, 2, 2);
    expect(once.stemCalls).toBe(2); // one batch of ≤ 256 for the training images, one for validation, over 3 epochs and 9 steps
    const scale = Math.max(...Array.from(every.w, Math.abs));
    expect(Math.max(...Array.from(once.w, (x, i) => Math.abs(x - every.w[i]!))) / scale).toBeLessThan(1e-5);
    once.curve.train_loss.forEach((l, i) => expect(l).toBeCloseTo(every.curve.train_loss[i]!, 5));
    expect(once.curve.val_acc).toEqual(every.curve.val_acc);
    expect(Buffer.from(twoWorkers.w.buffer).equals(Buffer.from(once.w.buffer))).toBe(true);
  }, 120_000);

  it("the stem's output through the rest of the model gives the whole model's logits; attacked and trainable front-ends have no frozen stem", async () => {
    const tf = await tensorflow("wasm");
    const { arch, frontend } = tinyNet();
    const p = initClassifier(tf, arch, frontend, makeRng(4));
    const x = tf.randomNormal([5, 32, 32, 1], 0, 1, "float32", 3) as tfc.Tensor4D;
    const m = resnetModel(tf, p, arch), stem = m.frozenStem!();
    const y = stem.apply(x);
    expect(y.shape.slice(1)).toEqual([...stem.rest.inputShape]);
    expect(Array.from(stem.rest.logits(y, false).dataSync())).toEqual(Array.from(m.logits(x, false).dataSync()));
    expect(resnetModel(tf, p, arch, { inputGrad: true }).frozenStem).toBeUndefined();
    expect(resnetModel(tf, p, { ...arch, frontend_trainable: true }).frozenStem).toBeUndefined();
    tf.dispose([x, y]);
    disposeParams(p);
  });

  it("the cross-entropy coupler's loss, hits and dL/dlogits equal tf's own (softmax cross-entropy on cpu) across shards", async () => {
    const tf = await tensorflow("cpu");
    const rng = makeRng(9), B = 7, K = 5;
    const logits = Float32Array.from({ length: B * K }, () => rng.normal() * 3);
    const labels = Int32Array.from({ length: B }, (_, i) => (i * 3) % K);
    const ours = crossEntropyCoupler(labels, K)([logits.subarray(0, 3 * K), logits.subarray(3 * K)]);
    const z = tf.tensor2d(logits, [B, K]), onehot = tf.oneHot(tf.tensor1d(labels, "int32"), K);
    const { value, grad } = tf.valueAndGrad((t: tfc.Tensor) => tf.losses.softmaxCrossEntropy(onehot, t as tfc.Tensor2D) as tfc.Scalar)(z);
    expect(ours.loss).toBeCloseTo(value.dataSync()[0]!, 5);
    const ref = grad.dataSync(), got = [...ours.dz[0]!, ...ours.dz[1]!];
    expect(ours.dz.map((d) => d.length)).toEqual([3 * K, 4 * K]);
    got.forEach((g, i) => expect(Math.abs(g - ref[i]!)).toBeLessThan(1e-6));
    const pred = tf.argMax(z, 1).dataSync();
    expect(ours.extras.hits).toBe(Array.from(labels).filter((y, i) => pred[i] === y).length);
    tf.dispose([z, onehot, value, grad]);
  });

  it("with the frozen stem's cached features (no transform hook), an interrupted fit resumes bit-identical", async () => {
    const tf = await tensorflow("wasm");
    const { arch, frontend } = tinyNet();
    const split = (n: number, seed: number): Split => { const d = shapes(n, seed); return { x: prepare(tf, d.pixels, 28, 32, arch.input_normalisation), y: d.y, n }; };
    const train = split(60, 2), val = split(30, 3);
    let saved: { step: number; state: TensorSet; meta?: unknown } | undefined;
    const checkpoint = { load: async () => saved, save: async (step: number, state: TensorSet, meta?: unknown) => { saved = { step, state: structuredClone(state), meta: structuredClone(meta) }; } };
    const run = async (io: { checkpoint?: typeof checkpoint; progress?: (d: number) => void }, signal?: AbortSignal) => {
      const p = initClassifier(tf, arch, frontend, makeRng(4));
      try {
        await Effect.runPromise(fit(tf, resnetModel(tf, p, arch), train, val, { epochs: 3, batch: 20, lr: 5e-3, patience: 3, seed: 1, shards: 2, workers: 1 }, { progress: io.progress ?? (() => {}), log: () => {}, ...(io.checkpoint ? { checkpoint: io.checkpoint } : {}) }), signal ? { signal } : {});
        return Float32Array.from(p["res0.w2"]!.dataSync() as Float32Array);
      } finally { disposeParams(p); }
    };
    const whole = await run({});
    const ctl = new AbortController();
    await expect(run({ checkpoint, progress: (d) => { if (d === 5) ctl.abort(); } }, ctl.signal)).rejects.toThrow();
    expect(saved?.step).toBe(5);
    expect(Buffer.from((await run({ checkpoint })).buffer).equals(Buffer.from(whole.buffer))).toBe(true);
  }, 60_000);
});
