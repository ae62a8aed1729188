import type * as tfc from "@tensorflow/tfjs-core";
import type * as arrow from "apache-arrow";
import { Effect } from "effect";
import type { Tf } from "../compute/backend.js";
import { addBias, conv2d, conv2dSame } from "../compute/ops.js";
import { readAll } from "../compute/read.js";
import type { Tensor, TensorSet } from "../sdk/ports.js";
import { makeRng, type Rng } from "../sdk/rng.js";
import { Adam } from "./adam.js";
import { outputSide } from "./architecture.js";
import { blockForward } from "./block.js";
import type { FrontendArchitecture } from "./frontend.js";
import { defaultWorkers, gradientEngine, type Coupler } from "./data-parallel.js";
import { epochBatch, runLoop, type Checkpointer, type TrainingDiverged } from "./loop.js";
import { shardRanges } from "./shard-gradients.js";
import type { ShardModel } from "./shard-model.js";
import { logSumExpRows } from "./objectives.js";
import type { PgdOptions } from "./adversarial.js";

/**
 * LCL-V2Net and its baselines (science.md §1.2, VOneNet's pattern): a two-block front-end →
 * 1×1 bottleneck → `depth` residual blocks of two 3×3 convs → global average pool → linear
 * classifier. The front-end is frozen (LCL-V2, or a random one) or trained with everything else
 * (the end-to-end baseline). Parameters live in one flat tensor set, so a trained classifier is
 * an ordinary artifact.
 */
export interface ClassifierArchitecture {
  readonly format: "lcl-classifier";
  readonly version: 1;
  readonly input_size: number;
  readonly width: number;
  readonly depth: number;
  readonly classes: number;
  readonly frontend: FrontendArchitecture;
  readonly frontend_trainable: boolean;
  readonly input_normalisation: InputNormalisation;
}

/**
 * The fixed standardisation every input gets: (pixel − mean) / std, with the mean and SD of the
 * training split's resized images, computed once and stored with the model (Geirhos et al. do the
 * same with ImageNet statistics). Standardising each image by its own statistics would undo the
 * `contrast` corruption and shrink added noise before the network saw them.
 */
export interface InputNormalisation { readonly mean: number; readonly std: number }

export type Params = Record<string, tfc.Variable>;
let created = 0; // tf variable names must be unique per process; they never affect results

function he(rng: Rng, shape: number[], fanIn: number, gain = 1): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1), std = gain * Math.sqrt(2 / fanIn);
  return Float32Array.from({ length: n }, () => rng.normal() * std);
}

/** Initial parameters: the front-end's given weights, the rest He-normal (residual branches scaled down). */
export function initClassifier(tf: Tf, arch: ClassifierArchitecture, frontend: TensorSet, rng: Rng): Params {
  const p: Params = {};
  const add = (name: string, shape: number[], data: Float32Array, trainable = true) => { p[name] = tf.tidy(() => tf.variable(tf.tensor(data, shape), trainable, `${name}#${created++}`)); };
  arch.frontend.blocks.forEach((_, i) => {
    for (const k of ["w", "b"]) {
      const t = frontend[`l${i + 1}.${k}`];
      if (!t) throw new Error(`front-end lacks l${i + 1}.${k}`);
      add(`fe.l${i + 1}.${k}`, [...t.shape], Float32Array.from(t.data as Float32Array), arch.frontend_trainable);
    }
  });
  const c = arch.frontend.output_channels, w = arch.width;
  add("bottleneck.w", [1, 1, c, w], he(rng, [1, 1, c, w], c));
  add("bottleneck.b", [w], new Float32Array(w));
  for (let r = 0; r < arch.depth; r++) {
    add(`res${r}.w1`, [3, 3, w, w], he(rng, [3, 3, w, w], 9 * w)); add(`res${r}.b1`, [w], new Float32Array(w));
    add(`res${r}.w2`, [3, 3, w, w], he(rng, [3, 3, w, w], 9 * w, 0.2)); add(`res${r}.b2`, [w], new Float32Array(w));
  }
  add("head.w", [w, arch.classes], he(rng, [w, arch.classes], w, 0.5));
  add("head.b", [arch.classes], new Float32Array(arch.classes));
  return p;
}

