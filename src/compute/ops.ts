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
 * The transposed im2col, [k·k·C, B·H'·W'], in plain JS: one row per filter tap. This is the layout
 * both matMuls of a weight-only conv want without transposing anything on the backend (wasm's
 * transposed matMul and transpose kernels are ~10× slower than a plain matMul here).
 */
export function im2colDataT(x: tfc.Tensor4D, k: number, stride = 1): { data: Float32Array; rows: number; cols: number; ho: number; wo: number } {
  const [b, h, w, c] = x.shape;
  const ho = Math.floor((h - k) / stride) + 1, wo = Math.floor((w - k) / stride) + 1;
  const src = x.dataSync() as Float32Array;
  const M = b * ho * wo, rows = k * k * c;
  const out = new Float32Array(rows * M);
  // One image at a time (a few KB, cache-resident) → a contiguous run of ho·wo in each row.
  const per = ho * wo, step = stride * c;
  for (let n = 0; n < b; n++) for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) for (let ch = 0; ch < c; ch++) {
    let o = ((dy * k + dx) * c + ch) * M + n * per;
    for (let i = 0; i < ho; i++) {
      let q = ((n * h + i * stride + dy) * w + dx) * c + ch;
      for (let j = 0; j < wo; j++, q += step) out[o++] = src[q]!;
    }
  }
  return { data: out, rows, cols: M, ho, wo };
}

/**
 * conv2d ("valid") as im2col + matMul; `w` is [k,k,Cin,Cout] like tf.conv2d. By default `x` is
 * data (an image, a frozen layer's output): the gradient flows to `w` only, computed as one plain
 * matMul colsᵀ·dy through a custom gradient. Pass `inputGrad: true` to differentiate through `x`
 * too (slower: strided slices on the backend).
 */
export function conv2d(tf: Tf, x: tfc.Tensor4D, w: tfc.Tensor4D, stride = 1, opts: { inputGrad?: boolean; noGrad?: boolean } = {}): tfc.Tensor4D {
  const [k, , cin, cout] = w.shape;
  if (opts.inputGrad || opts.noGrad) {
    // noGrad (inference, frozen layers): the plain layout and one matMul, nothing kept for a backward pass.
    return tf.tidy(() => {
      const cols = opts.inputGrad ? im2col(tf, x, k, stride) : im2colData(tf, x, k, stride);
      const [b, ho, wo] = cols.shape;
      const y = tf.matMul(tf.reshape(cols, [b * ho * wo, k * k * cin]), tf.reshape(w, [k * k * cin, cout]));
      return tf.reshape(y, [b, ho, wo, cout]);
    });
  }
  const t = im2colDataT(x, k, stride);
  const b = x.shape[0];
  const conv = tf.customGrad(((wt: tfc.Tensor, save: (ts: tfc.Tensor[]) => void) => {
    const colsT = tf.tensor2d(t.data, [t.rows, t.cols]);
    save([colsT]);
    // yᵀ = Wᵀ·colsᵀ, then one small transpose of the output ([Cout, M] → [M, Cout]).
    const y = tf.transpose(tf.matMul(tf.transpose(tf.reshape(wt, [t.rows, cout])), colsT));
    return {
      value: tf.reshape(y, [b, t.ho, t.wo, cout]),
      gradFunc: (dy: tfc.Tensor, saved: tfc.Tensor[]) => tf.reshape(tf.matMul(saved[0]!, tf.reshape(dy, [t.cols, cout])), wt.shape),
    };
  }) as unknown as Parameters<Tf["customGrad"]>[0]);
  return conv(w) as tfc.Tensor4D;
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
