import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../../compute/backend.js";
import { conv2d, conv2dSame } from "../../compute/ops.js";
import type { Rng } from "../../sdk/rng.js";

/**
 * A scaled-down `SE2dCore` (science.md §2.2): layer 0 a k0×k0 "valid" conv (no bias) → BatchNorm
 * → ELU; layers 1… a k×k "same" conv → BatchNorm → ELU; the readout sees the last layer. One
 * deviation: hidden layers are full convs, not depth-separable (1×1 → depthwise k×k → 1×1),
 * because tfjs's wasm backend has no depthwise-conv gradient kernels (shared/docs/compute.md);
 * at 16–32 channels a full conv costs about as much. BatchNorm follows PyTorch momentum 0.9
 * (running = 0.1·running + 0.9·batch, unbiased variance), eps 1e-5; affine. Xavier-normal init.
 * The swappable-part contract (neuralpredictors' `Core`): `forward` and `regularizer`.
 */
export interface CoreSpec {
  readonly layers: number;
  readonly channels: number;
  readonly inputKernel: number;
  readonly hiddenKernel: number;
}

export interface CoreArchitecture extends CoreSpec {
  readonly format: "lurz-core";
  readonly height: number;
  readonly width: number;
  /** Output map size: (height − k0 + 1) × (width − k0 + 1). */
  readonly outHeight: number;
  readonly outWidth: number;
}

export type Vars = Record<string, tfc.Variable>;
let created = 0; // unique tf variable names; never affect results

export const BN_EPS = 1e-5, BN_MOMENTUM = 0.9;

export function coreArchitecture(spec: CoreSpec, height: number, width: number): CoreArchitecture {
  const outHeight = height - spec.inputKernel + 1, outWidth = width - spec.inputKernel + 1;
  if (outHeight < 2 || outWidth < 2) throw new Error(`images of ${width}×${height} px are too small for a ${spec.inputKernel}×${spec.inputKernel} valid input conv`);
  return { format: "lurz-core", ...spec, height, width, outHeight, outWidth };
}

/** Xavier-normal conv weights, BatchNorm γ = 1, β = 0, running mean 0, variance 1. */
export function initCore(tf: Tf, a: CoreArchitecture, rng: Rng, trainable = true): Vars {
  const v: Vars = {};
  const add = (name: string, shape: number[], data: Float32Array, train: boolean) => { v[name] = tf.tidy(() => tf.variable(tf.tensor(data, shape), train, `core.${name}#${created++}`)); };
  for (let l = 0; l < a.layers; l++) {
    const k = l === 0 ? a.inputKernel : a.hiddenKernel, cin = l === 0 ? 1 : a.channels, cout = a.channels;
    const std = Math.sqrt(2 / (k * k * cin + k * k * cout));
    add(`l${l}.w`, [k, k, cin, cout], Float32Array.from({ length: k * k * cin * cout }, () => rng.normal() * std), trainable);
    add(`l${l}.gamma`, [cout], new Float32Array(cout).fill(1), trainable);
    add(`l${l}.beta`, [cout], new Float32Array(cout), trainable);
    add(`l${l}.mean`, [cout], new Float32Array(cout), false);
    add(`l${l}.var`, [cout], new Float32Array(cout).fill(1), false);
  }
  return v;
}

export interface CoreForward {
  readonly features: tfc.Tensor4D;
  /** Batch statistics to fold into the running averages after the step (training only). */
  readonly stats: { name: string; mean: tfc.Tensor; variance: tfc.Tensor; n: number }[];
}

/** [B,H,W,1] → [B,H',W',C]. `training` uses batch statistics; otherwise the running ones. */
export function coreForward(tf: Tf, v: Vars, a: CoreArchitecture, x: tfc.Tensor4D, training: boolean): CoreForward {
  const stats: CoreForward["stats"] = [];
  let y = x;
  for (let l = 0; l < a.layers; l++) {
    const wv = v[`l${l}.w`]!, w = wv as unknown as tfc.Tensor4D;
    const frozen = !wv.trainable;
    y = l === 0 ? conv2d(tf, y, w, 1, frozen ? { noGrad: true } : {}) : conv2dSame(tf, y, w);
    let mean: tfc.Tensor, variance: tfc.Tensor;
    if (training) {
      const m = tf.moments(y, [0, 1, 2]);
      mean = m.mean; variance = m.variance;
      stats.push({ name: `l${l}`, mean: tf.keep(tf.clone(m.mean)), variance: tf.keep(tf.clone(m.variance)), n: y.size / a.channels });
    } else { mean = v[`l${l}.mean`]!; variance = v[`l${l}.var`]!; }
    y = tf.elu(tf.batchNorm(y, mean, variance, v[`l${l}.beta`]!, v[`l${l}.gamma`]!, BN_EPS)) as tfc.Tensor4D;
  }
  return { features: y, stats };
}

/** running = (1 − m)·running + m·batch with m = 0.9 (PyTorch's convention), variance unbiased. */
export function updateRunningStats(tf: Tf, v: Vars, stats: CoreForward["stats"]): void {
  tf.tidy(() => {
    for (const s of stats) {
      v[`${s.name}.mean`]!.assign(tf.add(tf.mul(v[`${s.name}.mean`]!, 1 - BN_MOMENTUM), tf.mul(s.mean, BN_MOMENTUM)));
      v[`${s.name}.var`]!.assign(tf.add(tf.mul(v[`${s.name}.var`]!, 1 - BN_MOMENTUM), tf.mul(s.variance, (BN_MOMENTUM * s.n) / Math.max(1, s.n - 1))));
    }
  });
  for (const s of stats) { s.mean.dispose(); s.variance.dispose(); }
}

/** The 3×3 Laplacian [[0,−1,0],[−1,4,−1],[0,−1,0]] as a [3,3,1,1] filter. */
const LAPLACE = [0, -1, 0, -1, 4, -1, 0, -1, 0];

/**
 * Laplace regulariser on layer 0's weights W [k,k,1,C] (science.md §2.2): γ·Σ(L∗W)²/ΣW², the
 * Laplacian applied to each filter with zero "same" padding, sums over all filters and pixels.
 */
export function laplaceRegularizer(tf: Tf, w: tfc.Tensor4D, gamma: number): tfc.Scalar {
  return tf.tidy(() => {
    const [k, , cin, cout] = w.shape;
    // filters as a batch of single-channel images: [cin·cout, k, k, 1]
    const imgs = tf.reshape(tf.transpose(w, [2, 3, 0, 1]), [cin * cout, k, k, 1]) as tfc.Tensor4D;
    const lap = tf.conv2d(tf.pad(imgs, [[0, 0], [1, 1], [1, 1], [0, 0]]), tf.tensor4d(LAPLACE, [3, 3, 1, 1]), 1, "valid");
    return tf.mul(gamma, tf.div(tf.sum(tf.square(lap)), tf.sum(tf.square(w)))) as tfc.Scalar;
  });
}
