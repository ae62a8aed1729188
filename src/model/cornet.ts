import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../compute/backend.js";
import { conv2d, subsample } from "../compute/ops.js";
import type { Rng } from "../sdk/rng.js";
import type { Model, Params } from "./classifier.js";

/**
 * CORnet-S (Kubilius et al. 2019; dicarlolab/CORnet cornet_s.py, science.md §3.1), scaled down
 * (§4.3): V1 = conv7×7/2 → BN → ReLU → maxpool 3×3/2 → conv3×3 → BN → ReLU; then V2, V4, IT
 * CORblock_S with T = (2, 4, 2) steps. A block's convs are shared across its time steps, its
 * BatchNorms are not (one per step, as the original says training needs); the spatial size halves
 * at t = 0 only. No conv has a bias. Decoder: global average pool → linear.
 */
export interface CornetArchitecture {
  readonly format: "cornet-s";
  readonly version: 1;
  readonly input_size: number;
  /** Channels of V1, V2, V4, IT. */
  readonly channels: readonly [number, number, number, number];
  /** Recurrent steps of V2, V4, IT. */
  readonly times: readonly [number, number, number];
  readonly classes: number;
}

const SCALE = 4;
const BN_MOMENTUM = 0.1, BN_EPS = 1e-5; // PyTorch's conventions
const BLOCKS = ["V2", "V4", "IT"] as const;
let created = 0;

export function initCornet(tf: Tf, a: CornetArchitecture, rng: Rng): Params {
  const p: Params = {};
  const conv = (name: string, k: number, cin: number, cout: number) => {
    const std = Math.sqrt(2 / (k * k * cout)); // fan-out He, as the original
    p[name] = tf.tidy(() => tf.variable(tf.tensor4d(Float32Array.from({ length: k * k * cin * cout }, () => rng.normal() * std), [k, k, cin, cout]), true, `${name}#${created++}`));
  };
  const bn = (name: string, c: number) => {
    const v = (suffix: string, value: number, trainable: boolean) => {
      p[`${name}.${suffix}`] = tf.tidy(() => tf.variable(tf.fill([c], value), trainable, `${name}.${suffix}#${created++}`));
    };
    v("gamma", 1, true); v("beta", 0, true); v("mean", 0, false); v("var", 1, false);
  };
  const [c0] = a.channels;
  conv("V1.conv1", 7, 1, c0); bn("V1.bn1", c0);
  conv("V1.conv2", 3, c0, c0); bn("V1.bn2", c0);
  BLOCKS.forEach((b, i) => {
    const cin = a.channels[i]!, out = a.channels[i + 1]!, T = a.times[i]!;
    conv(`${b}.conv_input`, 1, cin, out);
    conv(`${b}.skip`, 1, out, out); bn(`${b}.norm_skip`, out);
    conv(`${b}.conv1`, 1, out, out * SCALE);
    conv(`${b}.conv2`, 3, out * SCALE, out * SCALE);
    conv(`${b}.conv3`, 1, out * SCALE, out);
    for (let t = 0; t < T; t++) for (const j of [1, 2, 3]) bn(`${b}.norm${j}_${t}`, j === 3 ? out : out * SCALE);
  });
  const c3 = a.channels[3], bound = 1 / Math.sqrt(c3);
  p["decoder.w"] = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: c3 * a.classes }, () => (rng.next() * 2 - 1) * bound), [c3, a.classes]), true, `decoder.w#${created++}`));
  p["decoder.b"] = tf.tidy(() => tf.variable(tf.tensor1d(Float32Array.from({ length: a.classes }, () => (rng.next() * 2 - 1) * bound)), true, `decoder.b#${created++}`));
  return p;
}

