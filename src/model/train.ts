import type * as tfc from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import type { Tf } from "../compute/backend.js";
import type { Checkpoints } from "../engine/checkpoint.js";
import type { Tensor } from "../sdk/ports.js";
import { makeRng } from "../sdk/rng.js";
import { Adam } from "./adam.js";
import type { BlockSpec } from "./architecture.js";
import { blockForward, initBlock } from "./block.js";
import { readoutFeatures, type Readout } from "./features.js";
import { objective, type ObjectiveOptions } from "./objectives.js";

/**
 * Layerwise training of one block on patch pairs: the block's input is data (patches, or a frozen
 * lower layer's output), so no gradient ever reaches a lower layer. Runs as an Effect: interrupting
 * the fiber (Ctrl-C, SIGTERM) saves a checkpoint between two steps, and every `checkpointEvery`
 * steps one is saved anyway, so a killed run loses at most that much. Batches and the init derive
 * from (seed, step), never from a running stream, so a resumed run is bit-identical to an
 * uninterrupted one.
 */
export interface PairData {
  readonly count: number;
  /** The block's input for pairs `idx`, A sides then B sides: [2n, H, W, C]. Called inside tf.tidy. */
  input(idx: Int32Array): tfc.Tensor4D;
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
}

export interface TrainIO {
  progress(step: number, total: number): void;
  log(message: string): void;
  readonly checkpoint?: Checkpoints;
}

export const CURVE_COLUMNS = ["step", "loss", "similarity", "decorrelation", "lr", "wall_s"] as const;
export type Curve = Record<(typeof CURVE_COLUMNS)[number], Float64Array>;

export interface Trained {
  readonly w: Float32Array;
  readonly b: Float32Array;
  readonly initial: { readonly w: Float32Array; readonly b: Float32Array };
  readonly curve: Curve;
  readonly resumedFrom?: number;
}

export class TrainingDiverged extends Error { override name = "TrainingDiverged"; }

/** Indices of batch `step`: consecutive slices of a per-epoch permutation, so each pair is seen once per epoch. */
export function batchIndices(seed: number, step: number, batch: number, count: number): Int32Array {
  if (batch > count) throw new Error(`batch ${batch} is larger than the ${count} pairs available`);
  const out = new Int32Array(batch);
  let perm: Int32Array | undefined, permEpoch = -1;
  for (let k = 0; k < batch; k++) {
    const pos = step * batch + k, epoch = Math.floor(pos / count);
    if (epoch !== permEpoch) { perm = permutation(makeRng(seed).fork(`epoch:${epoch}`), count); permEpoch = epoch; }
    out[k] = perm![pos - epoch * count]!;
  }
  return out;
}

function permutation(rng: ReturnType<typeof makeRng>, n: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = rng.int(i + 1); const t = p[i]!; p[i] = p[j]!; p[j] = t; }
  return p;
}

export function trainBlock(tf: Tf, data: PairData, cfg: TrainConfig, io: TrainIO): Effect.Effect<Trained, TrainingDiverged> {
  return trainStack(tf, data, { ...cfg, specs: [cfg.spec] }, io).pipe(Effect.map((t) => ({ ...t, w: t.blocks[0]!.w, b: t.blocks[0]!.b, initial: t.initial[0]! })));
}

export interface StackTrained {
  readonly blocks: readonly { readonly w: Float32Array; readonly b: Float32Array }[];
  readonly initial: readonly { readonly w: Float32Array; readonly b: Float32Array }[];
  readonly curve: Curve;
  readonly resumedFrom?: number;
}

/**
 * Train a stack of blocks jointly on the top block's features. One block is layerwise training
 * (the LCL way); several is the end-to-end control ("not layerwise"), where gradients flow
 * through the upper blocks into the lower ones.
 */
