import type * as tfc from "@tensorflow/tfjs-core";

/**
 * The swappable-readout contract (neuralpredictors' `Readout`): core features [B,H,W,C] → one
 * pre-nonlinearity value per neuron [B,N]; a regulariser; an in-place constraint after each
 * optimiser step. Training draws randomness (the Gaussian readout's ε) from the caller, so a
 * seed reproduces a fit.
 */
export interface Readout {
  readonly kind: "gaussian" | "factorized";
  /** Trainable parameters by short name (mu or A/b, S, w, bias; or s, w, bias). */
  readonly vars: Readonly<Record<string, tfc.Variable>>;
  forward(features: tfc.Tensor4D, training: boolean, eps?: Float32Array): tfc.Tensor2D;
  /** How many standard normals `forward` needs for a training batch of B images (0: none). */
  epsCount(batch: number): number;
  regularizer(gamma: number): tfc.Scalar;
  afterStep(): void;
  dispose(): void;
}
