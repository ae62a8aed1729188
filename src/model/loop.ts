import { Effect } from "effect";
import type { Tensor, TensorSet } from "../sdk/ports.js";
import { makeRng } from "../sdk/rng.js";

/**
 * The one training loop (layer training, the joint SSL control, classifiers, CORnet-S, neural
 * readouts). It owns what every training run shares: step counting, the per-step curve, a
 * finite-loss guard with one error type, checkpoint/resume, interruption between two whole
 * steps, and optional early stopping with the best state restored. What a step computes (and on
 * how many cores) is the task's business. Batches and schedules are functions of (seed, step),
 * never of a running stream, so a resumed run is bit-identical to an uninterrupted one.
 */

/** Where checkpoints go: the engine's per-fingerprint store in a stage, memory in a test. */
export interface Checkpointer {
  load(): Promise<{ readonly step: number; readonly state: TensorSet; readonly meta?: unknown } | undefined>;
  save(step: number, state: TensorSet, meta?: unknown): Promise<void>;
}

export class TrainingDiverged extends Error { override name = "TrainingDiverged"; }

/** One step's numbers: the loss and any diagnostics, each recorded as a curve column. */
export type StepRecord = { readonly loss: number } & Readonly<Record<string, number>>;

export interface LoopTask {
  readonly steps: number;
  /** Curve columns the steps report besides `loss` (e.g. "similarity", "lr"). */
  readonly columns: readonly string[];
  /** Run optimiser step `step` (0-based). */
  step(step: number): Promise<StepRecord> | StepRecord;
  /** Everything a resume needs besides the curve (weights, optimiser moments). */
  state(): TensorSet;
  /** What early stopping keeps of the best evaluation and restores (default: `state()`); `restore` gets it back. */
  bestState?(): TensorSet;
  restore(state: TensorSet): void;
  /** What to try when the loss stops being finite (ends the error message). */
  readonly divergenceHint: string;
  /** Early stopping: every `every` steps (and at the end) `score` the model, higher is better. */
  readonly evaluate?: {
    readonly every: number;
    /** Stop once this many evaluations in a row have not beaten the best. */
    readonly patience: number;
    score(step: number): Promise<number> | number;
    /** A score must beat the best by more than this to count as a gain (default 0). */
    readonly tolerance?: number;
    /** Put the best-scoring state back at the end (default true). */
    readonly restoreBest?: boolean;
    /**
     * On a plateau (`patience` evaluations without a gain) restore the best state and go on, up
     * to this many times, before stopping (Lurz et al.'s lr decay: the task's lr is a function of
     * the step and of `restarts`, which the loop reports and checkpoints). Default 0.
     */
    readonly restarts?: number;
    onRestart?(restarts: number): void;
  };
}

export interface LoopIO {
  progress(step: number, total: number): void;
  log(message: string): void;
  readonly checkpoint?: Checkpointer;
  /** Save a checkpoint every this many steps (0: only when interrupted). */
  readonly checkpointEvery: number;
}

export interface Evaluation { readonly step: number; readonly score: number }

export interface LoopResult {
  /** step, loss, the task's columns, wall_s; as long as the steps actually run. */
  readonly curve: Record<string, Float64Array>;
  /** Steps run (fewer than `steps` when early stopping ended the run). */
  readonly stepsRun: number;
  readonly resumedFrom?: number;
  readonly evaluations: readonly Evaluation[];
  /** The best evaluation, whose state was restored (early stopping only). */
  readonly best?: Evaluation;
  /** Plateau restarts taken. */
  readonly restarts: number;
}

const f64 = (a: Float64Array): Tensor => ({ dtype: "float64", shape: [a.length], data: a });

