import { Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { readFileSync } from "node:fs";
import { LCL_ROOT } from "../engine/workspace.js";
import { setBackendResolver } from "../engine/backend.js";
import { cachedBackendResolver } from "./backend-cache.js";
import { UsageError } from "../engine/errors.js";
import { doctor } from "./commands/doctor.js";
import { fromPromise, handled } from "./errors.js";
import { cliServices, runMain } from "./platform.js";
import { run } from "./commands/run.js";
import { dag, runs, show, status, why } from "./commands/inspect.js";
import { diff } from "./commands/diff.js";
import { gc, verify } from "./commands/maintenance.js";
import { schema } from "./commands/schema.js";
import { report } from "./commands/report.js";
import type { Resources } from "../engine/resources.js";

/**
 * The whole CLI: each command validates the workspace, then calls one engine entry point.
 * Read top to bottom, this is the architecture: config → graph → fingerprints → executor/store → reporters.
 */
// The engine records a backend name/version; choosing and starting one is src/compute's job (TensorFlow.js),
// loaded only when a stage that depends on the backend is about to be fingerprinted and this machine's choice is not remembered (backend-cache.ts).
setBackendResolver(cachedBackendResolver(async (forced) => {
  const { selectBackend, BackendUnavailable } = await import("../compute/backend.js");
  try {
    const s = await selectBackend(forced);
    return { name: s.name, version: s.version };
  } catch (e) {
    if (e instanceof BackendUnavailable) throw new UsageError({ message: e.message, fix: "run `lcl doctor` to see every backend and why; choose one with --backend or LCL_BACKEND" });
    throw e;
  }
}));

// `lcl show … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) stream.on("error", (e: NodeJS.ErrnoException) => { if (e.code === "EPIPE") process.exit(0); throw e; });

const version = JSON.parse(readFileSync(`${LCL_ROOT}/package.json`, "utf8")).version as string;

const dir = Flag.String("dir").pipe(Flag.withAlias("C"), Flag.withDescription("workspace folder (default: nearest folder with experiments.yaml)"), Flag.optional);
const verbose = Flag.Boolean("verbose").pipe(Flag.withDefault(false), Flag.withDescription("stage logs on the console; stack traces on errors"));
const json = Flag.Boolean("json").pipe(Flag.withDefault(false), Flag.withDescription("machine-readable output"));
const backend = Flag.String("backend").pipe(Flag.withDescription("force a compute backend (also LCL_BACKEND)"), Flag.optional);
const words = Argument.String("target").pipe(Argument.withDescription("[experiment] [node|stage…]"), Argument.variadic());
const opt = <A>(o: Option.Option<A>) => Option.getOrUndefined(o);

const body = <A>(isVerbose: boolean, f: () => Promise<A>) => handled(isVerbose, fromPromise(f));

/** `--partition/--cpus/--mem/--time/--gpus/--sbatch` (checked in run.ts). */
function cliResources(a: { partition: Option.Option<string>; cpus: Option.Option<number>; mem: Option.Option<string>; time: Option.Option<string>; gpus: Option.Option<number>; sbatch: readonly string[] }): Resources {
  const r = {
    ...(Option.isSome(a.partition) ? { partition: a.partition.value } : {}), ...(Option.isSome(a.cpus) ? { cpus: a.cpus.value } : {}),
    ...(Option.isSome(a.mem) ? { mem: a.mem.value } : {}), ...(Option.isSome(a.time) ? { time: a.time.value } : {}),
    ...(Option.isSome(a.gpus) ? { gpus: a.gpus.value } : {}), ...(a.sbatch.length ? { sbatch: a.sbatch } : {}),
  };
  return r;
}

const runCmd = Command.make("run", {
  words, dir, verbose, backend,
  jobs: Flag.Int("jobs").pipe(Flag.withAlias("j"), Flag.withDescription("stages at once (default: CPU cores; with --executor slurm, jobs queued at once, default 256)"), Flag.optional),
  keepGoing: Flag.Boolean("keep-going").pipe(Flag.withDefault(false), Flag.withAlias("k"), Flag.withDescription("keep running independent branches when a stage fails")),
  force: Flag.String("force").pipe(Flag.withDescription("rerun this node/stage even if cached (repeatable)"), Flag.atLeast(0)),
  isolate: Flag.Boolean("isolate").pipe(Flag.withDefault(false), Flag.withDescription("run every stage in its own process")),
  quiet: Flag.Boolean("quiet").pipe(Flag.withDefault(false), Flag.withAlias("q"), Flag.withDescription("only failures and the summary")),
  executor: Flag.Literals("executor", ["local", "slurm"] as const).pipe(Flag.withDefault("local" as const), Flag.withDescription("where stages run: here, or one SLURM job per stage over a shared store")),
  partition: Flag.String("partition").pipe(Flag.withDescription("slurm: default partition"), Flag.optional),
  cpus: Flag.Int("cpus").pipe(Flag.withDescription("slurm: default CPUs per stage (--cpus-per-task)"), Flag.optional),
  mem: Flag.String("mem").pipe(Flag.withDescription("slurm: default memory per stage, e.g. 4G"), Flag.optional),
  time: Flag.String("time").pipe(Flag.withDescription("slurm: default time limit per stage, e.g. 2:00:00"), Flag.optional),
  gpus: Flag.Int("gpus").pipe(Flag.withDescription("slurm: default GPUs per stage"), Flag.optional),
  sbatch: Flag.String("sbatch").pipe(Flag.withDescription("slurm: extra sbatch option for every job, e.g. --sbatch=--account=lab (repeatable)"), Flag.atLeast(0)),
  retries: Flag.Int("retries").pipe(Flag.withDescription("slurm: further attempts for a job that died without a result (node failure, preemption); default 2"), Flag.optional),
  batch: Flag.Int("batch").pipe(Flag.withDescription("slurm: pack up to N ready stages with equal resources into one job (many small stages); default 1"), Flag.optional),
  timeout: Flag.String("timeout").pipe(Flag.withDescription("stop any stage run here after this long (minutes, HH:MM:SS or D-HH:MM); default: its resources.time, else none"), Flag.optional),
  workers: Flag.Int("workers").pipe(Flag.withDescription("worker threads per training stage (data parallelism; also LCL_WORKERS; default every core). Results are identical for any count"), Flag.optional),
}, (a) => handled(a.verbose, run({ ...(Option.isSome(a.workers) ? { workers: a.workers.value } : {}), ...(Option.isSome(a.timeout) ? { timeout: a.timeout.value } : {}), words: a.words, dir: opt(a.dir), verbose: a.verbose, backend: opt(a.backend), jobs: opt(a.jobs), keepGoing: a.keepGoing, force: a.force, quiet: a.quiet, isolate: a.isolate,
  executor: a.executor, resources: cliResources(a), ...(Option.isSome(a.retries) ? { retries: a.retries.value } : {}), ...(Option.isSome(a.batch) ? { batch: a.batch.value } : {}) })))
  .pipe(Command.withDescription("Run the stale stages of an experiment (default: the `default:` experiment); cached ones are reused."));

const planCmd = Command.make("plan", { words, dir, verbose, backend, json },
  (a) => body(a.verbose, () => status(a.words, { dir: opt(a.dir), backend: opt(a.backend), json: a.json, planOnly: true })))
  .pipe(Command.withDescription("What `lcl run` would run, and why, without running anything."));

const statusCmd = Command.make("status", { words, dir, verbose, backend, json },
  (a) => body(a.verbose, () => status(a.words, { dir: opt(a.dir), backend: opt(a.backend), json: a.json, planOnly: false })))
  .pipe(Command.withDescription("Every stage: cached / stale (cause) / missing / failed / pending."));

const whyCmd = Command.make("why", { words, dir, verbose, backend, json },
  (a) => body(a.verbose, () => why(a.words, { dir: opt(a.dir), backend: opt(a.backend), json: a.json })))
  .pipe(Command.withDescription("Field-level reason a stage will rerun (params, code, inputs, backend, env) or why it is cached."));

const diffCmd = Command.make("diff", {
  a: Argument.String("A").pipe(Argument.withDescription("experiment or run id")),
  b: Argument.String("B").pipe(Argument.withDescription("experiment or run id")),
  dir, verbose, json,
  all: Flag.Boolean("all").pipe(Flag.withDefault(false), Flag.withDescription("also list identical stages")),
}, (a) => body(a.verbose, () => diff(a.a, a.b, { dir: opt(a.dir), json: a.json, all: a.all })))
  .pipe(Command.withDescription("Compare two experiments or runs stage by stage: fingerprints and causes, outputs, tables, metrics."));

const dagCmd = Command.make("dag", {
  words, dir, verbose, backend,
  format: Flag.Literals("format", ["text", "mermaid", "dot"] as const).pipe(Flag.withDefault("text" as const)),
  withStatus: Flag.Boolean("status").pipe(Flag.withDefault(false), Flag.withDescription("annotate each stage with its cache state")),
}, (a) => body(a.verbose, () => dag(a.words, { dir: opt(a.dir), backend: opt(a.backend), format: a.format, withStatus: a.withStatus })))
  .pipe(Command.withDescription("Print the experiment's stage graph (text, mermaid or Graphviz dot)."));

const showCmd = Command.make("show", {
  words, dir, verbose, backend, json,
  rows: Flag.Int("rows").pipe(Flag.withDescription("table rows to print (default 5; with --format markdown, 200)"), Flag.optional),
  format: Flag.Literals("format", ["text", "markdown"] as const).pipe(Flag.withDefault("text" as const), Flag.withDescription("markdown: the metrics and each table as Markdown tables (for a README)")),
  output: Flag.String("output").pipe(Flag.withDescription("only this output (or `metrics`)"), Flag.optional),
}, (a) => body(a.verbose, () => show(a.words, { dir: opt(a.dir), backend: opt(a.backend), json: a.json, rows: opt(a.rows), format: a.format, output: opt(a.output) })))
  .pipe(Command.withDescription("A stage's record (fingerprint, params, metrics, outputs with paths and column summaries) and the head of its tables."));

const runsCmd = Command.make("runs", {
  words, dir, verbose, json,
  limit: Flag.Int("limit").pipe(Flag.withDescription("how many runs"), Flag.withDefault(20)),
}, (a) => body(a.verbose, () => runs(a.words, { dir: opt(a.dir), json: a.json, limit: a.limit })))
  .pipe(Command.withDescription("Run history (optionally of one experiment), newest last: ids for `lcl diff`."));

const gcCmd = Command.make("gc", {
  dir, verbose, json,
  dryRun: Flag.Boolean("dry-run").pipe(Flag.withDefault(false), Flag.withDescription("only print what would be freed")),
  keepRuns: Flag.Int("keep-runs").pipe(Flag.withDescription("also keep everything the last N runs (of each workspace) used"), Flag.withDefault(5)),
  graceHours: Flag.Finite("grace-hours").pipe(Flag.withDescription("never free results younger than this (default 24)"), Flag.withDefault(24)),
}, (a) => body(a.verbose, () => gc({ dir: opt(a.dir), dryRun: a.dryRun, keepRuns: a.keepRuns, graceHours: a.graceHours, json: a.json })))
  .pipe(Command.withDescription("Delete store objects no experiment ref and none of the last N runs reference."));

const verifyCmd = Command.make("verify", { dir, verbose, json },
  (a) => body(a.verbose, () => verify({ dir: opt(a.dir), json: a.json })))
  .pipe(Command.withDescription("Re-hash every stored object; quarantine corrupt ones so they are never served."));

const schemaCmd = Command.make("schema", {
  dir, verbose,
  out: Flag.String("out").pipe(Flag.withDescription("folder for the JSON Schema files"), Flag.withDefault(".lcl")),
}, (a) => body(a.verbose, () => schema({ dir: opt(a.dir), out: a.out })))
  .pipe(Command.withDescription("Write JSON Schemas for experiments.yaml and pipelines/*.yaml, generated from the stage kinds."));

const doctorCmd = Command.make("doctor", {
  verbose, json, backend,
  seconds: Flag.Finite("seconds").pipe(Flag.withDescription("micro-benchmark duration"), Flag.withDefault(2)),
}, (a) => body(a.verbose, () => doctor({ json: a.json, backend: opt(a.backend), seconds: a.seconds })))
  .pipe(Command.withDescription("Which compute backend lcl uses, why each other one is unavailable, threads, and a short benchmark."));

const reportCmd = Command.make("report", {
  experiment: Argument.String("experiment").pipe(Argument.withDescription("experiment (default: the `default:` one)"), Argument.optional),
  dir, verbose, backend,
  against: Flag.String("against").pipe(Flag.withDescription("also show `lcl diff` against this experiment or run id"), Flag.optional),
  out: Flag.String("out").pipe(Flag.withAlias("o"), Flag.withDescription("HTML file to write"), Flag.withDefault("report.html")),
  markdown: Flag.Boolean("markdown").pipe(Flag.withDefault(false), Flag.withDescription("print the results tables (and the comparison) as Markdown instead of writing HTML")),
  json: Flag.Boolean("json").pipe(Flag.withDefault(false), Flag.withDescription("print the results (and the comparison) as JSON instead of writing HTML")),
  only: Flag.String("only").pipe(Flag.withDescription("with --markdown/--json: only stages of this kind or node (repeatable)"), Flag.atLeast(0)),
}, (a) => body(a.verbose, () => report(opt(a.experiment), { dir: opt(a.dir), backend: opt(a.backend), against: opt(a.against), out: a.out, only: a.only, ...(a.markdown ? { format: "markdown" as const } : a.json ? { format: "json" as const } : {}) })))
  .pipe(Command.withDescription("Write one self-contained HTML report of an experiment: results first (headline metrics and key figures), then the DAG by status and every stage's provenance; or print the results as Markdown/JSON."));

// Internal: what a cluster job runs (`lcl run --executor slurm` submits it); not for people.
// scancel, preemption and time limits send SIGTERM (then SIGKILL after KillWait): the stage stops as on Ctrl-C (a
// stage that checkpoints saves one) and the result file says "interrupted". Listening from the start, so a signal
// that arrives while the CLI is still parsing is not lost.
const jobAbort = new AbortController();
if (process.argv.includes("exec-stage")) for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => jobAbort.abort());
const execStageCmd = Command.make("exec-stage", {
  specs: Argument.String("spec").pipe(Argument.withDescription("job spec(s) written by the driver (<store>/jobs/<fingerprint>/spec.json); several run one after another"), Argument.atLeast(1)),
}, (a) => handled(true, fromPromise(async () => {
  const { execRemoteStage } = await import("../engine/executors/remote.js");
  let code = 0;
  for (const spec of a.specs) code = Math.max(code, await execRemoteStage(spec, { signal: jobAbort.signal, log: (m) => process.stderr.write(m + "\n") }));
  process.exitCode = code;
  // Uninterruptible: the runtime's own signal handler would otherwise exit before the stage has stopped cleanly.
}).pipe(Effect.uninterruptible)))
  .pipe(Command.withDescription("(internal) Run one stage inside a cluster job from a driver's job spec."));

const lcl = Command.make("lcl").pipe(
  Command.withDescription("Typed, content-hashed experiment DAGs: run only what changed, and say why."),
  Command.withSubcommands([runCmd, planCmd, statusCmd, whyCmd, diffCmd, dagCmd, showCmd, reportCmd, runsCmd, gcCmd, verifyCmd, schemaCmd, doctorCmd, execStageCmd]),
);

Command.run(lcl, { version }).pipe(Effect.provide(cliServices), runMain);
