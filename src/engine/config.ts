import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { Schema, SchemaIssue } from "effect";
import { ConfigError, didYouMean, type Diagnostic } from "./errors.js";
import { readYamlText, YamlSource, YamlValueCache, type YamlPath } from "./yaml-source.js";
import type { Workspace } from "./workspace.js";
import { RESOURCE_KEYS, ResourcesSchema, type Resources } from "./resources.js";

/**
 * The two YAML formats: `pipelines/<name>.yaml` (a DAG template) and `experiments.yaml`
 * (named instantiations). Structure is checked here; params against stage schemas and wiring
 * are checked in graph.ts once the stage kinds are known.
 */

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const Name = Schema.String.check(Schema.isPattern(NAME, { message: "names start with a letter and use letters, digits, '-' or '_'" }));
const Ref = Schema.String.check(Schema.isPattern(/^[A-Za-z][A-Za-z0-9_-]*\.[A-Za-z][A-Za-z0-9_-]*$/, { message: "an input is written <node>.<output>, e.g. gen.table" }));
const Params = Schema.Record(Schema.String, Schema.Unknown);

const NodeSchema = Schema.Struct({
  uses: Name,
  description: Schema.optionalKey(Schema.String),
  params: Schema.optionalKey(Schema.NullOr(Params)),
  /** A join port (`many: true`) may also take a list: every variant of each listed output. */
  inputs: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Union([Ref, Schema.Array(Ref)])))),
  /** Scheduler hints (cluster executors only); never part of the fingerprint. */
  resources: Schema.optionalKey(Schema.NullOr(ResourcesSchema)),
});
const PipelineSchema = Schema.Struct({
  $schema: Schema.optionalKey(Schema.String),
  description: Schema.optionalKey(Schema.String),
  nodes: Schema.Record(Name, NodeSchema),
});
const Sweep = Schema.Union([Schema.Record(Schema.String, Schema.Array(Schema.Unknown)), Schema.Array(Params)]);
const ExperimentSchema = Schema.Struct({
  pipeline: Schema.optionalKey(Name),
  extends: Schema.optionalKey(Name),
  description: Schema.optionalKey(Schema.String),
  params: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.NullOr(Params)))),
  matrix: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Sweep))),
  zip: Schema.optionalKey(Schema.NullOr(Schema.Record(Name, Schema.Record(Schema.String, Schema.Array(Schema.Unknown))))),
});
const ExperimentsSchema = Schema.Struct({
  $schema: Schema.optionalKey(Schema.String),
  default: Schema.optionalKey(Name),
  experiments: Schema.Record(Name, ExperimentSchema),
});

export const pipelineKeys = { top: ["$schema", "description", "nodes"], node: ["uses", "description", "params", "inputs", "resources"] };
export const experimentKeys = { top: ["$schema", "default", "experiments"], experiment: ["pipeline", "extends", "description", "params", "matrix", "zip"] };

/** Where a value came from, for positioned errors long after parsing. */
export interface Origin { readonly src: YamlSource; readonly path: YamlPath }

export interface NodeDecl {
  readonly name: string;
  readonly uses: string;
  readonly description?: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly inputs: Readonly<Record<string, string | readonly string[]>>;
  /** Scheduler hints for this node (override the kind's), see resources.ts. */
  readonly resources?: Resources;
  readonly origin: Origin;
}
export interface PipelineDecl {
  readonly name: string;
  readonly description?: string;
  readonly nodes: ReadonlyMap<string, NodeDecl>;
  readonly src: YamlSource;
}
export interface ExperimentDecl {
  readonly name: string;
  readonly pipeline?: string;
  readonly extends?: string;
  readonly description?: string;
  readonly params: Readonly<Record<string, Readonly<Record<string, unknown>> | null>>;
  readonly matrix: Readonly<Record<string, Readonly<Record<string, readonly unknown[]>> | readonly Readonly<Record<string, unknown>>[]>>;
  /** Named axes that set params of several nodes in lockstep: `{ objective: { "layer1.objective": [a, b], "layer2.objective": [a, b] } }`. */
  readonly zip: Readonly<Record<string, Readonly<Record<string, readonly unknown[]>>>>;
  readonly origin: Origin;
}
export interface ExperimentsFile {
  readonly default?: string;
  readonly experiments: ReadonlyMap<string, ExperimentDecl>;
  readonly src: YamlSource;
}

