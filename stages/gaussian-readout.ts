import { defineStage, param, port, Schema, tensorflow } from "lcl";
import { readRecordingInputs, recordingInputs } from "../src/neural/recordings.js";
import { coreArchitecture, initCore } from "../src/model/readout/core.js";
import { encoderData, fitEncoder, makeReadouts, type Model } from "../src/model/readout/encoder.js";
import { dataParams, fitOptionsOf, fitParams, readoutParams } from "../src/model/readout/params.js";
import { CURVE_COLUMNS, NEURON_COLUMNS, report, SUMMARY_COLUMNS, writeFit } from "../src/model/readout/report.js";

/**
 * Lurz et al. 2021's model trained from scratch (science.md §2.2–2.5): a shared conv core and one
 * readout per animal — the Gaussian readout (μ and Σ sampled in training, μ at evaluation,
 * optionally μ predicted from cortical position) or the factorized baseline — ELU+1, Poisson
 * loss, L1 on readout weights, Laplace on the first core layer, Adam with early stopping on the
 * validation correlation. Scored on the test tier: correlation, fraction oracle, FEVE, and where
 * true RF centres are known, how close the learned μ lands. Reads any recording in the format of
 * src/neural/recordings.ts (tiers on stimuli; `animal` and cortex_x/cortex_y on neurons).
 */
export default defineStage({
  name: "gaussian-readout",
  version: 1,
  description: "Lurz et al.'s core + per-animal Gaussian (or factorized) readout, trained from scratch on a recording; fraction oracle, FEVE, RF recovery.",
  isolation: "process",
  usesBackend: true,
  params: Schema.Struct({
    ...dataParams,
    layers: param.int({ default: 2, min: 1, max: 8, description: "core layers (paper: 4)" }),
    channels: param.int({ default: 16, min: 1, max: 256, description: "core channels (paper: 64)" }),
    input_kernel: param.int({ default: 9, min: 1, max: 31, description: "layer-0 kernel, valid padding (paper: 15; function default 9)" }),
    hidden_kernel: param.int({ default: 7, min: 1, max: 31, description: "hidden kernels, same padding, odd (paper: 13; function default 7)" }),
    gamma_input: param.number({ default: 1, min: 0, description: "Laplace regulariser weight on layer 0 (paper config: 1.0)" }),
    ...readoutParams,
    ...fitParams,
  }),
  inputs: recordingInputs(),
  outputs: {
    model: port.tensors({ description: "core.* (weights, BatchNorm) and readout.<animal>.* at the best validation epoch" }),
    architecture: port.json({ description: "core architecture, readout kind, animals, image normalisation" }),
    neurons: port.table(NEURON_COLUMNS, { format: "parquet", description: "per neuron: test correlation, oracle, FEV, FEVE; learned (mu_x, mu_y) and true (rf_x, rf_y) RF centres" }),
    summary: port.table(SUMMARY_COLUMNS, { format: "parquet", volatile: ["wall_s"], description: "one row: this arm's scores" }),
    curve: port.table(CURVE_COLUMNS, { format: "parquet", volatile: ["wall_s"] }),
  },
  async run(ctx) {
    const p = ctx.params;
    if (p.hidden_kernel % 2 === 0) throw new Error(`hidden_kernel ${p.hidden_kernel}: must be odd ("same" padding)`);
    const t0 = performance.now();
    const rec = await readRecordingInputs(ctx.inputs);
    const data = encoderData(rec, { animals: p.animals, trainImages: p.train_images, offset: p.offset });
    ctx.log(`${data.animals.length} animal(s), ${data.animals.reduce((a, x) => a + x.neuronIds.length, 0)} neurons; ${data.trainIdx.length} train, ${data.valIdx.length} validation, ${data.testIdx.length} test images (${rec.repetitions} repetitions)`);
    const tf = await tensorflow(ctx.backend);
    const arch = coreArchitecture({ layers: p.layers, channels: p.channels, inputKernel: p.input_kernel, hiddenKernel: p.hidden_kernel }, data.height, data.width);
    const rng = ctx.rng.fork(`seed:${p.seed}`);
    const m: Model = {
      core: { vars: initCore(tf, arch, rng.fork("core")), arch, frozen: false },
      readouts: makeReadouts(tf, data, arch, { kind: p.readout, initMuRange: p.init_mu_range, initSigma: p.init_sigma, gridPredictor: p.grid_predictor }, p.batch, rng.fork("readouts")),
    };
    const fit = await fitEncoder(tf, m, data, fitOptionsOf(p, p.gamma_input, rng.fork("batches").int(2 ** 31)), { progress: ctx.progress, log: ctx.log, signal: ctx.signal, checkpoint: ctx.checkpoint });
    const out = report(tf, m, arch, data, fit, { label: p.label, readout: p.readout, core: "trained", fevThreshold: p.fev_threshold, wallS: (performance.now() - t0) / 1000 });
    const names = data.animals.map((a) => a.name);
    await ctx.outputs.architecture.write({ format: "lurz-encoder", version: 1, core: arch, readout: p.readout, grid_predictor: p.grid_predictor, animals: names, image_mean: data.imageMean, image_std: data.imageStd });
    await writeFit(ctx.outputs, ctx, m, names, out);
  },
});
