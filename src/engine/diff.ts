import { diffFingerprints, describeChange } from "./fingerprint.js";
import type { OutputRecord, StageRecord, Store } from "./store.js";
import { NotFound } from "./errors.js";

/**
 * Whole-DAG diff of two runs or experiments: per stage, same or different fingerprint and why,
 * output identity, table shape/schema/column-summary deltas and metric deltas.
 */
export interface Side { readonly label: string; readonly stages: ReadonlyMap<string, { fingerprint?: string; status: string }> }

export interface OutputDiff {
  readonly name: string;
  readonly same: boolean;
  readonly a?: string;
  readonly b?: string;
  readonly rows?: { readonly a?: number; readonly b?: number };
  readonly schema?: readonly string[];
  readonly columns?: readonly { readonly column: string; readonly stat: string; readonly a?: number | string; readonly b?: number | string }[];
}
export interface StageDiff {
  readonly id: string;
  readonly status: "same" | "changed" | "only-a" | "only-b" | "incomplete";
  readonly a?: string;
  readonly b?: string;
  readonly causes: readonly string[];
  readonly outputs: readonly OutputDiff[];
  readonly metrics: readonly { readonly name: string; readonly a?: number; readonly b?: number; readonly delta?: number }[];
}
export interface DagDiff { readonly a: string; readonly b: string; readonly stages: readonly StageDiff[]; readonly summary: Readonly<Record<StageDiff["status"], number>> }

/** An experiment name (its ref) or a run id (or unique run-id prefix). */
export async function loadSide(store: Store, name: string): Promise<Side> {
  const ref = await store.readRef(name);
  if (ref) return { label: name, stages: new Map(Object.entries(ref.stages)) };
  const runs = await store.listRuns();
  const matches = runs.filter((r) => r === name || r.startsWith(name));
  if (matches.length === 1) {
    const run = (await store.readRun(matches[0]!))!;
    return { label: `run ${run.id} (${run.experiment})`, stages: new Map(Object.entries(run.stages)) };
  }
  throw new NotFound({ what: "experiment or run", name, hint: matches.length > 1 ? `ambiguous run prefix: ${matches.slice(0, 5).join(", ")}` : "run the experiment first, or see `lcl runs` for run ids" });
}

function outputDiff(name: string, a?: OutputRecord, b?: OutputRecord): OutputDiff {
  const same = !!a && !!b && a.logical === b.logical;
  const d: { -readonly [K in keyof OutputDiff]: OutputDiff[K] } = { name, same, ...(a ? { a: a.logical } : {}), ...(b ? { b: b.logical } : {}) };
  if (same || !a || !b) return d;
  if (a.rows !== undefined || b.rows !== undefined) d.rows = { ...(a.rows !== undefined ? { a: a.rows } : {}), ...(b.rows !== undefined ? { b: b.rows } : {}) };
  const sa = a.schema ?? {}, sb = b.schema ?? {};
  const schema: string[] = [];
  for (const k of new Set([...Object.keys(sa), ...Object.keys(sb)])) {
    if (!(k in sa)) schema.push(`+ ${k}: ${sb[k]}`);
    else if (!(k in sb)) schema.push(`- ${k}: ${sa[k]}`);
    else if (sa[k] !== sb[k]) schema.push(`~ ${k}: ${sa[k]} → ${sb[k]}`);
  }
  if (schema.length) d.schema = schema;
  const cols: { column: string; stat: string; a?: number | string; b?: number | string }[] = [];
  const ca = new Map((a.columns ?? []).map((c) => [c.name, c])), cb = new Map((b.columns ?? []).map((c) => [c.name, c]));
  for (const [col, x] of ca) {
    const y = cb.get(col);
    if (!y) continue;
    for (const stat of ["nulls", "min", "max", "mean", "std", "distinct"] as const) {
      const va = x[stat], vb = y[stat];
      if (va !== vb && (va !== undefined || vb !== undefined)) cols.push({ column: col, stat, ...(va !== undefined ? { a: va } : {}), ...(vb !== undefined ? { b: vb } : {}) });
    }
  }
  if (cols.length) d.columns = cols;
  return d;
}

