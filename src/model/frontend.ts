import type * as tfc from "@tensorflow/tfjs-core";
import type { Tf } from "../compute/backend.js";
import type { TensorSet } from "../sdk/ports.js";
import { receptiveFields, type BlockSpec } from "./architecture.js";
import { blockForward } from "./block.js";

/**
 * A trained block as stored by a layer-training stage (`block` output, JSON) and the frozen
 * two-block front-end that `frontend-freeze` packs: architecture JSON + one tensor set.
 */
export interface BlockInfo extends BlockSpec {
  readonly in_channels: number;
  /** Receptive field (px) and jump of this block's output, counting every block below it. */
  readonly rf: number;
  readonly jump: number;
  /**
   * Provenance: ids of the images (natural-images ids) this block and the blocks below it were
   * trained on; [] for untrained or hand-designed blocks. Stages that show stimuli to a
   * front-end refuse stimuli made from these images.
   */
  readonly training_images?: readonly string[];
}

export interface FrontendArchitecture {
  readonly format: "lcl-v2-frontend";
  readonly version: 1;
  /** Input: greyscale, each patch/image normalised as the patches stage did. */
  readonly input: { readonly channels: 1 };
  readonly blocks: readonly BlockInfo[];
  readonly output_channels: number;
  /** Every image any block was trained on (see BlockInfo.training_images); absent = unknown. */
  readonly training_images?: readonly string[];
}

export function blockInfo(specs: readonly BlockSpec[], inChannels: number, trainingImages?: readonly string[]): BlockInfo {
  const spec = specs[specs.length - 1]!;
  const { rf, jump } = receptiveFields(specs)[specs.length - 1]!;
  return { kernel: spec.kernel, channels: spec.channels, sigma: spec.sigma, stride: spec.stride, norm: spec.norm, ...(spec.pooling && { pooling: spec.pooling }), in_channels: inChannels, rf, jump, ...(trainingImages && { training_images: [...trainingImages] }) };
}

/** The sorted union of image-id lists (provenance of blocks trained on different images). */
export function unionImages(...lists: readonly (readonly string[] | undefined)[]): string[] {
  return [...new Set(lists.flatMap((l) => l ?? []))].sort();
}

export function parseBlockInfo(v: unknown, what: string): BlockInfo {
  const o = v as Partial<BlockInfo>;
  for (const k of ["kernel", "channels", "sigma", "stride", "in_channels", "rf", "jump"] as const) {
    if (typeof o?.[k] !== "number") throw new Error(`${what}: not a block description (missing '${k}'); wire it to a layer-training stage's 'block' output`);
  }
  return o as BlockInfo;
}

/** Run frozen blocks on data [B,H,W,Cin]; no gradients anywhere. */
export function frozenForward(tf: Tf, x: tfc.Tensor4D, blocks: readonly { spec: BlockSpec; w: Float32Array; b: Float32Array; inChannels: number }[]): tfc.Tensor4D {
  return tf.tidy(() => {
    let y = x;
    for (const blk of blocks) {
      const w = tf.tensor4d(blk.w, [blk.spec.kernel, blk.spec.kernel, blk.inChannels, blk.spec.channels]);
      y = blockForward(tf, y, { w, b: tf.tensor1d(blk.b) }, blk.spec, { frozen: true });
    }
    return y;
  });
}

/** The blocks of a front-end tensor set (`l1.w`, `l1.b`, `l2.w`, …) with their architecture. */
export function frontendBlocks(arch: FrontendArchitecture, set: TensorSet) {
  return arch.blocks.map((b, i) => {
    const w = set[`l${i + 1}.w`], bias = set[`l${i + 1}.b`];
    if (!w || !bias) throw new Error(`front-end tensors lack l${i + 1}.w / l${i + 1}.b`);
    return { spec: b, w: w.data as Float32Array, b: bias.data as Float32Array, inChannels: b.in_channels };
  });
}

/** Every block's output for data [B,H,W,Cin] (frozen, no gradients): what each "area" of the model sees. */
export function layerOutputs(tf: Tf, x: tfc.Tensor4D, blocks: ReturnType<typeof frontendBlocks>): tfc.Tensor4D[] {
  const outs: tfc.Tensor4D[] = [];
  let y = x;
  for (const blk of blocks) {
    y = frozenForward(tf, y, [blk]);
    outs.push(y);
  }
  return outs;
}

export function parseFrontendArchitecture(v: unknown, what: string): FrontendArchitecture {
  const a = v as Partial<FrontendArchitecture>;
  if (a?.format !== "lcl-v2-frontend" || !Array.isArray(a.blocks)) throw new Error(`${what}: not a front-end architecture (format lcl-v2-frontend); wire it to a frontend-* stage's 'architecture' output`);
  a.blocks.forEach((b, i) => parseBlockInfo(b, `${what} block ${i + 1}`));
  return a as FrontendArchitecture;
}