/**
 * Logits. `inputGrad` makes them differentiable with respect to `x` too (adversarial attacks);
 * without it the first layer and, under a frozen front-end, the bottleneck treat their input as
 * data and give gradients to their weights only — the cheap path training needs.
 */
export function forward(tf: Tf, p: Params, arch: ClassifierArchitecture, x: tfc.Tensor4D, opts: { inputGrad?: boolean } = {}): tfc.Tensor2D {
  return tf.tidy(() => backboneForward(tf, p, arch, frontendForward(tf, p, arch, x, opts), opts));
}

/** The front-end's output [B,h,w,C] (the bottleneck's input); frozen and without `inputGrad`, it is plain data. */
export function frontendForward(tf: Tf, p: Params, arch: ClassifierArchitecture, x: tfc.Tensor4D, opts: { inputGrad?: boolean } = {}): tfc.Tensor4D {
  return tf.tidy(() => {
    let y: tfc.Tensor4D = x;
    arch.frontend.blocks.forEach((b, i) => {
      y = blockForward(tf, y, { w: p[`fe.l${i + 1}.w`] as unknown as tfc.Tensor4D, b: p[`fe.l${i + 1}.b`] as unknown as tfc.Tensor1D }, b,
        { frozen: !arch.frontend_trainable, inputGrad: arch.frontend_trainable && (i > 0 || !!opts.inputGrad) });
    });
    return y;
  });
}

/** Shape [h,w,C] of one image's front-end output. */
export function frontendShape(arch: ClassifierArchitecture): [number, number, number] {
  const side = arch.frontend.blocks.reduce((n, b) => outputSide(n, b), arch.input_size);
  return [side, side, arch.frontend.output_channels];
}

/** Logits from the front-end's output `y`: 1×1 bottleneck → residual blocks → global average pool → linear. */
export function backboneForward(tf: Tf, p: Params, arch: ClassifierArchitecture, y: tfc.Tensor4D, opts: { inputGrad?: boolean } = {}): tfc.Tensor2D {
  return tf.tidy(() => {
    const dataIn = !arch.frontend_trainable && !opts.inputGrad; // the bottleneck's input is data when the front-end is frozen
    // addBias: a bias gradient by matMul, not wasm's slow Sum over all but the last axis.
    const b = (name: string) => p[name] as unknown as tfc.Tensor1D;
    y = tf.relu(addBias(tf, conv2d(tf, y, p["bottleneck.w"] as unknown as tfc.Tensor4D, 1, { inputGrad: !dataIn }), b("bottleneck.b"))) as tfc.Tensor4D;
    for (let r = 0; r < arch.depth; r++) {
      const h = tf.relu(addBias(tf, conv2dSame(tf, y, p[`res${r}.w1`] as unknown as tfc.Tensor4D), b(`res${r}.b1`))) as tfc.Tensor4D;
      y = tf.relu(tf.add(y, addBias(tf, conv2dSame(tf, h, p[`res${r}.w2`] as unknown as tfc.Tensor4D), b(`res${r}.b2`)))) as tfc.Tensor4D;
    }
    return tf.add(tf.matMul(tf.mean(y, [1, 2]) as tfc.Tensor2D, p["head.w"]!), p["head.b"]!) as tfc.Tensor2D;
  });
}

/** Square images (side×side each) → bilinearly resized to size×size, in batches to bound memory. */
function resized(tf: Tf, pixels: Float32Array, side: number, size: number): Float32Array {
  if (side === size) return pixels.slice();
  const n = pixels.length / (side * side), out = new Float32Array(n * size * size);
  for (let s = 0; s < n; s += 512) {
    const m = Math.min(512, n - s);
    const r = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(pixels.subarray(s * side * side, (s + m) * side * side), [m, side, side, 1]), [size, size]));
    out.set(r.dataSync() as Float32Array, s * size * size);
    r.dispose();
  }
  return out;
}

/** The training split's input statistics (over every pixel of every resized image): computed once per model. */
export function inputNormalisation(tf: Tf, train: arrow.Table, size: number): InputNormalisation {
  return pixelNormalisation(tf, tablePixels(train), 28, size);
}

