import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../../compute/backend.js";
import type { Rng } from "../../sdk/rng.js";
import type { Readout } from "./readout.js";

let created = 0;

/**
 * The baseline: Klindt et al. 2017's factorized readout (`SpatialXFeatureLinear`, science.md
 * §2.3): y_n = Σ_{c,x,y} s_n(x,y)·w_nc·F_c(x,y) + b_n with the spatial mask s_n clamped ≥ 0
 * after every step, and the L1 penalty γ·Σ_n ‖s_n‖₁‖w_n‖₁. H·W + C + 1 parameters per neuron.
 * Init: s = |N(0, 1e-3)| (the mask starts non-negative instead of half clamped to 0), w ~ N(0, 1e-3).
 */
export function factorizedReadout(tf: Tf, o: { neurons: number; channels: number; height: number; width: number; meanResponse: Float32Array }, rng: Rng, prefix: string): Readout {
  const { neurons: N, channels: C, height: H, width: W } = o;
  const v = (name: string, shape: number[], data: ArrayLike<number>) => tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(data), shape), true, `${prefix}.${name}#${created++}`));
  const vars = {
    s: v("s", [H * W, N], Array.from({ length: H * W * N }, () => Math.abs(rng.normal() * 1e-3))),
    w: v("w", [C, N], Array.from({ length: C * N }, () => rng.normal() * 1e-3)),
    bias: v("bias", [N], o.meanResponse),
  };
  return {
    kind: "factorized",
    vars,
    forward(features) {
      return tf.tidy(() => {
        const B = features.shape[0];
        if (features.shape[1] * features.shape[2] !== H * W) throw new Error(`factorized readout: maps are ${features.shape[1]}×${features.shape[2]}, the mask ${H}×${W}`);
        // Σ_c w_nc F_c → [B·HW, N], then Σ_hw s_n(hw)·(…)
        const fw = tf.reshape(tf.matMul(tf.reshape(features, [B * H * W, C]), vars.w), [B, H * W, N]);
        return tf.add(tf.sum(tf.mul(fw, tf.reshape(vars.s, [1, H * W, N])), 1), vars.bias) as tfc.Tensor2D;
      });
    },
    epsCount: () => 0,
    regularizer: (gamma) => tf.tidy(() => tf.mul(gamma, tf.sum(tf.mul(tf.sum(tf.abs(vars.s), 0), tf.sum(tf.abs(vars.w), 0)))) as tfc.Scalar),
    afterStep() { tf.tidy(() => vars.s.assign(tf.relu(vars.s))); },
    dispose() { for (const x of Object.values(vars)) x.dispose(); },
  };
}
