import { backendFor } from "../engine/backend.js";
import { resolveExperiment } from "../engine/config.js";
import { diffSides, loadSide } from "../engine/diff.js";
import { didYouMean, NotFound } from "../engine/errors.js";
import { buildGraph } from "../engine/graph.js";
import type { StageRecord } from "../engine/store.js";
import type { Session } from "../cli/session.js";
import { collect } from "./collect.js";
import type { DiffView } from "./diff-view.js";
import { DEFAULT_RENDER, renderReport, type RenderOptions } from "./render.js";

export interface ReportOptions {
  readonly against?: string;
  readonly backend?: string;
  readonly render?: Partial<RenderOptions>;
  /** Fixed for reproducible output in tests; defaults to now. */
  readonly generatedAt?: string;
}

/** `lcl report`: one experiment (optionally diffed against another experiment or run) as one HTML page. */
export async function buildReport(s: Session, experiment: string, o: ReportOptions = {}) {
  if (!s.experiments.experiments.has(experiment)) {
    const guess = didYouMean(experiment, s.experiments.experiments.keys());
    throw new NotFound({ what: "experiment", name: experiment, hint: guess ? `did you mean '${guess}'?` : `experiments are: ${[...s.experiments.experiments.keys()].join(", ")}` });
  }
  const resolved = resolveExperiment(s.ws, s.experiments, experiment);
  const graph = await buildGraph(resolved, s.registry);
  const backend = await backendFor([...graph.instances.values()].some((i) => i.kind.usesBackend), o.backend ?? (process.env.LCL_BACKEND || undefined));
  const model = await collect(s.ws, s.store, graph, backend, resolved.description);
  let against: DiffView | undefined;
  if (o.against !== undefined) {
    const [A, B] = [await loadSide(s.store, experiment), await loadSide(s.store, o.against)];
    const diff = await diffSides(s.store, A, B);
    const records = new Map<string, StageRecord>();
    for (const st of diff.stages) if (st.status === "changed") for (const fp of [st.a, st.b]) {
      if (fp && !records.has(fp)) { const r = await s.store.readRecord(fp); if (r) records.set(fp, r); }
    }
    against = { diff, records };
  }
  const html = await renderReport(s.store, model, o.generatedAt ?? new Date().toISOString(), against, { ...DEFAULT_RENDER, ...o.render });
  const counts: Record<string, number> = {};
  for (const st of model.stages) counts[st.status] = (counts[st.status] ?? 0) + 1;
  return { html, counts, stages: model.stages.length };
}