/** Mean and SD over every pixel of square side×side images after resizing to size×size. */
export function pixelNormalisation(tf: Tf, pixels: Float32Array, side: number, size: number): InputNormalisation {
  const x = resized(tf, pixels, side, size);
  let sum = 0;
  for (const v of x) sum += v;
  const mean = sum / x.length;
  let ss = 0;
  for (const v of x) ss += (v - mean) ** 2;
  const std = Math.sqrt(ss / x.length);
  if (!(std > 1e-6)) throw new Error(`the training split's pixels have SD ${std}: every image is the same flat grey, nothing to normalise by; check the train table's 'pixels'`);
  return { mean, std };
}

/** A stored model's input statistics, from its architecture JSON (classifier or cornet-s). */
export function inputNormalisationOf(arch: unknown, what: string): InputNormalisation {
  const n = (arch as { input_normalisation?: Partial<InputNormalisation> } | undefined)?.input_normalisation;
  if (typeof n?.mean !== "number" || typeof n.std !== "number" || !(n.std > 0)) {
    throw new Error(`${what}: no input_normalisation {mean, std > 0}; the model was trained before inputs were standardised with fixed training-split statistics — rerun its classifier / cornet-s stage`);
  }
  return { mean: n.mean, std: n.std };
}

/** Square images in [0,1] → the network's input: bilinear resize, then the model's fixed standardisation (the same for every image). */
export function prepare(tf: Tf, pixels: Float32Array, side: number, size: number, norm: InputNormalisation): Float32Array {
  const x = resized(tf, pixels, side, size), inv = 1 / norm.std;
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - norm.mean) * inv;
  return x;
}

/** What training and evaluation need of any image classifier (LCL-V2Net's backbone, CORnet-S). */
export interface Model {
  /** Every parameter; non-trainable variables (a frozen front-end, BatchNorm running statistics) are saved but not optimised. */
  readonly params: Params;
  readonly inputSize: number;
  /** Shape [h,w,c] of one input row when it is not a one-channel inputSize² image (a stem's output). */
  readonly inputShape?: readonly [number, number, number];
  readonly classes: number;
  /** Logits [B, classes]; `training` selects batch statistics for BatchNorm. */
  logits(x: tfc.Tensor4D, training: boolean): tfc.Tensor2D;
  /** Called after each optimiser step, outside the gradient tape (e.g. to update running statistics). */
  afterStep?(): void;
  /**
   * The model as plain data for data-parallel workers (its current weights are passed per step).
   * Absent (CORnet-S: BatchNorm couples a batch's images inside the net), fit computes in this thread.
   */
  shardModel?(): ShardModel;
  /**
   * A frozen stem (a frozen front-end) computes the same function of an image in every epoch:
   * on untransformed batches fit computes `apply` once per image and trains `rest` (the model
   * from the stem's output on, same parameters) instead of rerunning the stem every step.
   */
  frozenStem?(): FrozenStem;
}

export interface FrozenStem {
  /** The stem's output for images [B,S,S,1] (no gradients). */
  apply(x: tfc.Tensor4D): tfc.Tensor4D;
  /** The model from the stem's output on: its input rows have `inputShape`. */
  readonly rest: Model & { readonly inputShape: readonly [number, number, number] };
}

/** `inputGrad`: logits differentiable with respect to the input (see `forward`), for attacks. */
export function resnetModel(tf: Tf, p: Params, arch: ClassifierArchitecture, opts: { inputGrad?: boolean } = {}): Model {
  const describe = (input: "images" | "features"): ShardModel => ({
    kind: "classifier", arch, input,
    trainable: Object.entries(p).filter(([, v]) => v.trainable).map(([name, v]) => ({ name, shape: v.shape })),
    // From the front-end's output on, its weights are not needed.
    constants: Object.fromEntries(Object.entries(p).filter(([name, v]) => !v.trainable && (input === "images" || !name.startsWith("fe.")))
      .map(([name, v]) => [name, { shape: v.shape, data: Float32Array.from(v.dataSync() as Float32Array) }])),
  });
  const frozen = !arch.frontend_trainable && !opts.inputGrad;
  return {
    params: p, inputSize: arch.input_size, classes: arch.classes, logits: (x) => forward(tf, p, arch, x, opts),
    shardModel: () => describe("images"),
    ...(frozen && {
      frozenStem: () => ({
        apply: (x: tfc.Tensor4D) => frontendForward(tf, p, arch, x),
        rest: { params: p, inputSize: arch.input_size, inputShape: frontendShape(arch), classes: arch.classes, logits: (y: tfc.Tensor4D) => backboneForward(tf, p, arch, y), shardModel: () => describe("features") },
      }),
    }),
  };
}

