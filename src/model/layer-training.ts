import { Effect } from "effect";
import type { Tf } from "../compute/backend.js";
import type { BlockSpec, Pooling } from "./architecture.js";
import type { Readout } from "./features.js";
import { frozenForward } from "./frontend.js";
import { gatherPairs, gatherRows, type Pairs } from "./pairs.js";
import type { Checkpointer } from "./loop.js";
import { trainBlock, type PairData, type Trained } from "./train.js";

/** What both layer-training stages share: their params, after the schema has decoded them. */
export interface LayerTrainingParams {
  readonly kernel: number; readonly channels: number; readonly sigma: number; readonly stride: number; readonly norm: boolean; readonly pooling?: Pooling;
  readonly steps: number; readonly batch: number; readonly lr: number; readonly warmup: number; readonly weight_decay: number;
  readonly objective: "spectral" | "barlow" | "vicreg" | "infonce"; readonly lambda: number; readonly barlow_lambda: number; readonly tau: number;
  readonly readout: Readout;
  readonly checkpoint_every: number; readonly seed: number; readonly shards: number;
}

export interface FrozenBlock { readonly spec: BlockSpec; readonly w: Float32Array; readonly b: Float32Array; readonly inChannels: number }

export const specOf = (p: LayerTrainingParams): BlockSpec => ({ kernel: p.kernel, channels: p.channels, sigma: p.sigma, stride: p.stride, norm: p.norm, pooling: p.pooling });

/**
 * Train the top block on pairs seen through the frozen blocks below it (none for layer 1).
 * `seed` mixes the stage's fingerprint-derived seed with the user's `seed` param.
 */
export function trainLayer(tf: Tf, pairs: Pairs, frozen: readonly FrozenBlock[], p: LayerTrainingParams, io: {
  seed: number; signal: AbortSignal; checkpoint: Checkpointer; log(m: string): void; progress(done: number, total?: number): void; workers?: number;
}): Promise<Trained> {
  const inChannels = frozen.length ? frozen[frozen.length - 1]!.spec.channels : 1;
  const data = frozen.length ? (precomputed(tf, pairs, frozen, io) ?? onTheFly(tf, pairs, frozen)) : rawPairs(pairs);
  const cfg = {
    spec: specOf(p), inChannels, steps: p.steps, batch: Math.min(p.batch, pairs.count), lr: p.lr, weightDecay: p.weight_decay, warmup: p.warmup,
    objective: { name: p.objective, lambda: p.lambda, barlowLambda: p.barlow_lambda, tau: p.tau }, readout: p.readout, checkpointEvery: p.checkpoint_every, seed: io.seed,
    shards: p.shards, ...(io.workers !== undefined ? { workers: io.workers } : {}),
  };
  return Effect.runPromise(trainBlock(tf, data, cfg, { progress: (s, t) => io.progress(s, t), log: io.log, checkpoint: io.checkpoint }), { signal: io.signal });
}

/** Patch pairs as the first block's input. */
export const rawPairs = (pairs: Pairs): PairData => ({ count: pairs.count, shape: [pairs.side, pairs.side, 1], rows: (idx) => gatherPairs(pairs, idx) });

/** Frozen layers' outputs per batch, in this thread (when they do not fit in memory). */
function onTheFly(tf: Tf, pairs: Pairs, frozen: readonly FrozenBlock[]): PairData {
  const probe = tf.tidy(() => frozenForward(tf, tf.zeros([1, pairs.side, pairs.side, 1]), frozen));
  const [, h, w, c] = probe.shape;
  probe.dispose();
  return {
    count: pairs.count, shape: [h, w, c],
    rows: (idx) => {
      const y = tf.tidy(() => frozenForward(tf, tf.tensor4d(gatherPairs(pairs, idx), [2 * idx.length, pairs.side, pairs.side, 1]), frozen));
      const out = y.dataSync() as Float32Array;
      y.dispose();
      return out;
    },
  };
}

/** Frozen layers' outputs are the same every epoch: compute them once when they fit in memory. */
const PRECOMPUTE_BYTES = 2 ** 31;

function precomputed(tf: Tf, pairs: Pairs, frozen: readonly FrozenBlock[], io: { log(m: string): void }): PairData | undefined {
  const probe = tf.tidy(() => frozenForward(tf, tf.zeros([1, pairs.side, pairs.side, 1]), frozen));
  const [, h, w, c] = probe.shape;
  probe.dispose();
  const per = h * w * c, bytes = 2 * pairs.count * per * 4;
  if (bytes > PRECOMPUTE_BYTES) { io.log(`frozen-layer outputs would take ${(bytes / 2 ** 20).toFixed(0)} MiB: computing them per batch`); return undefined; }
  const a = new Float32Array(pairs.count * per), b = new Float32Array(pairs.count * per);
  const P = pairs.side * pairs.side;
  for (const [src, dst] of [[pairs.a, a], [pairs.b, b]] as const) {
    for (let s = 0; s < pairs.count; s += 256) {
      const m = Math.min(256, pairs.count - s);
      const x = tf.tensor4d(src.subarray(s * P, (s + m) * P), [m, pairs.side, pairs.side, 1]);
      const y = frozenForward(tf, x, frozen);
      dst.set(y.dataSync() as Float32Array, s * per);
      x.dispose(); y.dispose();
    }
  }
  io.log(`frozen-layer outputs computed once: ${pairs.count} pairs × ${h}×${w}×${c}`);
  return { count: pairs.count, shape: [h, w, c], rows: (idx) => gatherRows(a, b, per, idx) };
}

/** Mean of the last 10% of a curve column: the end-of-training value without one batch's noise. */
export function tailMean(col: Float64Array): number {
  const from = Math.floor(col.length * 0.9);
  let s = 0;
  for (let i = from; i < col.length; i++) s += col[i]!;
  return s / Math.max(1, col.length - from);
}

/** The end-of-training numbers both layer stages record. */
export function trainingMetrics(t: Pick<Trained, "curve" | "resumedFrom" | "workers">, steps: number, startedMs: number): Record<string, number> {
  return {
    workers: t.workers,
    loss: tailMean(t.curve.loss), similarity: tailMean(t.curve.similarity), decorrelation: tailMean(t.curve.decorrelation),
    steps_per_s: (steps - (t.resumedFrom ?? 0)) / ((performance.now() - startedMs) / 1000),
  };
}

export const curvePort = {
  step: "int32", loss: "float64", similarity: "float64", decorrelation: "float64", lr: "float64", wall_s: "float64",
} as const;

export function curveColumns(t: Pick<Trained, "curve">) {
  return { ...t.curve, step: Int32Array.from(t.curve.step) };
}
