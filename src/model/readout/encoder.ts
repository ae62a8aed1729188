import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../../compute/backend.js";
import { corr, scoreModel, type Scores } from "../../metrics/oracle.js";
import type { Recording } from "../../neural/recordings.js";
import type { Tensor, TensorSet } from "../../sdk/ports.js";
import { makeRng, type Rng } from "../../sdk/rng.js";
import { Effect } from "effect";
import { Adam } from "../adam.js";
import { epochBatch, runLoop, type Checkpointer, type LoopTask } from "../loop.js";
import { coreForward, laplaceRegularizer, updateRunningStats, type CoreArchitecture, type Vars } from "./core.js";
import { factorizedReadout } from "./factorized.js";
import { gaussianReadout } from "./gaussian.js";
import type { Readout } from "./readout.js";

/**
 * Lurz et al.'s encoder (science.md §2.3–2.4; neuralpredictors' `FiringRateEncoder` with a
 * `MultiReadout`): a shared core, one readout per animal, r̂ = ELU(y) + 1; sum-Poisson loss
 * scaled by √(N_train/B), L1 on readout weights, Laplace on the core's first layer; Adam (lr
 * 0.005) with early stopping on the validation correlation, learning-rate decay and best-state
 * restores. Data comes from the recordings format, so real recordings train the same way.
 */

export interface AnimalData {
  readonly name: string;
  readonly neuronIds: readonly string[];
  /** Rows of the recording's neuron table. */
  readonly rows: Int32Array;
  readonly cortex?: Float64Array;
  readonly rf?: Float64Array;
  /** Per-neuron SD of the training responses (the NeuroNormalizer), responses are divided by it. */
  readonly std: Float64Array;
  /** n × N normalised responses (mean of the trials there are; single trials in a Lurz-style set). */
  readonly train: Float32Array;
  readonly validation: Float32Array;
  /** S_test × N × R normalised trials (NaN where missing). */
  readonly test: Float64Array;
}

export interface EncoderData {
  readonly height: number;
  readonly width: number;
  /** Stimulus index (into `images`) of every train / validation / test image. */
  readonly trainIdx: Int32Array;
  readonly valIdx: Int32Array;
  readonly testIdx: Int32Array;
  readonly repetitions: number;
  /** All stimuli, z-scored with `imageMean`/`imageStd`: S × H × W. */
  readonly images: Float32Array;
  readonly imageMean: number;
  readonly imageStd: number;
  readonly animals: readonly AnimalData[];
}

export interface DataOptions {
  /** Animals to take (values of the neurons table's `animal`); empty = all. */
  readonly animals: readonly string[];
  /** Train images to use, 0 = all (after `offset`). */
  readonly trainImages: number;
  /** Skip this many train-tier images first (e.g. those a transferred core was trained on). */
  readonly offset: number;
  /** Normalise images with these instead of the training images' own (a transferred core's). */
  readonly imageStats?: { mean: number; std: number };
}

