import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../compute/backend.js";

/**
 * Per-layer objectives on features of patch pairs, za/zb ∈ R^{N×D} (row i of both comes from the
 * same image location; other rows are other images). "spectral" is the default (science.md
 * §1.3): the similarity of deformed pairs plus λ times the decorrelation of features across
 * patches of other images, in HaoChen et al.'s spectral-contrastive form. The others are the
 * ablations' "architecture-matched previous models" objectives.
 */
export const OBJECTIVES = ["spectral", "barlow", "vicreg", "infonce"] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];

export interface ObjectiveOptions {
  readonly name: ObjectiveName;
  /** Weight of the decorrelation term (spectral). */
  readonly lambda: number;
  /** Off-diagonal weight (Barlow Twins). */
  readonly barlowLambda: number;
  /** Temperature (InfoNCE). */
  readonly tau: number;
}

export const DEFAULT_OBJECTIVE: ObjectiveOptions = { name: "spectral", lambda: 1, barlowLambda: 5e-3, tau: 0.1 };

export interface ObjectiveTerms {
  readonly loss: tfc.Scalar;
  /** Mean cosine similarity of the pairs, after centring over the batch (the same for every objective, so runs compare). */
  readonly similarity: tfc.Scalar;
  /** Mean squared cosine between features of different images (0 = fully decorrelated). */
  readonly decorrelation: tfc.Scalar;
}

/** Centre over the batch, then scale each row to unit length. */
function centredUnit(tf: Tf, z: tfc.Tensor2D): tfc.Tensor2D {
  const c = tf.sub(z, tf.mean(z, 0, true));
  return tf.div(c, tf.sqrt(tf.add(tf.sum(tf.square(c), 1, true), 1e-12))) as tfc.Tensor2D;
}

/** Row-wise log-sum-exp, max-shifted for stability (the shift's gradient cancels exactly). */
export function logSumExpRows(tf: Tf, x: tfc.Tensor2D): tfc.Tensor1D {
  const m = tf.max(x, 1, true);
  return tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, m)), 1)), tf.reshape(m, [-1])) as tfc.Tensor1D;
}

export function objective(tf: Tf, za: tfc.Tensor2D, zb: tfc.Tensor2D, o: ObjectiveOptions = DEFAULT_OBJECTIVE): ObjectiveTerms {
  const [n, d] = za.shape;
  if (n < 2) throw new Error("an objective needs at least 2 pairs per batch");
  const ua = centredUnit(tf, za), ub = centredUnit(tf, zb);
  const gram = tf.matMul(ua, ub, false, true); // [N,N] cosines between a_i and b_j
  const diag = tf.sum(tf.mul(ua, ub), 1);
  const similarity = tf.mean(diag) as tfc.Scalar;
  const decorrelation = tf.div(tf.sub(tf.sum(tf.square(gram)), tf.sum(tf.square(diag))), n * (n - 1)) as tfc.Scalar;
  let loss: tfc.Scalar;
  switch (o.name) {
    case "spectral":
      // −(2/N) Σ ẑ_i·ẑ'_i + λ/(N(N−1)) Σ_{i≠j} (ẑ_i·ẑ'_j)²
      loss = tf.add(tf.mul(similarity, -2), tf.mul(decorrelation, o.lambda)) as tfc.Scalar;
      break;
    case "barlow": {
      const std = (z: tfc.Tensor2D) => { const m = tf.moments(z, 0); return tf.div(tf.sub(z, m.mean), tf.sqrt(tf.add(m.variance, 1e-6))); };
      const c = tf.div(tf.matMul(std(za), std(zb), true, false), n); // [D,D] cross-correlation
      const eye = tf.eye(d);
      const on = tf.sum(tf.square(tf.sub(1, tf.sum(tf.mul(c, eye), 1))));
      const off = tf.sum(tf.square(tf.mul(c, tf.sub(1, eye))));
      loss = tf.add(on, tf.mul(off, o.barlowLambda)) as tfc.Scalar;
      break;
    }
    case "vicreg": {
      const invariance = tf.mean(tf.square(tf.sub(za, zb)));
      const variance = (z: tfc.Tensor2D) => tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(tf.moments(z, 0).variance, 1e-4)))));
      const covariance = (z: tfc.Tensor2D) => {
        const c = tf.sub(z, tf.mean(z, 0, true));
        const cov = tf.div(tf.matMul(c, c, true, false), n - 1);
        return tf.div(tf.sum(tf.square(tf.mul(cov, tf.sub(1, tf.eye(d))))), d);
      };
      loss = tf.addN([tf.mul(invariance, 25), tf.mul(tf.add(variance(za), variance(zb)), 25), tf.add(covariance(za), covariance(zb))]) as tfc.Scalar;
      break;
    }
    case "infonce": {
      // Symmetric InfoNCE: each a_i must pick b_i among all b_j, and vice versa.
      const logits = tf.div(gram, o.tau) as tfc.Tensor2D;
      const pos = tf.div(diag, o.tau);
      const rows = tf.mean(tf.sub(logSumExpRows(tf, logits), pos));
      const cols = tf.mean(tf.sub(logSumExpRows(tf, tf.transpose(logits) as tfc.Tensor2D), pos));
      loss = tf.div(tf.add(rows, cols), 2) as tfc.Scalar;
      break;
    }
  }
  return { loss, similarity, decorrelation };
}

/**
 * The spectral objective's exact minimum for N centred unit features: pairs identical (similarity
 * 1) and the N features at the vertices of a regular simplex (cosines −1/(N−1), the least
 * correlation N vectors summing to zero allow), so the loss is −2 + λ/(N−1)².
 */
export const spectralMinimum = (n: number, lambda: number) => -2 + lambda / (n - 1) ** 2;