const format = SchemaIssue.makeFormatterStandardSchemaV1();

function decodeWith<S extends Schema.Top>(schema: S, src: YamlSource, allowedKeys: (p: YamlPath) => readonly string[] | undefined):
  { value?: S["Type"]; diagnostics: Diagnostic[] } {
  if (src.syntaxErrors.length) return { diagnostics: src.syntaxErrors };
  const raw = src.toJS() ?? {};
  const result = Schema.decodeUnknownResult(schema as any)(raw, { errors: "all", onExcessProperty: "error" }) as any;
  if (result._tag === "Success") return { value: result.success, diagnostics: [] };
  const diagnostics = format(result.failure.issue).issues.map(({ path: p, message }) => {
    const ypath = (p ?? []).map((k) => (typeof k === "number" ? k : String(k)));
    if (message === "Expected no excess property") {
      const key = String(ypath[ypath.length - 1]);
      const allowed = allowedKeys(ypath.slice(0, -1));
      if (allowed === undefined && !NAME.test(key)) {
        return src.diag(ypath, `invalid name '${key}': names start with a letter and use letters, digits, '-' or '_'`, "rename it", true);
      }
      const guess = didYouMean(key, allowed ?? []);
      return src.diag(ypath, `unknown key '${key}'`, guess ? `did you mean '${guess}'?` : `allowed keys here: ${(allowed ?? []).join(", ")}`, true);
    }
    if (message === "Missing key") {
      return src.diag(ypath, `missing required key '${ypath[ypath.length - 1]}'`, "add it", true);
    }
    // A path or file name where a name belongs (`uses: stages/toy-scale`, `pipeline: ../x.yaml`): suggest the bare name.
    const value = src.doc.getIn(ypath);
    if (typeof value === "string" && /names start with a letter/.test(message)) {
      const bare = path.basename(value).replace(/\.(ya?ml|[cm]?[jt]s)$/, "");
      if (bare !== value && NAME.test(bare)) return src.diag(ypath, `'${value}' is not a name: ${message}`, `write the name only: did you mean '${bare}'?`);
    }
    const wants = expectedAt(ypath, src.file.endsWith("experiments.yaml"));
    // Schema wording ("Expected object | null") says little to a YAML author: say what the key takes.
    if (wants && /^Expected (object|array|string|number|boolean)/.test(message)) return src.diag(ypath, `${ypath.length ? `'${ypath[ypath.length - 1]}'` : "the file"} takes ${wants}`, `write ${wants}`);
    return src.diag(ypath, message, wants ? `write ${wants}` : undefined);
  });
  return { diagnostics };
}

/** What each YAML key takes, in words, for type errors (see README: YAML reference). */
function expectedAt(p: YamlPath, experimentsFile: boolean): string | undefined {
  const k = p.map(String);
  const n = k.length, last = k[n - 1];
  if (n === 0) return experimentsFile ? "a map with `experiments:` (and optionally `default:`)" : "a map with `nodes:` (and optionally `description:`)";
  if (!experimentsFile) {
    if (k[0] === "description" || k[0] === "$schema") return "text (quote it if it has ':' or '#')";
    if (k[0] !== "nodes") return undefined;
    if (n === 1) return "a map of node name → { uses: <kind>, params, inputs }";
    if (n === 2) return "a map with `uses: <stage kind>` (and optionally params, inputs, resources)";
    if (last === "uses") return "a stage kind's name, e.g. toy-scale";
    if (last === "params" && n === 3) return "a map of param: value";
    if (last === "inputs" && n === 3) return "a map of <input port>: <node>.<output>, e.g. { table: gen.table }";
    if (k[2] === "inputs") return "<node>.<output>, e.g. gen.table";
    if (last === "description") return "text (quote it if it has ':' or '#')";
    if (last === "resources") return "a map of cpus, mem, time, gpus, partition, sbatch";
    if (k[2] === "resources") return ({ cpus: "a whole number ≥ 1, e.g. 4", gpus: "a whole number ≥ 0, e.g. 1", mem: "a size such as 4G or 500M", time: 'minutes, HH:MM:SS or D-HH:MM, e.g. "30" or "2:00:00"', partition: "a SLURM partition name", sbatch: "a list of extra sbatch arguments" } as Record<string, string>)[k[3]!];
    return undefined;
  }
  if (k[0] === "default") return "the name of an experiment below";
  if (k[0] === "$schema") return "text";
  if (k[0] !== "experiments") return undefined;
  if (n === 1) return "a map of experiment name → { pipeline, params, matrix }";
  if (n === 2) return "a map with `pipeline: <name>` or `extends: <experiment>` (and optionally params, matrix, zip)";
  if (last === "pipeline") return "the name of a file in pipelines/ without .yaml";
  if (last === "extends") return "the name of another experiment";
  if (last === "description") return "text (quote it if it has ':' or '#')";
  if (k[2] === "params") return n === 3 ? "a map of node → { param: value }" : n === 4 ? "a map of param: value" : undefined;
  if (k[2] === "matrix") return n === 3 ? "a map of node → { param: [values…] } or a list of param sets" : n === 4 ? "{ param: [values…] } or a list of param sets, e.g. [ { n: 1 }, { n: 2 } ]" : n === 5 ? "a list of values, e.g. [1, 2, 3]" : undefined;
  if (k[2] === "zip") return n === 3 ? "a map of axis name → { <node>.<param>: [values…] }" : n === 4 ? "a map of <node>.<param>: [values…]" : "a list of values, one per point";
  return undefined;
}

