import { defineStage, param, port, Schema, tensorflow } from "lcl";
import { Effect } from "effect";
import { defaultStepSize, robustAccuracy, type PgdOptions } from "../src/model/adversarial.js";
import { accuracy, disposeParams, fit, initClassifier, inputNormalisation, loadParams, resnetModel, splitFromTable, type ClassifierArchitecture, type Split } from "../src/model/classifier.js";
import type { FrontendArchitecture } from "../src/model/frontend.js";

/**
 * LCL-V2Net (frozen LCL-V2 front-end) or a baseline — the same backbone on a random frozen
 * front-end, or with the front-end trained end to end — trained on labelled images with early
 * stopping on the validation split. The test accuracy is the clean accuracy `ood-eval` compares to.
 */
const images = port.table({ label: "int32", pixels: { list: "float32", size: 784 } });

export default defineStage({
  name: "classifier",
  version: 1,
  description: "A ResNet-style classifier on a front-end (frozen, or trained end to end), early-stopped on validation accuracy; optionally adversarially trained (PGD).",
  headline: ["test_acc", "val_acc", "test_robust_acc"],
  isolation: "process",
  usesBackend: true,
  params: Schema.Struct({
    frontend: param.choice(["frozen", "trainable"], { default: "frozen", description: "frozen: LCL-V2Net (or a fixed baseline front-end); trainable: end-to-end supervised baseline" }),
    input_size: param.int({ default: 32, min: 16, max: 128, description: "images are resized to this side before the front-end" }),
    width: param.int({ default: 32, min: 4, max: 512, description: "channels after the 1×1 bottleneck" }),
    depth: param.int({ default: 2, min: 0, max: 16, description: "residual blocks (two 3×3 convs each)" }),
    epochs: param.int({ default: 8, min: 1, description: "maximum epochs" }),
    patience: param.int({ default: 2, min: 0, description: "stop after this many epochs without a better validation accuracy" }),
    batch: param.int({ default: 64, min: 1 }),
    lr: param.number({ default: 2e-3, exclusiveMin: 0, description: "peak Adam learning rate (cosine decay)" }),
    seed: param.int({ default: 0, min: 0 }),
    // Adversarial training (Madry et al. 2018): each training batch is replaced by its PGD
    // adversarial examples. Units are those of the network's input (the prepared image).
    adversarial: param.choice(["off", "linf", "l2"], { default: "off", description: "adversarial training: PGD on the input within an L∞ or L2 ball (off: standard training)" }),
    adversarial_epsilon: param.number({ default: 0.1, min: 0, description: "radius of the ball, in units of the network's input (after resizing and normalisation)" }),
    adversarial_steps: param.int({ default: 5, min: 1, description: "PGD steps per training batch" }),
    adversarial_step_size: param.number({ default: 0, min: 0, description: "PGD step length (0: 2.5·ε/steps, Madry et al.)" }),
    adversarial_random_start: param.bool({ default: true, description: "start each attack from a uniform draw in the ball" }),
    shards: param.int({ default: 4, min: 1, max: 256, description: "fixed shards per batch, each a unit of data-parallel work; results are bit-identical for any worker count (LCL_WORKERS, default every core; at most `shards` are used)" }),
  }),
  inputs: { frontend: port.tensors(), frontend_architecture: port.json(), train: images, validation: images, test: images },
  outputs: {
    model: port.tensors({ description: "every parameter, front-end included (the best validation epoch)" }),
    architecture: port.json(),
    curve: port.table({ epoch: "int32", train_loss: "float64", train_acc: "float64", val_acc: "float64", wall_s: "float64" }, { format: "parquet", volatile: ["wall_s"] }),
  },
  async run(ctx) {
    const p = ctx.params;
    const tf = await tensorflow(ctx.backend);
    const fe = (await ctx.inputs.frontend_architecture.read()) as FrontendArchitecture;
    if (fe?.format !== "lcl-v2-frontend") throw new Error("input frontend_architecture: not a front-end description; wire it to frontend-freeze's or frontend-random's 'architecture' output");
    const tables = [await ctx.inputs.train.read(), await ctx.inputs.validation.read(), await ctx.inputs.test.read()];
    // Fixed statistics of the training split, stored in the architecture: ood-eval standardises every corrupted image with them.
    const norm = inputNormalisation(tf, tables[0]!, p.input_size);
    const arch: ClassifierArchitecture = { format: "lcl-classifier", version: 1, input_size: p.input_size, width: p.width, depth: p.depth, classes: 10, frontend: fe, frontend_trainable: p.frontend === "trainable", input_normalisation: norm };
    const [train, val, test] = tables.map((t) => splitFromTable(tf, t, p.input_size, norm)) as [Split, Split, Split];
    const params = initClassifier(tf, arch, await ctx.inputs.frontend.read(), ctx.rng.fork(`seed:${p.seed}`));
    const seed = ctx.rng.fork(`batches:${p.seed}`).int(2 ** 31);
    const attack: PgdOptions | undefined = p.adversarial === "off" ? undefined : {
      norm: p.adversarial, epsilon: p.adversarial_epsilon, steps: p.adversarial_steps, randomStart: p.adversarial_random_start,
      stepSize: p.adversarial_step_size || defaultStepSize(p.adversarial_epsilon, p.adversarial_steps),
    };
    // PGD runs in the training workers, each attacking the shards it computes (bit-identical for any worker count).
    const r = await Effect.runPromise(fit(tf, resnetModel(tf, params, arch), train, val, { epochs: p.epochs, batch: p.batch, lr: p.lr, patience: p.patience, seed, shards: p.shards,
      ...(attack && { attack: { pgd: attack, seed: ctx.rng.fork(`pgd:${p.seed}`).seed } }) },
      { progress: ctx.progress, log: ctx.log, checkpoint: ctx.checkpoint }), { signal: ctx.signal });
    disposeParams(params);
    const best = loadParams(tf, r.best);
    const testAcc = accuracy(tf, resnetModel(tf, best, arch), test);
    // How robust the adversarially trained net is to the attack it was trained against (test split).
    if (attack) ctx.metric("test_robust_acc", robustAccuracy(tf, (t) => resnetModel(tf, best, arch, { inputGrad: true }).logits(t, false), test, p.input_size, attack, ctx.rng.fork("pgd:test")));
    disposeParams(best);
    await ctx.outputs.model.write(r.best);
    await ctx.outputs.architecture.write(arch);
    await ctx.outputs.curve.write({ ...r.curve, epoch: Int32Array.from(r.curve.epoch) });
    ctx.metric("test_acc", testAcc);
    ctx.metric("val_acc", r.curve.val_acc[r.bestEpoch]!);
    ctx.metric("best_epoch", r.bestEpoch);
    ctx.metric("epochs_run", r.curve.epoch.length);
    ctx.metric("workers", r.workers);
  },
});
