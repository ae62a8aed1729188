import type { Tf } from "./backend.js";
import type * as tfc from "@tensorflow/tfjs-core";

/**
 * Training ops that are fast on every backend, wasm included. The wasm backend has no
 * Conv2DBackpropFilter and no depthwise backprop kernels (shared/docs/compute.md), so
 * convolutions are written as im2col + matMul and Gaussian pooling as two fixed matMuls:
 * their gradients only need slice/concat/matMul kernels, which wasm runs natively.
 * Layerwise training never needs gradients with respect to the image, only to the weights
 * and through the pooling, so nothing slow is left on the path.
 */

/** [B,H,W,C] → [B,H',W',k·k·C] patches ("valid" padding, given stride), ordered (dy, dx, c) like conv2d filters. */
export function im2col(tf: Tf, x: tfc.Tensor4D, k: number, stride = 1): tfc.Tensor4D {
  const [b, h, w, c] = x.shape;
  const ho = Math.floor((h - k) / stride) + 1, wo = Math.floor((w - k) / stride) + 1;
  const cols: tfc.Tensor4D[] = [];
  for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) {
    cols.push(tf.stridedSlice(x, [0, dy, dx, 0], [b, dy + (ho - 1) * stride + 1, dx + (wo - 1) * stride + 1, c], [1, stride, stride, 1]) as tfc.Tensor4D);
  }
  return tf.concat(cols, 3);
}

/**
 * im2col in plain JS for inputs that are data (images, a frozen layer's output): no gradient is
 * needed with respect to them, and one pass over memory beats k·k strided slices on wasm (~30×).
 */
export function im2colData(tf: Tf, x: tfc.Tensor4D, k: number, stride = 1): tfc.Tensor4D {
  const [b, h, w, c] = x.shape;
  const ho = Math.floor((h - k) / stride) + 1, wo = Math.floor((w - k) / stride) + 1;
  const src = x.dataSync() as Float32Array;
  const kkc = k * k * c;
  const out = new Float32Array(b * ho * wo * kkc);
  let o = 0;
  for (let n = 0; n < b; n++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
    for (let dy = 0; dy < k; dy++) {
      const row = ((n * h + i * stride + dy) * w + j * stride) * c;
      for (let dx = 0; dx < k; dx++) for (let ch = 0; ch < c; ch++) out[o++] = src[row + dx * c + ch]!;
    }
  }
  return tf.tensor4d(out, [b, ho, wo, kkc]);
}

/**
 * conv2d ("valid") as im2col + matMul; `w` is [k,k,Cin,Cout] like tf.conv2d. By default `x` is
 * treated as data (no gradient flows to it); pass `inputGrad: true` to differentiate through it.
 */
export function conv2d(tf: Tf, x: tfc.Tensor4D, w: tfc.Tensor4D, stride = 1, opts: { inputGrad?: boolean } = {}): tfc.Tensor4D {
  const [k, , cin, cout] = w.shape;
  return tf.tidy(() => {
    const cols = opts.inputGrad ? im2col(tf, x, k, stride) : im2colData(tf, x, k, stride);
    const [b, ho, wo] = cols.shape;
    const y = tf.matMul(tf.reshape(cols, [b * ho * wo, k * k * cin]), tf.reshape(w, [k * k * cin, cout]));
    return tf.reshape(y, [b, ho, wo, cout]);
  });
}

/** A [n, m] matrix that blurs a length-n axis with a Gaussian (σ) and keeps every `stride`-th sample (edges renormalised). */
export function gaussianMatrix(n: number, sigma: number, stride: number): Float32Array {
  const m = Math.floor((n - 1) / stride) + 1;
  const out = new Float32Array(n * m);
  for (let j = 0; j < m; j++) {
    const centre = j * stride;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma));
    for (let i = 0; i < n; i++) out[i * m + j] = Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma)) / sum;
  }
  return out;
}

/** Separable Gaussian blur + subsampling of [B,H,W,C] as two matMuls with fixed matrices. */
export function gaussianPool(tf: Tf, x: tfc.Tensor4D, sigma: number, stride: number): tfc.Tensor4D {
  const [b, h, w, c] = x.shape;
  return tf.tidy(() => {
    const gw = tf.tensor2d(gaussianMatrix(w, sigma, stride), [w, Math.floor((w - 1) / stride) + 1]);
    const gh = tf.tensor2d(gaussianMatrix(h, sigma, stride), [h, Math.floor((h - 1) / stride) + 1]);
    const wo = gw.shape[1], ho = gh.shape[1];
    // along W: [B,H,W,C] → [B·H·C, W] · [W, W']
    let t = tf.reshape(tf.transpose(x, [0, 1, 3, 2]), [b * h * c, w]);
    t = tf.reshape(tf.matMul(t, gw), [b, h, c, wo]);
    // along H: → [B·C·W', H] · [H, H']
    t = tf.reshape(tf.transpose(t, [0, 2, 3, 1]), [b * c * wo, h]);
    t = tf.reshape(tf.matMul(t, gh), [b, c, wo, ho]);
    return tf.transpose(t, [0, 3, 2, 1]) as tfc.Tensor4D;
  });
}

/** L2 "energy" pooling: sqrt(Gaussian blur of the square + ε), subsampled. */
export function energyPool(tf: Tf, x: tfc.Tensor4D, sigma: number, stride: number, eps = 1e-6): tfc.Tensor4D {
  return tf.tidy(() => tf.sqrt(tf.add(gaussianPool(tf, tf.square(x), sigma, stride), eps)) as tfc.Tensor4D);
}
