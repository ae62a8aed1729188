import type { Tf } from "./backend.js";
import type * as tfc from "@tensorflow/tfjs-core";

/**
 * Training ops that are fast on every backend, wasm included. The wasm backend has no
 * Conv2DBackpropFilter and no depthwise backprop kernels (shared/docs/compute.md), and its
 * transposed matMuls are slow: convolutions take their weight gradient from a forward conv
 * (batch and channels swapped), Gaussian pooling is two fixed matMuls with plain-matMul
 * gradients, strides are subsampling by reshape + slice. Every gradient here runs on kernels
 * wasm has natively, and each is tested against tf's own on the cpu backend.
 */

/**
 * Keep every s-th row and column of [B,H,W,C] (from index 0), differentiably: tfjs has no
 * gradient for stridedSlice, so pad to a multiple of s, reshape to [B,H/s,s,W/s,s,C] and slice.
 */
export function subsample(tf: Tf, x: tfc.Tensor4D, s: number): tfc.Tensor4D {
  if (s === 1) return x;
  const [b, h, w, c] = x.shape, H = Math.ceil(h / s), Wd = Math.ceil(w / s);
  const padded = H * s !== h || Wd * s !== w ? tf.pad(x, [[0, 0], [0, H * s - h], [0, Wd * s - w], [0, 0]]) : x;
  return tf.reshape(tf.slice(tf.reshape(padded, [b, H, s, Wd, s, c]), [0, 0, 0, 0, 0, 0], [b, H, 1, Wd, 1, c]), [b, H, Wd, c]);
}

/**
 * conv2d ("valid") with `w` [k,k,Cin,Cout] like tf.conv2d, differentiable in `w` only: `x` is
 * data (an image, a frozen layer's output), which is all layerwise training needs. wasm has a
 * fast forward conv but no Conv2DBackpropFilter; the weight gradient is itself a correlation of
 * the input with the output gradient, so it runs as a forward conv too, with batch and channels
 * swapped: dW[dy,dx,ci,co] = Σ_{n,i,j} x[n,i+dy,j+dx,ci]·g[n,i,j,co]
 *   = conv2d(x as [Cin,H,W,N], g as [Ho,Wo,N,Cout]) → [Cin,k,k,Cout].
 * `inputGrad: true` adds dL/dx (for layers inside a deep net); stride > 1 subsamples a stride-1 conv.
 */
export function conv2d(tf: Tf, x: tfc.Tensor4D, w: tfc.Tensor4D, stride = 1, opts: { inputGrad?: boolean; noGrad?: boolean } = {}): tfc.Tensor4D {
  if (opts.noGrad && stride !== 1) return tf.conv2d(x, w, stride, "valid");
  if (opts.noGrad) {
    // Frozen weights, but an attack may still differentiate through x (a frozen front-end under
    // PGD): give it the forward-conv input gradient, not wasm's slow Conv2DBackpropInput.
    const conv = tf.customGrad(((xt: tfc.Tensor4D, save: (ts: tfc.Tensor[]) => void) => {
      save([w]);
      return { value: tf.conv2d(xt, w, 1, "valid"), gradFunc: (dy: tfc.Tensor4D, [ws]: tfc.Tensor4D[]) => convInputGrad(tf, dy, ws!, "valid") };
    }) as unknown as Parameters<Tf["customGrad"]>[0]);
    return conv(x) as tfc.Tensor4D;
  }
  // Strided convs are rare here (CORnet-S): a stride-1 conv, subsampled, keeps them on the fast path.
  if (stride !== 1) return subsample(tf, conv2d(tf, x, w, 1, opts), stride);
  if (opts.inputGrad) {
    const conv = tf.customGrad(((xt: tfc.Tensor4D, wt: tfc.Tensor4D, save: (ts: tfc.Tensor[]) => void) => {
      save([xt, wt]);
      return {
        value: tf.conv2d(xt, wt, 1, "valid"),
        gradFunc: (dy: tfc.Tensor4D, [xs, ws]: tfc.Tensor4D[]) => [convInputGrad(tf, dy, ws!, "valid"), convWeightGrad(tf, xs!, dy)],
      };
    }) as unknown as Parameters<Tf["customGrad"]>[0]);
    return conv(x, w) as tfc.Tensor4D;
  }
  const conv = tf.customGrad(((wt: tfc.Tensor4D, save: (ts: tfc.Tensor[]) => void) => {
    save([x]); // x may be an intermediate of the forward pass, disposed before backprop unless saved
    return { value: tf.conv2d(x, wt, 1, "valid"), gradFunc: (dy: tfc.Tensor4D, [xs]: tfc.Tensor4D[]) => convWeightGrad(tf, xs!, dy) };
  }) as unknown as Parameters<Tf["customGrad"]>[0]);
  return conv(w) as tfc.Tensor4D;
}

