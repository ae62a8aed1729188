import type * as tfc from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import type { Tf } from "../compute/backend.js";
import { readAll } from "../compute/read.js";
import type { Tensor } from "../sdk/ports.js";
import { makeRng } from "../sdk/rng.js";
import { Adam } from "./adam.js";
import type { BlockSpec } from "./architecture.js";
import { initBlock } from "./block.js";
import { defaultWorkers, gradientEngine, type Coupler } from "./data-parallel.js";
import type { Readout } from "./features.js";
import { batchIndices, runLoop, TrainingDiverged, type Checkpointer } from "./loop.js";
import { objective, type ObjectiveOptions } from "./objectives.js";
import { shardRanges } from "./shard-gradients.js";

export { batchIndices, TrainingDiverged };

/**
 * Self-supervised training of blocks on patch pairs, through the one training loop (loop.ts) and
 * data-parallel across cores (data-parallel.ts). One block is layerwise training: its input is
 * data (patches, or a frozen lower layer's output), so no gradient reaches a lower layer. Several
 * is the end-to-end control. The batch is split into `shards` fixed shards whose gradients are
 * summed in shard order, so the worker count never changes a bit of the result.
 */
export interface PairData {
  readonly count: number;
  /** [H, W, C] of one input row. */
  readonly shape: readonly [number, number, number];
  /** The block's input for pairs `idx`, A sides then B sides: [2n, H, W, C] flat. */
  rows(idx: Int32Array): Float32Array;
}

export interface TrainConfig {
  readonly spec: BlockSpec;
  readonly inChannels: number;
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  readonly weightDecay: number;
  readonly warmup: number;
  readonly objective: ObjectiveOptions;
  /** Where the objective reads each patch's features from the top block's map (default: the spatial mean). */
  readonly readout?: Readout;
  readonly checkpointEvery: number;
  readonly seed: number;
  /** Fixed shards per batch (part of the result's identity: it sets the gradient summation order). */
  readonly shards: number;
  /** Worker threads (default: LCL_WORKERS, else every core); never changes the result. */
  readonly workers?: number;
}

export interface TrainIO {
  progress(step: number, total: number): void;
  log(message: string): void;
  readonly checkpoint?: Checkpointer;
}

export const CURVE_COLUMNS = ["step", "loss", "similarity", "decorrelation", "lr", "wall_s"] as const;
export type Curve = Record<(typeof CURVE_COLUMNS)[number], Float64Array>;

export interface Trained {
  readonly w: Float32Array;
  readonly b: Float32Array;
  readonly initial: { readonly w: Float32Array; readonly b: Float32Array };
  readonly curve: Curve;
  readonly resumedFrom?: number;
  /** Worker threads that computed the gradients. */
  readonly workers: number;
}

export function trainBlock(tf: Tf, data: PairData, cfg: TrainConfig, io: TrainIO): Effect.Effect<Trained, TrainingDiverged> {
  return trainStack(tf, data, { ...cfg, specs: [cfg.spec] }, io).pipe(Effect.map((t) => ({ ...t, w: t.blocks[0]!.w, b: t.blocks[0]!.b, initial: t.initial[0]! })));
}

export interface StackTrained {
  readonly blocks: readonly { readonly w: Float32Array; readonly b: Float32Array }[];
  readonly initial: readonly { readonly w: Float32Array; readonly b: Float32Array }[];
  readonly curve: Curve;
  readonly resumedFrom?: number;
  readonly workers: number;
}

/**
 * The pair objective over the whole batch from per-shard features of `width` columns (each
 * shard's rows: its pairs' A sides, then their B sides): loss, diagnostics, dL/dfeatures per shard.
 */
export function pairCoupler(tf: Tf, o: ObjectiveOptions, width: number): Coupler {
  return (features) => {
    let similarity = NaN, decorrelation = NaN;
    const { loss, dz } = tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads((...z: tfc.Tensor[]) => {
        const half = (t: tfc.Tensor, from: 0 | 1) => tf.slice(t, [from * t.shape[0]! / 2, 0], [t.shape[0]! / 2, -1]);
        const terms = objective(tf, tf.concat(z.map((t) => half(t, 0))) as tfc.Tensor2D, tf.concat(z.map((t) => half(t, 1))) as tfc.Tensor2D, o);
        // valueAndGrads keeps only the loss: read the diagnostics while they exist
        similarity = terms.similarity.dataSync()[0]!; decorrelation = terms.decorrelation.dataSync()[0]!;
        return terms.loss;
      })(features.map((f) => tf.tensor2d(f, [f.length / width, width])));
      return { loss: value.dataSync()[0]!, dz: grads };
    });
    return { loss, extras: { similarity, decorrelation }, dz: readAll(tf, dz) };
  };
}