/** Split a validated recording by tier and animal, normalise images and responses. */
export function encoderData(rec: Recording, o: DataOptions): EncoderData {
  const st = rec.stimuli;
  if (!st.tier) throw new Error("stimuli: the readout needs a 'tier' column (train / validation / test) on the stimuli table");
  const byTier = (t: string) => Int32Array.from(st.tier!.flatMap((x, i) => (x === t ? [i] : [])));
  const allTrain = byTier("train"), valIdx = byTier("validation"), testIdx = byTier("test");
  if (o.offset >= allTrain.length) throw new Error(`offset ${o.offset}: the recording has only ${allTrain.length} train images`);
  const trainIdx = allTrain.slice(o.offset, o.trainImages ? o.offset + o.trainImages : undefined);
  if (o.trainImages && trainIdx.length < o.trainImages) throw new Error(`train_images ${o.trainImages} (after offset ${o.offset}): the recording has only ${allTrain.length - o.offset}`);
  if (!valIdx.length) throw new Error("stimuli: no validation-tier images (early stopping needs them)");
  if (!testIdx.length) throw new Error("stimuli: no test-tier images");
  const P = st.width * st.height;
  let mean = 0, sd = 0;
  if (o.imageStats) ({ mean, std: sd } = o.imageStats);
  else {
    for (const s of trainIdx) for (let k = 0; k < P; k++) mean += st.pixels[s * P + k]! / (trainIdx.length * P);
    for (const s of trainIdx) for (let k = 0; k < P; k++) sd += (st.pixels[s * P + k]! - mean) ** 2 / (trainIdx.length * P);
    sd = Math.sqrt(sd) || 1;
  }
  const images = Float32Array.from(st.pixels, (x) => (x - mean) / sd);

  const ns = rec.neurons, Nall = ns.ids.length, R = rec.repetitions;
  const names = o.animals.length ? [...o.animals] : ns.animal ? [...new Set(ns.animal)].sort() : [""];
  const animals = names.map((name): AnimalData => {
    const rows = Int32Array.from(ns.ids.flatMap((_, i) => ((ns.animal ? ns.animal[i] : "") === name ? [i] : [])));
    if (!rows.length) throw new Error(`animal '${name}': no neurons with that animal in the neurons table (has: ${[...new Set(ns.animal ?? [""])].join(", ")})`);
    const N = rows.length;
    const meanTrial = (idx: Int32Array) => {
      const out = new Float64Array(idx.length * N);
      idx.forEach((s, a) => rows.forEach((row, n) => {
        let sum = 0, c = 0;
        for (let r = 0; r < R; r++) { const v = rec.trials[(s * Nall + row) * R + r]!; if (!Number.isNaN(v)) { sum += v; c++; } }
        out[a * N + n] = sum / c;
      }));
      return out;
    };
    const tr = meanTrial(trainIdx), va = meanTrial(valIdx);
    const std = new Float64Array(N);
    for (let n = 0; n < N; n++) {
      let m = 0, v = 0;
      for (let a = 0; a < trainIdx.length; a++) m += tr[a * N + n]! / trainIdx.length;
      for (let a = 0; a < trainIdx.length; a++) v += (tr[a * N + n]! - m) ** 2 / Math.max(1, trainIdx.length - 1);
      std[n] = Math.sqrt(v);
    }
    const floor = 0.01 * (std.reduce((a, b) => a + b, 0) / N);
    for (let n = 0; n < N; n++) std[n] = Math.max(std[n]!, floor) || 1;
    const norm = (x: Float64Array, rowsOf: number) => Float32Array.from({ length: rowsOf * N }, (_, k) => x[k]! / std[k % N]!);
    const test = new Float64Array(testIdx.length * N * R);
    testIdx.forEach((s, a) => rows.forEach((row, n) => { for (let r = 0; r < R; r++) test[(a * N + n) * R + r] = rec.trials[(s * Nall + row) * R + r]! / std[n]!; }));
    const pick = (m: Float64Array | undefined) => (m ? Float64Array.from({ length: 2 * N }, (_, k) => m[2 * rows[k >> 1]! + (k & 1)]!) : undefined);
    const cortex = pick(ns.cortex), rf = pick(ns.rf);
    return { name, neuronIds: [...rows].map((r) => ns.ids[r]!), rows, std, train: norm(tr, trainIdx.length), validation: norm(va, valIdx.length), test, ...(cortex && { cortex }), ...(rf && { rf }) };
  });
  return { height: st.height, width: st.width, trainIdx, valIdx, testIdx, repetitions: R, images, imageMean: mean, imageStd: sd, animals };
}

export interface ReadoutOptions {
  readonly kind: "gaussian" | "factorized";
  readonly initMuRange: number;
  readonly initSigma: number;
  /** Use the cortex grid-mean predictor when the neurons have cortex_x/cortex_y. */
  readonly gridPredictor: boolean;
}

