import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../compute/backend.js";
import { readAll } from "../compute/read.js";
import { attackShard, paramShapes, shardFeatures, type ShardModel } from "./shard-model.js";

/** One shard of a batch: its input rows [B,H,W,C], flat. */
export interface ShardInput {
  readonly data: Float32Array; readonly shape: readonly [number, number, number, number];
  /** Adversarial training (a classifier shard model with `attack`): the rows' labels and the seed of this shard's attack. */
  readonly attack?: { readonly labels: Int32Array; readonly seed: number };
}

/**
 * Gradients of a batch-coupled loss, shard by shard. Every shard's features are computed
 * (forward, on the tape), `couple` turns all of them into dL/dfeatures (it sees the whole batch,
 * so spectral/Barlow/VICReg/InfoNCE losses stay exact), and each shard is backpropagated on its
 * own copy of the parameters, so the result is one gradient per shard. Summed in shard order by
 * the caller, that makes the step independent of which thread computed which shard.
 */
export function shardGradients(tf: Tf, model: ShardModel, params: readonly Float32Array[], shards: readonly ShardInput[],
  couple: (features: readonly Float32Array[]) => readonly Float32Array[]): Float32Array[][] {
  const shapes = paramShapes(model), np = shapes.length;
  const grads = tf.tidy(() => {
    const args = shards.flatMap(() => params.map((p, i) => tf.tensor(p, shapes[i]!)));
    // Attacks run before the tape starts (PGD takes gradients of its own).
    const inputs = shards.map((s, c) => {
      const x = tf.tensor4d(s.data, [...s.shape]);
      return s.attack ? attackShard(tf, model, args.slice(c * np, (c + 1) * np), x, s.attack.labels, s.attack.seed) : x;
    });
    const features: Float32Array[] = [];
    let dz: readonly Float32Array[] | undefined;
    // Identity whose gradient is the coupled loss's dL/dz for shard c (asked for once, when backprop starts).
    const inject = (c: number) => tf.customGrad(((z: tfc.Tensor2D) => {
      features[c] = z.dataSync() as Float32Array;
      return { value: tf.clone(z), gradFunc: () => { dz ??= couple(features); return tf.tensor2d(dz[c]!, z.shape); } };
    }) as unknown as Parameters<Tf["customGrad"]>[0]);
    const f = (...a: tfc.Tensor[]) => tf.addN(shards.map((s, c) => {
      const z = shardFeatures(tf, model, a.slice(c * np, (c + 1) * np), inputs[c]!);
      return tf.sum(inject(c)(z) as tfc.Tensor);
    })) as tfc.Scalar;
    return tf.grads(f)(args);
  });
  const flat = readAll(tf, grads);
  return shards.map((_, c) => flat.slice(c * np, (c + 1) * np));
}

/**
 * Run `f` (which may itself take gradients) from inside a gradient function. tfjs keeps one
 * active tape per engine and a nested tf.grads replaces and then drops it, which breaks the
 * outer backprop; saving and restoring it makes the nesting safe.
 */
export function outsideTape<T>(tf: Tf, f: () => T): T {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
  const tape = state.activeTape;
  try { return f(); } finally { state.activeTape = tape; }
}

/** Σ over shards in shard order, in float32: the same sum for any assignment of shards to workers. */
export function sumShards(perShard: readonly (readonly Float32Array[])[]): Float32Array[] {
  const out = perShard[0]!.map((g) => Float32Array.from(g));
  for (let c = 1; c < perShard.length; c++) perShard[c]!.forEach((g, i) => { const o = out[i]!; for (let j = 0; j < o.length; j++) o[j] = o[j]! + g[j]!; });
  return out;
}

/** Split `n` rows into `k` contiguous shards as evenly as possible (first ones one larger): [start, end) each. */
export function shardRanges(n: number, k: number): [number, number][] {
  const parts = Math.min(k, n), base = Math.floor(n / parts), extra = n % parts;
  let s = 0;
  return Array.from({ length: parts }, (_, i) => { const e = s + base + (i < extra ? 1 : 0); const r: [number, number] = [s, e]; s = e; return r; });
}
