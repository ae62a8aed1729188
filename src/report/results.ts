import type { OutputRecord, StageRecord } from "../engine/store.js";
import type { StageKind } from "../sdk/stage.js";
import { summarise, type Summary } from "./stats.js";

/**
 * The results model every export is made from (HTML, Markdown, JSON): per stage kind, a table
 * whose rows are the stages (sweep variants that differ only by seed grouped into one row, with
 * mean ± 95 % CI over the seeds) and whose columns are the metrics the kind declares headline;
 * and the key figures, the outputs the kinds declare headline. The report attaches no meaning
 * to any name: what is headline comes from `defineStage({ headline })` and `port.*({ headline })`.
 * Kinds that declare nothing fall back to their first few metrics, listed after the declared ones.
 */

/** One stage as the results see it: an instance id, its kind and its stored record, if any. */
export interface ResultStage {
  readonly id: string;
  readonly kind: Pick<StageKind, "name" | "headline" | "outputs">;
  readonly record?: StageRecord;
  /** cached / ran / stale / …; anything but cached or ran marks the row as not current. */
  readonly status: string;
  /** Where the stage's details are in the HTML report (an element id). */
  readonly anchor?: string;
}

export interface Cell extends Summary {
  /** The value of each grouped stage, in row order (undefined where that stage lacks the metric). */
  readonly values: readonly (number | undefined)[];
}

export interface ResultRow {
  /** `node` or `node[axis=v,…]` without the seed axes: what identifies the row across experiments. */
  readonly key: string;
  readonly node: string;
  /** The non-seed sweep point, as in the instance id (`absolute_amplitude=0`). */
  readonly point: readonly (readonly [string, string])[];
  /** Seed axes that were averaged over (empty for a single stage). */
  readonly seedAxes: readonly string[];
  readonly stages: readonly { readonly id: string; readonly status: string; readonly anchor?: string; readonly hasResult: boolean }[];
  readonly cells: Readonly<Record<string, Cell>>;
}

export interface ResultGroup {
  readonly kind: string;
  /** Whether the kind declares its headline metrics (false: the first few metrics were guessed). */
  readonly declared: boolean;
  readonly metrics: readonly string[];
  readonly rows: readonly ResultRow[];
}

export interface KeyFigure {
  readonly stage: string;
  readonly node: string;
  readonly kind: string;
  readonly output: string;
  readonly record: OutputRecord;
  readonly anchor?: string;
  /** Other variants of the same node with this output (shown in the stage details). */
  readonly moreVariants: number;
}

export interface Results {
  readonly groups: readonly ResultGroup[];
  readonly figures: readonly KeyFigure[];
}

/** Metrics listed for a kind that declares none. */
export const GUESSED_METRICS = 6;
/** At most this many key figures (one per node and headline output). */
export const MAX_FIGURES = 24;

const SEED = /(^|[._-])seeds?$/i;

/** `node[a=1,b=x]` → node and point pairs (values as printed in the id). */
export function parseInstanceId(id: string): { node: string; point: [string, string][] } {
  const open = id.indexOf("[");
  if (open < 0 || !id.endsWith("]")) return { node: id, point: [] };
  const inner = id.slice(open + 1, -1);
  const point = inner.split(/,(?=[A-Za-z_][\w.-]*=)/).map((kv) => {
    const eq = kv.indexOf("=");
    return [kv.slice(0, eq), kv.slice(eq + 1)] as [string, string];
  });
  return { node: id.slice(0, open), point };
}

/** Expand declared names (`*` = any characters) against the metrics present, in declaration order. */
export function expandHeadline(patterns: readonly string[], present: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of patterns) {
    if (!p.includes("*")) { if (!out.includes(p)) out.push(p); continue; }
    const re = new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    for (const m of present) if (re.test(m) && !out.includes(m)) out.push(m);
  }
  return out;
}

const hasResult = (s: ResultStage) => s.record !== undefined;

export function buildResults(stages: readonly ResultStage[]): Results {
  const anyDeclared = stages.some((s) => s.kind.headline !== undefined || Object.values(s.kind.outputs).some((p) => p.headline));
  // Kinds in graph order; declared ones first.
  const byKind = new Map<string, ResultStage[]>();
  for (const s of stages) byKind.set(s.kind.name, [...(byKind.get(s.kind.name) ?? []), s]);
  const groups: ResultGroup[] = [];
  for (const [kind, ss] of byKind) {
    const declared = ss[0]!.kind.headline;
    const present = [...new Set(ss.flatMap((s) => Object.keys(s.record?.metrics ?? {})))];
    const expanded = declared ? expandHeadline(declared, present).filter((m) => present.includes(m) || !ss.some(hasResult)) : present.slice(0, GUESSED_METRICS);
    // A declared kind none of whose stages has a result yet still gets its rows (marked missing/stale…), under its patterns.
    const metrics = declared && !expanded.length && !ss.some(hasResult) ? [...declared] : expanded;
    if (!metrics.length || (!declared && !ss.some(hasResult))) continue;
    groups.push({ kind, declared: declared !== undefined, metrics, rows: rowsOf(ss, metrics) });
  }
  groups.sort((a, b) => Number(b.declared) - Number(a.declared));
  return { groups, figures: figuresOf(stages, anyDeclared) };
}