function readSource(file: string, display: string, ws: Workspace): YamlSource {
  return new YamlSource(display, readYamlText(file, display), yamlCache(ws));
}

const yamlCaches = new Map<string, YamlValueCache>();
function yamlCache(ws: Workspace): YamlValueCache {
  let c = yamlCaches.get(ws.root);
  if (!c) { c = new YamlValueCache(path.join(ws.root, ".lcl", "cache", "yaml.v1.json")); yamlCaches.set(ws.root, c); }
  return c;
}

export function listPipelines(ws: Workspace): string[] {
  try {
    return readdirSync(ws.pipelinesDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, "")).sort();
  } catch { return []; }
}

/** `referencedFrom`: where the experiment names this pipeline, for the not-found error (a function: locating it needs a YAML parse). */
export function loadPipeline(ws: Workspace, name: string, referencedFrom?: () => Diagnostic): PipelineDecl {
  const candidates = [".yaml", ".yml"].map((e) => path.join(ws.pipelinesDir, name + e));
  const file = candidates.find((f) => { try { readFileSync(f); return true; } catch { return false; } });
  if (!file) {
    const guess = didYouMean(name, listPipelines(ws));
    throw new ConfigError({ diagnostics: [{
      ...(referencedFrom?.() ?? { file: "experiments.yaml" }),
      message: `pipeline '${name}' not found (looked for pipelines/${name}.yaml)`,
      fix: guess ? `did you mean '${guess}'?` : `create pipelines/${name}.yaml or use one of: ${listPipelines(ws).join(", ") || "(none)"}`,
    }] });
  }
  const src = readSource(file, path.relative(ws.root, file), ws);
  const { value, diagnostics } = decodeWith(PipelineSchema, src, (p) =>
    p.length === 0 ? pipelineKeys.top : p.length === 2 && p[0] === "nodes" ? pipelineKeys.node : p.length === 3 && p[0] === "nodes" && p[2] === "resources" ? RESOURCE_KEYS : undefined);
  if (!value) throw new ConfigError({ diagnostics });
  if (!Object.keys(value.nodes).length) throw new ConfigError({ diagnostics: [src.diag(["nodes"], "a pipeline needs at least one node", "add a node under `nodes:`, e.g. `gen: { uses: toy-numbers }`")] });
  const nodes = new Map<string, NodeDecl>();
  for (const [nodeName, n] of Object.entries(value.nodes)) {
    nodes.set(nodeName, {
      name: nodeName, uses: n.uses, params: n.params ?? {}, inputs: n.inputs ?? {},
      ...(n.description !== undefined ? { description: n.description } : {}),
      ...(n.resources ? { resources: n.resources as Resources } : {}),
      origin: { src, path: ["nodes", nodeName] },
    });
  }
  return { name, nodes, src, ...(value.description !== undefined ? { description: value.description } : {}) };
}

