/** What a stage kind is and what it gets when it runs: the contract between the engine and stage code. */
import type { Schema } from "effect";
import type { Rng } from "./rng.js";
import type { Checkpoints } from "../checkpoint.js";
import type { Resources } from "../resources.js";
import type { InputReaders, OutputWriters, Ports } from "./ports.js";

export interface StageContext<P, I extends Ports, O extends Ports> {
  /** Params decoded by the stage's schema, defaults applied. */
  readonly params: P;
  readonly inputs: InputReaders<I>;
  readonly outputs: OutputWriters<O>;
  /** Seeded from the stage kind, params and input hashes (not its code): same inputs and params → same stream, and a refactor that keeps the math reproduces results bit for bit. */
  readonly rng: Rng;
  /** Writes to the stage's log file (and the console with --verbose). */
  log(message: string): void;
  /** Progress for the live display; `total` may be omitted for indeterminate work. */
  progress(done: number, total?: number, note?: string): void;
  /** Numbers recorded with the stage result; `lcl diff` shows their deltas. */
  metric(name: string, value: number): void;
  /** Aborted when the user interrupts (Ctrl-C) or a sibling fails without --keep-going. */
  readonly signal: AbortSignal;
  /** Compute backend the fingerprint was taken with (e.g. "cpu"). */
  readonly backend: string;
  /** Private scratch directory, deleted after a successful run. */
  readonly scratchDir: string;
  /**
   * A persistent cache folder for this stage kind inside the store (downloads, extracted
   * archives). Not part of any fingerprint: put only things there that are re-derivable.
   */
  readonly cacheDir: string;
  /** Absolute paths of the workspace files declared by `files(params)`, sorted: exactly what was hashed. */
  readonly files: readonly string[];
  /**
   * Resumable work: `save(step, tensors, meta)` every so often; on the next run of the same
   * fingerprint after an interruption or crash, `load()` returns the newest save. Deleted once
   * the stage succeeds. Make the work after a load reproduce exactly what an uninterrupted run
   * would do (derive per-step randomness from the step, not from a running stream).
   */
  readonly checkpoint: Checkpoints;
}

export interface StageKind<S extends Schema.Top = Schema.Top, I extends Ports = Ports, O extends Ports = Ports> {
  /** Kebab-case, equal to the module's file name (`stages/<name>.ts`). */
  readonly name: string;
  /** Bump to invalidate results on purpose (e.g. a fixed bug outside the stage's own code). */
  readonly version: number;
  readonly description: string;
  /** An Effect Schema Struct: the one source of truth for param types, defaults and docs. */
  readonly params: S;
  readonly inputs: I;
  readonly outputs: O;
  /** Environment variables that change results; their values enter the fingerprint. */
  readonly env?: readonly string[];
  /** Whether results depend on the compute backend (then its name and version enter the fingerprint). */
  readonly usesBackend?: boolean;
  /**
   * Files or folders the stage reads from the workspace (e.g. a folder of photos named by a
   * param). Their contents enter the fingerprint (hashed once, then cached by inode/size/mtime);
   * paths must stay inside the workspace. The expanded, sorted file list is `ctx.files`.
   * A pure function of params (lcl remembers its answers per params: kind-manifest.ts).
   */
  files?(params: S["Type"]): readonly string[];
  /**
   * Where each instance runs. Default "thread": a worker thread of lcl, reused across stages
   * (little start-up cost; Ctrl-C and timeouts stop it even while it computes without yielding;
   * process.exit ends only the thread; stages on threads use several cores at once). "process":
   * its own Node process, so a crash or out-of-memory fails only that stage. "inline": on lcl's
   * own thread, for a stage that needs it — it cannot be stopped while it computes without
   * yielding (only at its checks of ctx.signal). `lcl run --isolate` forces "process".
   */
  readonly isolation?: "thread" | "inline" | "process";
  /**
   * What one instance needs on a cluster (`lcl run --executor slurm`): cpus, mem ("4G"), time
   * ("2:00:00"), gpus, partition, extra sbatch options. Defaults; a pipeline node's `resources:`
   * overrides them. Not part of the fingerprint.
   */
  readonly resources?: Resources;
  /**
   * The metrics `lcl report` leads with for this kind, in this order: names passed to
   * `ctx.metric`, where `*` stands for any characters (`mi_l*` → `mi_l1`, `mi_l2`). Key figures
   * are the outputs declared with `headline: true`. Without it the report shows the first few
   * metrics under "other stages". Presentation only; the engine and report attach no meaning.
   */
  readonly headline?: readonly string[];
  run(ctx: StageContext<S["Type"], I, O>): Promise<void>;
}
