import { param } from "../sdk/params.js";
import { POOLINGS } from "./architecture.js";
import { READOUTS } from "./features.js";
import { OBJECTIVES } from "./objectives.js";

/** Params shared by the layer-training stages (each adds its block's architecture). */
export const trainingParams = {
  steps: param.int({ default: 600, min: 1, description: "optimizer steps" }),
  batch: param.int({ default: 128, min: 2, description: "patch pairs per step (the other pairs of a batch are the negatives)" }),
  lr: param.number({ default: 1e-2, exclusiveMin: 0, description: "peak Adam learning rate (cosine decay to 0)" }),
  warmup: param.int({ default: 0, min: 0, description: "linear warm-up steps" }),
  weight_decay: param.number({ default: 1, min: 0, description: "decoupled (AdamW) weight decay, relative to lr: shrinks what the data does not drive, such as init noise" }),
  objective: param.choice(OBJECTIVES, { default: "spectral", description: "spectral (pair similarity + λ·decorrelation across images; science.md §1.3), or the ablations barlow, vicreg, infonce" }),
  lambda: param.number({ default: 2, min: 0, description: "weight of the decorrelation term (spectral)" }),
  barlow_lambda: param.number({ default: 5e-3, min: 0, description: "off-diagonal weight (barlow)" }),
  tau: param.number({ default: 0.1, exclusiveMin: 0, description: "temperature (infonce)" }),
  readout: param.choice(READOUTS, { default: "mean", description: "where the objective reads each patch's features: mean (spatial mean of the output map) or centre (the unit at the map's centre, whose RF is the R-sized middle of the patch: small translations are no longer nearly free)" }),
  checkpoint_every: param.int({ default: 100, min: 0, description: "save a resumable checkpoint every this many steps (0: never)" }),
  seed: param.int({ default: 0, min: 0, description: "another draw of init and batches" }),
  shards: param.int({ default: 4, min: 1, max: 256, description: "fixed shards per batch, each a unit of data-parallel work; their gradients are summed in shard order, so results are bit-identical for any worker count (LCL_WORKERS, default every core; at most `shards` are used)" }),
};

export const blockParams = (d: { kernel: number; channels: number }) => ({
  kernel: param.int({ default: d.kernel, min: 1, max: 31, description: "conv kernel side" }),
  channels: param.int({ default: d.channels, min: 1, max: 1024, description: "output channels" }),
  sigma: param.number({ default: 1, exclusiveMin: 0, description: "σ of the L2-pooling Gaussian (px of this block's input)" }),
  stride: param.int({ default: 2, min: 1, max: 4, description: "pooling subsampling" }),
  norm: param.bool({ default: true, description: "local divisive normalisation after pooling" }),
  pooling: param.choice(POOLINGS, { default: "l2", description: "l2: sqrt(blur(relu²)) (science.md §1.2); energy: blur(relu²), the classic energy model's squared output (see README: texture modulation of layer 1)" }),
});
