import { backendFor } from "../../engine/backend.js";
import type { Graph } from "../../engine/graph.js";
import { renderDag, type DagFormat } from "../dag.js";
import { NotFound } from "../../engine/errors.js";
import { assess, type Assessment } from "../../engine/explain.js";
import { decodeTable } from "../../engine/table/index.js";
import { readJobState } from "../../engine/executors/remote.js";
import * as os from "node:os";
import type { StageRecord } from "../../engine/store.js";
import { c, short, bytes, ms } from "../style.js";
import { markdownTable, num } from "../../report/markdown.js";
import { loadGraph, openSession, selectInstances } from "../../engine/session.js";

interface Common { readonly dir?: string; readonly backend?: string; readonly json?: boolean }
const print = (s: string) => process.stdout.write(s + "\n");

const backendOf = (graph: Graph, o: Common) =>
  backendFor([...graph.instances.values()].some((i) => i.kind.usesBackend), o.backend ?? (process.env.LCL_BACKEND || undefined));

const badge = (a: Assessment) => {
  switch (a.status) {
    case "cached": return c.green("cached");
    case "stale": return c.yellow("stale");
    case "missing": return c.yellow("missing");
    case "failed": return c.red("failed");
    case "pending": return c.cyan("pending");
  }
};

async function assessed(words: readonly string[], o: Common) {
  const s = openSession(o.dir);
  const graph = await loadGraph(s, words);
  const backend = await backendOf(graph, o);
  return { s, graph, result: await assess(s.ws, s.store, graph, backend) };
}