export function runLoop(task: LoopTask, io: LoopIO): Effect.Effect<LoopResult, TrainingDiverged> {
  return Effect.gen(function* () {
    const { steps } = task;
    const columns = ["step", "loss", ...task.columns.filter((c) => c !== "loss"), "wall_s"];
    const curve = Object.fromEntries(columns.map((c) => [c, new Float64Array(steps)])) as Record<string, Float64Array>;
    const evaluations: Evaluation[] = [];
    let step = 0, wallOffset = 0, resumedFrom: number | undefined, best: Evaluation | undefined, bestState: TensorSet | undefined, stopped = false;
    let since = 0, restarts = 0; // evaluations without a gain (since the best or the last restart); plateau restarts so far

    const ck = io.checkpoint ? yield* Effect.promise(() => io.checkpoint!.load()) : undefined;
    if (ck && ck.step <= steps) {
      const meta = ck.meta as { evaluations?: Evaluation[]; best?: Evaluation; stopped?: boolean; since?: number; restarts?: number } | undefined;
      const own: Record<string, Tensor> = {}, bestParts: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(ck.state)) {
        if (k.startsWith("curve.")) continue;
        if (k.startsWith("best.")) bestParts[k.slice(5)] = v; else own[k] = v;
      }
      task.restore(own);
      for (const c of columns) {
        const saved = ck.state[`curve.${c}`];
        if (!saved) throw new Error(`checkpoint lacks curve.${c}`);
        curve[c]!.set((saved.data as Float64Array).subarray(0, ck.step));
      }
      evaluations.push(...(meta?.evaluations ?? []));
      best = meta?.best; stopped = meta?.stopped ?? false; since = meta?.since ?? 0; restarts = meta?.restarts ?? 0;
      if (restarts) task.evaluate?.onRestart?.(restarts);
      if (best) bestState = bestParts;
      step = resumedFrom = ck.step;
      wallOffset = step > 0 ? curve.wall_s![step - 1]! : 0;
      io.log(`resumed from the checkpoint at step ${step}`);
    }
    const save = (at: number) => io.checkpoint ? Effect.promise(() => io.checkpoint!.save(at, {
      ...task.state(),
      ...Object.fromEntries(columns.map((c) => [`curve.${c}`, f64(curve[c]!)])),
      ...(bestState ? Object.fromEntries(Object.entries(bestState).map(([k, v]) => [`best.${k}`, v])) : {}),
    }, { evaluations, best, stopped, since, restarts })) : Effect.void;

    const ev = task.evaluate;
    const t0 = performance.now();
    // One iteration — the step, its bookkeeping, evaluation and periodic checkpoint — runs whole:
    // an interruption (Ctrl-C, a dead driver) waits for it and lands only at the yield between two
    // iterations, so `step`, the weights and the optimiser state a checkpoint records always agree.
    // (Interrupted between the step and `step++`, a checkpoint would hold the weights after step k
    // labelled k, and the resumed run would apply step k twice.)
    const iteration = Effect.gen(function* () {
      const r = yield* Effect.promise(async () => task.step(step));
      if (!Number.isFinite(r.loss)) {
        return yield* Effect.fail(new TrainingDiverged(`training diverged at step ${step} (loss ${r.loss}); ${task.divergenceHint}`));
      }
      curve.step![step] = step;
      for (const c of columns) if (c !== "step" && c !== "wall_s") curve[c]![step] = r[c] ?? NaN;
      curve.wall_s![step] = wallOffset + (performance.now() - t0) / 1000;
      step++;
      if (ev && (step % ev.every === 0 || step === steps)) {
        const score = yield* Effect.promise(async () => ev.score(step));
        evaluations.push({ step, score });
        if (!best || score > best.score + (ev.tolerance ?? 0)) { best = { step, score }; bestState = structuredClone(task.bestState ? task.bestState() : task.state()); since = 0; }
        else if (++since >= ev.patience && step < steps) {
          if (restarts < (ev.restarts ?? 0)) {
            task.restore(bestState!); restarts++; since = 0; ev.onRestart?.(restarts);
            io.log(`no gain for ${ev.patience} evaluations: best state (step ${best.step}) restored, restart ${restarts}`);
          } else stopped = true;
        }
      }
      io.progress(step, steps);
      if (io.checkpointEvery > 0 && step % io.checkpointEvery === 0 && step < steps && !stopped) yield* save(step);
    });
    const run = Effect.gen(function* () {
      while (step < steps && !stopped) {
        yield* Effect.uninterruptible(iteration);
        yield* Effect.yieldNow; // an interruption lands here, between two whole iterations
      }
    }).pipe(Effect.onInterrupt(() => save(step).pipe(Effect.andThen(Effect.sync(() => io.log(`interrupted: checkpoint saved at step ${step}`))))));
    yield* run;
    if (ev && bestState && (ev.restoreBest ?? true)) task.restore(bestState);
    const trimmed = step < steps ? Object.fromEntries(Object.entries(curve).map(([k, v]) => [k, v.slice(0, step)])) : curve;
    return { curve: trimmed, stepsRun: step, evaluations, restarts, ...(resumedFrom !== undefined ? { resumedFrom } : {}), ...(best ? { best } : {}) };
  });
}

/** A permutation of 0…n−1 for `epoch`, from the seed alone. */
export function epochPermutation(seed: number, epoch: number, n: number): Int32Array {
  const rng = makeRng(seed).fork(`epoch:${epoch}`);
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = rng.int(i + 1); const t = p[i]!; p[i] = p[j]!; p[j] = t; }
  return p;
}

/** Indices of batch `step` as consecutive slices of per-epoch permutations (a batch may straddle two epochs): each item once per epoch. */
export function batchIndices(seed: number, step: number, batch: number, count: number): Int32Array {
  if (batch > count) throw new Error(`batch ${batch} is larger than the ${count} items available`);
  const out = new Int32Array(batch);
  let perm: Int32Array | undefined, permEpoch = -1;
  for (let k = 0; k < batch; k++) {
    const pos = step * batch + k, epoch = Math.floor(pos / count);
    if (epoch !== permEpoch) { perm = epochPermutation(seed, epoch, count); permEpoch = epoch; }
    out[k] = perm![pos - epoch * count]!;
  }
  return out;
}

/** Batch `s` of an epoch of ceil(n/batch) batches (the last one smaller): the classifier's epochs. */
export function epochBatch(seed: number, epoch: number, s: number, batch: number, n: number): Int32Array {
  return epochPermutation(seed, epoch, n).subarray(s * batch, Math.min(n, (s + 1) * batch));
}
