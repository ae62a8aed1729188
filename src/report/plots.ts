import type { Column, LoadedTable } from "./tables.js";

/**
 * Plots chosen from a table's columns alone — the engine knows nothing of neuroscience, so a
 * training curve is "a step/epoch column and numeric ones", a histogram is "many rows, a float
 * column, maybe a small grouping column", a summary is "a few labelled rows of numbers" — and
 * rendered to static SVG here in Node with Vega-Lite, so the report needs no script to show them.
 */
export interface Plot { readonly kind: "curve" | "lines" | "histogram" | "summary"; readonly title: string; readonly svg: string; readonly note?: string }
type Spec = Record<string, unknown>;

const X_NAMES = /^(step|steps|epoch|epochs|iter|iteration|iterations|round|generation)$/i;
const METRIC = /loss|acc|error|err$|similar|score|decorr|reward|(^|_)mi($|_)|r2|corr|auc|^r$/i;
const VOLATILE = /^wall|time$|_s$|_ms$|^t$/i;
const GROUP_NAMES = /^(layer|group|region|condition|type|split|tier|set|variant|subset|kind|model)$/i;
const LONG_NAMES = /^(metric|measure|variable|quantity|statistic)$/i;
const isNum = (c: Column) => /^(int32|int64|float32|float64)$/.test(c.type);
const isFloat = (c: Column) => /^float(32|64)$/.test(c.type);
const distinct = (c: Column) => new Set(c.values.filter((v) => v !== null && v !== undefined)).size;

/** Whether a table schema (column → type) has a step/epoch column: only such outputs are overlaid across variants. */
export const hasCurveAxis = (schema: Readonly<Record<string, string>> | undefined) =>
  Object.entries(schema ?? {}).some(([k, t]) => X_NAMES.test(k) && /^(int|float)(32|64)$/.test(t));

export async function plotsFor(t: LoadedTable, title: string): Promise<Plot[]> {
  const specs = choose(t, title);
  const out: Plot[] = [];
  for (const s of specs) out.push({ kind: s.kind, title: s.title, svg: await toSvg(s.spec), ...(s.note ? { note: s.note } : {}) });
  return out;
}

interface Choice { kind: Plot["kind"]; title: string; spec: Spec; note?: string }

export function choose(t: LoadedTable, title: string): Choice[] {
  const cols = t.columns;
  if (!t.rows || !cols.length) return [];
  const sampledNote = t.sampled ? `an even sample of ${cols[0]!.values.length} of ${t.rows} rows` : undefined;
  const withNote = (c: Omit<Choice, "note">): Choice => (sampledNote ? { ...c, note: sampledNote } : c);

  // 1. A curve: a step/epoch column and numeric series against it (loss, accuracy, …).
  const x = cols.find((c) => X_NAMES.test(c.name) && isNum(c));
  if (x && t.rows >= 2) {
    const numeric = cols.filter((c) => c !== x && isNum(c) && !VOLATILE.test(c.name));
    const preferred = numeric.filter((c) => METRIC.test(c.name));
    const ys = (preferred.length ? preferred : numeric).slice(0, 4);
    if (ys.length) return [withNote({ kind: "curve", title: `${title}: ${ys.map((c) => c.name).join(", ")} by ${x.name}`, spec: curve(x, ys) })];
  }
  const floats = cols.filter(isFloat);
  if (!floats.length) return [];
  const y = floats.find((c) => METRIC.test(c.name)) ?? floats[floats.length - 1]!;

  // 2. Lines per category over a small ordinal axis (e.g. accuracy by severity, per corruption).
  if (t.rows <= 500) {
    const colour = cols.find((c) => c.type === "utf8" && distinct(c) >= 2 && distinct(c) <= 12);
    const ord = cols.find((c) => /^int(32|64)$/.test(c.type) && distinct(c) >= 3 && distinct(c) <= 12 && !GROUP_NAMES.test(c.name));
    if (colour && ord && t.rows >= distinct(colour) * 3) return [{ kind: "lines", title: `${title}: ${y.name} by ${ord.name}, per ${colour.name}`, spec: lines(ord, y, colour) }];
  }

  // 3. A small labelled table: one row per thing, its numbers as dots (with error bars when a
  //    matching sd/sem/std or lo/hi column exists).
  if (t.rows <= 40) {
    // Long format (a `metric` column naming what each row measures): one panel per metric.
    const long = cols.find((c) => c.type === "utf8" && LONG_NAMES.test(c.name));
    const labels = cols.filter((c) => c !== long && (c.type === "utf8" || c.type === "bool" || (/^int(32|64)$/.test(c.type) && GROUP_NAMES.test(c.name)))).slice(0, 3);
    const shown = floats.filter((c) => !SPREAD.test(c.name)).slice(0, long ? 2 : 6);
    if (shown.length && labels.length) return [{ kind: "summary", title: `${title}: ${shown.map((c) => c.name).join(", ")}${long ? ` per ${long.name}` : ""}`, spec: summary(t, labels, shown, cols, long) }];
    return [];
  }

  // 4. A distribution: many rows of a float column, split by a small grouping column if any.
  if (t.rows >= 30) {
    const v = floats.find((c) => METRIC.test(c.name)) ?? floats[0]!;
    const groups = cols.filter((c) => c !== v && (c.type === "utf8" || c.type === "bool" || /^int(32|64)$/.test(c.type)) && distinct(c) >= 2 && distinct(c) <= 8);
    const g = groups.find((c) => GROUP_NAMES.test(c.name)) ?? groups[0];
    return [withNote({ kind: "histogram", title: `${title}: distribution of ${v.name}${g ? ` by ${g.name}` : ""}`, spec: histogram(v, g) })];
  }
  return [];
}

