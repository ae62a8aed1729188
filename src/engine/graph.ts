import { Schema, SchemaIssue } from "effect";
import type { StageKind } from "./contract/index.js";
import type { Port } from "./contract/index.js";
import { ConfigError, didYouMean, type Diagnostic } from "./errors.js";
import type { ResolvedExperiment, Origin, NodeDecl } from "./config.js";
import type { Registry } from "./registry.js";
import { CachedKind } from "./kind-manifest.js";
import { specCompatibility } from "./table/index.js";
import { resolveInside } from "./workspace.js";
import { existsSync } from "node:fs";

/**
 * Turns a resolved experiment into the concrete DAG of stage *instances*: kinds loaded, params
 * decoded against each kind's schema, wiring checked, sweeps fanned out. Every user mistake is
 * collected as a positioned Diagnostic before anything runs.
 */

export interface InstanceRef {
  readonly instance: string;
  readonly output: string;
  readonly point: Readonly<Record<string, unknown>>;
}

export interface Instance {
  /** Stable, readable id: the node name, plus the sweep values that distinguish it, e.g. `scale[factor=2,seed=1]`. */
  readonly id: string;
  readonly node: string;
  readonly kind: StageKind;
  readonly kindFile: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Sweep values this instance varies by (its own and its upstreams'), with readable keys. */
  readonly point: Readonly<Record<string, unknown>>;
  readonly inputs: Readonly<Record<string, InstanceRef | readonly InstanceRef[]>>;
  readonly deps: readonly string[];
}

export interface Graph {
  readonly experiment: string;
  readonly pipeline: string;
  /** Node names in topological order. */
  readonly nodes: readonly string[];
  readonly nodeDecls: ReadonlyMap<string, NodeDecl>;
  /** Instances in a topological order. */
  readonly instances: ReadonlyMap<string, Instance>;
  readonly byNode: ReadonlyMap<string, readonly string[]>;
}

const format = SchemaIssue.makeFormatterStandardSchemaV1();

function paramFields(kind: StageKind): string[] {
  const fields = (kind.params as unknown as { fields?: Record<string, unknown> }).fields;
  return fields ? Object.keys(fields) : [];
}

/** Decode params; diagnostics point at the YAML value that caused each problem. */
export function decodeParams(kind: StageKind, values: Record<string, unknown>, originOf: (key: string) => Origin, nodeOrigin: Origin):
  { params?: Record<string, unknown>; diagnostics: Diagnostic[] } {
  const r = Schema.decodeUnknownResult(kind.params as any)(values, { errors: "all", onExcessProperty: "error" }) as any;
  if (r._tag === "Success") return { params: r.success, diagnostics: [] };
  const diagnostics = format(r.failure.issue).issues.map(({ path, message }): Diagnostic => {
    const key = String(path?.[0] ?? "");
    const fields = paramFields(kind);
    if (message === "Expected no excess property") {
      const o = originOf(key);
      const guess = didYouMean(key, fields);
      return o.src.diag(o.path, `stage kind '${kind.name}' has no param '${key}'`, guess ? `did you mean '${guess}'?` : `its params are: ${fields.join(", ") || "(none)"}`, true);
    }
    if (message === "Missing key") {
      return nodeOrigin.src.diag(nodeOrigin.path, `param '${key}' of '${kind.name}' is required and has no default`, `set params.${key}`, true);
    }
    const o = originOf(key);
    const rest = (path ?? []).slice(1).map(String);
    return o.src.diag([...o.path, ...rest], `param '${[key, ...rest].join(".")}': ${message}`, describeParam(kind, key));
  });
  return { diagnostics };
}

/** decodeParams, answered from the kind's manifest when these values were decoded before (no module import). */
async function decodeParamsOf(kind: StageKind, values: Record<string, unknown>, originOf: (key: string) => Origin, nodeOrigin: Origin) {
  if (!(kind instanceof CachedKind)) return decodeParams(kind, values, originOf, nodeOrigin);
  const hit = kind.cachedParams(values);
  if (hit) return { params: hit, diagnostics: [] };
  const r = decodeParams(await kind.load(), values, originOf, nodeOrigin);
  if (r.params) kind.rememberParams(values, r.params);
  return r;
}

async function filesOf(kind: StageKind, params: Record<string, unknown>): Promise<readonly string[]> {
  if (kind instanceof CachedKind && !kind.cachedFiles(params)) await kind.load();
  return kind.files!(params);
}

function describeParam(kind: StageKind, key: string): string | undefined {
  const field = (kind.params as any).fields?.[key];
  const doc = field?.ast ? (Schema.toJsonSchemaDocument(field).schema as any) : undefined;
  if (!doc) return undefined;
  const bits = [doc.description, doc.type && `type ${doc.type}`, doc.enum && `one of ${doc.enum.join(", ")}`,
    doc.minimum !== undefined && `≥ ${doc.minimum}`, doc.maximum !== undefined && `≤ ${doc.maximum}`,
    doc.exclusiveMinimum !== undefined && `> ${doc.exclusiveMinimum}`].filter(Boolean);
  return bits.length ? `expected ${bits.join(", ")}` : undefined;
}

export async function buildGraph(exp: ResolvedExperiment, registry: Registry): Promise<Graph> {
  const root = registry.ws.root;
  const diagnostics: Diagnostic[] = [];
  const decls = exp.pipeline.nodes;
  const kinds = new Map<string, StageKind>();

  for (const node of decls.values()) {
    if (!registry.entries.has(node.uses)) {
      const guess = didYouMean(node.uses, registry.names());
      diagnostics.push(node.origin.src.diag([...node.origin.path, "uses"], `unknown stage kind '${node.uses}'`,
        guess ? `did you mean '${guess}'?` : `available kinds: ${registry.names().join(", ")}; or add stages/${node.uses}.ts`));
      continue;
    }
    try { kinds.set(node.name, await registry.kind(node.uses)); } catch (e) {
      if (e instanceof ConfigError) diagnostics.push(...e.diagnostics);
      else diagnostics.push({ file: registry.entries.get(node.uses)!.file, message: `cannot load stage kind '${node.uses}': ${(e as Error).message}`, fix: "fix the module so it imports cleanly" });
    }
  }

  // Wiring: every declared input connected, every connection to an existing, compatible output.
  const edges = new Map<string, { port: string; from: string; output: string }[]>();
  for (const node of decls.values()) {
    const kind = kinds.get(node.name);
    const list: { port: string; from: string; output: string }[] = [];
    edges.set(node.name, list);
    if (!kind) continue;
    const at = (port: string) => [...node.origin.path, "inputs", port];
    for (const port of Object.keys(kind.inputs)) {
      if (!(port in node.inputs)) {
        diagnostics.push(node.origin.src.diag(node.origin.path, `node '${node.name}' (${kind.name}) needs input '${port}'`,
          `add \`inputs: { ${port}: <node>.<output> }\`${kind.inputs[port]!.description ? ` — ${kind.inputs[port]!.description}` : ""}`, true));
      }
    }
    for (const [port, refOrList] of Object.entries(node.inputs)) {
      const want = kind.inputs[port];
      if (!want) {
        const guess = didYouMean(port, Object.keys(kind.inputs));
        diagnostics.push(node.origin.src.diag(at(port), `stage kind '${kind.name}' has no input '${port}'`, guess ? `did you mean '${guess}'?` : `its inputs are: ${Object.keys(kind.inputs).join(", ") || "(none)"}`, true));
        continue;
      }
      // A list joins several nodes' outputs into one join port (e.g. every model's trials).
      if (typeof refOrList !== "string" && !want.many) {
        diagnostics.push(node.origin.src.diag(at(port), `input '${port}' of '${kind.name}' takes one <node>.<output>, not a list`, "only join inputs (which receive every variant) accept a list; wire one output"));
        continue;
      }
      if (typeof refOrList !== "string" && refOrList.length === 0) {
        diagnostics.push(node.origin.src.diag(at(port), `input '${port}' is an empty list`, "list at least one <node>.<output>"));
        continue;
      }
      const dup = typeof refOrList === "string" ? undefined : refOrList.find((r, k) => refOrList.indexOf(r) !== k);
      if (dup) {
        diagnostics.push(node.origin.src.diag(at(port), `input '${port}' lists ${dup} twice`, "list each output once"));
        continue;
      }
      for (const ref of typeof refOrList === "string" ? [refOrList] : refOrList) {
        const [from, output] = ref.split(".") as [string, string];
        const up = decls.get(from);
        if (!up) {
          const guess = didYouMean(from, decls.keys());
          diagnostics.push(node.origin.src.diag(at(port), `input '${port}' refers to unknown node '${from}'`, guess ? `did you mean '${guess}.${output}'?` : `nodes are: ${[...decls.keys()].join(", ")}`));
          continue;
        }
        list.push({ port, from, output });
        const upKind = kinds.get(from);
        if (!upKind) continue;
        const have = upKind.outputs[output];
        if (!have) {
          const guess = didYouMean(output, Object.keys(upKind.outputs));
          diagnostics.push(node.origin.src.diag(at(port), `node '${from}' (${upKind.name}) has no output '${output}'`, guess ? `did you mean '${from}.${guess}'?` : `its outputs are: ${Object.keys(upKind.outputs).join(", ")}`));
          continue;
        }
        for (const problem of portProblems(have, want)) {
          diagnostics.push(node.origin.src.diag(at(port), `${from}.${output} cannot feed ${node.name}.${port}: ${problem}`, "connect an output of the matching type, or change the consumer's declared columns"));
        }
      }
    }
  }

  const order = topoOrder(decls, edges, diagnostics);

  // Params: base (pipeline defaults + experiment overrides), then every combination of the
  // node's own sweep point and the points of the zip axes that touch it.
  const axisPoints = new Map<string, Record<string, unknown>[]>(); // axis id → raw points (labels)
  const paramAxes = new Map<string, string[]>(); // node → the axes its params depend on
  const paramTable = new Map<string, Map<string, Record<string, unknown>>>(); // node → axes assignment key → params
  const zipId = (name: string) => `zip:${name}`;
  for (const z of exp.zip.values()) axisPoints.set(zipId(z.name), z.labels.map((l) => ({ [z.name]: l })));
  for (const node of decls.values()) {
    const kind = kinds.get(node.name);
    if (!kind) continue;
    const sourced = exp.params.get(node.name) ?? new Map();
    const base: Record<string, unknown> = {};
    for (const [k, v] of sourced) base[k] = v.value;
    const originOf = (key: string): Origin => sourced.get(key)?.origin ?? node.origin;
    const sweep = exp.matrix.get(node.name);
    const zips = [...exp.zip.values()].filter((z) => z.nodes.includes(node.name));
    const myAxes = [...(sweep ? [node.name] : []), ...zips.map((z) => zipId(z.name))];
    if (sweep) axisPoints.set(node.name, sweep.points.map((p) => ({ ...p })));
    paramAxes.set(node.name, myAxes);
    const table = new Map<string, Record<string, unknown>>();
    let combos: number[][] = [[]];
    for (const a of myAxes) combos = combos.flatMap((c) => (a === node.name ? sweep!.points : exp.zip.get(a.slice(4))!.points).map((_, i) => [...c, i]));
    for (const combo of combos) {
      let values = { ...base };
      const from = new Map<string, Origin>();
      combo.forEach((i, k) => {
        const a = myAxes[k]!;
        if (a === node.name) {
          const point = sweep!.points[i]!;
          values = { ...values, ...point };
          for (const key of Object.keys(point)) from.set(key, { src: sweep!.origin.src, path: Array.isArray(exp.matrix.get(node.name)) ? [...sweep!.origin.path, i, key] : [...sweep!.origin.path, key] });
        } else {
          const z = exp.zip.get(a.slice(4))!, set = z.points[i]!.get(node.name) ?? {};
          values = { ...values, ...set };
          for (const key of Object.keys(set)) from.set(key, { src: z.origin.src, path: [...z.origin.path, `${node.name}.${key}`] });
        }
      });
      const r = await decodeParamsOf(kind, values, (key) => from.get(key) ?? originOf(key), node.origin);
      // Report each distinct problem once, not once per point of a cartesian sweep.
      for (const d of r.diagnostics) if (!diagnostics.some((x) => x.line === d.line && x.col === d.col && x.message === d.message)) diagnostics.push(d);
      if (r.params) table.set(combo.join(","), r.params);
    }
    paramTable.set(node.name, table);
  }
  // Declared workspace files: inside the workspace and present, checked before anything runs.
  for (const node of decls.values()) {
    const kind = kinds.get(node.name);
    if (!kind?.files) continue;
    const sourced = exp.params.get(node.name) ?? new Map();
    const variants = [...(paramTable.get(node.name)?.values() ?? [])];
    for (const params of variants) {
      for (const rel of await filesOf(kind, params)) {
        const key = [...sourced.keys()].find((k) => sourced.get(k)!.value === rel);
        const o = key ? sourced.get(key)!.origin : node.origin;
        const abs = resolveInside(root, rel);
        const d = !abs ? o.src.diag(o.path, `path '${rel}' leaves the workspace`, "use a path inside the workspace (symlink data in if it lives elsewhere)")
          : !existsSync(abs) ? o.src.diag(o.path, `no such file or folder '${rel}' (looked in ${root})`, "check the path; it is relative to the folder of experiments.yaml")
          : undefined;
        if (d && !diagnostics.some((x) => x.line === d.line && x.message === d.message)) diagnostics.push(d);
      }
    }
  }
  registry.saveManifests();
  if (diagnostics.length) throw new ConfigError({ diagnostics });

  return expand(exp, order, decls, kinds, registry, edges, axisPoints, paramAxes, paramTable);
}

function portProblems(have: Port, want: Port): string[] {
  if (have.kind !== want.kind) return [`it is a ${have.kind}, the input expects a ${want.kind}`];
  if (have.kind === "table" && want.kind === "table") return specCompatibility(have.columns, want.columns);
  if (have.kind === "file" && want.kind === "file" && have.ext !== want.ext) return [`it is a .${have.ext} file, the input expects .${want.ext}`];
  return [];
}

function topoOrder(decls: ReadonlyMap<string, NodeDecl>, edges: Map<string, { port: string; from: string }[]>, diagnostics: Diagnostic[]): string[] {
  const state = new Map<string, "visiting" | "done">();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (n: string): boolean => {
    const s = state.get(n);
    if (s === "done") return true;
    if (s === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(n)), n];
      const consumer = cycle[1]!; // the node whose input closes the cycle
      const decl = decls.get(consumer)!;
      const e = edges.get(consumer)!.find((x) => x.from === n);
      diagnostics.push(decl.origin.src.diag(e ? [...decl.origin.path, "inputs", e.port] : decl.origin.path,
        `inputs form a cycle: ${cycle.join(" → ")}`, "a stage cannot depend on its own output; remove one of these inputs"));
      return false;
    }
    state.set(n, "visiting");
    stack.push(n);
    let ok = true;
    for (const e of edges.get(n) ?? []) if (decls.has(e.from)) ok = visit(e.from) && ok;
    stack.pop();
    state.set(n, "done");
    order.push(n);
    return ok;
  };
  for (const n of decls.keys()) if (!visit(n)) break;
  return order;
}