/**
 * Pair instances by id; leftovers of the same node are paired across a sweep boundary
 * (`numbers` ↔ each `numbers[offset=…]`), so a plain experiment and its sweep compare usefully.
 */
function alignInstances(A: Side, B: Side): [string | undefined, string | undefined][] {
  const node = (id: string) => id.replace(/\[.*$/, "");
  const pairs: [string | undefined, string | undefined][] = [];
  const onlyA = [...A.stages.keys()].filter((k) => !B.stages.has(k));
  const onlyB = [...B.stages.keys()].filter((k) => !A.stages.has(k));
  const usedA = new Set<string>(), usedB = new Set<string>();
  for (const id of new Set([...A.stages.keys(), ...B.stages.keys()])) if (A.stages.has(id) && B.stages.has(id)) pairs.push([id, id]);
  for (const n of new Set([...onlyA, ...onlyB].map(node))) {
    const as = onlyA.filter((k) => node(k) === n), bs = onlyB.filter((k) => node(k) === n);
    if (as.length === 1 && bs.length >= 1) { for (const b of bs) { pairs.push([as[0], b]); usedB.add(b); } usedA.add(as[0]!); }
    else if (bs.length === 1 && as.length > 1) { for (const a of as) { pairs.push([a, bs[0]]); usedA.add(a); } usedB.add(bs[0]!); }
  }
  for (const a of onlyA) if (!usedA.has(a)) pairs.push([a, undefined]);
  for (const b of onlyB) if (!usedB.has(b)) pairs.push([undefined, b]);
  return pairs;
}

export async function diffSides(store: Store, A: Side, B: Side): Promise<DagDiff> {
  const pairs = alignInstances(A, B);
  const stages: StageDiff[] = [];
  const load = async (fp?: string): Promise<StageRecord | undefined> => (fp ? store.readRecord(fp) : undefined);
  for (const [ia, ib] of pairs) {
    const a = ia !== undefined ? A.stages.get(ia) : undefined, b = ib !== undefined ? B.stages.get(ib) : undefined;
    const id = ia === undefined ? ib! : ib === undefined || ia === ib ? ia : `${ia} ↔ ${ib}`;
    const base = { id, ...(a?.fingerprint ? { a: a.fingerprint } : {}), ...(b?.fingerprint ? { b: b.fingerprint } : {}) };
    if (!a || !b) { stages.push({ ...base, status: a ? "only-a" : "only-b", causes: [], outputs: [], metrics: [] }); continue; }
    if (a.fingerprint && a.fingerprint === b.fingerprint) { stages.push({ ...base, status: "same", causes: [], outputs: [], metrics: [] }); continue; }
    const [ra, rb] = [await load(a.fingerprint), await load(b.fingerprint)];
    const fa = ra ?? (a.fingerprint ? await store.readFailure(a.fingerprint) : undefined);
    const fb = rb ?? (b.fingerprint ? await store.readFailure(b.fingerprint) : undefined);
    if (!fa || !fb) { stages.push({ ...base, status: "incomplete", causes: [`${!fa ? "A" : "B"} has no stored result for this stage (${(!fa ? a : b).status})`], outputs: [], metrics: [] }); continue; }
    const causes = diffFingerprints(fa.data, fb.data, fa.codeDetail, fb.codeDetail).map(describeChange);
    const outputs = ra && rb ? [...new Set([...Object.keys(ra.outputs), ...Object.keys(rb.outputs)])].map((k) => outputDiff(k, ra.outputs[k], rb.outputs[k])) : [];
    const metrics = ra && rb ? [...new Set([...Object.keys(ra.metrics), ...Object.keys(rb.metrics)])].map((k) => {
      const x = ra.metrics[k], y = rb.metrics[k];
      return { name: k, ...(x !== undefined ? { a: x } : {}), ...(y !== undefined ? { b: y } : {}), ...(x !== undefined && y !== undefined ? { delta: y - x } : {}) };
    }).filter((m) => m.a !== m.b) : [];
    stages.push({ ...base, status: "changed", causes, outputs, metrics });
  }
  const summary = { same: 0, changed: 0, "only-a": 0, "only-b": 0, incomplete: 0 };
  for (const s of stages) summary[s.status]++;
  return { a: A.label, b: B.label, stages, summary };
}
