import { defineStage, makeRng, param, port, Schema, tensorflow } from "lcl";
import sharp from "sharp";
import { corrupt, CORRUPTIONS, LEVELS } from "../src/data/corruptions.js";
import { disposeParams, inputNormalisationOf, predict, splitFromTable, type Split } from "../src/model/classifier.js";
import { modelFromArtifact } from "../src/model/models.js";
import { lineChart } from "../src/viz/chart.js";

/**
 * Out-of-distribution accuracy: the test set under each corruption at severities 1–5 (and clean,
 * severity 0). Corruption noise is seeded per image, so every model sees exactly the same
 * corrupted images and their accuracies compare pairwise.
 */
/** Corruption noise depends only on (seed, corruption, severity, image): identical for every model. */
const noiseRng = (seed: number, c: string, s: number, i: number) => makeRng(seed).fork(`${c}:${s}:${i}`);

export default defineStage({
  name: "ood-eval",
  version: 1,
  description: "Accuracy of a classifier on the test set under corruptions × severities (Parquet + plot).",
  headline: ["clean_acc", "ood_acc"],
  isolation: "process",
  usesBackend: true,
  params: Schema.Struct({
    corruptions: param.choices(CORRUPTIONS, { default: [...CORRUPTIONS], description: "which corruptions" }),
    severities: param.int({ default: 5, min: 1, max: 5, description: "severities 1…this" }),
    seed: param.int({ default: 0, min: 0, description: "seed of the corruption noise (shared by every model evaluated)" }),
    limit: param.int({ default: 0, min: 0, description: "evaluate on the first N test images only (0 = all; the test split is already a seeded shuffle, so this is a random subset — for slow models)" }),
  }),
  inputs: { model: port.tensors(), architecture: port.json(), test: port.table({ label: "int32", pixels: { list: "float32", size: 784 } }) },
  outputs: {
    accuracy: port.table({ corruption: "utf8", severity: "int32", level: "float64", accuracy: "float64" }, { format: "parquet" }),
    plot: port.file("png", { headline: true, description: "accuracy against severity, one line per corruption" }),
    trials: port.table({ image: "int32", corruption: "utf8", severity: "int32", label: "int32", prediction: "int32", correct: "bool" },
      { format: "parquet", description: "one row per test image and condition (clean: severity 0): what error consistency compares between models" }),
  },
  async run(ctx) {
    const p = ctx.params;
    const tf = await tensorflow(ctx.backend);
    const architecture = await ctx.inputs.architecture.read();
    // Every image, clean or corrupted, is standardised with the model's fixed training-split statistics, so a corruption reaches the network as it was made.
    const norm = inputNormalisationOf(architecture, "input architecture");
    const model = modelFromArtifact(tf, architecture, await ctx.inputs.model.read());
    const all = await ctx.inputs.test.read();
    const test = p.limit > 0 && p.limit < all.numRows ? all.slice(0, p.limit) : all;
    // Per-trial correctness of every (image, condition), kept for error consistency; the
    // accuracies are its means.
    const trials = { image: [] as number[], corruption: [] as string[], severity: [] as number[], label: [] as number[], prediction: [] as number[], correct: [] as boolean[] };
    const evaluate = (split: Split, corruption: string, severity: number) => {
      const pred = predict(tf, model, split);
      let right = 0;
      for (let i = 0; i < split.n; i++) {
        const ok = pred[i] === split.y[i];
        if (ok) right++;
        trials.image.push(i); trials.corruption.push(corruption); trials.severity.push(severity);
        trials.label.push(split.y[i]!); trials.prediction.push(pred[i]!); trials.correct.push(ok);
      }
      return right / split.n;
    };
    const clean = evaluate(splitFromTable(tf, test, model.inputSize, norm), "clean", 0);
    const rows = { corruption: ["clean"], severity: [0], level: [0], accuracy: [clean] };
    const total = p.corruptions.length * p.severities;
    let done = 0;
    for (const c of p.corruptions) {
      for (let s = 1; s <= p.severities; s++) {
        if (ctx.signal.aborted) throw new Error("interrupted");
        const split = splitFromTable(tf, test, model.inputSize, norm, (img, i) => corrupt(img, 28, c, s, noiseRng(p.seed, c, s, i)));
        rows.corruption.push(c); rows.severity.push(s); rows.level.push(LEVELS[c][s]!); rows.accuracy.push(evaluate(split, c, s));
        ctx.progress(++done, total, c);
      }
    }
    disposeParams(model.params);
    await ctx.outputs.accuracy.write({ ...rows, severity: Int32Array.from(rows.severity) });
    await ctx.outputs.trials.write({ ...trials, image: Int32Array.from(trials.image), severity: Int32Array.from(trials.severity), label: Int32Array.from(trials.label), prediction: Int32Array.from(trials.prediction) });
    await ctx.outputs.plot.write(new Uint8Array(await sharp(Buffer.from(lineChart({
      title: "accuracy under corruption", x: "severity", y: "accuracy", yRange: [0, 1], baseline: { label: "clean", value: clean },
      series: p.corruptions.map((c) => ({ label: c, points: rows.corruption.flatMap((k, i) => (k === c ? [[rows.severity[i]!, rows.accuracy[i]!] as [number, number]] : [])) })),
    }))).png().toBuffer()));
    ctx.metric("clean_acc", clean);
    const ood = rows.accuracy.slice(1);
    ctx.metric("ood_acc", ood.reduce((a, b) => a + b, 0) / Math.max(1, ood.length));
    for (const c of p.corruptions) {
      const v = rows.accuracy.filter((_, i) => rows.corruption[i] === c);
      ctx.metric(`acc_${c}`, v.reduce((a, b) => a + b, 0) / v.length);
    }
  },
});

