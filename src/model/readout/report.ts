import { pearson } from "../../metrics/ceiling.js";
import type { Tf } from "../../compute/backend.js";
import type { CoreArchitecture } from "./core.js";
import type { TensorSet } from "../../sdk/ports.js";
import { evaluate, learnedRfs, modelTensors, type Curve, type EncoderData, type Model } from "./encoder.js";

/**
 * What the readout stages write: per neuron scores and learned RF centres, one summary row (the
 * arm's fraction oracle, correlation, FEVE and RF recovery), the training curve.
 */
export const NEURON_COLUMNS = { neuron_id: "utf8", animal: "utf8", correlation: "float64", oracle: "float64", fev: "float64", feve: "float64", mu_x: "float64", mu_y: "float64", rf_x: "float64", rf_y: "float64" } as const;
export const SUMMARY_COLUMNS = {
  label: "utf8", readout: "utf8", core: "utf8", animals: "utf8", train_images: "int32", neurons: "int32",
  fraction_oracle: "float64", correlation: "float64", oracle: "float64", feve: "float64",
  mu_error: "float64", mu_error_chance: "float64", mu_r: "float64", mu_within: "float64", mu_within_chance: "float64", epochs: "int32", best_epoch: "int32", wall_s: "float64",
} as const;
export const CURVE_COLUMNS = { epoch: "int32", train_loss: "float64", val_corr: "float64", lr: "float64", wall_s: "float64" } as const;

export interface RfRecovery {
  /** Mean distance between learned and true RF centres (normalised image units, [−1, 1] = full width/height). */
  readonly error: number;
  /** The same for a random assignment: mean distance over all learned × true pairs. */
  readonly chance: number;
  /** Mean of the x and y Pearson correlations of learned with true centres. */
  readonly r: number;
  /** Fraction of neurons whose learned centre is within `radius` of the true one, and the same for a random assignment. */
  readonly within: number;
  readonly withinChance: number;
}

export function rfRecovery(learned: Float64Array, truth: Float64Array, radius = 0.1): RfRecovery {
  const N = learned.length / 2;
  let error = 0, chance = 0, within = 0, withinChance = 0;
  for (let i = 0; i < N; i++) {
    const d = Math.hypot(learned[2 * i]! - truth[2 * i]!, learned[2 * i + 1]! - truth[2 * i + 1]!);
    error += d / N; if (d < radius) within += 1 / N;
    for (let j = 0; j < N; j++) {
      const dc = Math.hypot(learned[2 * i]! - truth[2 * j]!, learned[2 * i + 1]! - truth[2 * j + 1]!);
      chance += dc / (N * N); if (dc < radius) withinChance += 1 / (N * N);
    }
  }
  const axis = (m: Float64Array, d: number) => Float64Array.from({ length: N }, (_, i) => m[2 * i + d]!);
  const r = (pearson(axis(learned, 0), axis(truth, 0)) + pearson(axis(learned, 1), axis(truth, 1))) / 2;
  return { error, chance, r, within, withinChance };
}

