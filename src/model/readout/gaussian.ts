import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../../compute/backend.js";
import type { Rng } from "../../sdk/rng.js";
import type { Readout } from "./readout.js";

/**
 * Bilinear sampling of feature maps at continuous grid points, as PyTorch's
 * `grid_sample(align_corners=True, padding_mode="zeros")`: grid (x, y) ∈ [−1, 1]² maps to pixel
 * px = (x+1)/2·(W−1), py = (y+1)/2·(H−1); the four neighbours (⌊px⌋ or ⌊px⌋+1, ⌊py⌋ or ⌊py⌋+1) are
 * gathered and weighted (1−fx or fx)·(1−fy or fy) with f the fractional parts; a neighbour outside
 * the map counts as 0. The floors carry no gradient; the weights carry it to the grid (hence to μ
 * and Σ), the gather carries it to the maps.
 *
 * tfjs's gather has no gradient on the wasm backend (no UnsortedSegmentSum kernel), so the gather
 * here has its own: a scatter-add of the output gradient's rows, in plain JS (B·N·4 rows of C).
 *
 * `features` [B,H,W,C]; `grid` [G,N,2] with G = B (a point per image, training) or G = 1 (the
 * same point for every image, evaluation) → [B,N,C].
 */
export function bilinearSample(tf: Tf, features: tfc.Tensor4D, grid: tfc.Tensor3D): tfc.Tensor3D {
  const [B, H, W, C] = features.shape, [G, N] = grid.shape;
  if (G !== B && G !== 1) throw new Error(`bilinearSample: grid batch ${G} is neither 1 nor the feature batch ${B}`);
  // Integer neighbours and validity from the grid's values (no gradient).
  const g = grid.dataSync() as Float32Array;
  const idx = new Int32Array(B * N * 4), valid = new Float32Array(B * N * 4);
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) {
    const q = ((G === 1 ? 0 : b) * N + n) * 2;
    const px = ((g[q]! + 1) / 2) * (W - 1), py = ((g[q + 1]! + 1) / 2) * (H - 1);
    const x0 = Math.floor(px), y0 = Math.floor(py);
    for (let k = 0; k < 4; k++) {
      const x = x0 + (k & 1), y = y0 + (k >> 1), o = (b * N + n) * 4 + k;
      const inside = x >= 0 && x < W && y >= 0 && y < H;
      idx[o] = inside ? (b * H + y) * W + x : 0; valid[o] = inside ? 1 : 0;
    }
  }
  const floors = new Float32Array(G * N * 2);
  for (let k = 0; k < G * N * 2; k++) {
    const side = k % 2 === 0 ? W : H;
    floors[k] = Math.floor(((g[k]! + 1) / 2) * (side - 1));
  }
  return tf.tidy(() => {
    // Fractional parts, differentiable in the grid: f = (g+1)/2·(side−1) − ⌊·⌋.
    const scale = tf.reshape(tf.tensor1d([(W - 1) / 2, (H - 1) / 2]), [1, 1, 2]);
    const frac = tf.sub(tf.mul(tf.add(grid, 1), scale), tf.tensor3d(floors, [G, N, 2]));
    const fx = tf.slice(frac, [0, 0, 0], [G, N, 1]), fy = tf.slice(frac, [0, 0, 1], [G, N, 1]);
    const gx0 = tf.sub(1, fx), gy0 = tf.sub(1, fy);
    // weights of neighbours k = 0..3: (x0,y0), (x1,y0), (x0,y1), (x1,y1)
    let wts = tf.concat([tf.mul(gx0, gy0), tf.mul(fx, gy0), tf.mul(gx0, fy), tf.mul(fx, fy)], 2); // [G,N,4]
    if (G !== B) wts = tf.tile(wts, [B, 1, 1]);
    wts = tf.mul(wts, tf.tensor3d(valid, [B, N, 4]));
    const rows = gatherRows(tf, tf.reshape(features, [B * H * W, C]) as tfc.Tensor2D, idx); // [B·N·4, C]
    return tf.sum(tf.mul(tf.reshape(rows, [B, N, 4, C]), tf.reshape(wts, [B, N, 4, 1])), 2) as tfc.Tensor3D;
  });
}

/** rows = x[idx], with a gradient for x on every backend: dx = scatter-add of dy's rows (JS). */
export function gatherRows(tf: Tf, x: tfc.Tensor2D, idx: Int32Array): tfc.Tensor2D {
  const [R, C] = x.shape;
  const f = tf.customGrad(((xt: tfc.Tensor2D) => ({
    value: tf.gather(xt, tf.tensor1d(idx, "int32")),
    gradFunc: (dy: tfc.Tensor2D) => {
      const d = dy.dataSync() as Float32Array, out = new Float32Array(R * C);
      for (let k = 0; k < idx.length; k++) { const o = idx[k]! * C, i = k * C; for (let c = 0; c < C; c++) out[o + c]! += d[i + c]!; }
      return tf.tensor2d(out, [R, C]);
    },
  })) as unknown as Parameters<Tf["customGrad"]>[0]);
  return f(x) as tfc.Tensor2D;
}