export interface Split { readonly x: Float32Array; readonly y: Int32Array; readonly n: number }

function tablePixels(t: arrow.Table, transform?: (img: Float32Array, i: number) => Float32Array): Float32Array {
  const n = t.numRows, col = t.getChild("pixels");
  if (!col) throw new Error("the images table has no 'pixels' column (label, 28×28 pixels in [0,1])");
  const raw = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) { const img = col.get(i)!.toArray() as Float32Array; raw.set(transform ? transform(img, i) : img, i * 784); }
  return raw;
}

/**
 * A labelled-images table (label, 28×28 pixels in [0,1]) → the classifier's prepared input;
 * `transform` corrupts each image first, so the corruption reaches the network through the same
 * fixed standardisation as the clean images.
 */
export function splitFromTable(tf: Tf, t: arrow.Table, size: number, norm: InputNormalisation, transform?: (img: Float32Array, i: number) => Float32Array): Split {
  return { x: prepare(tf, tablePixels(t, transform), 28, size, norm), y: t.getChild("label")!.toArray() as Int32Array, n: t.numRows };
}

/** The predicted class of every image of `d`. */
export function predict(tf: Tf, model: Model, d: Split): Int32Array {
  return predictRows(tf, model, d.x, d.n);
}

/** Input rows' shape [h,w,c] for `model`. */
const rowShape = (model: Model): readonly [number, number, number] => model.inputShape ?? [model.inputSize, model.inputSize, 1];

/** The predicted class of each of `n` input rows (shaped as `model` takes them) in `x`. */
function predictRows(tf: Tf, model: Model, x: Float32Array, n: number): Int32Array {
  const shape = rowShape(model), R = shape[0] * shape[1] * shape[2], out = new Int32Array(n);
  for (let s = 0; s < n; s += 256) {
    const m = Math.min(256, n - s);
    const pred = tf.tidy(() => tf.argMax(model.logits(tf.tensor4d(x.subarray(s * R, (s + m) * R), [m, ...shape]), false), 1));
    out.set(pred.dataSync() as Int32Array, s);
    pred.dispose();
  }
  return out;
}

/** A frozen stem's output for every image of `d`, in batches: the rows `rest` trains on. */
function stemRows(tf: Tf, stem: FrozenStem, d: Split, S: number): Float32Array {
  const [h, w, c] = stem.rest.inputShape, R = h * w * c, out = new Float32Array(d.n * R);
  for (let s = 0; s < d.n; s += 256) {
    const m = Math.min(256, d.n - s);
    const y = tf.tidy(() => stem.apply(tf.tensor4d(d.x.subarray(s * S * S, (s + m) * S * S), [m, S, S, 1])));
    if (y.size !== m * R) throw new Error(`frozen stem: ${y.shape.join("×")} output for ${m} images, expected ${m}×${h}×${w}×${c}`);
    out.set(y.dataSync() as Float32Array, s * R);
    y.dispose();
  }
  return out;
}

export function accuracy(tf: Tf, model: Model, d: Split): number {
  return rowsAccuracy(predict(tf, model, d), d.y);
}

function rowsAccuracy(pred: Int32Array, y: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === y[i]) correct++;
  return correct / pred.length;
}

export interface FitOptions {
  readonly epochs: number; readonly batch: number; readonly lr: number; readonly patience: number; readonly seed: number;
  /**
   * Replaces each training batch before the step (e.g. by adversarial examples), given its
   * labels and the global step index (seed any randomness from it, so a resumed fit is
   * bit-identical). Runs inside the step's tidy; it must not modify `x`. Training loss and
   * accuracy are then those on the transformed batch.
   */
  readonly transformBatch?: (x: tfc.Tensor4D, labels: Int32Array, step: number) => tfc.Tensor4D;
  /**
   * Adversarial training in the data-parallel workers: each shard of each batch is replaced by
   * PGD examples against the current weights by the thread that computes it, its random start
   * drawn from makeRng(seed).fork(`step:${step}:shard:${c}`), so the result depends on `shards`
   * and never on `workers`. Needs a model with `shardModel`; not with `transformBatch`.
   */
  readonly attack?: { readonly pgd: PgdOptions; readonly seed: number };
  /** Fixed shards per batch for data parallelism (models with `shardModel`): results depend on it, never on `workers`. Default 1. */
  readonly shards?: number;
  /** Worker threads (default: LCL_WORKERS, else every core; at most `shards`). */
  readonly workers?: number;
}
export const FIT_CURVE = ["epoch", "train_loss", "train_acc", "val_acc", "wall_s"] as const;
export type FitCurve = Record<(typeof FIT_CURVE)[number], number[]>;

