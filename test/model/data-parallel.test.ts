import type * as tfc from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { tensorflow } from "../../src/compute/backend.js";
import { DEFAULT_BLOCKS, type BlockSpec } from "../../src/model/architecture.js";
import { blockForward, initBlock } from "../../src/model/block.js";
import type { Readout } from "../../src/model/features.js";
import { gradientEngine } from "../../src/model/data-parallel.js";
import { rawPairs, trainLayer, type LayerTrainingParams } from "../../src/model/layer-training.js";
import { objective, OBJECTIVES, type ObjectiveOptions } from "../../src/model/objectives.js";
import { shardRanges } from "../../src/model/shard-gradients.js";
import { pairCoupler } from "../../src/model/train.js";
import { makeRng } from "../../src/sdk/rng.js";
import { deadLeavesPairs } from "../helpers/pairs.js";

const pairs = deadLeavesPairs(64, 16, 11, 4);
const specs1: BlockSpec[] = [{ ...DEFAULT_BLOCKS[0], channels: 8 }];
const specs2: BlockSpec[] = [{ ...DEFAULT_BLOCKS[0], channels: 6 }, { ...DEFAULT_BLOCKS[1], channels: 6 }];

function weights(specs: readonly BlockSpec[]) {
  const rng = makeRng(3);
  return specs.flatMap((s, i) => { const b = initBlock(s, i ? specs[i - 1]!.channels : 1, rng); return [b.w, Float32Array.from(b.b, (_, j) => 0.01 * j)]; });
}
const shapes = (specs: readonly BlockSpec[]) => specs.flatMap((s, i) => [[s.kernel, s.kernel, i ? specs[i - 1]!.channels : 1, s.channels], [s.channels]]);

/** Features as the objective reads them, written out here independently of features.ts: the map's mean, or its one central unit (odd sides only). */
function referenceFeatures(tf: Awaited<ReturnType<typeof tensorflow>>, y: tfc.Tensor4D, readout: Readout): tfc.Tensor2D {
  if (readout === "mean") return tf.mean(y, [1, 2]) as tfc.Tensor2D;
  const [, H, W, C] = y.shape;
  if (H % 2 === 0 || W % 2 === 0) throw new Error("reference centre readout needs an odd map");
  return tf.reshape(tf.slice(y, [0, (H - 1) / 2, (W - 1) / 2, 0], [-1, 1, 1, -1]), [-1, C]) as tfc.Tensor2D;
}

/** The reference: tf's own gradient of the objective on the whole batch at once, no shards. */
async function wholeBatch(specs: readonly BlockSpec[], params: Float32Array[], idx: Int32Array, o: ObjectiveOptions, readout: Readout = "mean") {
  const tf = await tensorflow("wasm");
  return tf.tidy(() => {
    const x = tf.tensor4d(rawPairs(pairs).rows(idx), [2 * idx.length, 16, 16, 1]);
    const { grads } = tf.valueAndGrads((...p: tfc.Tensor[]) => {
      let y = x;
      specs.forEach((s, i) => { y = blockForward(tf, y, { w: p[2 * i] as tfc.Tensor4D, b: p[2 * i + 1] as tfc.Tensor1D }, s, { inputGrad: i > 0 }); });
      const z = referenceFeatures(tf, y as tfc.Tensor4D, readout), n = idx.length;
      return objective(tf, tf.slice(z, [0, 0], [n, -1]), tf.slice(z, [n, 0], [n, -1]), o).loss;
    })(params.map((p, i) => tf.tensor(p, shapes(specs)[i]!)));
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

async function sharded(specs: readonly BlockSpec[], params: Float32Array[], idx: Int32Array, o: ObjectiveOptions, shards: number, workers: number, readout: Readout = "mean") {
  const tf = await tensorflow("wasm");
  const engine = await gradientEngine(tf, { kind: "blocks", specs, inChannels: 1, readout }, { workers, shards });
  try {
    const data = rawPairs(pairs);
    const inputs = shardRanges(idx.length, shards).map(([s, e]) => ({ data: data.rows(idx.subarray(s, e)), shape: [2 * (e - s), 16, 16, 1] as const }));
    return { ...(await engine.gradients(params, inputs, pairCoupler(tf, o, specs[specs.length - 1]!.channels))), workers: engine.workers };
  } finally { await engine.close(); }
}

const relDiff = (a: Float32Array, b: Float32Array) => {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i]! - b[i]!)); s = Math.max(s, Math.abs(b[i]!)); }
  return d / s;
};
const idx = Int32Array.from({ length: 24 }, (_, i) => (i * 7) % 64);