export interface GaussianOptions {
  readonly neurons: number;
  readonly channels: number;
  readonly initMuRange: number;
  readonly initSigma: number;
  /** Cortical positions N × 2: μ = A·ĝ + b (the paper's linear grid-mean predictor). Absent: μ is a free parameter per neuron. */
  readonly cortex?: Float64Array;
  /** Mean response of the first training batch per neuron (the bias init). */
  readonly meanResponse: Float32Array;
}

let created = 0;

/**
 * `FullGaussian2d` (science.md §2.3): per neuron a position μ ∈ [−1, 1]² (free, or predicted from
 * cortical coordinates by a shared linear map), a full 2×2 S with Σ = S·Sᵀ, C feature weights and
 * a bias. Training samples g = clamp(μ + S·ε, −1, 1) per image; evaluation reads at μ.
 * y = Σ_c w_c·Bilinear(F_c, g) + b; the caller applies ELU + 1.
 */
export function gaussianReadout(tf: Tf, o: GaussianOptions, rng: Rng, prefix: string): Readout & { mu(): tfc.Tensor2D } {
  const N = o.neurons, C = o.channels;
  const v = (name: string, shape: number[], data: ArrayLike<number>) => tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(data), shape), true, `${prefix}.${name}#${created++}`));
  const vars: Record<string, tfc.Variable> = {};
  let cortexHat: tfc.Tensor2D | undefined;
  if (o.cortex) {
    // ĝ: centred, divided by the largest |value| (both axes together).
    let mx = 0, my = 0;
    for (let n = 0; n < N; n++) { mx += o.cortex[2 * n]! / N; my += o.cortex[2 * n + 1]! / N; }
    let big = 0;
    for (let n = 0; n < N; n++) big = Math.max(big, Math.abs(o.cortex[2 * n]! - mx), Math.abs(o.cortex[2 * n + 1]! - my));
    const g = Float32Array.from({ length: 2 * N }, (_, k) => (o.cortex![k]! - (k % 2 ? my : mx)) / (big || 1));
    cortexHat = tf.keep(tf.tensor2d(g, [N, 2]));
    // A = 0.2 × a random orthogonal matrix (a rotation, possibly reflected), b ~ N(0, 1e-3).
    const phi = rng.next() * 2 * Math.PI, f = rng.next() < 0.5 ? -1 : 1;
    vars.A = v("A", [2, 2], [0.2 * Math.cos(phi), 0.2 * Math.sin(phi), -0.2 * Math.sin(phi) * f, 0.2 * Math.cos(phi) * f]); // μ = ĝ·A (row vectors)
    vars.b = v("b", [2], [rng.normal() * 1e-3, rng.normal() * 1e-3]);
  } else {
    vars.mu = v("mu", [N, 2], Array.from({ length: 2 * N }, () => (rng.next() * 2 - 1) * o.initMuRange));
  }
  vars.S = v("S", [N, 2, 2], Array.from({ length: 4 * N }, () => (rng.next() * 2 - 1) * o.initSigma));
  vars.w = v("w", [N, C], Array.from({ length: N * C }, () => rng.normal() * 1e-3));
  vars.bias = v("bias", [N], o.meanResponse);
  const mu = (): tfc.Tensor2D => tf.tidy(() => tf.clipByValue(cortexHat ? tf.add(tf.matMul(cortexHat, vars.A!), vars.b!) : vars.mu!, -1, 1) as tfc.Tensor2D);
  return {
    kind: "gaussian",
    vars,
    mu,
    forward(features, training, eps) {
      return tf.tidy(() => {
        const B = features.shape[0];
        const m = mu();
        let grid: tfc.Tensor3D;
        if (training) {
          if (!eps) throw new Error("gaussian readout: training needs ε");
          // g[b,n,i] = μ[n,i] + Σ_k S[n,i,k]·ε[b,n,k]
          const e = tf.tensor3d(eps, [B, N, 2]);
          const se = tf.sum(tf.mul(tf.reshape(vars.S!, [1, N, 2, 2]), tf.reshape(e, [B, N, 1, 2])), 3);
          grid = tf.clipByValue(tf.add(tf.reshape(m, [1, N, 2]), se), -1, 1) as tfc.Tensor3D;
        } else grid = tf.reshape(m, [1, N, 2]) as tfc.Tensor3D;
        const sampled = bilinearSample(tf, features, grid); // [B,N,C]
        return tf.add(tf.sum(tf.mul(sampled, tf.reshape(vars.w!, [1, N, C])), 2), vars.bias!) as tfc.Tensor2D;
      });
    },
    epsCount: (B) => B * N * 2,
    regularizer: (gamma) => tf.tidy(() => tf.mul(gamma, tf.sum(tf.abs(vars.w!))) as tfc.Scalar),
    afterStep() {
      // μ is clamped in place (the free parameter); the predicted one is clamped in `mu()`.
      if (vars.mu) tf.tidy(() => vars.mu!.assign(tf.clipByValue(vars.mu!, -1, 1)));
    },
    dispose() { cortexHat?.dispose(); for (const x of Object.values(vars)) x.dispose(); },
  };
}