export function trainStack(tf: Tf, data: PairData, cfg: Omit<TrainConfig, "spec"> & { readonly specs: readonly BlockSpec[] }, io: TrainIO): Effect.Effect<StackTrained, TrainingDiverged> {
  return Effect.gen(function* () {
    const { specs, steps } = cfg;
    const initRng = makeRng(cfg.seed).fork("init");
    const initial = specs.map((spec, i) => initBlock(spec, i === 0 ? cfg.inChannels : specs[i - 1]!.channels, initRng));
    const vars = specs.map((spec, i) => ({
      w: tf.tidy(() => tf.variable(tf.tensor4d(initial[i]!.w, [spec.kernel, spec.kernel, i === 0 ? cfg.inChannels : specs[i - 1]!.channels, spec.channels]), true)),
      b: tf.tidy(() => tf.variable(tf.tensor1d(initial[i]!.b), true)),
    }));
    const list = vars.flatMap((v) => [v.w, v.b]);
    const adam = new Adam(tf, list, { lr: cfg.lr, steps, weightDecay: cfg.weightDecay, warmup: cfg.warmup });
    const curve = Object.fromEntries(CURVE_COLUMNS.map((c) => [c, new Float64Array(steps)])) as Curve;
    let step = 0, wallOffset = 0, resumedFrom: number | undefined;

    const ck = io.checkpoint ? yield* Effect.promise(() => io.checkpoint!.load()) : undefined;
    if (ck && ck.step <= steps) {
      tf.tidy(() => vars.forEach((v, i) => {
        v.w.assign(tf.tensor4d(ck.state[`w${i}`]!.data as Float32Array, v.w.shape));
        v.b.assign(tf.tensor1d(ck.state[`b${i}`]!.data as Float32Array));
      }));
      adam.restore(ck.state);
      for (const c of CURVE_COLUMNS) curve[c].set((ck.state[`curve.${c}`]!.data as Float64Array).subarray(0, ck.step));
      step = resumedFrom = ck.step;
      wallOffset = step > 0 ? curve.wall_s[step - 1]! : 0;
      io.log(`resumed from the checkpoint at step ${step}`);
    }
    const state = (): Record<string, Tensor> => ({
      ...Object.fromEntries(vars.flatMap((v, i) => [
        [`w${i}`, { dtype: "float32", shape: v.w.shape, data: v.w.dataSync() as Float32Array }],
        [`b${i}`, { dtype: "float32", shape: v.b.shape, data: v.b.dataSync() as Float32Array }],
      ])),
      ...adam.state(),
      ...Object.fromEntries(CURVE_COLUMNS.map((c) => [`curve.${c}`, { dtype: "float64", shape: [steps], data: curve[c] } as Tensor])),
    });
    const save = (at: number) => io.checkpoint ? Effect.promise(() => io.checkpoint!.save(at, state())) : Effect.void;

    const t0 = performance.now();
    const loop = Effect.gen(function* () {
      while (step < steps) {
        const idx = batchIndices(cfg.seed, step, cfg.batch, data.count);
        const values = tf.tidy(() => {
          let similarity = NaN, decorrelation = NaN;
          const { value, grads } = tf.variableGrads(() => {
            let y = data.input(idx);
            specs.forEach((spec, i) => {
              y = blockForward(tf, y, { w: vars[i]!.w as unknown as tfc.Tensor4D, b: vars[i]!.b as unknown as tfc.Tensor1D }, spec, { inputGrad: i > 0 });
            });
            const z = readoutFeatures(tf, y, cfg.readout ?? "mean");
            const n = idx.length;
            const terms = objective(tf, tf.slice(z, [0, 0], [n, -1]), tf.slice(z, [n, 0], [n, -1]), cfg.objective);
            // variableGrads keeps only the loss: read the diagnostics while they exist
            similarity = terms.similarity.dataSync()[0]!; decorrelation = terms.decorrelation.dataSync()[0]!;
            return terms.loss;
          }, list);
          const lr = adam.apply(list.map((v) => grads[v.name]!), step);
          return { loss: value.dataSync()[0]!, similarity, decorrelation, lr };
        });
        if (!Number.isFinite(values.loss)) {
          return yield* Effect.fail(new TrainingDiverged(`training diverged at step ${step} (loss ${values.loss}); lower lr (now ${cfg.lr}) or raise batch`));
        }
        curve.step[step] = step; curve.loss[step] = values.loss; curve.similarity[step] = values.similarity;
        curve.decorrelation[step] = values.decorrelation; curve.lr[step] = values.lr;
        curve.wall_s[step] = wallOffset + (performance.now() - t0) / 1000;
        step++;
        if (step % 10 === 0 || step === steps) io.progress(step, steps);
        if (cfg.checkpointEvery > 0 && step % cfg.checkpointEvery === 0 && step < steps) yield* save(step);
        yield* Effect.yieldNow; // an interruption lands here, between two whole steps
      }
    }).pipe(Effect.onInterrupt(() => save(step).pipe(Effect.andThen(Effect.sync(() => io.log(`interrupted: checkpoint saved at step ${step}`))))));
    yield* loop;
    const out: StackTrained = {
      blocks: vars.map((v) => ({ w: Float32Array.from(v.w.dataSync() as Float32Array), b: Float32Array.from(v.b.dataSync() as Float32Array) })),
      initial, curve, ...(resumedFrom !== undefined ? { resumedFrom } : {}),
    };
    adam.dispose();
    for (const v of vars) { v.w.dispose(); v.b.dispose(); }
    return out;
  });
}