const snapshot = (p: Params): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { dtype: "float32", shape: v.shape, data: Float32Array.from(v.dataSync() as Float32Array) } as Tensor]));

/**
 * Supervised training through the one training loop (loop.ts), with early stopping on validation
 * accuracy (the best epoch's weights are restored). A checkpoint per epoch: an interrupted fit
 * resumes at the next epoch, bit-identical.
 */
export function fit(tf: Tf, model: Model, train: Split, val: Split, o: FitOptions,
  io: { progress(done: number, total: number): void; log(m: string): void; checkpoint?: Checkpointer }): Effect.Effect<{ best: Record<string, Tensor>; curve: FitCurve; bestEpoch: number; workers: number }, TrainingDiverged> {
  const p = model.params, S = model.inputSize, trainable = Object.entries(p).filter(([, v]) => v.trainable).map(([, v]) => v);
  const perEpoch = Math.ceil(train.n / o.batch), shards = o.shards ?? 1;
  if (o.attack && o.transformBatch) throw new Error("fit: 'attack' and 'transformBatch' both replace the batch; give one");
  // Transformed batches (attacks) differ every step, so only untransformed ones may reuse a frozen stem's output.
  const stem = o.transformBatch || o.attack ? undefined : model.frozenStem?.();
  const net: Model = stem?.rest ?? model, shape = rowShape(net), R = shape[0] * shape[1] * shape[2];
  const plain = net.shardModel?.();
  if (o.attack && plain?.kind !== "classifier") throw new Error("fit: adversarial training ('attack') runs in the shard workers and needs a classifier that describes itself as a shard model (LCL-V2Net's resnetModel); CORnet-S has none");
  const described = o.attack && plain?.kind === "classifier" ? { ...plain, attack: o.attack.pgd } : plain;
  const setup = Effect.promise(async () => ({
    adam: new Adam(tf, trainable, { lr: o.lr, steps: o.epochs * perEpoch, weightDecay: 0 }),
    engine: described ? await gradientEngine(tf, described, { workers: o.workers ?? defaultWorkers(), shards }) : undefined,
    trainX: stem ? stemRows(tf, stem, train, S) : train.x,
    valX: stem ? stemRows(tf, stem, val, S) : val.x,
  }));
  return Effect.acquireUseRelease(setup, ({ adam, engine, trainX, valX }) => runLoop({
    steps: o.epochs * perEpoch, columns: ["n", "hits", "lr"],
    divergenceHint: `lower lr (now ${o.lr})`,
    async step(step) {
      const idx = epochBatch(o.seed, Math.floor(step / perEpoch), step % perEpoch, o.batch, train.n);
      let xb: Float32Array = new Float32Array(idx.length * R);
      const yb = new Int32Array(idx.length);
      idx.forEach((j, k) => { xb.set(trainX.subarray(j * R, (j + 1) * R), k * R); yb[k] = train.y[j]!; });
      if (o.transformBatch) xb = readAll(tf, [tf.tidy(() => o.transformBatch!(tf.tensor4d(xb, [idx.length, S, S, 1]), yb, step))])[0]!;
      if (engine) {
        const ranges = shardRanges(idx.length, shards);
        const r = await engine.gradients(trainable.map((v) => v.dataSync() as Float32Array),
          ranges.map(([a, b], c) => ({
            data: xb.subarray(a * R, b * R), shape: [b - a, ...shape] as const,
            ...(o.attack && { attack: { labels: yb.slice(a, b), seed: makeRng(o.attack.seed).fork(`step:${step}:shard:${c}`).seed } }),
          })), crossEntropyCoupler(yb, model.classes));
        const lr = adam.applyArrays(r.grads, step);
        model.afterStep?.();
        return { loss: r.loss, n: idx.length, hits: r.extras.hits!, lr };
      }
      return tf.tidy(() => {
        const labels = tf.oneHot(tf.tensor1d(yb, "int32"), model.classes);
        let hits = 0;
        const { value, grads } = tf.variableGrads(() => {
          const logits = net.logits(tf.tensor4d(xb, [idx.length, ...shape]), true);
          hits = (tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(labels, 1)), "float32")).dataSync()[0]!);
          return tf.mean(tf.sub(logSumExpRows(tf, logits), tf.sum(tf.mul(logits, labels), 1))) as tfc.Scalar;
        }, trainable);
        const lr = adam.apply(trainable.map((v) => grads[v.name]!), step);
        model.afterStep?.();
        return { loss: value.dataSync()[0]!, n: idx.length, hits, lr };
      });
    },
    state: () => ({ ...Object.fromEntries(Object.entries(snapshot(p)).map(([k, v]) => [`p.${k}`, v])), ...adam.state() }),
    restore(state) {
      tf.tidy(() => { for (const [k, v] of Object.entries(p)) v.assign(tf.tensor(state[`p.${k}`]!.data as Float32Array, v.shape)); });
      adam.restore(state);
    },
    evaluate: {
      every: perEpoch, patience: o.patience,
      score(step) { const va = rowsAccuracy(predictRows(tf, net, valX, val.n), val.y); io.log(`epoch ${step / perEpoch - 1}: val ${va.toFixed(4)}`); return va; },
    },
  }, { ...io, checkpointEvery: perEpoch }).pipe(
    Effect.map((r) => {
      const curve = Object.fromEntries(FIT_CURVE.map((c) => [c, [] as number[]])) as FitCurve;
      r.evaluations.forEach((e, epoch) => {
        let loss = 0, hits = 0;
        for (let s = e.step - perEpoch; s < e.step; s++) { loss += r.curve.loss![s]! * r.curve.n![s]!; hits += r.curve.hits![s]!; }
        curve.epoch.push(epoch); curve.train_loss.push(loss / train.n); curve.train_acc.push(hits / train.n); curve.val_acc.push(e.score);
        curve.wall_s.push(r.curve.wall_s![e.step - 1]!);
      });
      return { best: snapshot(p), curve, bestEpoch: r.best!.step / perEpoch - 1, workers: engine?.workers ?? 1 };
    })), ({ adam, engine }) => Effect.promise(async () => { adam.dispose(); await engine?.close(); }));
}