describe("data-parallel gradients", () => {
  for (const name of OBJECTIVES) {
    it(`${name}: gradients summed over 4 shards equal the whole-batch gradient to 1e-5 (the loss couples the batch)`, async () => {
      const o = { name, lambda: 2, barlowLambda: 5e-3, tau: 0.1 };
      const p = weights(specs1);
      const ref = await wholeBatch(specs1, p, idx, o), got = await sharded(specs1, p, idx, o, 4, 1);
      got.grads.forEach((g, i) => expect(relDiff(g, ref[i]!)).toBeLessThan(1e-5));
      expect(ref[0]!.some((v) => v !== 0)).toBe(true);
    });
  }

  it("centre readout (the loss reads the central unit): shard gradients on 2 workers equal the whole-batch gradient to 1e-5", async () => {
    const o = { name: "spectral" as const, lambda: 2, barlowLambda: 0, tau: 0.1 };
    const p = weights(specs1);
    const ref = await wholeBatch(specs1, p, idx, o, "centre"), got = await sharded(specs1, p, idx, o, 4, 2, "centre");
    got.grads.forEach((g, i) => expect(relDiff(g, ref[i]!)).toBeLessThan(1e-5));
    // and it is a different function from the mean readout's
    const mean = await wholeBatch(specs1, p, idx, o, "mean");
    expect(relDiff(mean[0]!, ref[0]!)).toBeGreaterThan(1e-2);
  });

  it("end-to-end stack: the gradient also reaches the lower block through shards", async () => {
    const o = { name: "spectral" as const, lambda: 2, barlowLambda: 0, tau: 0.1 };
    const p = weights(specs2);
    const ref = await wholeBatch(specs2, p, idx, o), got = await sharded(specs2, p, idx, o, 3, 1);
    got.grads.forEach((g, i) => expect(relDiff(g, ref[i]!)).toBeLessThan(1e-5));
  });

  it("two worker threads give bit-identical gradients to one (shard order, not worker count, fixes the sum)", async () => {
    const o = { name: "spectral" as const, lambda: 2, barlowLambda: 0, tau: 0.1 };
    const p = weights(specs1);
    const one = await sharded(specs1, p, idx, o, 4, 1), two = await sharded(specs1, p, idx, o, 4, 2);
    expect(two.workers).toBe(2);
    expect(two.loss).toBe(one.loss);
    two.grads.forEach((g, i) => expect(Buffer.from(g.buffer, g.byteOffset, g.byteLength).equals(Buffer.from(one.grads[i]!.buffer, one.grads[i]!.byteOffset, one.grads[i]!.byteLength))).toBe(true));
  });

  it("layer training on 2 workers ends with the weights of 1 worker, bit for bit; another shard count does not", async () => {
    const tf = await tensorflow("wasm");
    const params: LayerTrainingParams = {
      kernel: 7, channels: 8, sigma: 1, stride: 2, norm: true, steps: 8, batch: 32, lr: 1e-2, warmup: 0, weight_decay: 1,
      objective: "spectral", lambda: 2, barlow_lambda: 5e-3, tau: 0.1, readout: "mean", checkpoint_every: 0, seed: 0, shards: 4,
    };
    const io = (workers: number) => ({ seed: 5, signal: new AbortController().signal, checkpoint: { load: async () => undefined, save: async () => {} }, log: () => {}, progress: () => {}, workers });
    const one = await trainLayer(tf, pairs, [], params, io(1)), two = await trainLayer(tf, pairs, [], params, io(2));
    expect(one.workers).toBe(1); expect(two.workers).toBe(2);
    expect(Buffer.from(two.w.buffer).equals(Buffer.from(one.w.buffer))).toBe(true);
    expect(Buffer.from(two.b.buffer).equals(Buffer.from(one.b.buffer))).toBe(true);
    const other = await trainLayer(tf, pairs, [], { ...params, shards: 3 }, io(1));
    expect(Buffer.from(other.w.buffer).equals(Buffer.from(one.w.buffer))).toBe(false);
  });
});