const base = (): Spec => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  background: "white",
  config: { font: "system-ui, sans-serif", axis: { labelFontSize: 10, titleFontSize: 11 }, header: { labelFontSize: 11 }, view: { stroke: "#ddd" } },
});

const MAX_POINTS = 400;
function curve(x: Column, ys: readonly Column[]): Spec {
  const n = x.values.length;
  const stride = Math.max(1, Math.ceil(n / MAX_POINTS));
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i += stride) for (const y of ys) if (typeof y.values[i] === "number" && Number.isFinite(y.values[i])) rows.push({ x: x.values[i], series: y.name, value: y.values[i] });
  return {
    ...base(), data: { values: rows },
    facet: { field: "series", type: "nominal", title: null, sort: ys.map((y) => y.name) }, columns: Math.min(ys.length, 4),
    spec: { width: 210, height: 130, mark: { type: "line", strokeWidth: 1.5 }, encoding: {
      x: { field: "x", type: "quantitative", title: x.name }, y: { field: "value", type: "quantitative", title: null, scale: { zero: false } } } },
    resolve: { scale: { y: "independent" } },
  };
}

function lines(x: Column, y: Column, colour: Column): Spec {
  const rows = x.values.map((_, i) => ({ x: x.values[i], y: y.values[i], c: colour.values[i] }));
  return {
    ...base(), width: 360, height: 220, data: { values: rows },
    mark: { type: "line", point: true },
    encoding: { x: { field: "x", type: "ordinal", title: x.name }, y: { field: "y", type: "quantitative", title: y.name, scale: { zero: false } },
      color: { field: "c", type: "nominal", title: colour.name } },
  };
}

/** Columns that are another column's spread (sd, sem, CI bounds): drawn as error bars, not as metrics. */
const SPREAD = /(^|_)(sd|sem|std|se|lo|hi|low|high)$|^(sd|sem|std|se)_/;