/**
 * Mean cross-entropy of the whole batch's logits (per shard, in order) against `labels`; `hits` =
 * correct predictions (the first maximum counts, as argMax). Plain JS in float64: it runs on the
 * main thread between the workers' forward and backward passes, while both wait, and as ~20 tfjs
 * ops it took several ms per step; on a few hundred numbers JS takes microseconds.
 * dL/dz_ij = (softmax(z_i)_j − [j = y_i]) / B.
 */
export function crossEntropyCoupler(labels: Int32Array, classes: number): Coupler {
  return (features) => {
    const B = labels.length;
    let loss = 0, hits = 0, row = 0;
    const dz = features.map((f) => {
      const out = new Float32Array(f.length);
      for (let r = 0; r < f.length / classes; r++, row++) {
        const z = f.subarray(r * classes, (r + 1) * classes), y = labels[row]!;
        let max = -Infinity, arg = 0;
        for (let j = 0; j < classes; j++) if (z[j]! > max) { max = z[j]!; arg = j; }
        let sum = 0;
        for (let j = 0; j < classes; j++) sum += Math.exp(z[j]! - max);
        const lse = max + Math.log(sum);
        loss += lse - z[y]!;
        if (arg === y) hits++;
        for (let j = 0; j < classes; j++) out[r * classes + j] = (Math.exp(z[j]! - lse) - (j === y ? 1 : 0)) / B;
      }
      return out;
    });
    if (row !== B) throw new Error(`cross-entropy: ${row} logit rows for ${B} labels`);
    return { loss: loss / B, extras: { hits }, dz };
  };
}

/** Load a trained classifier's tensor set into (untrainable) variables. */
export function loadParams(tf: Tf, set: TensorSet): Params {
  return Object.fromEntries(Object.entries(set).map(([k, t]) => [k, tf.tidy(() => tf.variable(tf.tensor(t.data as Float32Array, [...t.shape]), false))]));
}

export function disposeParams(p: Params) { for (const v of Object.values(p)) v.dispose(); }