/** One readout per animal; biases start at the mean response of the first training batch. */
export function makeReadouts(tf: Tf, data: EncoderData, core: CoreArchitecture, o: ReadoutOptions, batch: number, rng: Rng): Readout[] {
  return data.animals.map((a) => {
    const N = a.neuronIds.length, b = Math.min(batch, data.trainIdx.length);
    const meanResponse = new Float32Array(N);
    for (let i = 0; i < b; i++) for (let n = 0; n < N; n++) meanResponse[n]! += a.train[i * N + n]! / b;
    const r = rng.fork(`readout:${a.name}`);
    if (o.kind === "factorized") return factorizedReadout(tf, { neurons: N, channels: core.channels, height: core.outHeight, width: core.outWidth, meanResponse }, r, `readout.${a.name}`);
    if (o.gridPredictor && !a.cortex) throw new Error(`animal '${a.name}': grid_predictor needs cortex_x/cortex_y in the neurons table (or set grid_predictor: false)`);
    return gaussianReadout(tf, { neurons: N, channels: core.channels, initMuRange: o.initMuRange, initSigma: o.initSigma, meanResponse, ...(o.gridPredictor && a.cortex && { cortex: a.cortex }) }, r, `readout.${a.name}`);
  });
}

export interface FitOptions {
  readonly batch: number;
  readonly lr: number;
  readonly maxEpochs: number;
  readonly patience: number;
  readonly lrDecaySteps: number;
  readonly lrDecayFactor: number;
  readonly minLr: number;
  readonly tolerance: number;
  readonly gammaReadout: number;
  readonly gammaInput: number;
  readonly seed: number;
}

export const CURVE = ["epoch", "train_loss", "val_corr", "lr", "wall_s"] as const;
export type Curve = Record<(typeof CURVE)[number], number[]>;

export interface Model {
  readonly core: { readonly vars: Vars; readonly arch: CoreArchitecture; readonly frozen: boolean };
  readonly readouts: readonly Readout[];
}

const rate = (tf: Tf, y: tfc.Tensor) => tf.add(tf.elu(y), 1);

/** Sum-Poisson loss Σ(r̂ − r·log(r̂ + 1e-12)) (neuralpredictors' PoissonLoss, avg = False). */
export function poissonLoss(tf: Tf, pred: tfc.Tensor, target: tfc.Tensor): tfc.Scalar {
  return tf.tidy(() => tf.sum(tf.sub(pred, tf.mul(target, tf.log(tf.add(pred, 1e-12))))) as tfc.Scalar);
}

function batchOf(data: EncoderData, idx: ArrayLike<number>): Float32Array {
  const P = data.height * data.width, out = new Float32Array(idx.length * P);
  for (let i = 0; i < idx.length; i++) out.set(data.images.subarray(idx[i]! * P, (idx[i]! + 1) * P), i * P);
  return out;
}

/** Core features of stimuli `idx` in evaluation mode, in chunks: [n,H',W',C] as one array. */
function coreFeatures(tf: Tf, m: Model, data: EncoderData, idx: ArrayLike<number>): Float32Array {
  const a = m.core.arch, per = a.outHeight * a.outWidth * a.channels, out = new Float32Array(idx.length * per);
  for (let s = 0; s < idx.length; s += 128) {
    const part = Array.from(idx).slice(s, s + 128);
    const f = tf.tidy(() => coreForward(tf, m.core.vars, a, tf.tensor4d(batchOf(data, part), [part.length, data.height, data.width, 1]), false).features);
    out.set(f.dataSync() as Float32Array, s * per);
    f.dispose();
  }
  return out;
}

