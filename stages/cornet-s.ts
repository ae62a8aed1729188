import { defineStage, param, port, Schema, tensorflow } from "lcl";
import { Effect } from "effect";
import { accuracy, disposeParams, fit, inputNormalisation, loadParams, splitFromTable, type InputNormalisation, type Split } from "../src/model/classifier.js";
import { cornetModel, initCornet, type CornetArchitecture } from "../src/model/cornet.js";

/**
 * CORnet-S, scaled down (science.md §4.3), as a peer model trained on the same images with the
 * same optimiser and budget as the LCL-V2Net classifiers (Adam + cosine, early stopping — not the
 * original's SGD schedule, so that the comparison is about architecture). `recurrent: false`
 * sets T = 1 everywhere: what recurrence buys, at the same parameter count.
 */
const images = port.table({ label: "int32", pixels: { list: "float32", size: 784 } });

export default defineStage({
  name: "cornet-s",
  version: 1,
  description: "CORnet-S (scaled down: channels ÷4, T = 2/4/2) trained as an image classifier.",
  headline: ["test_acc", "val_acc"],
  isolation: "process",
  usesBackend: true,
  params: Schema.Struct({
    input_size: param.int({ default: 56, min: 32, max: 224, description: "images are resized to this side (28 → 56 for Fashion-MNIST)" }),
    channels: param.numbers({ default: [16, 32, 64, 128], description: "V1, V2, V4, IT channels" }),
    recurrent: param.bool({ default: true, description: "T = (2, 4, 2) steps in V2, V4, IT; false: T = 1 everywhere" }),
    epochs: param.int({ default: 8, min: 1 }),
    patience: param.int({ default: 2, min: 0 }),
    batch: param.int({ default: 64, min: 2 }),
    lr: param.number({ default: 2e-3, exclusiveMin: 0 }),
    seed: param.int({ default: 0, min: 0 }),
  }),
  inputs: { train: images, validation: images, test: images },
  outputs: {
    model: port.tensors(),
    architecture: port.json(),
    curve: port.table({ epoch: "int32", train_loss: "float64", train_acc: "float64", val_acc: "float64", wall_s: "float64" }, { format: "parquet", volatile: ["wall_s"] }),
  },
  async run(ctx) {
    const p = ctx.params;
    if (p.channels.length !== 4 || p.channels.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`channels must be 4 positive integers (V1, V2, V4, IT), got [${p.channels.join(", ")}]`);
    const tf = await tensorflow(ctx.backend);
    const tables = [await ctx.inputs.train.read(), await ctx.inputs.validation.read(), await ctx.inputs.test.read()];
    // Fixed statistics of the training split, stored in the architecture: ood-eval standardises every corrupted image with them.
    const norm = inputNormalisation(tf, tables[0]!, p.input_size);
    const arch: CornetArchitecture & { readonly input_normalisation: InputNormalisation } = {
      format: "cornet-s", version: 1, input_size: p.input_size, channels: p.channels as unknown as [number, number, number, number],
      times: p.recurrent ? [2, 4, 2] : [1, 1, 1], classes: 10, input_normalisation: norm,
    };
    const [train, val, test] = tables.map((t) => splitFromTable(tf, t, p.input_size, norm)) as [Split, Split, Split];
    const params = initCornet(tf, arch, ctx.rng.fork(`seed:${p.seed}`));
    const r = await Effect.runPromise(fit(tf, cornetModel(tf, params, arch), train, val,
      { epochs: p.epochs, batch: p.batch, lr: p.lr, patience: p.patience, seed: ctx.rng.fork(`batches:${p.seed}`).int(2 ** 31) },
      { progress: ctx.progress, log: ctx.log, checkpoint: ctx.checkpoint }), { signal: ctx.signal });
    ctx.metric("parameters", Object.values(params).filter((v) => v.trainable).reduce((n, v) => n + v.size, 0));
    disposeParams(params);
    const best = loadParams(tf, r.best);
    ctx.metric("test_acc", accuracy(tf, cornetModel(tf, best, arch), test));
    disposeParams(best);
    await ctx.outputs.model.write(r.best);
    await ctx.outputs.architecture.write(arch);
    await ctx.outputs.curve.write({ ...r.curve, epoch: Int32Array.from(r.curve.epoch) });
    ctx.metric("val_acc", r.curve.val_acc[r.bestEpoch]!);
    ctx.metric("best_epoch", r.bestEpoch);
  },
});