export function cornetModel(tf: Tf, p: Params, a: CornetArchitecture): Model {
  // Batch statistics of the last training forward pass, applied to the running averages after the step.
  let pending: { name: string; mean: Float32Array; variance: Float32Array }[] = [];
  const W = (n: string) => p[n] as unknown as tfc.Tensor4D;
  /** Same-padded conv, stride 1 or 2 (stride 2 = stride-1 conv subsampled: keeps wasm on its fast kernels; PyTorch-aligned padding). */
  const conv = (x: tfc.Tensor4D, name: string, stride = 1) => {
    const k = W(name).shape[0], pad = (k - 1) / 2;
    const y = conv2d(tf, pad ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x, W(name), 1, { inputGrad: true });
    return subsample(tf, y, stride);
  };
  const bn = (x: tfc.Tensor4D, name: string, training: boolean) => {
    const g = p[`${name}.gamma`]!, b = p[`${name}.beta`]!;
    if (!training) return tf.batchNorm(x, p[`${name}.mean`]!, p[`${name}.var`]!, b, g, BN_EPS) as tfc.Tensor4D;
    const m = tf.moments(x, [0, 1, 2]);
    const n = x.size / x.shape[3];
    pending.push({ name, mean: m.mean.dataSync() as Float32Array, variance: Float32Array.from(m.variance.dataSync() as Float32Array, (v) => (v * n) / Math.max(1, n - 1)) });
    return tf.batchNorm(x, m.mean, m.variance, b, g, BN_EPS) as tfc.Tensor4D;
  };
  /** maxpool 3×3 / 2, pad 1, on non-negative input (after ReLU, zero padding equals −∞ padding). */
  const maxPool = (x: tfc.Tensor4D) => {
    const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const [b, h, w, c] = xp.shape, ho = Math.floor((h - 3) / 2) + 1, wo = Math.floor((w - 3) / 2) + 1;
    const taps: tfc.Tensor4D[] = [];
    for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) taps.push(subsample(tf, tf.slice(xp, [0, dy, dx, 0], [b, 2 * (ho - 1) + 1, 2 * (wo - 1) + 1, c]), 2));
    return tf.max(tf.stack(taps), 0) as tfc.Tensor4D; // its gradient is an equality mask: no MaxPoolGrad kernel involved
  };
  return {
    params: p, inputSize: a.input_size, classes: a.classes,
    logits(x, training) {
      return tf.tidy(() => {
        let y = tf.relu(bn(conv(x, "V1.conv1", 2), "V1.bn1", training)) as tfc.Tensor4D;
        y = maxPool(y);
        y = tf.relu(bn(conv(y, "V1.conv2"), "V1.bn2", training)) as tfc.Tensor4D;
        BLOCKS.forEach((blk, i) => {
          let xb = conv(y, `${blk}.conv_input`);
          for (let t = 0; t < a.times[i]!; t++) {
            const first = t === 0;
            const skip = first ? bn(conv(xb, `${blk}.skip`, 2), `${blk}.norm_skip`, training) : xb;
            let h = tf.relu(bn(conv(xb, `${blk}.conv1`), `${blk}.norm1_${t}`, training)) as tfc.Tensor4D;
            h = tf.relu(bn(conv(h, `${blk}.conv2`, first ? 2 : 1), `${blk}.norm2_${t}`, training)) as tfc.Tensor4D;
            h = bn(conv(h, `${blk}.conv3`), `${blk}.norm3_${t}`, training);
            xb = tf.relu(tf.add(h, skip)) as tfc.Tensor4D;
          }
          y = xb;
        });
        return tf.add(tf.matMul(tf.mean(y, [1, 2]) as tfc.Tensor2D, p["decoder.w"]!), p["decoder.b"]!) as tfc.Tensor2D;
      });
    },
    afterStep() {
      tf.tidy(() => {
        for (const s of pending) {
          const rm = p[`${s.name}.mean`]!, rv = p[`${s.name}.var`]!;
          rm.assign(tf.add(tf.mul(rm, 1 - BN_MOMENTUM), tf.mul(tf.tensor1d(s.mean), BN_MOMENTUM)));
          rv.assign(tf.add(tf.mul(rv, 1 - BN_MOMENTUM), tf.mul(tf.tensor1d(s.variance), BN_MOMENTUM)));
        }
      });
      pending = [];
    },
  };
}