function summary(t: LoadedTable, labels: readonly Column[], metrics: readonly Column[], cols: readonly Column[], long?: Column): Spec {
  const get = (n: string) => cols.find((c) => c.name === n)!;
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < t.rows; i++) {
    const label = labels.map((l) => String(l.values[i])).join(" · ");
    for (const m of metrics) {
      const v = m.values[i];
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      const panel = long ? `${String(long.values[i])}${metrics.length > 1 ? ` ${m.name}` : ""}` : m.name;
      const r: Record<string, unknown> = { label, metric: panel, value: v };
      const stem = m.name.replace(/^mean_/, "");
      const sd = (m.name === "mean" ? ["sd", "std", "sem", "se"] : [`${m.name}_sd`, `${m.name}_std`, `${m.name}_sem`, `sd_${m.name}`, `${stem}_sd`]).find((n) => cols.some((c) => c.name === n));
      if (sd && typeof get(sd).values[i] === "number") { r.lo = v - (get(sd).values[i] as number); r.hi = v + (get(sd).values[i] as number); }
      else for (const [lo, hi] of [[`${stem}_lo`, `${stem}_hi`], [`${m.name}_lo`, `${m.name}_hi`]] as const)
        if (cols.some((c) => c.name === lo) && cols.some((c) => c.name === hi)) { r.lo = get(lo).values[i]; r.hi = get(hi).values[i]; break; }
      rows.push(r);
    }
  }
  const order = [...new Set(rows.map((r) => r.label as string))];
  const panels = [...new Set(rows.map((r) => r.metric as string))];
  return {
    ...base(), data: { values: rows },
    facet: { field: "metric", type: "nominal", title: null, sort: panels }, columns: Math.min(panels.length, 3),
    spec: { width: 200, height: { step: 16 }, layer: [
      { mark: { type: "rule", color: "#888" }, encoding: { y: { field: "label", type: "nominal", sort: order, title: null }, x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } } },
      { mark: { type: "point", filled: true, size: 40 }, encoding: { y: { field: "label", type: "nominal", sort: order, title: null }, x: { field: "value", type: "quantitative", title: null, scale: { zero: false } } } },
    ] },
    resolve: { scale: { x: "independent" } },
  };
}

/**
 * Counts are computed here, in equal-width bins over the data's range: Vega-Lite's own "nice"
 * binning double-counts the last bin for some float ranges (e.g. values in [10, 11)).
 */
function histogram(v: Column, g?: Column): Spec {
  const xs: { v: number; g: string }[] = [];
  v.values.forEach((x, i) => { if (typeof x === "number" && Number.isFinite(x)) xs.push({ v: x, g: g ? String(g.values[i]) : "" }); });
  let lo = Infinity, hi = -Infinity;
  for (const { v: x } of xs) { if (x < lo) lo = x; if (x > hi) hi = x; }
  const bins = lo === hi ? 1 : 30, width = lo === hi ? 1 : (hi - lo) / bins;
  const counts = new Map<string, number[]>();
  for (const { v: x, g: k } of xs) {
    const c = counts.get(k) ?? counts.set(k, new Array<number>(bins).fill(0)).get(k)!;
    c[Math.min(bins - 1, Math.floor((x - lo) / width))]!++;
  }
  const rows = [...counts].flatMap(([k, c]) => c.map((n, b) => ({ g: k, x0: lo + b * width, x1: lo + (b + 1) * width, n })));
  const bar = { mark: { type: "bar", opacity: 0.85, stroke: "white", strokeWidth: 0.5 }, encoding: {
    x: { field: "x0", type: "quantitative", title: v.name, scale: { zero: false, nice: false } }, x2: { field: "x1" },
    y: { field: "n", type: "quantitative", title: "count" }, y2: { datum: 0 } } };
  if (!g) return { ...base(), width: 360, height: 160, data: { values: rows }, ...bar };
  return { ...base(), data: { values: rows }, facet: { row: { field: "g", type: "nominal", title: g.name } }, spec: { width: 360, height: 90, ...bar } };
}

let seq = 0;
async function toSvg(spec: Spec): Promise<string> {
  // Loaded on first use: the rest of the CLI never pays for Vega.
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return uniqueIds(svg, `p${++seq}`);
  } finally { view.finalize(); }
}