/** Predicted rates (normalised units) of every animal's neurons for stimuli `idx`: one n × N array per animal. */
export function predict(tf: Tf, m: Model, data: EncoderData, idx: ArrayLike<number>, cached?: Float32Array): Float32Array[] {
  const a = m.core.arch, per = a.outHeight * a.outWidth * a.channels;
  const feats = cached ?? coreFeatures(tf, m, data, idx);
  const out = data.animals.map((an) => new Float32Array(idx.length * an.neuronIds.length));
  for (let s = 0; s < idx.length; s += 128) {
    const n = Math.min(128, idx.length - s);
    tf.tidy(() => {
      const F = tf.tensor4d(feats.subarray(s * per, (s + n) * per), [n, a.outHeight, a.outWidth, a.channels]);
      m.readouts.forEach((r, k) => out[k]!.set(rate(tf, r.forward(F, false)).dataSync() as Float32Array, s * data.animals[k]!.neuronIds.length));
    });
  }
  return out;
}

/** Mean over all neurons of the validation correlation (the early-stopping objective). */
function validationCorrelation(pred: Float32Array[], data: EncoderData): number {
  let sum = 0, count = 0;
  data.animals.forEach((an, k) => {
    const N = an.neuronIds.length, S = data.valIdx.length;
    for (let n = 0; n < N; n++) {
      const p = Float64Array.from({ length: S }, (_, s) => pred[k]![s * N + n]!), y = Float64Array.from({ length: S }, (_, s) => an.validation[s * N + n]!);
      sum += corr(p, y); count++;
    }
  });
  return sum / count;
}

export interface FitIO {
  progress(done: number, total: number, note?: string): void;
  log(message: string): void;
  readonly signal?: AbortSignal;
  /** Resume from / save to (every epoch); without it an interrupted fit starts over. */
  readonly checkpoint?: Checkpointer;
}

/**
 * Train (science.md §2.4) through the one training loop: per epoch a seeded permutation of the
 * training images in batches; for each batch one step on the summed objective of all animals
 * (they share stimuli, so the core runs once per batch: the LongCycler's one-step-per-round, at a
 * fraction of the cost). After each epoch, the validation correlation; `patience` epochs without
 * a gain > `tolerance` restore the best state and multiply the lr by `lrDecayFactor` (≥ `minLr`),
 * at most `lrDecaySteps` times; then stop on the best state. The lr is a function of the number
 * of such restarts, which the loop checkpoints. A frozen core's features are computed once.
 */