export function loadExperiments(ws: Workspace): ExperimentsFile {
  let src: YamlSource;
  try { src = readSource(ws.experimentsFile, "experiments.yaml", ws); } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError({ diagnostics: [{ file: "experiments.yaml", message: "cannot read experiments.yaml", fix: "create it (see README: YAML reference)" }] });
  }
  const { value, diagnostics } = decodeWith(ExperimentsSchema, src, (p) =>
    p.length === 0 ? experimentKeys.top : p.length === 2 && p[0] === "experiments" ? experimentKeys.experiment : undefined);
  if (!value) throw new ConfigError({ diagnostics });
  const experiments = new Map<string, ExperimentDecl>();
  for (const [name, e] of Object.entries(value.experiments)) {
    experiments.set(name, {
      name, params: e.params ?? {}, matrix: (e.matrix ?? {}) as ExperimentDecl["matrix"], zip: (e.zip ?? {}) as ExperimentDecl["zip"],
      ...(e.pipeline !== undefined ? { pipeline: e.pipeline } : {}),
      ...(e.extends !== undefined ? { extends: e.extends } : {}),
      ...(e.description !== undefined ? { description: e.description } : {}),
      origin: { src, path: ["experiments", name] },
    });
  }
  if (value.default !== undefined && !experiments.has(value.default)) {
    const guess = didYouMean(value.default, experiments.keys());
    throw new ConfigError({ diagnostics: [src.diag(["default"], `default experiment '${value.default}' is not defined`, guess ? `did you mean '${guess}'?` : "name one of the experiments below")] });
  }
  return { experiments, src, ...(value.default !== undefined ? { default: value.default } : {}) };
}

/** A param value with the file position it came from. */
export interface SourcedValue { readonly value: unknown; readonly origin: Origin }

/** An experiment with `extends` applied: the pipeline, merged per-node params (with origins) and sweeps. */
export interface ResolvedExperiment {
  readonly name: string;
  readonly pipeline: PipelineDecl;
  readonly description?: string;
  readonly params: ReadonlyMap<string, ReadonlyMap<string, SourcedValue>>;
  readonly matrix: ReadonlyMap<string, { readonly points: readonly Readonly<Record<string, unknown>>[]; readonly origin: Origin }>;
  readonly zip: ReadonlyMap<string, ZipAxis>;
  /** Chain of experiments applied, base first. */
  readonly chain: readonly string[];
}

/** A zip axis: point i sets, on every node it names, the i-th value of each of its params. */
export interface ZipAxis {
  readonly name: string;
  /** Per point: node → params it sets there. */
  readonly points: readonly ReadonlyMap<string, Readonly<Record<string, unknown>>>[];
  /** Per point: the value shown in instance names (the common value, or all values joined by '/'). */
  readonly labels: readonly unknown[];
  readonly nodes: readonly string[];
  readonly origin: Origin;
}