/** `lcl plan` / `lcl status`: every stage with its state and cause; plan lists only what would run. */
export async function status(words: readonly string[], o: Common & { readonly planOnly: boolean }) {
  const { s, graph, result } = await assessed(words, o);
  const list = [...result.values()].filter((a) => !o.planOnly || a.status !== "cached");
  // Stages sent to a cluster: the job id and the scheduler's last known state (kept until the stage succeeds).
  const jobOf = (a: Assessment) => (a.status !== "cached" && "fingerprint" in a ? readJobState(s.store, a.fingerprint) : undefined);
  if (o.json) return print(JSON.stringify(list.map(({ ...a }) => { const job = jobOf(a); return { id: a.id, status: a.status, fingerprint: "fingerprint" in a ? a.fingerprint : undefined, causes: "causes" in a ? a.causes : [], ...(job ? { job } : {}) }; }), null, 1));
  print(c.bold(`${graph.experiment}`) + c.dim(` (pipeline ${graph.pipeline}, ${graph.instances.size} stages)`));
  // Cached variants of a big sweep are collapsed per node; everything that needs attention is listed.
  const cachedByNode = new Map<string, Assessment[]>();
  for (const a of list) if (a.status === "cached") {
    const node = graph.instances.get(a.id)!.node;
    cachedByNode.set(node, [...(cachedByNode.get(node) ?? []), a]);
  }
  const collapsed = new Set<string>();
  for (const a of list) {
    const node = graph.instances.get(a.id)!.node;
    const group = a.status === "cached" ? cachedByNode.get(node)! : undefined;
    if (group && group.length > 3) {
      if (!collapsed.has(node)) { collapsed.add(node); print(`  ${badge(a).padEnd(20)} ${node}[…] ${c.dim(`×${group.length} variants`)}`); }
      continue;
    }
    print(`  ${badge(a).padEnd(20)} ${a.id}${"fingerprint" in a ? c.dim(` ${short(a.fingerprint)}`) : ""}`);
    if ("causes" in a) for (const cause of a.causes.slice(0, 6)) print(c.dim(`      ${cause}`));
    const job = jobOf(a);
    if (job) {
      // A queued/running state from a driver that is gone is only the last thing it saw.
      const orphan = job.driver.host === os.hostname() && !pidAlive(job.driver.pid) && !/^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|UNKNOWN)$/.test(job.state);
      print(`      ${c.cyan(`${job.scheduler} job ${job.jobId} ${job.state}`)}${c.dim(`${job.reason ? ` (${job.reason})` : ""} · attempt ${job.attempt} · since ${job.updatedAt} · output ${job.output ?? "?"}`)}`
        + (orphan ? c.yellow(` · last seen by lcl run pid ${job.driver.pid}, which has exited (check squeue -j ${job.jobId})`) : ""));
    }
  }
  const counts = [...result.values()].reduce<Record<string, number>>((m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }), {});
  print(c.dim(Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ")) + (o.planOnly && list.length === 0 ? c.green("  — nothing to run") : ""));
}

/** `lcl why <experiment> <node>`: the field-level cause of a rerun, or why it is a cache hit. */
export async function why(words: readonly string[], o: Common) {
  if (!words.length) throw new NotFound({ what: "stage", name: "(none)", hint: "usage: lcl why [experiment] <node>" });
  const { s, graph, result } = await assessed(words.slice(0, -1), o);
  const insts = selectInstances(graph, words[words.length - 1]!, s);
  const out: unknown[] = [];
  for (const inst of insts) {
    const a = result.get(inst.id)!;
    if (o.json) { out.push(a.status === "cached" ? { id: a.id, status: a.status, fingerprint: a.fingerprint, producedBy: { experiment: a.record.experiment, instance: a.record.instance, at: a.record.finishedAt } } : a); continue; }
    print(`${c.bold(inst.id)}: ${badge(a)}`);
    if (a.status === "cached") {
      const r = a.record;
      print(`  fingerprint ${short(a.fingerprint)} matches the result ${r.instance === inst.id && r.experiment === graph.experiment ? "this stage" : `${r.instance} of '${r.experiment}'`} produced at ${r.finishedAt} (${ms(r.durationMs)} on ${r.host}, ${r.backend})`);
      if (a.previous && a.previous !== a.fingerprint) print(c.dim(`  (its previous fingerprint in this experiment was ${short(a.previous)})`));
      print(c.dim(`  nothing it depends on changed: code, params, env, backend and input hashes are equal`));
    } else {
      for (const cause of a.causes) print(`  ${cause}`);
      if ("fingerprint" in a) print(c.dim(`  fingerprint ${short(a.fingerprint)}${a.previous && a.previous !== a.fingerprint ? ` (was ${short(a.previous)})` : ""}`));
    }
  }
  if (o.json) print(JSON.stringify(out, null, 1));
}

export async function dag(words: readonly string[], o: Common & { readonly format: DagFormat; readonly withStatus: boolean }) {
  const s = openSession(o.dir);
  const graph = await loadGraph(s, words);
  let st: Map<string, string> | undefined;
  if (o.withStatus) {
    const backend = await backendOf(graph, o);
    st = new Map([...(await assess(s.ws, s.store, graph, backend))].map(([k, v]) => [k, v.status]));
  }
  print(renderDag(graph, o.format, st));
}

/** `lcl show <node|instance|fingerprint|object>`: the stage record and the head of each table. */
export async function show(words: readonly string[], o: Common & { readonly rows?: number; readonly format?: "text" | "markdown"; readonly output?: string }) {
  const s = openSession(o.dir);
  const what = words[words.length - 1];
  if (!what) throw new NotFound({ what: "stage or hash", name: "(none)", hint: "usage: lcl show [experiment] <node|fingerprint|object-hash>" });
  const records: StageRecord[] = [];
  if (/^[0-9a-f]{6,64}$/.test(what)) {
    for await (const r of s.store.allRecords()) {
      if (r.failed) continue;
      const rec = await s.store.readRecord(r.fingerprint);
      if (!rec) continue; // damaged: named and quarantined by the store
      if (r.fingerprint.startsWith(what) || Object.values(rec.outputs).some((x) => x.object.startsWith(what) || x.logical.startsWith(what))) records.push(rec);
    }
  }
  if (!records.length) {
    const graph = await loadGraph(s, words.slice(0, -1));
    const backend = await backendOf(graph, o);
    const result = await assess(s.ws, s.store, graph, backend);
    const ref = await s.store.readRef(graph.experiment);
    for (const inst of selectInstances(graph, what, s)) {
      const a = result.get(inst.id)!;
      if (a.status === "cached") { records.push(a.record); continue; }
      // Not current (e.g. a join that ran over a failed variant, or code changed since): the last result, labelled as such.
      const last = ref?.stages[inst.id]?.fingerprint ? await s.store.readRecord(ref.stages[inst.id]!.fingerprint!) : undefined;
      const note = `${c.bold(inst.id)}: ${a.status} — no current result (run \`lcl why ${graph.experiment} ${inst.id}\`)`;
      if (last) { records.push(last); if (!o.json) print(`${note}; showing the last one, from ${last.finishedAt}`); }
      else if (!o.json) print(note);
    }
  }
  if (o.json) return print(JSON.stringify(records, null, 1));
  if (o.format === "markdown") return showMarkdown(s, records, words, o);
  const rows = o.rows ?? 5;
  for (const r of records) {
    print(c.bold(`${r.instance}`) + c.dim(` (${r.data.stage.kind} v${r.data.stage.version}, experiment ${r.experiment})`));
    print(`  fingerprint ${r.fingerprint}`);
    print(`  ran ${r.startedAt} for ${ms(r.durationMs)} on ${r.host} pid ${r.pid}, backend ${r.backend}; log ${s.store.root}/${r.log}`);
    print(`  params ${JSON.stringify(r.data.params)}`);
    if (Object.keys(r.metrics).length) print(`  metrics ${Object.entries(r.metrics).map(([k, v]) => `${k}=${v}`).join(", ")}`);
    for (const [name, out] of Object.entries(r.outputs)) {
      print(`  output ${c.cyan(name)}: ${out.kind}${out.format ? ` (${out.format})` : ""} ${bytes(out.bytes)}, logical ${short(out.logical)}${out.rows !== undefined ? `, ${out.rows} rows` : ""}`);
      print(c.dim(`    ${s.store.objectPath(out.object)}`));
      if (out.schema) print(c.dim(`    schema ${Object.entries(out.schema).map(([k, v]) => `${k}: ${v}`).join(", ")}`));
      for (const col of out.columns ?? []) print(c.dim(`    ${col.name}: ${["nulls", "min", "max", "mean", "std", "distinct"].filter((k) => (col as any)[k] !== undefined).map((k) => `${k} ${fmt((col as any)[k])}`).join(", ")}`));
      if (out.kind === "table" && rows > 0 && s.store.hasObject(out.object)) {
        const t = await decodeTable(await s.store.readObject(out.object), out.format === "parquet" ? "parquet" : "arrow");
        const cols = t.schema.fields.map((f: { name: string }) => f.name);
        print("    " + cols.join("\t"));
        for (let i = 0; i < Math.min(rows, t.numRows); i++) print("    " + cols.map((k: string) => fmt(t.getChild(k)!.get(i))).join("\t"));
        if (t.numRows > rows) print(c.dim(`    … ${t.numRows - rows} more rows`));
      }
    }
  }
}

/**
 * `lcl show … --format markdown`: each record's metrics and tables as Markdown tables, numbers
 * to four significant digits (as `lcl report --markdown`), headed by the command that made them.
 */
async function showMarkdown(s: ReturnType<typeof openSession>, records: readonly StageRecord[], words: readonly string[], o: { readonly rows?: number; readonly output?: string }) {
  const limit = o.rows ?? 200;
  if (o.output && o.output !== "metrics" && !records.some((r) => o.output! in r.outputs)) throw new NotFound({ what: "output", name: o.output, hint: `outputs are: ${[...new Set(records.flatMap((r) => Object.keys(r.outputs)))].join(", ")}, or \`metrics\`` });
  const cell = (v: unknown): string => typeof v === "number" ? num(v) : typeof v === "bigint" ? v.toString() : v === null || v === undefined ? "—" : typeof v === "object" && "length" in (v as object) ? fmt(v) : String(v);
  print(`<!-- made by \`lcl show ${words.join(" ")} --format markdown${o.output ? ` --output ${o.output}` : ""}\` from the lcl store -->`);
  for (const r of records) {
    print(`\n### ${r.instance}\n\n_${r.data.stage.kind} v${r.data.stage.version}, experiment ${r.experiment}, ${r.finishedAt}_\n`);
    if ((!o.output || o.output === "metrics") && Object.keys(r.metrics).length) print(markdownTable(["metric", "value"], Object.entries(r.metrics).map(([k, v]) => [k, num(v)]), [false, true]) + "\n");
    for (const [name, out] of Object.entries(r.outputs)) {
      if (out.kind !== "table" || (o.output && o.output !== name)) continue;
      if (!s.store.hasObject(out.object)) { print(`#### ${name}\n\n_not in the store (gc'd or quarantined)_\n`); continue; }
      const t = await decodeTable(await s.store.readObject(out.object), out.format === "parquet" ? "parquet" : "arrow");
      const cols = t.schema.fields.map((f: { name: string }) => f.name);
      const numeric = t.schema.fields.map((f: { type: unknown }) => /^(Int|Float|Uint)/.test(String(f.type)));
      const body: string[][] = [];
      for (let i = 0; i < Math.min(limit, t.numRows); i++) body.push(cols.map((k: string) => cell(t.getChild(k)!.get(i))));
      print(`#### ${name}${t.numRows > limit ? ` (first ${limit} of ${t.numRows} rows)` : ""}\n\n${markdownTable(cols, body, numeric)}\n`);
    }
  }
}

function fmt(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  if (typeof v === "bigint") return v.toString();
  if (v && typeof v === "object" && "length" in (v as object)) { const a = Array.from(v as ArrayLike<number>); return `[${a.slice(0, 4).map(fmt).join(", ")}${a.length > 4 ? `, … ${a.length}` : ""}]`; }
  return String(v);
}

/** `lcl runs [experiment]`: the run history, newest last — ids to pass to `lcl diff`. */
export async function runs(words: readonly string[], o: Common & { readonly limit: number }) {
  const s = openSession(o.dir);
  const ids = await s.store.listRuns();
  const records = [];
  for (const id of ids.slice().reverse()) {
    const r = await s.store.readRun(id);
    if (!r || (words[0] && r.experiment !== words[0])) continue;
    records.push(r);
    if (records.length >= o.limit) break;
  }
  records.reverse();
  if (o.json) return print(JSON.stringify(records.map(({ stages, ...r }) => ({ ...r, counts: countStatuses(stages) })), null, 1));
  for (const r of records) {
    const counts = countStatuses(r.stages);
    const verdict = r.status === "ok" ? c.green("ok") : r.status === "failed" ? c.red("failed") : c.yellow(r.status);
    print(`${r.id}  ${r.experiment.padEnd(16)} ${verdict.padEnd(12)} ${ms(Date.parse(r.finishedAt) - Date.parse(r.startedAt)).padStart(7)}  ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ")}${c.dim(` · ${r.backend} · ${r.host}`)}`);
  }
  if (!records.length) print(c.dim("no runs yet"));
}

function countStatuses(stages: Readonly<Record<string, { status: string }>>) {
  const out: Record<string, number> = {};
  for (const st of Object.values(stages)) out[st.status] = (out[st.status] ?? 0) + 1;
  return out;
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
}
