import { defineStage, param, port, readTableFile, Schema } from "lcl";
import type * as arrow from "apache-arrow";
import * as path from "node:path";
import sharp from "sharp";
import { conditionAgreements, summarise, type Trial } from "../src/metrics/error-consistency.js";
import { matrixChart } from "../src/viz/matrix.js";

/**
 * Error consistency (Geirhos et al. 2020) between every pair of observers: the models whose
 * per-trial tables `ood-eval` wrote (same corrupted images for every model), and optionally
 * people, from a trials file. κ per condition (corruption × severity), averaged over conditions,
 * with a bootstrap CI over conditions.
 *
 * Human trials file (Parquet or Arrow, one row per trial):
 *   trial_id   utf8 or int   unique per row
 *   subject    utf8          optional; each subject is an observer of its own (κ is per subject,
 *                            as Geirhos et al. average it over subjects; human–human pairs are the ceiling)
 *   image      utf8 or int   the stimulus; matched to a model trial's test-image index
 *   condition  utf8          matched to a model trial's condition: "<corruption>-<severity>", or "clean"
 *   response   utf8          the answer given (kept for reference; `correct` is what κ uses)
 *   correct    bool (or 0/1) whether the response was right
 */
const trialsPort = port.table({ image: "int32", corruption: "utf8", severity: "int32", correct: "bool" }, { many: true, description: "ood-eval per-trial tables of every model" });
const HUMAN_COLUMNS = ["trial_id", "image", "condition", "response", "correct"] as const;

export const conditionName = (corruption: string, severity: number) => (severity === 0 ? "clean" : `${corruption}-${severity}`);

function modelTrials(t: arrow.Table, includeClean: boolean): Trial[] {
  const image = t.getChild("image")!.toArray() as Int32Array, corruption = t.getChild("corruption")!.toArray() as string[];
  const severity = t.getChild("severity")!.toArray() as Int32Array, correct = t.getChild("correct")!;
  const out: Trial[] = [];
  for (let i = 0; i < t.numRows; i++) {
    if (severity[i] === 0 && !includeClean) continue;
    out.push({ condition: conditionName(corruption[i]!, severity[i]!), item: String(image[i]), correct: !!correct.get(i) });
  }
  return out;
}

/** The human trials file → trials per subject, with errors naming the file, the column and the row. */
export function humanTrials(t: arrow.Table, file: string): Map<string, Trial[]> {
  const missing = HUMAN_COLUMNS.filter((c) => !t.getChild(c));
  if (missing.length) throw new Error(`${file}: missing column(s) ${missing.join(", ")}; a human trials file has ${HUMAN_COLUMNS.join(", ")} (and optionally subject)`);
  const col = (c: string) => t.getChild(c)!, subject = t.getChild("subject");
  const ids = new Set<string>(), out = new Map<string, Trial[]>();
  for (let i = 0; i < t.numRows; i++) {
    const id = String(col("trial_id").get(i));
    if (ids.has(id)) throw new Error(`${file}: trial_id '${id}' appears twice (row ${i}); trial ids must be unique`);
    ids.add(id);
    const c = col("correct").get(i);
    if (c !== true && c !== false && c !== 0 && c !== 1) throw new Error(`${file}: row ${i}: correct is ${JSON.stringify(c)}; use a boolean (or 0/1)`);
    const image = col("image").get(i), condition = col("condition").get(i);
    if (image == null || condition == null) throw new Error(`${file}: row ${i}: image and condition must not be empty`);
    const who = subject ? `human:${String(subject.get(i))}` : "human";
    let list = out.get(who);
    if (!list) out.set(who, (list = []));
    list.push({ condition: String(condition), item: String(image), correct: c === true || c === 1 });
  }
  return out;
}

