import type { BackendInfo } from "../engine/backend.js";
import { diffFingerprints, describeChange } from "../engine/fingerprint.js";
import type { Graph, Instance } from "../engine/graph.js";
import { assess, type Assessment } from "../engine/explain.js";
import type { ExperimentRef, FailureRecord, StageRecord, Store } from "../engine/store.js";
import type { Workspace } from "../engine/workspace.js";

/**
 * Everything the report says about one experiment, gathered from the engine's own views: the
 * graph, `assess` (what `status`/`why` print), the experiment's ref and run history, and the
 * stage records. Nothing here renders.
 */
export type ReportStatus = "cached" | "ran" | "failed" | "stale" | "missing" | "pending";

export interface StageInfo {
  readonly inst: Instance;
  readonly status: ReportStatus;
  /** Why it ran / would run / is cached, one line each. */
  readonly why: readonly string[];
  /** The current result; or, when not current, the last one this experiment had (`current` false). */
  readonly record?: StageRecord;
  readonly current: boolean;
  readonly failure?: FailureRecord;
  /** Timings from the run that last touched this stage. */
  readonly run?: { readonly id: string; readonly status: string; readonly durationMs?: number; readonly startedAt?: string; readonly finishedAt?: string };
}

export interface ReportModel {
  readonly experiment: string;
  readonly pipeline: string;
  readonly description?: string;
  readonly backend: string;
  readonly ref?: ExperimentRef;
  readonly stages: readonly StageInfo[];
}

/** How many earlier run records to search for the fingerprint a stage had before it last ran. */
const RUN_SCAN = 200;

export async function collect(ws: Workspace, store: Store, graph: Graph, backend: BackendInfo, description?: string): Promise<ReportModel> {
  const assessed = await assess(ws, store, graph, backend);
  const ref = await store.readRef(graph.experiment);
  const history = await runHistory(store, graph.experiment);
  const stages: StageInfo[] = [];
  for (const inst of graph.instances.values()) {
    const a = assessed.get(inst.id)!;
    const entry = ref?.stages[inst.id];
    const run = entry ? { id: ref!.run, status: entry.status, ...(entry.durationMs !== undefined ? { durationMs: entry.durationMs } : {}), ...(entry.startedAt ? { startedAt: entry.startedAt } : {}), ...(entry.finishedAt ? { finishedAt: entry.finishedAt } : {}) } : undefined;
    if (a.status === "cached") {
      const ranHere = entry?.status === "ran" && entry.fingerprint === a.fingerprint;
      const why = ranHere ? await whyRan(store, inst.id, a.fingerprint, a.record, history) : [cachedWhy(a, graph.experiment)];
      stages.push({ inst, status: ranHere ? "ran" : "cached", why, record: a.record, current: true, ...(run ? { run } : {}) });
      continue;
    }
    const last = entry?.fingerprint ? await store.readRecord(entry.fingerprint) : undefined;
    const failure = a.status === "failed" ? await store.readFailure(a.fingerprint) : entry?.status === "failed" && entry.fingerprint ? await store.readFailure(entry.fingerprint) : undefined;
    const status: ReportStatus = a.status;
    stages.push({ inst, status, why: a.causes, current: false, ...(last ? { record: last } : {}), ...(failure ? { failure } : {}), ...(run ? { run } : {}) });
  }
  return { experiment: graph.experiment, pipeline: graph.pipeline, ...(description ? { description } : {}), backend: `${backend.name}${backend.name === "none" ? "" : `@${backend.version}`}`, ...(ref ? { ref } : {}), stages };
}

function cachedWhy(a: Extract<Assessment, { status: "cached" }>, experiment: string): string {
  const r = a.record;
  const who = r.instance === a.id && r.experiment === experiment ? "this stage" : `${r.instance} of '${r.experiment}'`;
  return `cached: its fingerprint matches the result ${who} produced at ${r.finishedAt}; nothing it depends on changed since`;
}

type History = readonly { readonly id: string; readonly stages: Readonly<Record<string, { fingerprint?: string }>> }[];

/** This experiment's runs, newest first (at most RUN_SCAN run files are read). */
async function runHistory(store: Store, experiment: string): Promise<History> {
  const ids = (await store.listRuns()).slice(-RUN_SCAN).reverse();
  const out = [];
  for (const id of ids) {
    const r = await store.readRun(id);
    if (r?.experiment === experiment) out.push({ id: r.id, stages: r.stages });
  }
  return out;
}

/** A stage that ran last time: what differed from the fingerprint it had before (as `lcl why` would have said). */
async function whyRan(store: Store, id: string, fp: string, rec: StageRecord, history: History): Promise<string[]> {
  for (const run of history) {
    const prev = run.stages[id]?.fingerprint;
    if (!prev || prev === fp) continue;
    const before = (await store.readRecord(prev)) ?? (await store.readFailure(prev));
    if (!before) return [`ran: its fingerprint changed since run ${run.id} (that record is gone, so the fields cannot be compared)`];
    const causes = diffFingerprints(before.data, rec.data, before.codeDetail, rec.codeDetail).map(describeChange);
    return causes.length ? causes.map((c) => `ran: ${c}`) : ["ran: fingerprint changed"];
  }
  // The run that ran it is in the history too: a second run with this fingerprint means it existed before.
  const earlier = history.filter((r) => r.stages[id]?.fingerprint === fp).length > 1;
  return [earlier ? "ran: same fingerprint as before — its stored outputs were missing, or it was forced (--force)" : "ran: first run of this stage in this experiment"];
}