function formatValue(v: unknown): string {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

function expand(
  exp: ResolvedExperiment, order: string[], decls: ReadonlyMap<string, NodeDecl>, kinds: Map<string, StageKind>, registry: Registry,
  edges: Map<string, { port: string; from: string; output: string }[]>,
  axisPoints: Map<string, Record<string, unknown>[]>, paramAxes: Map<string, string[]>, paramTable: Map<string, Map<string, Record<string, unknown>>>,
): Graph {
  // Axes: a swept node's own sweep, or a zip axis (first placed at the earliest node it sets).
  const rank = new Map<string, number>();
  order.forEach((n, i) => { for (const a of paramAxes.get(n) ?? []) if (!rank.has(a)) rank.set(a, i + (a === n ? 0 : 0.5)); });
  // Axes of a node = axes reachable upstream through non-join edges, plus its own.
  const axes = new Map<string, string[]>();
  for (const n of order) {
    const kind = kinds.get(n)!;
    const set = new Set<string>();
    for (const e of edges.get(n)!) if (!kind.inputs[e.port]!.many) for (const a of axes.get(e.from)!) set.add(a);
    for (const a of paramAxes.get(n) ?? []) set.add(a);
    axes.set(n, [...set].sort((a, b) => rank.get(a)! - rank.get(b)!)); // topological axis order keeps names stable
  }
  // Readable keys: `factor`, or `scale.factor` when two swept nodes share a param name.
  const keyCount = new Map<string, number>();
  for (const [, ps] of axisPoints) for (const k of new Set(ps.flatMap((p) => Object.keys(p)))) keyCount.set(k, (keyCount.get(k) ?? 0) + 1);
  const label = (axis: string, k: string) => ((keyCount.get(k) ?? 0) > 1 && !axis.startsWith("zip:") ? `${axis}.${k}` : k);

  const instances = new Map<string, Instance>();
  const byNode = new Map<string, string[]>();
  const assignmentsOf = new Map<string, { assign: Record<string, number>; id: string; point: Record<string, unknown> }[]>();
  const keyOf = (nodeAxes: readonly string[], assign: Record<string, number>) => nodeAxes.map((a) => assign[a]).join(",");
  const indexes = new Map<string, Map<string, { assign: Record<string, number>; id: string; point: Record<string, unknown> }>>();
  const indexOf = (node: string) => {
    let m = indexes.get(node);
    if (!m) { m = new Map(assignmentsOf.get(node)!.map((u) => [keyOf(axes.get(node)!, u.assign), u])); indexes.set(node, m); }
    return m;
  };
  for (const n of order) {
    const kind = kinds.get(n)!;
    const myAxes = axes.get(n)!;
    let assigns: Record<string, number>[] = [{}];
    for (const a of myAxes) assigns = assigns.flatMap((x) => axisPoints.get(a)!.map((_, i) => ({ ...x, [a]: i })));
    const list: { assign: Record<string, number>; id: string; point: Record<string, unknown> }[] = [];
    for (const assign of assigns) {
      const point: Record<string, unknown> = {};
      for (const a of myAxes) for (const [k, v] of Object.entries(axisPoints.get(a)![assign[a]!]!)) point[label(a, k)] = v;
      const id = myAxes.length ? `${n}[${Object.entries(point).map(([k, v]) => `${k}=${formatValue(v)}`).join(",")}]` : n;
      const inputs: Record<string, InstanceRef | InstanceRef[]> = {};
      const deps = new Set<string>();
      for (const e of edges.get(n)!) {
        const ups = assignmentsOf.get(e.from)!;
        // A plain input has exactly one upstream variant: look it up by its axes (sweeps of
        // thousands of points stay linear). A join collects every consistent variant.
        const matching = kind.inputs[e.port]!.many
          ? ups.filter((u) => Object.entries(u.assign).every(([a, i]) => !(a in assign) || assign[a] === i))
          : [indexOf(e.from).get(keyOf(axes.get(e.from)!, assign))!];
        const refs = matching.map((u) => ({ instance: u.id, output: e.output, point: u.point }));
        for (const r of refs) deps.add(r.instance);
        // A join wired to a list of outputs gets the variants of each, in the order listed.
        inputs[e.port] = kind.inputs[e.port]!.many ? [...((inputs[e.port] as InstanceRef[] | undefined) ?? []), ...refs] : refs[0]!;
      }
      const params = paramTable.get(n)!.get((paramAxes.get(n) ?? []).map((a) => assign[a]).join(","))!;
      instances.set(id, { id, node: n, kind, kindFile: registry.entries.get(kind.name)!.file, params, point, inputs, deps: [...deps] });
      list.push({ assign, id, point });
    }
    assignmentsOf.set(n, list);
    byNode.set(n, list.map((x) => x.id));
  }
  return { experiment: exp.name, pipeline: exp.pipeline.name, nodes: order, nodeDecls: decls, instances, byNode };
}