export default defineStage({
  name: "error-consistency",
  version: 1,
  description: "Error consistency (Cohen's κ over trial-by-trial correctness) between every pair of models, and with human trials from a file.",
  params: Schema.Struct({
    human_trials: param.string({ default: "", description: "Parquet/Arrow file of human trials (trial_id, [subject], image, condition, response, correct), relative to the workspace; empty: models only" }),
    include_clean: param.bool({ default: false, description: "also count the uncorrupted images as a condition (Geirhos et al. use the distorted conditions)" }),
  }),
  files: (p) => (p.human_trials ? [p.human_trials] : []),
  inputs: { trials: trialsPort },
  outputs: {
    pairs: port.table({ a: "utf8", b: "utf8", kappa: "float64", lo: "float64", hi: "float64", conditions: "int32", undefined_conditions: "int32", trials: "int32" }, { format: "parquet", description: "per pair of observers: κ averaged over conditions, 95 % bootstrap CI over conditions" }),
    conditions: port.table({ a: "utf8", b: "utf8", condition: "utf8", trials: "int32", acc_a: "float64", acc_b: "float64", c_obs: "float64", c_exp: "float64", kappa: "float64" }, { format: "parquet", description: "per pair and condition (κ NaN where both observers are always right or always wrong)" }),
    plot: port.file("png", { description: "κ matrix over observers" }),
  },
  async run(ctx) {
    const p = ctx.params;
    const observers = new Map<string, Trial[]>();
    for (const v of ctx.inputs.trials) observers.set(v.label, modelTrials(await v.input.read(), p.include_clean));
    if (p.human_trials) {
      const file = ctx.files.find((f) => f.endsWith(path.sep + path.normalize(p.human_trials)));
      if (!file) throw new Error(`human_trials: ${p.human_trials} not found in the workspace`);
      for (const [who, ts] of humanTrials(await readTableFile(file), p.human_trials)) observers.set(who, ts);
    }
    const names = [...observers.keys()];
    if (names.length < 2) throw new Error(`error consistency needs at least two observers; got ${names.join(", ") || "none"} — wire several ood-eval trials tables (a list) or add human_trials`);
    const pairs = { a: [] as string[], b: [] as string[], kappa: [] as number[], lo: [] as number[], hi: [] as number[], conditions: [] as number[], undefined_conditions: [] as number[], trials: [] as number[] };
    const conds = { a: [] as string[], b: [] as string[], condition: [] as string[], trials: [] as number[], acc_a: [] as number[], acc_b: [] as number[], c_obs: [] as number[], c_exp: [] as number[], kappa: [] as number[] };
    const matrix = names.map(() => names.map(() => NaN));
    for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) {
      const a = names[i]!, b = names[j]!;
      const per = conditionAgreements(observers.get(a)!, observers.get(b)!);
      if (!per.length) ctx.log(`${a} and ${b} share no (condition, image) trials: κ undefined`);
      for (const c of per) {
        conds.a.push(a); conds.b.push(b); conds.condition.push(c.condition); conds.trials.push(c.n);
        conds.acc_a.push(c.p1); conds.acc_b.push(c.p2); conds.c_obs.push(c.cObs); conds.c_exp.push(c.cExp); conds.kappa.push(c.kappa);
      }
      const s = summarise(per, ctx.rng.fork(`${a}|${b}`));
      pairs.a.push(a); pairs.b.push(b); pairs.kappa.push(s.kappa); pairs.lo.push(s.lo); pairs.hi.push(s.hi);
      pairs.conditions.push(s.conditions); pairs.undefined_conditions.push(s.undefinedConditions); pairs.trials.push(s.trials);
      matrix[i]![j] = matrix[j]![i] = s.kappa;
      if (Number.isFinite(s.kappa)) ctx.metric(`kappa:${a}|${b}`, s.kappa);
    }
    names.forEach((_, i) => { matrix[i]![i] = 1; });
    const i32 = (xs: number[]) => Int32Array.from(xs);
    await ctx.outputs.pairs.write({ ...pairs, conditions: i32(pairs.conditions), undefined_conditions: i32(pairs.undefined_conditions), trials: i32(pairs.trials) });
    await ctx.outputs.conditions.write({ ...conds, trials: i32(conds.trials) });
    await ctx.outputs.plot.write(new Uint8Array(await sharp(Buffer.from(matrixChart({
      title: `error consistency κ (mean over ${p.include_clean ? "clean and corrupted" : "corrupted"} conditions)`, labels: names, values: matrix,
    }))).png().toBuffer()));
    const models = pairs.kappa.filter((k, n) => !pairs.a[n]!.startsWith("human") && !pairs.b[n]!.startsWith("human") && Number.isFinite(k));
    if (models.length) ctx.metric("mean_kappa_model_pairs", models.reduce((x, y) => x + y, 0) / models.length);
  },
});
