import { backendFor } from "../engine/backend.js";
import { resolveExperiment } from "../engine/config.js";
import { diffSides, loadSide } from "../engine/diff.js";
import { didYouMean, NotFound } from "../engine/errors.js";
import { buildGraph } from "../engine/graph.js";
import type { StageRecord } from "../engine/store.js";
import type { Session } from "../engine/session.js";
import { collect, type ReportModel } from "./collect.js";
import type { DiffView } from "./diff-view.js";
import { resultsMarkdown } from "./markdown.js";
import { DEFAULT_RENDER, renderReport, type RenderOptions } from "./render.js";
import { buildResults, compareResults, resultsJson, type ComparedRow, type Results, type ResultStage } from "./results.js";

export interface ReportOptions {
  readonly against?: string;
  readonly backend?: string;
  readonly render?: Partial<RenderOptions>;
  /** Fixed for reproducible output in tests; defaults to now. */
  readonly generatedAt?: string;
}

async function model(s: Session, experiment: string, backendName?: string): Promise<ReportModel> {
  if (!s.experiments.experiments.has(experiment)) {
    const guess = didYouMean(experiment, s.experiments.experiments.keys());
    throw new NotFound({ what: "experiment", name: experiment, hint: guess ? `did you mean '${guess}'?` : `experiments are: ${[...s.experiments.experiments.keys()].join(", ")}` });
  }
  const resolved = resolveExperiment(s.ws, s.experiments, experiment);
  const graph = await buildGraph(resolved, s.registry);
  const backend = await backendFor([...graph.instances.values()].some((i) => i.kind.usesBackend), backendName ?? (process.env.LCL_BACKEND || undefined));
  return collect(s.ws, s.store, graph, backend, resolved.description);
}

/** The experiment's own stages as the results see them (anchors are added by the HTML renderer). */
export const resultStages = (m: ReportModel): ResultStage[] =>
  m.stages.map((st) => ({ id: st.inst.id, kind: st.inst.kind, status: st.status, ...(st.record ? { record: st.record } : {}) }));

/**
 * The other side of `--against` (an experiment's ref or a run id), from stored records alone:
 * its stage kinds come from the registry by name, so a kind that no longer exists still shows
 * its metrics (undeclared).
 */
async function otherSide(s: Session, name: string, keep: (st: ResultStage) => boolean = () => true): Promise<{ label: string; results: Results }> {
  const side = await loadSide(s.store, name);
  const stages: ResultStage[] = [];
  for (const [id, st] of side.stages) {
    const record = st.fingerprint ? await s.store.readRecord(st.fingerprint) : undefined;
    if (!record) continue;
    const kindName = record.data.stage.kind;
    const kind = await s.registry.load(kindName).catch(() => ({ name: kindName, outputs: {} }));
    stages.push({ id, kind, record, status: st.status === "failed" ? "failed" : "cached" });
  }
  return { label: name, results: buildResults(stages.filter(keep)) };
}

/** `lcl report`: one experiment (optionally diffed against another experiment or run) as one HTML page. */
export async function buildReport(s: Session, experiment: string, o: ReportOptions = {}) {
  const m = await model(s, experiment, o.backend);
  let against: DiffView | undefined;
  let compared: { against: string; rows: readonly ComparedRow[] } | undefined;
  if (o.against !== undefined) {
    const [A, B] = [await loadSide(s.store, experiment), await loadSide(s.store, o.against)];
    const diff = await diffSides(s.store, A, B);
    const records = new Map<string, StageRecord>();
    for (const st of diff.stages) if (st.status === "changed") for (const fp of [st.a, st.b]) {
      if (fp && !records.has(fp)) { const r = await s.store.readRecord(fp); if (r) records.set(fp, r); }
    }
    against = { diff, records };
    const other = await otherSide(s, o.against);
    compared = { against: o.against, rows: compareResults(buildResults(resultStages(m)), other.results) };
  }
  const html = await renderReport(s.store, m, o.generatedAt ?? new Date().toISOString(), against, { ...DEFAULT_RENDER, ...o.render }, compared);
  const counts: Record<string, number> = {};
  for (const st of m.stages) counts[st.status] = (counts[st.status] ?? 0) + 1;
  return { html, counts, stages: m.stages.length };
}

/** `lcl report --markdown` / `--json`: the results (and the comparison) from the same model as the HTML. */
export async function exportResults(s: Session, experiment: string, format: "markdown" | "json", o: { readonly against?: string; readonly backend?: string; readonly only?: readonly string[] } = {}): Promise<string> {
  const m = await model(s, experiment, o.backend);
  const keep = (st: ResultStage) => !o.only?.length || o.only.some((w) => w === st.kind.name || w === st.id || w === st.id.replace(/\[.*$/, ""));
  const results = buildResults(resultStages(m).filter(keep));
  let compared: { against: string; rows: readonly ComparedRow[] } | undefined;
  if (o.against !== undefined) {
    const other = await otherSide(s, o.against, keep);
    compared = { against: o.against, rows: compareResults(results, other.results) };
  }
  if (format === "json") return JSON.stringify({ experiment, ...resultsJson(results, (h) => s.store.objectPath(h), compared) }, null, 1);
  const command = ["lcl report --markdown", experiment, ...(o.against ? ["--against", o.against] : []), ...(o.only ?? []).flatMap((w) => ["--only", w])].join(" ");
  return resultsMarkdown(experiment, results, { command, ...(compared ? { against: { name: compared.against, rows: compared.rows } } : {}) });
}
