import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../compute/backend.js";
import { addBias, conv2d, energyPool, gaussianPool } from "../compute/ops.js";
import type { Rng } from "../sdk/rng.js";
import type { BlockSpec } from "./architecture.js";

/** Weights of one block: conv kernel [k,k,Cin,Cout] and bias [Cout]. */
export interface BlockWeights { readonly w: tfc.Tensor4D; readonly b: tfc.Tensor1D }

/** He-normal kernel (std √(2/fan-in)), zero bias, drawn from `rng` so an init is reproducible. */
export function initBlock(spec: BlockSpec, inChannels: number, rng: Rng): { w: Float32Array; b: Float32Array } {
  const n = spec.kernel * spec.kernel * inChannels;
  const std = Math.sqrt(2 / n);
  const w = new Float32Array(n * spec.channels);
  for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
  return { w, b: new Float32Array(spec.channels) };
}

const NORM_FLOOR = 1e-3;

/**
 * One block forward on [B,H,W,Cin] → [B,H',W',C]. By default the input is data (an image or a
 * frozen layer's output): gradients flow to the weights only, which is exactly what layerwise
 * training needs; `inputGrad` also differentiates through `x` (end-to-end baselines).
 */
export function blockForward(tf: Tf, x: tfc.Tensor4D, wts: BlockWeights, spec: BlockSpec, opts: { frozen?: boolean; inputGrad?: boolean } = {}): tfc.Tensor4D {
  return tf.tidy(() => {
    // inputGrad: the block sits on top of a trainable one (end-to-end training of the front-end).
    const y = conv2d(tf, x, wts.w, 1, { noGrad: !!opts.frozen, inputGrad: !!opts.inputGrad });
    const u = opts.frozen ? (tf.add(y, wts.b) as tfc.Tensor4D) : addBias(tf, y, wts.b);
    const r = tf.relu(u) as tfc.Tensor4D;
    const p = spec.pooling === "energy" ? gaussianPool(tf, tf.square(r) as tfc.Tensor4D, spec.sigma, spec.stride) : energyPool(tf, r, spec.sigma, spec.stride);
    if (!spec.norm) return p;
    // y_c = p_c / (floor + sqrt(blur_2σ(mean_c p²)))
    const local = gaussianPool(tf, tf.mean(tf.square(p), 3, true) as tfc.Tensor4D, 2 * spec.sigma, 1);
    return tf.div(p, tf.add(tf.sqrt(tf.add(local, 1e-12)), NORM_FLOOR)) as tfc.Tensor4D;
  });
}

/** Kernel [k,k,Cin,Cout] (row-major) → Cout tiles of k×k, input channel `c` (a filter image each). */
export function kernelTiles(w: Float32Array, k: number, cin: number, cout: number, c = 0): Float32Array[] {
  return Array.from({ length: cout }, (_, o) => Float32Array.from({ length: k * k }, (_, i) => w[(i * cin + c) * cout + o]!));
}