export function resolveExperiment(ws: Workspace, file: ExperimentsFile, name: string): ResolvedExperiment {
  const exp = file.experiments.get(name);
  if (!exp) {
    const guess = didYouMean(name, file.experiments.keys());
    throw new ConfigError({ diagnostics: [{ file: "experiments.yaml", message: `no experiment named '${name}'`,
      fix: guess ? `did you mean '${guess}'?` : `define it under experiments:, or use one of: ${[...file.experiments.keys()].join(", ")}` }] });
  }
  const chain: ExperimentDecl[] = [];
  for (let e: ExperimentDecl | undefined = exp; e; ) {
    if (chain.includes(e)) {
      throw new ConfigError({ diagnostics: [file.src.diag([...e.origin.path, "extends"], `'extends' forms a cycle: ${[...chain, e].map((x) => x.name).join(" → ")}`, "remove one of the extends links")] });
    }
    chain.push(e);
    if (e.extends === undefined) break;
    const parent = file.experiments.get(e.extends);
    if (!parent) {
      const guess = didYouMean(e.extends, file.experiments.keys());
      throw new ConfigError({ diagnostics: [file.src.diag([...e.origin.path, "extends"], `extends unknown experiment '${e.extends}'`, guess ? `did you mean '${guess}'?` : "name an experiment defined in this file")] });
    }
    e = parent;
  }
  chain.reverse(); // base first, so later entries override
  const pipelineName = [...chain].reverse().find((e) => e.pipeline !== undefined)?.pipeline;
  if (pipelineName === undefined) {
    throw new ConfigError({ diagnostics: [file.src.diag(exp.origin.path, `experiment '${name}' names no pipeline`, "add `pipeline: <name>` (a file in pipelines/) or `extends: <experiment>`", true)] });
  }
  const pipelineOwner = [...chain].reverse().find((e) => e.pipeline !== undefined)!;
  const pipeline = loadPipeline(ws, pipelineName, () => file.src.diag([...pipelineOwner.origin.path, "pipeline"], ""));

  const params = new Map<string, Map<string, SourcedValue>>();
  for (const [nodeName, node] of pipeline.nodes) {
    const m = new Map<string, SourcedValue>();
    for (const [k, v] of Object.entries(node.params)) m.set(k, { value: v, origin: { src: pipeline.src, path: [...node.origin.path, "params", k] } });
    params.set(nodeName, m);
  }
  const matrix = new Map<string, { points: Record<string, unknown>[]; origin: Origin }>();
  const zip = new Map<string, ZipAxis>();
  const diagnostics: Diagnostic[] = [];
  const unknownNode = (e: ExperimentDecl, section: string, nodeName: string) => {
    const guess = didYouMean(nodeName, pipeline.nodes.keys());
    diagnostics.push(file.src.diag([...e.origin.path, section, nodeName], `pipeline '${pipeline.name}' has no node '${nodeName}'`,
      guess ? `did you mean '${guess}'?` : `nodes are: ${[...pipeline.nodes.keys()].join(", ")}`, true));
  };
  for (const e of chain) {
    for (const [nodeName, overrides] of Object.entries(e.params)) {
      const m = params.get(nodeName);
      if (!m) { unknownNode(e, "params", nodeName); continue; }
      for (const [k, v] of Object.entries(overrides ?? {})) m.set(k, { value: v, origin: { src: file.src, path: [...e.origin.path, "params", nodeName, k] } });
    }
    for (const [nodeName, sweep] of Object.entries(e.matrix)) {
      if (!pipeline.nodes.has(nodeName)) { unknownNode(e, "matrix", nodeName); continue; }
      const origin: Origin = { src: file.src, path: [...e.origin.path, "matrix", nodeName] };
      const points = expandSweep(sweep, origin, diagnostics);
      matrix.set(nodeName, { points, origin });
    }
    for (const [axis, columns] of Object.entries(e.zip)) {
      const origin: Origin = { src: file.src, path: [...e.origin.path, "zip", axis] };
      const z = zipAxis(axis, columns, origin, pipeline, diagnostics);
      if (z) zip.set(axis, z);
    }
  }
  // A param swept twice would be ambiguous: the node's own matrix and a zip axis, or two zips.
  const owner = new Map<string, string>();
  for (const z of zip.values()) for (const [node, ps] of z.points[0] ?? new Map()) for (const k of Object.keys(ps)) {
    const key = `${node}.${k}`, clash = owner.get(key) ?? (matrix.get(node)?.points.some((pt) => k in pt) ? `matrix.${node}` : undefined);
    if (clash) diagnostics.push(file.src.diag(z.origin.path, `${key} is swept both here and in ${clash.startsWith("matrix") ? clash : `zip.${clash}`}`, "sweep each param in one place"));
    owner.set(key, z.name);
  }
  for (const z of zip.values()) if (pipeline.nodes.has(z.name)) diagnostics.push(file.src.diag(z.origin.path, `zip axis '${z.name}' has the name of a node`, "name the axis after what it varies, e.g. 'objective'"));
  if (diagnostics.length) throw new ConfigError({ diagnostics });
  return { name, pipeline, params, matrix, zip, chain: chain.map((e) => e.name), ...(exp.description !== undefined ? { description: exp.description } : {}) };
}

