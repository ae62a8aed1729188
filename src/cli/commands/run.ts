import { Effect } from "effect";
import * as os from "node:os";
import { backendFor } from "../../engine/backend.js";
import { StageFailed } from "../../engine/errors.js";
import { runGraph } from "../../engine/executor.js";
import { beginRun } from "../../engine/maintenance.js";
import { makeReporter } from "../reporters.js";
import { loadGraph, openSession, selectInstances } from "../session.js";

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
}

/** `lcl run`: validate everything, then run only stale stages. Exit 1 if a stage failed. */
export const run = (a: RunArgs) => Effect.gen(function* () {
  const s = openSession(a.dir);
  const graph = yield* Effect.promise(() => loadGraph(s, a.words));
  const force = new Set(a.force.flatMap((t) => selectInstances(graph, t, s).map((i) => i.id)));
  const usesBackend = [...graph.instances.values()].some((i) => i.kind.usesBackend);
  const backend = yield* Effect.promise(() => backendFor(usesBackend, a.backend ?? (process.env.LCL_BACKEND || undefined)));
  const reporter = makeReporter({ quiet: a.quiet });
  const runLease = yield* Effect.promise(() => beginRun(s.store, `${process.pid}-${Date.now()}`, (m) => process.stderr.write(m + "\n")));
  const record = yield* runGraph(s.ws, s.store, s.registry, graph, {
    jobs: a.jobs ?? os.availableParallelism(), keepGoing: a.keepGoing, force, backend, argv: process.argv.slice(2), onEvent: reporter, verbose: a.verbose, ...(a.isolate ? { isolate: true } : {}),
  }).pipe(Effect.ensuring(Effect.promise(() => runLease.release())));
  if (record.status === "interrupted") process.exitCode = 130;
  else if (record.status === "failed") {
    const failed = Object.entries(record.stages).filter(([, x]) => x.status === "failed");
    return yield* Effect.fail(new StageFailed({ instance: failed.map(([k]) => k).join(", "), message: `${failed.length} stage(s) failed; finished stages are kept — fix and rerun` }));
  }
});
