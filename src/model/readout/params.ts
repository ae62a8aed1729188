import { param } from "../../sdk/params.js";

/** Params shared by the readout stages (science.md §2.3–2.5 defaults, scaled where noted). */
export const dataParams = {
  animals: param.strings({ default: [], description: "animals to fit (the neurons table's `animal`); empty = all" }),
  train_images: param.int({ default: 0, min: 0, description: "train-tier images to use (0 = all after `offset`)" }),
  offset: param.int({ default: 0, min: 0, description: "skip this many train-tier images first (keeps a transfer target's images disjoint from the core's)" }),
};

export const readoutParams = {
  readout: param.choice(["gaussian", "factorized"], { default: "gaussian", description: "gaussian: Lurz's FullGaussian2d; factorized: Klindt et al. 2017 (baseline)" }),
  grid_predictor: param.bool({ default: true, description: "Gaussian readout: predict μ from cortex_x/cortex_y with a linear map (paper config); false: a free μ per neuron" }),
  init_mu_range: param.number({ default: 0.55, min: 0, max: 1, description: "free μ starts U(−r, r)" }),
  init_sigma: param.number({ default: 0.4, min: 0, description: "S starts U(−s, s)" }),
  gamma_readout: param.number({ default: 2.439, min: 0, description: "L1 weight on readout features (paper config 2.439; for the factorized readout on Σ‖s‖₁‖w‖₁)" }),
};

export const fitParams = {
  batch: param.int({ default: 64, min: 1 }),
  lr: param.number({ default: 0.005, exclusiveMin: 0, description: "Adam learning rate (paper: 0.005)" }),
  max_epochs: param.int({ default: 200, min: 1, description: "paper: 200" }),
  patience: param.int({ default: 5, min: 1, description: "epochs without a validation gain before a restore + lr decay (paper: 5)" }),
  lr_decay_steps: param.int({ default: 3, min: 0, description: "lr decays before stopping (paper: 3)" }),
  lr_decay_factor: param.number({ default: 0.3, exclusiveMin: 0, max: 1 }),
  min_lr: param.number({ default: 1e-4, min: 0 }),
  tolerance: param.number({ default: 1e-6, min: 0 }),
  fev_threshold: param.number({ default: 0.15, min: 0, max: 1, description: "mean FEVE is over neurons whose explainable variance fraction exceeds this" }),
  seed: param.int({ default: 0, min: 0 }),
  label: param.string({ default: "", description: "name of this arm in summaries" }),
};

type FitParamValues = { [K in "batch" | "lr" | "max_epochs" | "patience" | "lr_decay_steps" | "lr_decay_factor" | "min_lr" | "tolerance" | "gamma_readout"]: number };

/** The fit options of a readout stage's params; `gammaInput` is 0 for a frozen core (no Laplace term). */
export const fitOptionsOf = (p: FitParamValues, gammaInput: number, seed: number) => ({
  batch: p.batch, lr: p.lr, maxEpochs: p.max_epochs, patience: p.patience, lrDecaySteps: p.lr_decay_steps, lrDecayFactor: p.lr_decay_factor,
  minLr: p.min_lr, tolerance: p.tolerance, gammaReadout: p.gamma_readout, gammaInput, seed,
});