/** `{ "layer1.objective": [a, b], "layer2.objective": [a, b] }` → 2 points, each setting both. */
function zipAxis(name: string, columns: Readonly<Record<string, readonly unknown[]>>, origin: Origin, pipeline: PipelineDecl, diagnostics: Diagnostic[]): ZipAxis | undefined {
  const entries = Object.entries(columns);
  if (!entries.length) { diagnostics.push(origin.src.diag(origin.path, `zip axis '${name}' sets nothing`, "list <node>.<param>: [values…], two or more of them in lockstep")); return undefined; }
  const n = entries[0]![1].length;
  let ok = true;
  for (const [key, values] of entries) {
    const m = /^([A-Za-z][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(key);
    if (!m) { diagnostics.push(origin.src.diag([...origin.path, key], `'${key}' is not <node>.<param>`, "e.g. layer1.objective")); ok = false; continue; }
    if (!pipeline.nodes.has(m[1]!)) {
      const guess = didYouMean(m[1]!, pipeline.nodes.keys());
      diagnostics.push(origin.src.diag([...origin.path, key], `pipeline '${pipeline.name}' has no node '${m[1]}'`, guess ? `did you mean '${guess}.${m[2]}'?` : `nodes are: ${[...pipeline.nodes.keys()].join(", ")}`, true));
      ok = false;
    }
    if (values.length !== n) { diagnostics.push(origin.src.diag([...origin.path, key], `zip lists must be equally long: ${key} has ${values.length} values, ${entries[0]![0]} has ${n}`, "give every param of the axis one value per point")); ok = false; }
  }
  if (n === 0) { diagnostics.push(origin.src.diag(origin.path, `zip axis '${name}' has no values`, "give at least one value per param")); ok = false; }
  if (!ok) return undefined;
  const points = Array.from({ length: n }, (_, i) => {
    const byNode = new Map<string, Record<string, unknown>>();
    for (const [key, values] of entries) {
      const [node, param] = key.split(".") as [string, string];
      byNode.set(node, { ...byNode.get(node), [param]: values[i] });
    }
    return byNode;
  });
  const labels = Array.from({ length: n }, (_, i) => {
    const vs = entries.map(([, v]) => v[i]);
    return vs.every((v) => JSON.stringify(v) === JSON.stringify(vs[0])) ? vs[0] : vs.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("/");
  });
  if (new Set(labels.map((l) => JSON.stringify(l))).size !== n) diagnostics.push(origin.src.diag(origin.path, `zip axis '${name}' repeats a point`, "list each combination once"));
  return { name, points, labels, nodes: [...new Set(entries.map(([k]) => k.split(".")[0]!))], origin };
}

/** `{a: [1,2], b: [x]}` → cartesian points; a list of param objects → those points as given. */
/** Largest sweep of one node (README "Reliability"): beyond it `plan` would take minutes and the store millions of files. */
export const MAX_SWEEP_VARIANTS = 100_000;

function expandSweep(sweep: ExperimentDecl["matrix"][string], origin: Origin, diagnostics: Diagnostic[]): Record<string, unknown>[] {
  if (Array.isArray(sweep)) {
    if (sweep.length === 0) diagnostics.push(origin.src.diag(origin.path, "a sweep needs at least one variant", "list one or more param sets"));
    return sweep.map((p) => ({ ...p }));
  }
  // Counted before it is expanded: a product of millions would hang `plan` and fill memory.
  const entries = Object.entries(sweep as Record<string, readonly unknown[]>);
  const size = entries.reduce((n, [, values]) => n * Math.max(1, values.length), 1);
  if (size > MAX_SWEEP_VARIANTS) {
    diagnostics.push(origin.src.diag(origin.path, `this sweep has ${size.toLocaleString("en")} variants (${entries.map(([k, v]) => `${v.length} ${k}`).join(" × ")}); lcl handles at most ${MAX_SWEEP_VARIANTS.toLocaleString("en")} per node`,
      "sweep fewer values (or split the sweep into several experiments)"));
    return [{}];
  }
  let points: Record<string, unknown>[] = [{}];
  for (const [k, values] of entries) {
    if (values.length === 0) diagnostics.push(origin.src.diag([...origin.path, k], `sweep over '${k}' has no values`, "give at least one value, e.g. [1, 2]"));
    const seen = new Set(values.map((v) => JSON.stringify(v)));
    if (seen.size !== values.length) diagnostics.push(origin.src.diag([...origin.path, k], `sweep over '${k}' repeats a value`, "list each value once"));
    points = points.flatMap((p) => values.map((v) => ({ ...p, [k]: v })));
  }
  return points;
}
