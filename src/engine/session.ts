import { loadExperiments, resolveExperiment, type ExperimentsFile } from "./config.js";
import { ConfigError, didYouMean, NotFound } from "./errors.js";
import { buildGraph, type Graph, type Instance } from "./graph.js";
import { Registry } from "./registry.js";
import { Store } from "./store.js";
import { findWorkspace, workspaceAt, type Workspace } from "./workspace.js";

/** What every command (and `lcl report`) needs: the workspace, its store, stage kinds and experiments. */
export interface Session {
  readonly ws: Workspace;
  readonly store: Store;
  readonly registry: Registry;
  readonly experiments: ExperimentsFile;
}

export function openSession(dir: string | undefined): Session {
  const ws = dir ? workspaceAt(dir) : findWorkspace(process.cwd());
  if (dir) findWorkspace(ws.root); // same clear error when -C points at a folder without experiments.yaml
  return { ws, store: new Store(ws.storeDir, { workspace: ws.root }), registry: new Registry(ws), experiments: loadExperiments(ws) };
}

export function defaultExperiment(s: Session): string {
  if (s.experiments.default) return s.experiments.default;
  const first = s.experiments.experiments.keys().next();
  if (first.done) throw new ConfigError({ diagnostics: [{ file: "experiments.yaml", message: "no experiments defined", fix: "add one under `experiments:`" }] });
  return first.value;
}

/**
 * `[experiment] [node|instance…]`: the first word may name an experiment (else the default one);
 * the rest select nodes or instances, which run together with everything upstream of them.
 */
export async function loadGraph(s: Session, words: readonly string[]): Promise<Graph> {
  const [first, ...rest] = words;
  const isExp = first !== undefined && s.experiments.experiments.has(first);
  const name = isExp ? first! : defaultExperiment(s);
  const targets = isExp ? rest : words;
  const graph = await buildGraph(resolveExperiment(s.ws, s.experiments, name), s.registry);
  if (!targets.length) return graph;
  // A first word that is neither an experiment nor a stage of the default one was most likely meant as an experiment.
  if (!isExp && ![...graph.instances.values()].some((i) => i.id === first || i.node === first)) {
    const exps = [...s.experiments.experiments.keys()];
    const expGuess = didYouMean(first!, exps), nodeGuess = didYouMean(first!, [...graph.nodes, ...graph.instances.keys()]);
    throw new NotFound({ what: `experiment (or node of the default experiment '${name}')`, name: first!,
      hint: expGuess ? `did you mean experiment '${expGuess}'?` : nodeGuess ? `did you mean node '${nodeGuess}'?` : `experiments are: ${exps.join(", ")}; nodes of '${name}': ${graph.nodes.join(", ")}` });
  }
  return restrict(graph, targets, s);
}

export function selectInstances(graph: Graph, target: string, s?: Session): Instance[] {
  const hits = [...graph.instances.values()].filter((i) => i.id === target || i.node === target);
  if (hits.length) return hits;
  const guess = didYouMean(target, [...graph.nodes, ...graph.instances.keys()]);
  const expGuess = s ? didYouMean(target, s.experiments.experiments.keys()) : undefined;
  throw new NotFound({ what: `node or stage of experiment '${graph.experiment}'`, name: target,
    hint: guess ? `did you mean '${guess}'?` : expGuess ? `did you mean experiment '${expGuess}'? (it must come first)` : `nodes are: ${graph.nodes.join(", ")}` });
}

function restrict(graph: Graph, targets: readonly string[], s: Session): Graph {
  const keep = new Set<string>();
  const visit = (id: string) => { if (keep.has(id)) return; keep.add(id); for (const d of graph.instances.get(id)!.deps) visit(d); };
  for (const t of targets) for (const i of selectInstances(graph, t, s)) visit(i.id);
  const instances = new Map([...graph.instances].filter(([id]) => keep.has(id)));
  const byNode = new Map([...graph.byNode].map(([n, ids]) => [n, ids.filter((i) => keep.has(i))] as const).filter(([, ids]) => ids.length));
  return { ...graph, instances, byNode, nodes: graph.nodes.filter((n) => byNode.has(n)) };
}