function rowsOf(ss: readonly ResultStage[], metrics: readonly string[]): ResultRow[] {
  const rows = new Map<string, { node: string; point: [string, string][]; seedAxes: Set<string>; members: ResultStage[] }>();
  for (const s of ss) {
    const { node, point } = parseInstanceId(s.id);
    const kept = point.filter(([k]) => !SEED.test(k));
    const key = kept.length ? `${node}[${kept.map(([k, v]) => `${k}=${v}`).join(",")}]` : node;
    const row = rows.get(key) ?? rows.set(key, { node, point: kept, seedAxes: new Set(), members: [] }).get(key)!;
    for (const [k] of point) if (SEED.test(k)) row.seedAxes.add(k);
    row.members.push(s);
  }
  return [...rows].map(([key, r]) => {
    const cells: Record<string, Cell> = {};
    for (const m of metrics) {
      const values = r.members.map((s) => s.record?.metrics[m]);
      const sum = summarise(values.filter((v): v is number => typeof v === "number"));
      if (sum) cells[m] = { ...sum, values };
    }
    return {
      key, node: r.node, point: r.point, seedAxes: [...r.seedAxes], cells,
      stages: r.members.map((s) => ({ id: s.id, status: s.status, hasResult: hasResult(s), ...(s.anchor ? { anchor: s.anchor } : {}) })),
    };
  });
}

function figuresOf(stages: readonly ResultStage[], anyDeclared: boolean): KeyFigure[] {
  const out: KeyFigure[] = [];
  const seen = new Map<string, number>();
  for (const s of stages) {
    const { node } = parseInstanceId(s.id);
    for (const [name, rec] of Object.entries(s.record?.outputs ?? {})) {
      const port = s.kind.outputs[name];
      // Declared: the outputs marked headline. Nothing declared anywhere: every picture (the old guess).
      const headline = anyDeclared ? port?.headline === true : rec.kind === "file" && /^(png|jpe?g|gif|webp|svg)$/i.test(rec.format ?? "");
      if (!headline) continue;
      const key = `${node}\u0000${name}`;
      const at = seen.get(key);
      if (at !== undefined) { const f = out[at]!; out[at] = { ...f, moreVariants: f.moreVariants + 1 }; continue; }
      if (out.length >= MAX_FIGURES) continue;
      seen.set(key, out.length);
      out.push({ stage: s.id, node, kind: s.kind.name, output: name, record: rec, moreVariants: 0, ...(s.anchor ? { anchor: s.anchor } : {}) });
    }
  }
  return out;
}

/** A row of A beside its counterpart in B: the same key, or the only row of the same node on each side. */
export interface ComparedRow {
  readonly kind: string;
  readonly a?: ResultRow;
  readonly b?: ResultRow;
  readonly metrics: readonly { readonly name: string; readonly a?: Cell; readonly b?: Cell; readonly delta?: number }[];
}

export function compareResults(A: Results, B: Results): ComparedRow[] {
  const out: ComparedRow[] = [];
  const bGroups = new Map(B.groups.map((g) => [g.kind, g]));
  const usedB = new Set<ResultRow>();
  for (const ga of A.groups) {
    const gb = bGroups.get(ga.kind);
    const names = [...ga.metrics, ...(gb?.metrics ?? []).filter((m) => !ga.metrics.includes(m))];
    for (const ra of ga.rows) {
      let rb = gb?.rows.find((r) => r.key === ra.key && !usedB.has(r));
      if (!rb && gb) {
        const sameNodeA = ga.rows.filter((r) => r.node === ra.node), sameNodeB = gb.rows.filter((r) => r.node === ra.node && !usedB.has(r));
        if (sameNodeA.length === 1 && sameNodeB.length === 1) rb = sameNodeB[0];
      }
      if (rb) usedB.add(rb);
      out.push(compareRow(ga.kind, names, ra, rb));
    }
  }
  for (const gb of B.groups) for (const rb of gb.rows) if (!usedB.has(rb)) out.push(compareRow(gb.kind, gb.metrics, undefined, rb));
  return out;
}

function compareRow(kind: string, names: readonly string[], a?: ResultRow, b?: ResultRow): ComparedRow {
  return {
    kind, ...(a ? { a } : {}), ...(b ? { b } : {}),
    metrics: names.filter((n) => a?.cells[n] || b?.cells[n]).map((name) => {
      const ca = a?.cells[name], cb = b?.cells[name];
      // B − A, as `lcl diff` reports metric deltas.
      return { name, ...(ca ? { a: ca } : {}), ...(cb ? { b: cb } : {}), ...(ca && cb ? { delta: cb.mean - ca.mean } : {}) };
    }),
  };
}

/** The numbers, as `--json` prints them (no store objects, paths instead). */
export function resultsJson(r: Results, objectPath: (hash: string) => string, comparison?: { against: string; rows: readonly ComparedRow[] }) {
  const cell = (c: Cell) => ({ mean: c.mean, n: c.n, ...(c.sd !== undefined ? { sd: c.sd } : {}), ...(c.ci95 !== undefined ? { ci95: c.ci95, ci: [c.mean - c.ci95, c.mean + c.ci95] } : {}), values: c.values.map((v) => v ?? null) });
  return {
    groups: r.groups.map((g) => ({
      kind: g.kind, declared: g.declared, metrics: g.metrics,
      rows: g.rows.map((row) => ({ key: row.key, node: row.node, point: Object.fromEntries(row.point), seedAxes: row.seedAxes, stages: row.stages.map((s) => ({ id: s.id, status: s.status })), cells: Object.fromEntries(Object.entries(row.cells).map(([k, c]) => [k, cell(c)])) })),
    })),
    figures: r.figures.map((f) => ({ stage: f.stage, output: f.output, kind: f.record.kind, format: f.record.format ?? null, path: objectPath(f.record.object), moreVariants: f.moreVariants })),
    ...(comparison ? { against: comparison.against, comparison: comparison.rows.map((c) => ({ kind: c.kind, a: c.a?.key ?? null, b: c.b?.key ?? null, metrics: c.metrics.map((m) => ({ name: m.name, a: m.a ? cell(m.a) : null, b: m.b ? cell(m.b) : null, delta: m.delta ?? null })) })) } : {}),
  };
}