/**
 * Train a stack of blocks jointly on the top block's features. One block is layerwise training
 * (the LCL way); several is the end-to-end control ("not layerwise"), where gradients flow
 * through the upper blocks into the lower ones.
 */
export function trainStack(tf: Tf, data: PairData, cfg: Omit<TrainConfig, "spec"> & { readonly specs: readonly BlockSpec[] }, io: TrainIO): Effect.Effect<StackTrained, TrainingDiverged> {
  const { specs, steps } = cfg;
  const inOf = (i: number) => (i === 0 ? cfg.inChannels : specs[i - 1]!.channels);
  const initRng = makeRng(cfg.seed).fork("init");
  const initial = specs.map((spec, i) => initBlock(spec, inOf(i), initRng));
  const setup = Effect.promise(async () => {
    const vars = specs.map((spec, i) => ({
      w: tf.tidy(() => tf.variable(tf.tensor4d(initial[i]!.w, [spec.kernel, spec.kernel, inOf(i), spec.channels]), true)),
      b: tf.tidy(() => tf.variable(tf.tensor1d(initial[i]!.b), true)),
    }));
    const list = vars.flatMap((v) => [v.w, v.b]);
    const adam = new Adam(tf, list, { lr: cfg.lr, steps, weightDecay: cfg.weightDecay, warmup: cfg.warmup });
    const engine = await gradientEngine(tf, { kind: "blocks", specs, inChannels: cfg.inChannels, readout: cfg.readout ?? "mean" }, { workers: cfg.workers ?? defaultWorkers(), shards: cfg.shards });
    return { vars, list, adam, engine };
  });
  const release = ({ vars, adam, engine }: Effect.Success<typeof setup>) => Effect.promise(async () => {
    await engine.close();
    adam.dispose();
    for (const v of vars) { v.w.dispose(); v.b.dispose(); }
  });
  return Effect.acquireUseRelease(setup, ({ vars, list, adam, engine }) => Effect.gen(function* () {
    const ranges = shardRanges(cfg.batch, cfg.shards), [h, w, c] = data.shape;
    const couple = pairCoupler(tf, cfg.objective, specs[specs.length - 1]!.channels);
    const loop = yield* runLoop({
      steps, columns: ["similarity", "decorrelation", "lr"],
      divergenceHint: `lower lr (now ${cfg.lr}) or raise batch`,
      async step(step) {
        const idx = batchIndices(cfg.seed, step, cfg.batch, data.count);
        const shards = ranges.map(([s, e]) => ({ data: data.rows(idx.subarray(s, e)), shape: [2 * (e - s), h, w, c] as const }));
        const r = await engine.gradients(list.map((v) => v.dataSync() as Float32Array), shards, couple);
        const lr = adam.applyArrays(r.grads, step);
        return { loss: r.loss, ...r.extras, lr };
      },
      state: () => ({
        ...Object.fromEntries(vars.flatMap((v, i) => [[`w${i}`, snapshot(v.w)], [`b${i}`, snapshot(v.b)]])),
        ...adam.state(),
      }),
      restore(state) {
        tf.tidy(() => vars.forEach((v, i) => {
          v.w.assign(tf.tensor4d(state[`w${i}`]!.data as Float32Array, v.w.shape));
          v.b.assign(tf.tensor1d(state[`b${i}`]!.data as Float32Array));
        }));
        adam.restore(state);
      },
    }, { ...io, checkpointEvery: cfg.checkpointEvery });
    return {
      blocks: vars.map((v) => ({ w: Float32Array.from(v.w.dataSync() as Float32Array), b: Float32Array.from(v.b.dataSync() as Float32Array) })),
      initial, curve: loop.curve as Curve, workers: engine.workers, ...(loop.resumedFrom !== undefined ? { resumedFrom: loop.resumedFrom } : {}),
    };
  }), release);
}

const snapshot = (v: tfc.Variable): Tensor => ({ dtype: "float32", shape: v.shape, data: Float32Array.from(v.dataSync() as Float32Array) });
