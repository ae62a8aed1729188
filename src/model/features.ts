import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../compute/backend.js";
import { meanStd } from "../data/deform.js";
import type { TensorSet } from "../sdk/ports.js";
import { frontendBlocks, layerOutputs, parseFrontendArchitecture } from "./frontend.js";

/** One layer's responses to S stimuli: S × height × width × channels, row-major. */
export interface LayerMaps { readonly layer: number; readonly height: number; readonly width: number; readonly channels: number; readonly data: Float32Array }

/**
 * A frozen front-end's responses, layer by layer, to square grey stimuli (S × size × size in
 * [0, 1]). Each stimulus is normalised as training patches were (zero mean, unit SD), so the
 * model sees stimuli on the scale it learned from. Batched to bound memory.
 */
export function stimulusResponses(tf: Tf, architecture: unknown, set: TensorSet, pixels: Float32Array, S: number, size: number, opts: { batch?: number; signal?: AbortSignal } = {}): LayerMaps[] {
  const arch = parseFrontendArchitecture(architecture, "input architecture");
  const blocks = frontendBlocks(arch, set);
  const P = size * size, B = opts.batch ?? 32;
  const norm = new Float32Array(S * P);
  for (let s = 0; s < S; s++) {
    const img = pixels.subarray(s * P, (s + 1) * P), { mean, std } = meanStd(img);
    const inv = std > 1e-6 ? 1 / std : 0;
    for (let k = 0; k < P; k++) norm[s * P + k] = (img[k]! - mean) * inv;
  }
  let maps: { layer: number; height: number; width: number; channels: number; data: Float32Array }[] | undefined;
  for (let i = 0; i < S; i += B) {
    if (opts.signal?.aborted) throw new Error("interrupted");
    const n = Math.min(B, S - i);
    const x = tf.tensor4d(norm.subarray(i * P, (i + n) * P), [n, size, size, 1]);
    const outs = layerOutputs(tf, x, blocks);
    x.dispose();
    maps ??= outs.map((o, l) => { const [, h, w, c] = o.shape; return { layer: l + 1, height: h, width: w, channels: c, data: new Float32Array(S * h * w * c) }; });
    outs.forEach((o, l) => { const m = maps![l]!; m.data.set(o.dataSync() as Float32Array, i * m.height * m.width * m.channels); o.dispose(); });
  }
  return maps ?? [];
}

/**
 * Per channel, its rectified response at the centre of the map (fraction 0: one unit with one
 * receptive field, like a recorded neuron), or averaged over the central `fraction` of the map
 * (a population of same-channel units, read where the aperture leaves the stimulus intact).
 * Returns S × C.
 */
export function centralMeans(m: LayerMaps, S: number, fraction = 0): Float64Array {
  const { height: H, width: W, channels: C } = m;
  const [h0, h1] = centralWindow(H, fraction), [w0, w1] = centralWindow(W, fraction);
  const out = new Float64Array(S * C), count = (h1 - h0) * (w1 - w0);
  for (let s = 0; s < S; s++) for (let y = h0; y < h1; y++) for (let x = w0; x < w1; x++) {
    const base = ((s * H + y) * W + x) * C;
    for (let c = 0; c < C; c++) out[s * C + c]! += Math.max(0, m.data[base + c]!) / count;
  }
  return out;
}

/** Indices [lo, hi) of the central `fraction` of n map positions (at least one); fraction 0: the centre alone. */
export function centralWindow(n: number, fraction: number): readonly [number, number] {
  if (fraction <= 0) return [n >> 1, (n >> 1) + 1];
  const lo = Math.floor((n * (1 - fraction)) / 2);
  return [lo, Math.max(lo + 1, n - lo)];
}

/**
 * Where a layer's objective reads each patch's features from its output map [B,H,W,C] → [B,C]:
 * - "mean": the spatial mean over the whole map (science.md §1.3's fallback when patches are
 *   larger than the RF; ours are ≈ 1.4 R). A small translation mostly moves activity within the
 *   map, so the mean barely changes: translations are nearly free for the loss.
 * - "centre": the unit(s) at the centre of the map — one position whose receptive field is the
 *   R-sized centre of the patch (the mean of the middle two rows/columns when the side is even),
 *   science.md §1.3's primary reading (features at the patch centre). Every deformation of the
 *   pair then changes what that unit sees, as complexity matching intends.
 */
export const READOUTS = ["mean", "centre"] as const;
export type Readout = (typeof READOUTS)[number];

export function readoutFeatures(tf: Tf, y: tfc.Tensor4D, readout: Readout): tfc.Tensor2D {
  if (readout === "mean") return tf.mean(y, [1, 2]) as tfc.Tensor2D;
  const [, H, W] = y.shape, [h0, h1] = centreSpan(H), [w0, w1] = centreSpan(W);
  return tf.tidy(() => tf.mean(tf.slice(y, [0, h0, w0, 0], [-1, h1 - h0, w1 - w0, -1]), [1, 2]) as tfc.Tensor2D);
}

/** Indices [lo, hi) of the position(s) at the exact centre of n: one if n is odd, the middle two if even. */
export function centreSpan(n: number): readonly [number, number] {
  return n % 2 ? [(n - 1) / 2, (n + 1) / 2] : [n / 2 - 1, n / 2 + 1];
}
