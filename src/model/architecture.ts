/**
 * The LCL-V2 stage block (science.md §1.2, a reconstruction): conv k×k (bias) → ReLU → L2
 * "energy" pooling sqrt(Gaussian blur of the square + ε), stride 2 → optional local divisive
 * normalisation. Plain data, so it can be stored beside the weights and read outside lcl.
 */
export interface BlockSpec {
  readonly kernel: number;
  readonly channels: number;
  /** σ of the pooling Gaussian, in the block's input pixels. */
  readonly sigma: number;
  readonly stride: number;
  /** Divide by the local RMS over channels (blurred with 2σ). */
  readonly norm: boolean;
  /**
   * How rectified responses are pooled: "l2" (default) sqrt(blur(x²)), the L2 pooling of
   * science.md §1.2; "energy" blur(x²), the classic energy model's squared output.
   */
  readonly pooling?: Pooling;
}

export const POOLINGS = ["l2", "energy"] as const;
export type Pooling = (typeof POOLINGS)[number];

/** Support of the pooling Gaussian as counted for receptive fields: ±2σ. */
export const poolSupport = (sigma: number) => 2 * Math.ceil(2 * sigma) + 1;

/**
 * Receptive field (px) and jump (input px per output step) after each block, by the recursion
 * r_out = r_in + (k − 1)·j_in, j_out = j_in·s applied to the conv and then the pooling blur.
 * Deformation amplitudes of each layer's patch pairs are set from these.
 */
export function receptiveFields(blocks: readonly BlockSpec[]): { rf: number; jump: number }[] {
  let rf = 1, jump = 1;
  return blocks.map((b) => {
    rf += (b.kernel - 1) * jump;
    rf += (poolSupport(b.sigma) - 1) * jump;
    jump *= b.stride;
    return { rf, jump };
  });
}

/** Spatial size after one block for an input of side `n` ("valid" conv, then strided pooling). */
export function outputSide(n: number, b: BlockSpec): number {
  const conv = n - b.kernel + 1;
  if (conv < 1) throw new Error(`a ${n}×${n} input is smaller than the ${b.kernel}×${b.kernel} kernel`);
  return Math.floor((conv - 1) / b.stride) + 1;
}

export const DEFAULT_BLOCKS: readonly [BlockSpec, BlockSpec] = [
  { kernel: 7, channels: 32, sigma: 1, stride: 2, norm: true },
  { kernel: 3, channels: 64, sigma: 1, stride: 2, norm: true },
];
