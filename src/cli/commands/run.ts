import { Effect } from "effect";
import * as os from "node:os";
import { backendFor } from "../../engine/backend.js";
import { StageFailed } from "../../engine/errors.js";
import { runGraph } from "../../engine/executor.js";
import { beginRun } from "../../engine/maintenance.js";
import { UsageError } from "../../engine/errors.js";
import { SlurmExecutor } from "../../engine/executors/slurm.js";
import { checkResources, type Resources } from "../../engine/resources.js";
import { makeReporter } from "../reporters.js";
import { timeLimitMs } from "../../engine/resources.js";
import { loadGraph, openSession, selectInstances } from "../../engine/session.js";

export interface RunArgs {
  readonly words: readonly string[];
  readonly jobs?: number;
  readonly keepGoing: boolean;
  readonly force: readonly string[];
  readonly backend?: string;
  readonly dir?: string;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly isolate: boolean;
  /** Where stages run: here (default) or as SLURM jobs over a shared store. */
  readonly executor?: "local" | "slurm";
  /** SLURM defaults for stages whose kind and YAML say nothing. */
  readonly resources?: Resources;
  /** Further attempts for a cluster job that died without a result. */
  readonly retries?: number;
  /** Ready stages packed into one cluster job. */
  readonly batch?: number;
  /** Wall-time limit of every stage run here (SLURM --time syntax). */
  readonly timeout?: string;
  /** Worker threads per training stage; passed to stages (and their child processes) as LCL_WORKERS. */
  readonly workers?: number;
}

/** `lcl run`: validate everything, then run only stale stages. Exit 1 if a stage failed. */
export const run = (a: RunArgs) => Effect.gen(function* () {
  if (a.workers !== undefined) {
    if (!(a.workers >= 1)) return yield* Effect.fail(new UsageError({ message: `--workers ${a.workers}: expected a whole number ≥ 1`, fix: "e.g. --workers 2 (default: every core)" }));
    // An environment variable reaches inline stages, child processes and SLURM jobs alike; never part of a fingerprint (results are identical for any count).
    process.env.LCL_WORKERS = String(a.workers);
  }
  const s = openSession(a.dir);
  const graph = yield* Effect.promise(() => loadGraph(s, a.words));
  const force = new Set(a.force.flatMap((t) => selectInstances(graph, t, s).map((i) => i.id)));
  const usesBackend = [...graph.instances.values()].some((i) => i.kind.usesBackend);
  const backend = yield* Effect.promise(() => backendFor(usesBackend, a.backend ?? (process.env.LCL_BACKEND || undefined)));
  const reporter = makeReporter({ quiet: a.quiet });
  const badResources = a.resources && checkResources(a.resources);
  if (badResources) return yield* Effect.fail(new UsageError({ message: badResources, fix: "see `lcl run --help`" }));
  if (a.executor === "slurm" && a.isolate) return yield* Effect.fail(new UsageError({ message: "--isolate has no effect with --executor slurm (every stage already runs in its own job)", fix: "drop --isolate" }));
  if (a.batch !== undefined && a.batch < 1) return yield* Effect.fail(new UsageError({ message: `--batch ${a.batch}: at least 1`, fix: "--batch 20 packs up to 20 ready stages into one job" }));
  if (a.executor !== "slurm" && ((a.resources && Object.keys(a.resources).length) || a.retries !== undefined || a.batch !== undefined)) {
    return yield* Effect.fail(new UsageError({ message: "--partition/--cpus/--mem/--time/--gpus/--sbatch/--retries/--batch apply to cluster jobs only", fix: "add --executor slurm" }));
  }
  const stageTimeoutMs = a.timeout === undefined ? undefined : timeLimitMs(a.timeout);
  if (a.timeout !== undefined && !stageTimeoutMs) return yield* Effect.fail(new UsageError({ message: `--timeout ${a.timeout}: not a time limit`, fix: "minutes, HH:MM:SS or D-HH:MM, e.g. --timeout 30 or --timeout 2:00:00" }));
  if (a.timeout !== undefined && a.executor === "slurm") return yield* Effect.fail(new UsageError({ message: "--timeout applies to stages run here", fix: "on a cluster, use --time (SLURM's limit)" }));
  const remote = a.executor === "slurm" ? new SlurmExecutor(s.store, {
    ...(a.resources ? { defaults: a.resources } : {}), ...(a.retries !== undefined ? { retries: a.retries } : {}), ...(a.batch !== undefined ? { batch: a.batch } : {}),
    ...(process.env.LCL_SLURM_POLL_MS ? { pollMs: Number(process.env.LCL_SLURM_POLL_MS) } : {}),
    // Where nodes see Node or lcl under other paths than the login node: e.g. "/opt/node20/bin/node /shared/lcl/dist/cli.mjs".
    ...(process.env.LCL_SLURM_COMMAND ? { command: process.env.LCL_SLURM_COMMAND.split(/\s+/).filter(Boolean) } : {}),
    onNote: (id, message) => reporter({ type: "stage-note", id, message }),
  }) : undefined;
  const runLease = yield* Effect.promise(() => beginRun(s.store, `${process.pid}-${Date.now()}`, (m) => process.stderr.write(m + "\n")));
  const record = yield* runGraph(s.ws, s.store, s.registry, graph, {
    // On a cluster the scheduler decides what runs at once; --jobs caps how many jobs are queued.
    jobs: a.jobs ?? (remote ? 256 : os.availableParallelism()), keepGoing: a.keepGoing, force, backend, argv: process.argv.slice(2), onEvent: reporter, verbose: a.verbose,
    ...(a.isolate ? { isolate: true } : {}), ...(remote ? { remote } : {}), ...(stageTimeoutMs ? { stageTimeoutMs } : {}),
  }).pipe(
    // Ctrl-C (or any exit): jobs still queued or running are cancelled, and we wait for scancel.
    Effect.ensuring(Effect.promise(() => remote?.shutdown() ?? Promise.resolve())),
    Effect.ensuring(Effect.promise(() => runLease.release())),
  );
  if (record.status === "interrupted") process.exitCode = 130;
  else if (record.status === "failed") {
    const failed = Object.entries(record.stages).filter(([, x]) => x.status === "failed");
    return yield* Effect.fail(new StageFailed({ instance: failed.map(([k]) => k).join(", "), message: `${failed.length} stage(s) failed; finished stages are kept — fix and rerun` }));
  }
});