export async function fitEncoder(tf: Tf, m: Model, data: EncoderData, o: FitOptions, io: FitIO): Promise<{ curve: Curve; bestEpoch: number; bestVal: number }> {
  const a = m.core.arch, per = a.outHeight * a.outWidth * a.channels, nTrain = data.trainIdx.length, B = Math.min(o.batch, nTrain);
  const trainable: tfc.Variable[] = [
    ...(m.core.frozen ? [] : Object.values(m.core.vars).filter((v) => v.trainable)),
    ...m.readouts.flatMap((r) => Object.values(r.vars)),
  ];
  const all = [...Object.values(m.core.vars), ...m.readouts.flatMap((r) => Object.values(r.vars))];
  let restarts = 0;
  const lrAt = () => Math.max(o.minLr, o.lr * o.lrDecayFactor ** restarts);
  // Decays stop at lrDecaySteps, or once the lr has reached minLr.
  let allowed = 0;
  while (allowed < o.lrDecaySteps && Math.max(o.minLr, o.lr * o.lrDecayFactor ** allowed) > o.minLr) allowed++;
  const adam = new Adam(tf, trainable, { lr: o.lr, steps: 1, weightDecay: 0, schedule: lrAt });
  const trainFeats = m.core.frozen ? coreFeatures(tf, m, data, data.trainIdx) : undefined;
  const valFeats = m.core.frozen ? coreFeatures(tf, m, data, data.valIdx) : undefined;
  // Every image once per epoch, the last batch possibly smaller (PyTorch's DataLoader, drop_last = False).
  const perEpoch = Math.ceil(nTrain / B);
  const weights = () => Object.fromEntries(all.map((v, i) => [`v${i}`, { dtype: "float32", shape: v.shape, data: v.dataSync().slice() as Float32Array } as Tensor]));
  const task: LoopTask = {
    steps: o.maxEpochs * perEpoch, columns: ["lr"], divergenceHint: `lower lr (now ${o.lr})`,
    step(step) {
      const pos = epochBatch(o.seed, Math.floor(step / perEpoch), step % perEpoch, B, nTrain), b = pos.length, scale = Math.sqrt(nTrain / b);
      const rng = makeRng(o.seed).fork(`step:${step}`);
      const eps = m.readouts.map((r) => { const e = new Float32Array(r.epsCount(b)); for (let k = 0; k < e.length; k++) e[k] = rng.normal(); return e; });
      let stats: ReturnType<typeof coreForward>["stats"] = [];
      const { loss, lr } = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          let F: tfc.Tensor4D;
          if (trainFeats) {
            const x = new Float32Array(b * per);
            pos.forEach((p, k) => x.set(trainFeats.subarray(p * per, (p + 1) * per), k * per));
            F = tf.tensor4d(x, [b, a.outHeight, a.outWidth, a.channels]);
          } else {
            const f = coreForward(tf, m.core.vars, a, tf.tensor4d(batchOf(data, Array.from(pos, (p) => data.trainIdx[p]!)), [b, data.height, data.width, 1]), true);
            F = f.features; stats = f.stats;
          }
          let total: tfc.Scalar = tf.scalar(0);
          m.readouts.forEach((r, k) => {
            const an = data.animals[k]!, N = an.neuronIds.length, y = new Float32Array(b * N);
            pos.forEach((p, i) => y.set(an.train.subarray(p * N, (p + 1) * N), i * N));
            const pred = rate(tf, r.forward(F, true, eps[k]));
            total = tf.add(total, tf.add(tf.mul(scale, poissonLoss(tf, pred, tf.tensor2d(y, [b, N]))), r.regularizer(o.gammaReadout))) as tfc.Scalar;
          });
          if (!m.core.frozen && o.gammaInput > 0) total = tf.add(total, laplaceRegularizer(tf, m.core.vars["l0.w"] as unknown as tfc.Tensor4D, o.gammaInput)) as tfc.Scalar;
          return total;
        }, trainable);
        const lr = adam.apply(trainable.map((v) => grads[v.name]!), step);
        return { loss: value.dataSync()[0]!, lr };
      });
      if (stats.length) updateRunningStats(tf, m.core.vars, stats);
      for (const r of m.readouts) r.afterStep();
      return { loss, lr };
    },
    state: () => ({ ...weights(), ...adam.state() }),
    // Lurz et al. restore the model's best state, not the optimiser's.
    bestState: weights,
    restore(state) {
      tf.tidy(() => all.forEach((v, i) => v.assign(tf.tensor(state[`v${i}`]!.data as Float32Array, v.shape))));
      if (state["adam.m0"]) adam.restore(state);
    },
    evaluate: {
      every: perEpoch, patience: o.patience, tolerance: o.tolerance, restarts: allowed,
      score(step) {
        const val = validationCorrelation(predict(tf, m, data, data.valIdx, valFeats), data);
        io.log(`epoch ${step / perEpoch - 1}: validation r ${val.toFixed(4)}, lr ${lrAt().toPrecision(3)}`);
        io.progress(step / perEpoch, o.maxEpochs, `val r ${val.toFixed(3)}`);
        return val;
      },
      onRestart(n) { restarts = n; },
    },
  };
  try {
    const r = await Effect.runPromise(runLoop(task, { progress() {}, log: io.log, checkpointEvery: perEpoch, ...(io.checkpoint ? { checkpoint: io.checkpoint } : {}) }), io.signal ? { signal: io.signal } : {});
    const curve: Curve = { epoch: [], train_loss: [], val_corr: [], lr: [], wall_s: [] };
    r.evaluations.forEach((e, epoch) => {
      let loss = 0;
      for (let s = e.step - perEpoch; s < e.step; s++) loss += r.curve.loss![s]!;
      curve.epoch.push(epoch); curve.train_loss.push(loss / perEpoch); curve.val_corr.push(e.score);
      curve.lr.push(r.curve.lr![e.step - 1]!); curve.wall_s.push(r.curve.wall_s![e.step - 1]!);
    });
    return { curve, bestEpoch: r.best!.step / perEpoch - 1, bestVal: r.best!.score };
  } finally { adam.dispose(); }
}

