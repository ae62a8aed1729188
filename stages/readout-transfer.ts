import { defineStage, port, Schema, tensorflow } from "lcl";
import { readRecordingInputs, recordingInputs } from "../src/neural/recordings.js";
import type { CoreArchitecture } from "../src/model/readout/core.js";
import { encoderData, fitEncoder, loadCore, makeReadouts, type Model } from "../src/model/readout/encoder.js";
import { dataParams, fitOptionsOf, fitParams, readoutParams } from "../src/model/readout/params.js";
import { CURVE_COLUMNS, NEURON_COLUMNS, report, SUMMARY_COLUMNS, writeFit } from "../src/model/readout/report.js";

/**
 * Lurz et al.'s transfer (science.md §2.4): the core of a model trained on other animals, loaded
 * without its readouts and frozen (`detach_core`: no Laplace term, no gradient, BatchNorm in
 * evaluation mode); only a new readout is fitted on the new animal, with the same loss,
 * regulariser and early stopping. The core's features are computed once, so this is cheap.
 */
interface EncoderArch { format: "lurz-encoder"; core: CoreArchitecture; animals: string[]; image_mean: number; image_std: number }

export default defineStage({
  name: "readout-transfer",
  version: 1,
  description: "A frozen core from gaussian-readout (trained on other animals) + a new Gaussian or factorized readout fitted on a new animal.",
  isolation: "process",
  usesBackend: true,
  params: Schema.Struct({ ...dataParams, ...readoutParams, ...fitParams }),
  inputs: {
    ...recordingInputs(),
    model: port.tensors({ description: "a gaussian-readout model (its core.* is used)" }),
    architecture: port.json({ description: "that model's architecture" }),
  },
  outputs: {
    model: port.tensors({ description: "core.* (frozen, as loaded) and the new readout.<animal>.*" }),
    neurons: port.table(NEURON_COLUMNS, { format: "parquet" }),
    summary: port.table(SUMMARY_COLUMNS, { format: "parquet", volatile: ["wall_s"] }),
    curve: port.table(CURVE_COLUMNS, { format: "parquet", volatile: ["wall_s"] }),
  },
  async run(ctx) {
    const p = ctx.params;
    const t0 = performance.now();
    const ea = (await ctx.inputs.architecture.read()) as EncoderArch;
    if (ea?.format !== "lurz-encoder") throw new Error("input architecture: not a gaussian-readout model; wire it to a gaussian-readout node's 'architecture' output");
    const rec = await readRecordingInputs(ctx.inputs);
    if (rec.stimuli.height !== ea.core.height || rec.stimuli.width !== ea.core.width) throw new Error(`stimuli are ${rec.stimuli.width}×${rec.stimuli.height} px, the core was trained on ${ea.core.width}×${ea.core.height}`);
    const overlap = (p.animals.length ? p.animals : [...new Set(rec.neurons.animal ?? [""])]).filter((a) => ea.animals.includes(a));
    if (overlap.length) ctx.log(`note: animal(s) ${overlap.join(", ")} were also used to train the core`);
    const data = encoderData(rec, { animals: p.animals, trainImages: p.train_images, offset: p.offset, imageStats: { mean: ea.image_mean, std: ea.image_std } });
    ctx.log(`${data.animals.map((a) => a.name).join(", ")}: ${data.animals.reduce((a, x) => a + x.neuronIds.length, 0)} neurons, ${data.trainIdx.length} train images; core from ${ea.animals.join(", ")}`);
    const tf = await tensorflow(ctx.backend);
    const rng = ctx.rng.fork(`seed:${p.seed}`);
    const m: Model = {
      core: { vars: loadCore(tf, await ctx.inputs.model.read(), ea.core), arch: ea.core, frozen: true },
      readouts: makeReadouts(tf, data, ea.core, { kind: p.readout, initMuRange: p.init_mu_range, initSigma: p.init_sigma, gridPredictor: p.grid_predictor }, p.batch, rng.fork("readouts")),
    };
    const fit = await fitEncoder(tf, m, data, fitOptionsOf(p, 0, rng.fork("batches").int(2 ** 31)), { progress: ctx.progress, log: ctx.log, signal: ctx.signal, checkpoint: ctx.checkpoint });
    const out = report(tf, m, ea.core, data, fit, { label: p.label, readout: p.readout, core: `transferred(${ea.animals.join(",")})`, fevThreshold: p.fev_threshold, wallS: (performance.now() - t0) / 1000 });
    await writeFit(ctx.outputs, ctx, m, data.animals.map((a) => a.name), out);
  },
});