/**
 * dL/dw of a stride-1 "valid" conv as a forward conv, batch and channels swapped:
 * dW[dy,dx,ci,co] = Σ_{n,i,j} x[n,i+dy,j+dx,ci]·g[n,i,j,co] = conv2d(x as [Cin,H,W,N], g as [Ho,Wo,N,Cout]).
 */
function convWeightGrad(tf: Tf, x: tfc.Tensor4D, dy: tfc.Tensor4D): tfc.Tensor4D {
  return tf.transpose(tf.conv2d(tf.transpose(x, [3, 1, 2, 0]) as tfc.Tensor4D, tf.transpose(dy, [1, 2, 0, 3]) as tfc.Tensor4D, 1, "valid"), [1, 2, 0, 3]);
}

/**
 * dL/dx of a stride-1 conv as a forward conv: correlating dy with the kernel rotated by 180°
 * and its channel axes swapped ([k,k,Cout,Cin]). For a "valid" conv dy is zero-padded by k−1
 * ("full" correlation); for "same" (odd k) the "same" correlation is the input gradient.
 * wasm's own Conv2DBackpropInput is a plain loop, several times slower than its XNNPACK forward
 * conv (profiled: the 3×3 residual convs' input gradients were the largest cost of a classifier step).
 */
function convInputGrad(tf: Tf, dy: tfc.Tensor4D, w: tfc.Tensor4D, pad: "valid" | "same"): tfc.Tensor4D {
  const [kh, kw, cin, cout] = w.shape, n = kh * kw;
  // 180° rotation as a matMul with the reversal permutation: wasm's Reverse kernel is ~5× slower (profiled).
  const flip = new Float32Array(n * n);
  for (let i = 0; i < n; i++) flip[i * n + (n - 1 - i)] = 1;
  const rotated = tf.reshape(tf.matMul(tf.tensor2d(flip, [n, n]), tf.reshape(w, [n, cin * cout])), [kh, kw, cin, cout]);
  const rot = tf.transpose(rotated, [0, 1, 3, 2]) as tfc.Tensor4D;
  if (pad === "same") return tf.conv2d(dy, rot, 1, "same");
  return tf.conv2d(tf.pad(dy, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]]), rot, 1, "valid");
}

/** "same"-padded conv (zero padding, odd k, stride 1), differentiable in x and w. */
export function conv2dSame(tf: Tf, x: tfc.Tensor4D, w: tfc.Tensor4D): tfc.Tensor4D {
  const [kh, kw] = w.shape;
  if (kh % 2 === 0 || kw % 2 === 0) throw new Error(`conv2dSame needs an odd kernel (got ${kh}×${kw})`);
  const ph = (kh - 1) / 2, pw = (kw - 1) / 2;
  const conv = tf.customGrad(((xt: tfc.Tensor4D, wt: tfc.Tensor4D, save: (ts: tfc.Tensor[]) => void) => {
    save([xt, wt]);
    return {
      value: tf.conv2d(xt, wt, 1, "same"),
      gradFunc: (dy: tfc.Tensor4D, [xs, ws]: tfc.Tensor4D[]) =>
        [convInputGrad(tf, dy, ws!, "same"), convWeightGrad(tf, tf.pad(xs!, [[0, 0], [ph, ph], [pw, pw], [0, 0]]), dy)],
    };
  }) as unknown as Parameters<Tf["customGrad"]>[0]);
  return conv(x, w) as tfc.Tensor4D;
}