/** Vega names clip paths `clip1`, … in every chart; inline in one page they would collide. */
function uniqueIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]!));
  if (!ids.size) return svg;
  return svg.replace(/\b(id="|url\(#|href="#)([^")]+)/g, (m, pre: string, id: string) => (ids.has(id) ? `${pre}${prefix}-${id}` : m));
}

/** The curves of a sweep's variants on shared axes, one colour per variant (≤ 20 variants). */
export async function overlayCurves(tables: readonly { label: string; table: LoadedTable }[], title: string): Promise<Plot | undefined> {
  if (tables.length < 2) return undefined;
  const first = tables[0]!.table;
  const x = first.columns.find((c) => X_NAMES.test(c.name) && isNum(c));
  if (!x) return undefined;
  const numeric = first.columns.filter((c) => c !== x && isNum(c) && !VOLATILE.test(c.name));
  const ys = ((l) => (l.length ? l : numeric))(numeric.filter((c) => METRIC.test(c.name))).slice(0, 3).map((c) => c.name);
  if (!ys.length) return undefined;
  const rows: Record<string, unknown>[] = [];
  for (const { label, table } of tables) {
    const xc = table.columns.find((c) => c.name === x.name);
    if (!xc) continue;
    const stride = Math.max(1, Math.ceil(xc.values.length / 200));
    for (const y of ys) {
      const yc = table.columns.find((c) => c.name === y);
      if (!yc) continue;
      for (let i = 0; i < xc.values.length; i += stride) if (typeof yc.values[i] === "number" && Number.isFinite(yc.values[i])) rows.push({ x: xc.values[i], series: y, value: yc.values[i], variant: label });
    }
  }
  const spec: Spec = {
    ...base(), data: { values: rows },
    facet: { field: "series", type: "nominal", title: null, sort: ys }, columns: Math.min(ys.length, 3),
    spec: { width: 260, height: 150, mark: { type: "line", strokeWidth: 1.2 }, encoding: {
      x: { field: "x", type: "quantitative", title: x.name }, y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
      color: { field: "variant", type: "nominal", title: "variant", legend: { labelLimit: 260 } } } },
    resolve: { scale: { y: "independent" } },
  };
  return { kind: "curve", title: `${title}: ${ys.join(", ")} by ${x.name}`, svg: await toSvg(spec) };
}

/**
 * A sweep's metrics against its axes: one panel per metric that varies across variants, the
 * first numeric axis along x and the next axis as colour (≤ 4 metrics).
 */
export async function sweepMetrics(variants: readonly { point: Readonly<Record<string, unknown>>; metrics: Readonly<Record<string, number>> }[], title: string): Promise<Plot | undefined> {
  if (variants.length < 2) return undefined;
  const axes = [...new Set(variants.flatMap((v) => Object.keys(v.point)))];
  if (!axes.length) return undefined;
  const names = [...new Set(variants.flatMap((v) => Object.keys(v.metrics)))]
    .filter((k) => new Set(variants.map((v) => v.metrics[k])).size > 1).slice(0, 4);
  if (!names.length) return undefined;
  const numericAxis = (a: string) => variants.every((v) => typeof v.point[a] === "number");
  // Seeds are replicates: along x goes a real axis when there is one, seeds become colours.
  const x = axes.find((a) => numericAxis(a) && !/seed/i.test(a)) ?? axes.find(numericAxis) ?? axes[0]!;
  const colour = axes.find((a) => a !== x);
  const rows = variants.flatMap((v) => names.filter((k) => typeof v.metrics[k] === "number" && Number.isFinite(v.metrics[k]))
    .map((k) => ({ metric: k, x: typeof v.point[x] === "object" ? JSON.stringify(v.point[x]) : v.point[x], c: colour ? String(v.point[colour]) : "", value: v.metrics[k] })));
  const many = colour ? new Set(rows.map((r) => r.c)).size > 12 : false;
  const spec: Spec = {
    ...base(), data: { values: rows },
    facet: { field: "metric", type: "nominal", title: null, sort: names }, columns: Math.min(names.length, 4),
    spec: { width: 220, height: 140, mark: { type: "line", point: true, strokeWidth: 1 }, encoding: {
      x: { field: "x", type: numericAxis(x) ? "quantitative" : "nominal", title: x, ...(numericAxis(x) ? { scale: { zero: false } } : {}) },
      y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
      ...(colour ? { color: { field: "c", type: many ? "quantitative" : "nominal", title: colour } } : {}) } },
    resolve: { scale: { y: "independent" } },
  };
  return { kind: "summary", title: `${title}: ${names.join(", ")} by ${x}${colour ? `, per ${colour}` : ""}`, svg: await toSvg(spec) };
}
