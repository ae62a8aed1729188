import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { fitGabor, orientationTuning } from "../../src/analysis/filters.js";
import { tensorflow } from "../../src/compute/backend.js";
import type { Checkpoint, Checkpoints } from "../../src/engine/checkpoint.js";
import { kernelTiles } from "../../src/model/block.js";
import { rawPairs, trainLayer, type LayerTrainingParams } from "../../src/model/layer-training.js";
import { receptiveFields, DEFAULT_BLOCKS } from "../../src/model/architecture.js";
import { deadLeavesPairs } from "../helpers/pairs.js";
import { trainStack } from "../../src/model/train.js";

const params = (o: Partial<LayerTrainingParams> = {}): LayerTrainingParams => ({
  kernel: 7, channels: 8, sigma: 1, stride: 2, norm: true, steps: 40, batch: 64, lr: 1e-2, warmup: 0, weight_decay: 1,
  objective: "spectral", lambda: 2, barlow_lambda: 5e-3, tau: 0.1, readout: "mean", checkpoint_every: 0, seed: 0, shards: 4, ...o,
});
const memoryCheckpoints = (): Checkpoints & { saved?: Checkpoint } => {
  const c: Checkpoints & { saved?: Checkpoint } = {
    load: async () => c.saved,
    save: async (step, state, meta) => { c.saved = { step, state: structuredClone(state), meta, savedAt: new Date().toISOString() }; },
  };
  return c;
};
const io = (o: { seed?: number; signal?: AbortSignal; checkpoint?: Checkpoints; progress?: (d: number) => void } = {}) => ({
  seed: o.seed ?? 7, signal: o.signal ?? new AbortController().signal, checkpoint: o.checkpoint ?? memoryCheckpoints(), log: () => {}, progress: o.progress ?? (() => {}),
});
const pairs = deadLeavesPairs(512, 16, 11);
const mean = (a: Float64Array, from: number, to: number) => a.subarray(from, to).reduce((s, v) => s + v, 0) / (to - from);

describe("layerwise training", () => {
  it("receptive fields: layer 1 ≈ 11 px, layer 2 ≈ 2 × layer 1", () => {
    const [r1, r2] = receptiveFields(DEFAULT_BLOCKS);
    expect(r1!.rf).toBe(11);
    expect(r2!.rf / r1!.rf).toBeGreaterThan(1.8);
    expect(r2!.rf / r1!.rf).toBeLessThan(2.3);
  });

  it("a tiny run lowers the objective and raises pair similarity, without leaking tensors", async () => {
    const tf = await tensorflow("wasm");
    const before = tf.memory().numTensors;
    const t = await trainLayer(tf, pairs, [], params({ steps: 60 }), io());
    expect(tf.memory().numTensors).toBe(before);
    expect(mean(t.curve.loss, 50, 60)).toBeLessThan(mean(t.curve.loss, 0, 5) - 0.05);
    expect(mean(t.curve.similarity, 50, 60)).toBeGreaterThan(mean(t.curve.similarity, 0, 5));
    expect(mean(t.curve.decorrelation, 50, 60)).toBeLessThan(mean(t.curve.decorrelation, 0, 5));
  });

  it("same backend and seed → bit-identical weights; another seed → different ones", async () => {
    const tf = await tensorflow("wasm");
    const [a, b, c] = [await trainLayer(tf, pairs, [], params(), io()), await trainLayer(tf, pairs, [], params(), io()), await trainLayer(tf, pairs, [], params(), io({ seed: 8 }))];
    expect(Buffer.from(a.w.buffer).equals(Buffer.from(b.w.buffer))).toBe(true);
    expect(Buffer.from(a.w.buffer).equals(Buffer.from(c.w.buffer))).toBe(false);
  });

  it("interrupted at a step and resumed from its checkpoint, training ends with the same weights and curve", async () => {
    const tf = await tensorflow("wasm");
    const whole = await trainLayer(tf, pairs, [], params(), io());
    const ck = memoryCheckpoints(), ctl = new AbortController();
    await expect(trainLayer(tf, pairs, [], params(), io({ checkpoint: ck, signal: ctl.signal, progress: (d) => { if (d === 20) ctl.abort(); } }))).rejects.toThrow();
    expect(ck.saved?.step).toBe(20);
    const resumed = await trainLayer(tf, pairs, [], params(), io({ checkpoint: ck }));
    expect(resumed.resumedFrom).toBe(20);
    expect(Buffer.from(resumed.w.buffer).equals(Buffer.from(whole.w.buffer))).toBe(true);
    expect(Array.from(resumed.curve.loss)).toEqual(Array.from(whole.curve.loss));
  });

  it("the end-to-end control: a two-block stack trained jointly moves both blocks (gradient reaches layer 1)", async () => {
    const tf = await tensorflow("wasm");
    const big = deadLeavesPairs(256, 24, 23, 5);
    const specs = [{ ...DEFAULT_BLOCKS[0], channels: 6 }, { ...DEFAULT_BLOCKS[1], channels: 6 }];
    const t = await Effect.runPromise(trainStack(tf, rawPairs(big),
      { specs, inChannels: 1, steps: 15, batch: 32, lr: 1e-2, weightDecay: 0, warmup: 0, objective: { name: "spectral", lambda: 2, barlowLambda: 0, tau: 0.1 }, checkpointEvery: 0, seed: 1, shards: 2 },
      { progress: () => {}, log: () => {} }));
    const moved = (i: number) => t.blocks[i]!.w.some((v, j) => v !== t.initial[i]!.w[j]);
    expect(moved(0)).toBe(true);
    expect(moved(1)).toBe(true);
    expect(mean(t.curve.loss, 10, 15)).toBeLessThan(mean(t.curve.loss, 0, 3));
  });

  it("science direction: trained layer-1 filters are far more Gabor-like and orientation-tuned than at initialisation", async () => {
    const tf = await tensorflow("wasm");
    const t = await trainLayer(tf, deadLeavesPairs(2048, 16, 11, 3), [], params({ channels: 16, steps: 500, batch: 128, lambda: 4 }), io());
    const stats = (w: Float32Array) => {
      const tiles = kernelTiles(w, 7, 1, 16);
      const r2 = tiles.map((f) => fitGabor(f, 7).r2), osi = tiles.map((f) => orientationTuning(f, 7).osi);
      return { r2: r2.reduce((a, b) => a + b) / 16, osi: osi.reduce((a, b) => a + b) / 16, gabor: r2.filter((r) => r > 0.7).length / 16 };
    };
    const init = stats(t.initial.w), trained = stats(t.w);
    expect(trained.r2).toBeGreaterThan(init.r2 + 0.15);
    expect(trained.osi).toBeGreaterThan(init.osi + 0.05);
    expect(trained.gabor).toBeGreaterThan(init.gabor + 0.2);
  }, 120_000);
});