/**
 * Bias add whose gradient is a matMul with a row of ones: wasm's Sum over all but the last axis
 * (tfjs's own bias gradient) is ~5× slower on conv-sized tensors.
 */
export function addBias(tf: Tf, y: tfc.Tensor4D, b: tfc.Tensor1D): tfc.Tensor4D {
  const c = b.shape[0], m = y.size / c;
  const f = tf.customGrad(((yt: tfc.Tensor4D, bt: tfc.Tensor1D) => ({
    value: tf.add(yt, bt),
    gradFunc: (dy: tfc.Tensor) => [dy, tf.reshape(tf.matMul(tf.ones([1, m]), tf.reshape(dy, [m, c])), [c])],
  })) as unknown as Parameters<Tf["customGrad"]>[0]);
  return f(y, b) as tfc.Tensor4D;
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

/**
 * x·G for a constant matrix G, differentiable in x only. tfjs's own gradient, dy·Gᵀ, runs a
 * transposed matMul, which on wasm is ~5× slower than a plain one; here Gᵀ is made once
 * (it is small) and the backward pass is a plain matMul too.
 */
export function matMulConst(tf: Tf, x: tfc.Tensor2D, g: Float32Array, rows: number, cols: number): tfc.Tensor2D {
  const gt = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) gt[j * rows + i] = g[i * cols + j]!;
  const f = tf.customGrad(((xt: tfc.Tensor) => ({
    value: tf.matMul(xt as tfc.Tensor2D, tf.tensor2d(g, [rows, cols])),
    gradFunc: (dy: tfc.Tensor) => tf.matMul(dy as tfc.Tensor2D, tf.tensor2d(gt, [cols, rows])),
  })) as unknown as Parameters<Tf["customGrad"]>[0]);
  return f(x) as tfc.Tensor2D;
}

/** Separable Gaussian blur + subsampling of [B,H,W,C] as two matMuls with fixed matrices. */
export function gaussianPool(tf: Tf, x: tfc.Tensor4D, sigma: number, stride: number): tfc.Tensor4D {
  const [b, h, w, c] = x.shape;
  return tf.tidy(() => {
    const wo = Math.floor((w - 1) / stride) + 1, ho = Math.floor((h - 1) / stride) + 1;
    // along W: [B,H,W,C] → [B·H·C, W] · [W, W']
    let t: tfc.Tensor = tf.reshape(tf.transpose(x, [0, 1, 3, 2]), [b * h * c, w]);
    t = tf.reshape(matMulConst(tf, t as tfc.Tensor2D, gaussianMatrix(w, sigma, stride), w, wo), [b, h, c, wo]);
    // along H: → [B·C·W', H] · [H, H']
    t = tf.reshape(tf.transpose(t, [0, 2, 3, 1]), [b * c * wo, h]);
    t = tf.reshape(matMulConst(tf, t as tfc.Tensor2D, gaussianMatrix(h, sigma, stride), h, ho), [b, c, wo, ho]);
    return tf.transpose(t, [0, 3, 2, 1]) as tfc.Tensor4D;
  });
}

/** L2 "energy" pooling: sqrt(Gaussian blur of the square + ε), subsampled. */
export function energyPool(tf: Tf, x: tfc.Tensor4D, sigma: number, stride: number, eps = 1e-6): tfc.Tensor4D {
  return tf.tidy(() => tf.sqrt(tf.add(gaussianPool(tf, tf.square(x), sigma, stride), eps)) as tfc.Tensor4D);
}
