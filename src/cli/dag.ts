import type { Graph } from "../engine/graph.js";

/** Text renderings of a graph's instances: mermaid (for Markdown/GitHub), Graphviz dot, and an indented outline. */
export type DagFormat = "mermaid" | "dot" | "text";

export function renderDag(graph: Graph, format: DagFormat, status?: ReadonlyMap<string, string>): string {
  const insts = [...graph.instances.values()];
  const idx = new Map(insts.map((x, i) => [x.id, `n${i}`]));
  const edges: [string, string, string][] = [];
  for (const inst of insts) for (const [port, ref] of Object.entries(inst.inputs)) {
    for (const r of Array.isArray(ref) ? ref : [ref]) edges.push([r.instance, inst.id, `${r.output}→${port}`]);
  }
  const label = (id: string) => `${id}${status?.get(id) ? ` (${status.get(id)})` : ""}`;
  switch (format) {
    case "mermaid": {
      const lines = ["flowchart LR"];
      for (const i of insts) lines.push(`  ${idx.get(i.id)}["${label(i.id).replace(/"/g, "#quot;")}<br/><small>${i.kind.name}</small>"]`);
      for (const [a, b, l] of edges) lines.push(`  ${idx.get(a)} -->|${l}| ${idx.get(b)}`);
      return lines.join("\n");
    }
    case "dot": {
      const q = (s: string) => JSON.stringify(s);
      const lines = [`digraph ${q(graph.experiment)} {`, "  rankdir=LR; node [shape=box, fontname=Helvetica];"];
      for (const i of insts) lines.push(`  ${q(i.id)} [label=${q(`${label(i.id)}\n${i.kind.name}`)}];`);
      for (const [a, b, l] of edges) lines.push(`  ${q(a)} -> ${q(b)} [label=${q(l)}];`);
      lines.push("}");
      return lines.join("\n");
    }
    case "text": {
      const lines = [`${graph.experiment} (pipeline ${graph.pipeline}, ${insts.length} stages)`];
      for (const i of insts) {
        const ins = Object.entries(i.inputs).map(([p, r]) => Array.isArray(r) ? `${p} ← [${r.length} variants of ${[...new Set(r.map((x) => `${x.instance.replace(/\[.*$/, "")}.${x.output}`))].join(" + ") || "?"}]` : `${p} ← ${(r as { instance: string; output: string }).instance}.${(r as { output: string }).output}`);
        lines.push(`  ${label(i.id)}  [${i.kind.name}]${ins.length ? "  " + ins.join(", ") : ""}`);
      }
      return lines.join("\n");
    }
  }
}