export function report(tf: Tf, m: Model, arch: CoreArchitecture, data: EncoderData, fit: { curve: Curve; bestEpoch: number }, o: { label: string; readout: string; core: string; fevThreshold: number; wallS: number }) {
  const { perAnimal, pooled } = evaluate(tf, m, data, o.fevThreshold);
  const rows = { neuron_id: [] as string[], animal: [] as string[], correlation: [] as number[], oracle: [] as number[], fev: [] as number[], feve: [] as number[], mu_x: [] as number[], mu_y: [] as number[], rf_x: [] as number[], rf_y: [] as number[] };
  const learnedAll: number[] = [], truthAll: number[] = [];
  data.animals.forEach((an, k) => {
    const sc = perAnimal[k]!, mu = learnedRfs(tf, m.readouts[k]!, arch);
    an.neuronIds.forEach((id, n) => {
      rows.neuron_id.push(id); rows.animal.push(an.name); rows.correlation.push(sc.correlation[n]!); rows.oracle.push(sc.oracle[n]!);
      rows.fev.push(sc.fev[n]!); rows.feve.push(sc.feve[n]!);
      rows.mu_x.push(mu ? mu[2 * n]! : NaN); rows.mu_y.push(mu ? mu[2 * n + 1]! : NaN);
      rows.rf_x.push(an.rf ? an.rf[2 * n]! : NaN); rows.rf_y.push(an.rf ? an.rf[2 * n + 1]! : NaN);
      if (mu && an.rf) { learnedAll.push(mu[2 * n]!, mu[2 * n + 1]!); truthAll.push(an.rf[2 * n]!, an.rf[2 * n + 1]!); }
    });
  });
  const rec = learnedAll.length ? rfRecovery(Float64Array.from(learnedAll), Float64Array.from(truthAll)) : undefined;
  const mean = (x: Float64Array) => x.reduce((a, b) => a + b, 0) / x.length;
  const summary = {
    label: [o.label], readout: [o.readout], core: [o.core], animals: [data.animals.map((a) => a.name).join(",")],
    train_images: Int32Array.of(data.trainIdx.length), neurons: Int32Array.of(rows.neuron_id.length),
    fraction_oracle: Float64Array.of(pooled.fractionOracle), correlation: Float64Array.of(pooled.meanCorrelation), oracle: Float64Array.of(mean(pooled.oracle)), feve: Float64Array.of(pooled.meanFeve),
    mu_error: Float64Array.of(rec?.error ?? NaN), mu_error_chance: Float64Array.of(rec?.chance ?? NaN), mu_r: Float64Array.of(rec?.r ?? NaN), mu_within: Float64Array.of(rec?.within ?? NaN), mu_within_chance: Float64Array.of(rec?.withinChance ?? NaN),
    epochs: Int32Array.of(fit.curve.epoch.length), best_epoch: Int32Array.of(fit.bestEpoch), wall_s: Float64Array.of(o.wallS),
  };
  const curve = { epoch: Int32Array.from(fit.curve.epoch), train_loss: fit.curve.train_loss, val_corr: fit.curve.val_corr, lr: fit.curve.lr, wall_s: fit.curve.wall_s };
  const metrics: Record<string, number> = { fraction_oracle: pooled.fractionOracle, correlation: pooled.meanCorrelation, feve: pooled.meanFeve, oracle: mean(pooled.oracle), best_epoch: fit.bestEpoch };
  if (rec) Object.assign(metrics, { mu_error: rec.error, mu_error_chance: rec.chance, mu_r: rec.r, mu_within: rec.within, mu_within_chance: rec.withinChance });
  return { neurons: { ...rows, correlation: Float64Array.from(rows.correlation), oracle: Float64Array.from(rows.oracle), fev: Float64Array.from(rows.fev), feve: Float64Array.from(rows.feve), mu_x: Float64Array.from(rows.mu_x), mu_y: Float64Array.from(rows.mu_y), rf_x: Float64Array.from(rows.rf_x), rf_y: Float64Array.from(rows.rf_y) }, summary, curve, metrics };
}

interface Writer<T> { write(v: T): Promise<void> }
type Columns = Record<string, unknown>;

/** Write a fitted arm's outputs and metrics, log its headline numbers, free its variables. */
export async function writeFit(
  outputs: { model: Writer<TensorSet>; neurons: Writer<Columns>; summary: Writer<Columns>; curve: Writer<Columns> },
  io: { metric(name: string, v: number): void; log(m: string): void },
  m: Model, animals: readonly string[], out: ReturnType<typeof report>,
): Promise<void> {
  await outputs.model.write(modelTensors(m, animals));
  await outputs.neurons.write(out.neurons);
  await outputs.summary.write(out.summary);
  await outputs.curve.write(out.curve);
  for (const [k, v] of Object.entries(out.metrics)) if (Number.isFinite(v)) io.metric(k, v);
  io.log(`test: fraction oracle ${out.metrics.fraction_oracle!.toFixed(3)}, correlation ${out.metrics.correlation!.toFixed(3)}, FEVE ${out.metrics.feve!.toFixed(3)}`);
  for (const r of m.readouts) r.dispose();
  for (const v of Object.values(m.core.vars)) v.dispose();
}
