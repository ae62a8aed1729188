import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../compute/backend.js";
import type { Rng } from "../sdk/rng.js";
import { logSumExpRows } from "./objectives.js";

/**
 * Projected gradient descent on the input (Madry et al. 2018): the perturbation within an ε-ball
 * around each input that (locally) maximises the classifier's cross-entropy. Everything is in
 * units of the network's input — the prepared image the first layer sees, not raw pixels —
 * and the input is not clipped to a pixel range (the prepared input has none).
 */
export interface PgdOptions {
  /** linf: every input value moves by at most ε; l2: each image's perturbation has Euclidean norm ≤ ε. */
  readonly norm: "linf" | "l2";
  readonly epsilon: number;
  /** Per step: linf moves every value by ±stepSize (the gradient's sign), l2 by stepSize along the normalised gradient. */
  readonly stepSize: number;
  readonly steps: number;
  /** Start from a uniform draw in the ball (Madry et al.) instead of the clean input. */
  readonly randomStart: boolean;
}

/** Madry et al.'s rule of thumb: enough step length to cross the ball 2.5 times. */
export const defaultStepSize = (epsilon: number, steps: number) => (2.5 * epsilon) / steps;

/** Summed (not averaged) cross-entropy: each image's gradient is its own loss's, whatever the batch size. */
export function crossEntropySum(tf: Tf, logits: tfc.Tensor2D, labels: Int32Array): tfc.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(labels, "int32"), logits.shape[1]);
    return tf.sum(tf.sub(logSumExpRows(tf, logits), tf.sum(tf.mul(logits, onehot), 1))) as tfc.Scalar;
  });
}

/** Per-image Euclidean norm of [B, …] as [B, 1, 1, 1] (floored, so a zero gradient stays zero). */
const imageNorms = (tf: Tf, t: tfc.Tensor4D) => tf.sqrt(tf.add(tf.sum(tf.square(t), [1, 2, 3], true), 1e-24));

/** A uniform draw from the ε-ball, one per image: the cube for linf; for l2 a Gaussian direction at radius ε·U^(1/d). */
function randomStart(tf: Tf, shape: readonly [number, number, number, number], o: PgdOptions, rng: Rng): tfc.Tensor4D {
  const [b] = shape, d = shape[1] * shape[2] * shape[3], data = new Float32Array(b * d);
  if (o.norm === "linf") {
    for (let i = 0; i < data.length; i++) data[i] = (2 * rng.next() - 1) * o.epsilon;
  } else {
    for (let k = 0; k < b; k++) {
      let s = 0;
      for (let i = 0; i < d; i++) { const v = rng.normal(); data[k * d + i] = v; s += v * v; }
      const r = (o.epsilon * Math.pow(rng.next(), 1 / d)) / Math.sqrt(s);
      for (let i = 0; i < d; i++) data[k * d + i]! *= r;
    }
  }
  return tf.tensor4d(data, [...shape]);
}

/** Project a perturbation back into the ε-ball. */
function project(tf: Tf, delta: tfc.Tensor4D, o: PgdOptions): tfc.Tensor4D {
  if (o.norm === "linf") return tf.clipByValue(delta, -o.epsilon, o.epsilon);
  return tf.mul(delta, tf.minimum(1, tf.div(o.epsilon, imageNorms(tf, delta)))) as tfc.Tensor4D;
}

/**
 * Adversarial inputs for `x` [B,H,W,C] with integer `labels`: `steps` ascent steps on the
 * cross-entropy of `logits` (which must be differentiable with respect to its input), each
 * followed by the projection onto the ε-ball around `x`. Pure: `x` is not modified; the result
 * is a new tensor the caller owns. `rng` draws the random start.
 */
export function pgd(tf: Tf, logits: (x: tfc.Tensor4D) => tfc.Tensor2D, x: tfc.Tensor4D, labels: Int32Array, o: PgdOptions, rng: Rng): tfc.Tensor4D {
  if (!(o.epsilon >= 0) || !(o.stepSize >= 0) || !Number.isInteger(o.steps) || o.steps < 0) throw new Error(`PGD needs epsilon ≥ 0, step size ≥ 0 and a whole number of steps ≥ 0 (got ${o.epsilon}, ${o.stepSize}, ${o.steps})`);
  if (labels.length !== x.shape[0]) throw new Error(`PGD: ${x.shape[0]} inputs but ${labels.length} labels`);
  if (o.epsilon === 0) return tf.clone(x);
  const lossOf = (d: tfc.Tensor) => crossEntropySum(tf, logits(tf.add(x, d) as tfc.Tensor4D), labels);
  let delta = o.randomStart ? randomStart(tf, x.shape, o, rng) : tf.zerosLike(x);
  for (let s = 0; s < o.steps; s++) {
    const next = tf.tidy(() => {
      const g = tf.grad(lossOf)(delta) as tfc.Tensor4D;
      const dir = o.norm === "linf" ? tf.sign(g) : tf.div(g, imageNorms(tf, g));
      return project(tf, tf.add(delta, tf.mul(dir, o.stepSize)) as tfc.Tensor4D, o);
    });
    delta.dispose();
    delta = next;
  }
  const out = tf.add(x, delta) as tfc.Tensor4D;
  delta.dispose();
  return out;
}

/**
 * Accuracy under PGD: the fraction of images still classified right after the attack.
 * `x` holds `n` prepared images of side `size` (one channel), as in a classifier's Split.
 */
export function robustAccuracy(tf: Tf, logits: (x: tfc.Tensor4D) => tfc.Tensor2D, data: { x: Float32Array; y: Int32Array; n: number }, size: number, o: PgdOptions, rng: Rng, batch = 128): number {
  let correct = 0;
  for (let s = 0; s < data.n; s += batch) {
    const m = Math.min(batch, data.n - s), labels = data.y.subarray(s, s + m);
    const pred = tf.tidy(() => {
      const adv = pgd(tf, logits, tf.tensor4d(data.x.subarray(s * size * size, (s + m) * size * size), [m, size, size, 1]), labels, o, rng.fork(`batch:${s}`));
      return tf.argMax(logits(adv), 1);
    });
    const v = pred.dataSync();
    pred.dispose();
    for (let i = 0; i < m; i++) if (v[i] === labels[i]) correct++;
  }
  return correct / data.n;
}