/** Test-set scores per animal (science.md §2.5) and pooled over animals. */
export function evaluate(tf: Tf, m: Model, data: EncoderData, fevThreshold: number): { perAnimal: Scores[]; pooled: Scores } {
  const pred = predict(tf, m, data, data.testIdx), S = data.testIdx.length, R = data.repetitions;
  const perAnimal = data.animals.map((an, k) => scoreModel(Float64Array.from(pred[k]!), an.test, { S, N: an.neuronIds.length, R }, fevThreshold));
  // Pooled: concatenate neurons of all animals.
  const Ns = data.animals.map((an) => an.neuronIds.length), N = Ns.reduce((x, y) => x + y, 0);
  const P = new Float64Array(S * N), T = new Float64Array(S * N * R);
  let off = 0;
  data.animals.forEach((an, k) => {
    const Nk = Ns[k]!;
    for (let s = 0; s < S; s++) for (let n = 0; n < Nk; n++) {
      P[s * N + off + n] = pred[k]![s * Nk + n]!;
      for (let r = 0; r < R; r++) T[(s * N + off + n) * R + r] = an.test[(s * Nk + n) * R + r]!;
    }
    off += Nk;
  });
  return { perAnimal, pooled: scoreModel(P, T, { S, N, R }, fevThreshold) };
}

/** Learned RF centres in normalised image coordinates (the Gaussian readout's μ, through the core's valid-conv offset). */
export function learnedRfs(tf: Tf, r: Readout & { mu?: () => tfc.Tensor2D }, arch: CoreArchitecture): Float64Array | undefined {
  if (!r.mu) return undefined;
  const t = r.mu(), mu = t.dataSync() as Float32Array;
  t.dispose();
  const off = (arch.inputKernel - 1) / 2;
  return Float64Array.from(mu, (v, k) => {
    const [mapSide, imgSide] = k % 2 === 0 ? [arch.outWidth, arch.width] : [arch.outHeight, arch.height];
    return ((off + ((v + 1) / 2) * (mapSide - 1)) / (imgSide - 1)) * 2 - 1;
  });
}

/** All variables as a tensor set: `core.<name>` and `readout.<animal>.<name>`. */
export function modelTensors(m: Model, animals: readonly string[]): TensorSet {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(m.core.vars)) out[`core.${k}`] = { dtype: "float32", shape: v.shape, data: Float32Array.from(v.dataSync() as Float32Array) };
  m.readouts.forEach((r, i) => { for (const [k, v] of Object.entries(r.vars)) out[`readout.${animals[i]}.${k}`] = { dtype: "float32", shape: v.shape, data: Float32Array.from(v.dataSync() as Float32Array) }; });
  return out;
}

/** A trained core from a tensor set (as `modelTensors` wrote it) into untrainable variables. */
export function loadCore(tf: Tf, set: TensorSet, arch: CoreArchitecture): Vars {
  const v: Vars = {};
  for (let l = 0; l < arch.layers; l++) for (const k of ["w", "gamma", "beta", "mean", "var"]) {
    const t = set[`core.l${l}.${k}`];
    if (!t) throw new Error(`the model lacks core.l${l}.${k}: not a model written by gaussian-readout`);
    v[`l${l}.${k}`] = tf.tidy(() => tf.variable(tf.tensor(t.data as Float32Array, [...t.shape]), false));
  }
  return v;
}
