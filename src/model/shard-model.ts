import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../compute/backend.js";
import type { BlockSpec } from "./architecture.js";
import { blockForward } from "./block.js";
import { backboneForward, forward, type ClassifierArchitecture, type Params } from "./classifier.js";
import { readoutFeatures, type Readout } from "./features.js";
import { pgd, type PgdOptions } from "./adversarial.js";
import { makeRng } from "../sdk/rng.js";

/**
 * A model as plain data, so a worker thread can rebuild its forward pass: parameters are a list
 * of float32 arrays in a fixed order, and `features` maps one shard of the batch to the rows the
 * loss is computed from (the loss itself, which may couple the whole batch, runs elsewhere).
 */
export type ShardModel =
  | {
      readonly kind: "blocks"; readonly specs: readonly BlockSpec[]; readonly inChannels: number;
      /** Where the objective reads each patch's features from the top block's map. */
      readonly readout: Readout;
    }
  /** LCL-V2Net's classifier: `trainable` parameters in order; the frozen ones travel as constants. Features are the logits. */
  | { readonly kind: "classifier"; readonly arch: ClassifierArchitecture;
      /** "features": rows are the frozen front-end's output (computed once per image), not images. */
      readonly input: "images" | "features";
      /** Adversarial training: each shard's images are replaced by PGD examples against the current weights (in the thread computing it). */
      readonly attack?: PgdOptions;
      readonly trainable: readonly { readonly name: string; readonly shape: readonly number[] }[];
      readonly constants: Readonly<Record<string, { readonly shape: readonly number[]; readonly data: Float32Array }>> };

export function paramShapes(m: ShardModel): number[][] {
  if (m.kind === "classifier") return m.trainable.map((t) => [...t.shape]);
  return m.specs.flatMap((s, i) => [[s.kernel, s.kernel, i === 0 ? m.inChannels : m.specs[i - 1]!.channels, s.channels], [s.channels]]);
}

/** Width of a feature row. */
export function featureWidth(m: ShardModel): number {
  if (m.kind === "classifier") return m.arch.classes;
  return m.specs[m.specs.length - 1]!.channels;
}

/** Features of one shard, one row per input row: [B,H,W,C] → [B, featureWidth]. */
export function shardFeatures(tf: Tf, m: ShardModel, params: readonly tfc.Tensor[], x: tfc.Tensor4D): tfc.Tensor2D {
  if (m.kind === "classifier") {
    const p = classifierParams(tf, m, params);
    return m.input === "features" ? backboneForward(tf, p, m.arch, x) : forward(tf, p, m.arch, x);
  }
  let y = x;
  m.specs.forEach((spec, i) => {
    // Above the first block the input is a trainable block's output: differentiate through it (the end-to-end control).
    y = blockForward(tf, y, { w: params[2 * i] as tfc.Tensor4D, b: params[2 * i + 1] as tfc.Tensor1D }, spec, { inputGrad: i > 0 });
  });
  return readoutFeatures(tf, y, m.readout);
}

function classifierParams(tf: Tf, m: Extract<ShardModel, { kind: "classifier" }>, params: readonly tfc.Tensor[]): Params {
  const p: Record<string, tfc.Tensor> = Object.fromEntries(Object.entries(m.constants).map(([k, c]) => [k, tf.tensor(c.data, [...c.shape])]));
  m.trainable.forEach((t, i) => { p[t.name] = params[i]!; });
  return p as unknown as Params;
}

/**
 * One shard's adversarial examples: PGD (`m.attack`) against the classifier with weights
 * `params`, its random start drawn from makeRng(seed). Each image's attack depends on that image
 * alone, so attacking shard by shard, in any thread, is the batch's attack.
 */
export function attackShard(tf: Tf, m: ShardModel, params: readonly tfc.Tensor[], x: tfc.Tensor4D, labels: Int32Array, seed: number): tfc.Tensor4D {
  if (m.kind !== "classifier" || !m.attack || m.input !== "images") throw new Error("attackShard: only a classifier on images with an attack configured can be attacked");
  const p = classifierParams(tf, m, params), attack = m.attack;
  return tf.tidy(() => pgd(tf, (t) => forward(tf, p, m.arch, t, { inputGrad: true }), x, labels, attack, makeRng(seed)));
}
