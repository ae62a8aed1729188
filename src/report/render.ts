import { readFile } from "node:fs/promises";
import * as path from "node:path";
import type { OutputRecord, Store } from "../engine/store.js";
import type { FingerprintData } from "../engine/fingerprint.js";
import type { ReportModel, StageInfo } from "./collect.js";
import { diffSection, type DiffView } from "./diff-view.js";
import { dagSvg, STATUS_COLOURS, STATUS_ORDER, type DagBox } from "./dag-svg.js";
import { anchorMaker, bytes, esc, fmt, ms, short } from "./html-util.js";
import { hasCurveAxis, overlayCurves, plotsFor, sweepMetrics, type Plot } from "./plots.js";
import { DEFAULT_LIMITS, loadTable, type LoadedTable } from "./tables.js";
import { buildResults, type ComparedRow } from "./results.js";
import { comparisonHtml, keyFiguresHtml, resultsTableHtml } from "./results-html.js";

/**
 * One self-contained HTML page: styles, a few lines of script, the DAG, plots (static SVG) and
 * images (data: URIs) all inline, so it opens from disk with no server and no network.
 * Large sweeps stay usable: above `collapseAbove` stages the DAG shows one box per node, stage
 * sections are closed <details>, and only the first `fullVariants` variants of each node get
 * table previews, plots and images.
 */
export interface RenderOptions {
  readonly collapseAbove: number;
  readonly fullVariants: number;
  readonly imageBytes: number;
  readonly totalImageBytes: number;
  readonly jsonChars: number;
}
export const DEFAULT_RENDER: RenderOptions = { collapseAbove: 60, fullVariants: 12, imageBytes: 4 << 20, totalImageBytes: 48 << 20, jsonChars: 4000 };


export async function renderReport(store: Store, m: ReportModel, generatedAt: string, against?: DiffView, o: RenderOptions = DEFAULT_RENDER, compared?: { readonly against: string; readonly rows: readonly ComparedRow[] }): Promise<string> {
  const stageAnchor = anchorMaker("s"), nodeAnchor = anchorMaker("n");
  const anchors = new Map(m.stages.map((s) => [s.inst.id, stageAnchor(s.inst.id)]));
  const byNode = new Map<string, StageInfo[]>();
  for (const s of m.stages) byNode.set(s.inst.node, [...(byNode.get(s.inst.node) ?? []), s]);
  const nodeAnchors = new Map([...byNode.keys()].map((n) => [n, nodeAnchor(n)]));
  const collapsed = m.stages.length > o.collapseAbove;
  const budget = { images: o.totalImageBytes };

  const counts: Record<string, number> = {};
  for (const s of m.stages) counts[s.status] = (counts[s.status] ?? 0) + 1;

  const nodeOf = new Map(m.stages.map((s) => [s.inst.id, s.inst.node]));
  const boxes: DagBox[] = collapsed
    ? [...byNode].map(([node, ss]) => {
      const statuses: Record<string, number> = {};
      for (const s of ss) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
      const deps = [...new Set(ss.flatMap((s) => s.inst.deps.map((d) => nodeOf.get(d) ?? d)))];
      return { id: node, label: ss.length > 1 ? `${node} ×${ss.length}` : node, sub: ss[0]!.inst.kind.name, href: nodeAnchors.get(node)!, deps, statuses };
    })
    : m.stages.map((s) => {
      // A sweep variant is its node plus its point (`absolute_amplitude=0 seed=1`) — the full id rarely fits a box.
      const point = Object.entries(s.inst.point).map(([k, v]) => `${k.replace(/^.*\./, "")}=${fmt(v)}`).join(" ");
      const time = s.run?.durationMs !== undefined && s.status === "ran" ? ` · ${ms(s.run.durationMs)}` : "";
      return { id: s.inst.id, label: point ? s.inst.node : s.inst.id, sub: (point || s.inst.kind.name) + time, href: anchors.get(s.inst.id)!, deps: s.inst.deps, statuses: { [s.status]: 1 } };
    });

  // Results first: what the stage kinds declare headline, every row and figure linking to its stage below.
  const results = buildResults(m.stages.map((st) => ({ id: st.inst.id, kind: st.inst.kind, status: st.status, anchor: anchors.get(st.inst.id)!, ...(st.record ? { record: st.record } : {}) })));
  const figures = await keyFiguresHtml(store, results.figures, budget, o.imageBytes);

  const sections: string[] = [];
  for (const [node, ss] of byNode) sections.push(await nodeSection(store, node, ss, nodeAnchors.get(node)!, anchors, o, budget));

  const legend = STATUS_ORDER.filter((s) => counts[s] || ["cached", "ran", "failed", "stale"].includes(s))
    .map((s) => `<span class="chip"><i style="background:${STATUS_COLOURS[s]}"></i>${s} ${counts[s] ?? 0}</span>`).join(" ");
  const toc = [`<a href="#results">results</a>`, ...(compared ? [`<a href="#compare">against ${esc(compared.against)}</a>`] : []), `<a href="#dag">graph</a>`, ...(against ? [`<a href="#diff">diff</a>`] : []), `<a href="#stages">stages</a>`].join(" · ");
  const title = `lcl report — ${m.experiment}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style></head>
<body>
<header id="top"><h1>${esc(m.experiment)}</h1>
<p class="meta">pipeline <b>${esc(m.pipeline)}</b> · ${m.stages.length} stages · ${byNode.size} nodes · backend ${esc(m.backend)}${m.ref ? ` · last run <code>${esc(m.ref.run)}</code> (${esc(m.ref.updatedAt)})` : " · never run"} · generated ${esc(generatedAt)} by <code>lcl report</code></p>
${m.description ? `<p>${esc(m.description)}</p>` : ""}
<nav>${toc} · <button type="button" data-act="open">expand all</button> <button type="button" data-act="close">collapse all</button></nav>
</header>
<main>
<section id="results" class="block"><h2>Results</h2>
${resultsTableHtml(results)}
${figures ? `<h3 class="figs">Key figures</h3>${figures}` : ""}
</section>
${compared ? comparisonHtml(m.experiment, compared.against, compared.rows) : ""}
<section id="dag" class="block"><h2>Graph</h2><p class="legend">${legend}${collapsed ? ` <span class="note">— ${m.stages.length} stages drawn as one box per node; the bar shows the share of each status among its variants</span>` : ""}</p>
<div class="dag-wrap">${dagSvg(boxes)}</div></section>
${against ? diffSection(against) : ""}
<section id="stages" class="block"><h2>Stages <span class="note">provenance: why each ran, fingerprints, params, code, logs, outputs and previews — click to open</span></h2>
${sections.join("\n")}
</section></main>
<footer><a href="#top">top</a></footer>
<script>${SCRIPT}</script>
</body></html>
`;
}

async function nodeSection(store: Store, node: string, ss: readonly StageInfo[], anchor: string, anchors: ReadonlyMap<string, string>, o: RenderOptions, budget: { images: number }): Promise<string> {
  const kind = ss[0]!.inst.kind;
  const parts: string[] = [`<section class="node" id="${esc(anchor)}"><h3>${esc(node)} <span class="kind">${esc(kind.name)} v${kind.version}</span>${ss.length > 1 ? ` <span class="note">${ss.length} variants</span>` : ""}</h3>`];
  if (kind.description) parts.push(`<p class="desc">${esc(kind.description)}</p>`);
  if (ss.length > 1) {
    parts.push(variantTable(ss, anchors));
    const withMetrics = ss.filter((s) => s.record).map((s) => ({ point: s.inst.point, metrics: s.record!.metrics }));
    const sweep = await sweepMetrics(withMetrics, `${node} across variants`);
    if (sweep) parts.push(plotHtml(sweep));
    const overlay = await overlayFor(store, ss.slice(0, 20));
    for (const p of overlay) parts.push(plotHtml(p));
  }
  for (const [i, s] of ss.entries()) parts.push(await stageSection(store, s, anchors.get(s.inst.id)!, false, i < o.fullVariants, o, budget));
  if (ss.length > o.fullVariants) parts.push(`<p class="note">Variants after the first ${o.fullVariants} show their record without table previews, plots or images (report size cap); <code>lcl show</code> prints any of them.</p>`);
  parts.push("</section>");
  return parts.join("\n");
}

function variantTable(ss: readonly StageInfo[], anchors: ReadonlyMap<string, string>): string {
  const axes = [...new Set(ss.flatMap((s) => Object.keys(s.inst.point)))];
  const metricNames = [...new Set(ss.flatMap((s) => Object.keys(s.record?.metrics ?? {})))].slice(0, 8);
  const head = `<tr><th>variant</th>${axes.map((a) => `<th>${esc(a)}</th>`).join("")}<th>status</th><th>time</th>${metricNames.map((k) => `<th>${esc(k)}</th>`).join("")}</tr>`;
  const rows = ss.map((s) => `<tr><td><a href="#${esc(anchors.get(s.inst.id)!)}">${esc(s.inst.id)}</a></td>${axes.map((a) => `<td>${esc(fmt(s.inst.point[a]))}</td>`).join("")}` +
    `<td>${badge(s.status)}</td><td>${s.record ? ms(s.record.durationMs) : "—"}</td>${metricNames.map((k) => `<td class="num">${esc(fmt(s.record?.metrics[k]))}</td>`).join("")}</tr>`);
  const table = `<table class="grid variants">${head}${rows.join("")}</table>`;
  return ss.length > 30 ? `<details class="variants"><summary>all ${ss.length} variants (axes, status, time, metrics)</summary>${table}</details>` : table;
}

async function overlayFor(store: Store, ss: readonly StageInfo[]): Promise<Plot[]> {
  const first = ss.find((s) => s.record)?.record;
  if (!first) return [];
  const out: Plot[] = [];
  for (const [name, rec] of Object.entries(first.outputs)) {
    if (rec.kind !== "table" || rec.rows === undefined || rec.rows < 2 || !hasCurveAxis(rec.schema)) continue;
    const tables: { label: string; table: LoadedTable }[] = [];
    for (const s of ss) {
      const r = s.record?.outputs[name];
      if (!r) continue;
      const t = await loadTable(store, r, { ...DEFAULT_LIMITS, previewRows: 0, sampleCap: 2000 });
      if ("skipped" in t) continue;
      tables.push({ label: Object.entries(s.inst.point).map(([k, v]) => `${k}=${fmt(v)}`).join(",") || s.inst.id, table: t });
    }
    const p = await overlayCurves(tables, `${ss[0]!.inst.node}.${name} across variants`);
    if (p) out.push(p);
  }
  return out;
}

async function stageSection(store: Store, s: StageInfo, anchor: string, open: boolean, full: boolean, o: RenderOptions, budget: { images: number }): Promise<string> {
  const r = s.record;
  const dur = r && s.current ? ms(r.durationMs) : s.run?.durationMs !== undefined ? ms(s.run.durationMs) : "";
  const out: string[] = [`<details class="stage" id="${esc(anchor)}" data-status="${s.status}"${open ? " open" : ""}><summary>${badge(s.status)} <b>${esc(s.inst.id)}</b> <span class="note">${esc(dur)}</span></summary><div class="body">`];
  out.push(`<ul class="why">${s.why.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>`);
  if (s.failure) out.push(`<div class="failure"><b>error</b> <pre>${esc(s.failure.error)}</pre><p class="note">at ${esc(s.failure.at)}; log <code>${esc(path.resolve(store.root, s.failure.log))}</code></p>${await logTail(store, s.failure.log)}</div>`);
  if (!r) {
    if (s.failure) out.push(fingerprintTable(s.failure.fingerprint, s.failure.data));
    else out.push(`<p class="note">No stored result.</p>`);
    out.push("</div></details>");
    return out.join("\n");
  }
  if (!s.current) out.push(`<p class="note warn">Showing the last result this experiment had (${esc(r.finishedAt)}); it is not current.</p>`);
  out.push(fingerprintTable(r.fingerprint, r.data));
  out.push(`<table class="kv"><tr><th>ran</th><td>${esc(r.startedAt)} → ${esc(r.finishedAt)} (${ms(r.durationMs)})</td></tr>` +
    `<tr><th>where</th><td>${esc(r.host)} pid ${r.pid} · backend ${esc(r.backend)}${s.run ? ` · run <code>${esc(s.run.id)}</code>: ${esc(s.run.status)}` : ""}</td></tr>` +
    (r.resumedFrom ? `<tr><th>resumed</th><td>from checkpoint at step ${r.resumedFrom.step} (${esc(r.resumedFrom.savedAt)})</td></tr>` : "") +
    `<tr><th>log</th><td><code>${esc(path.resolve(store.root, r.log))}</code></td></tr></table>`);
  if (Object.keys(r.metrics).length) out.push(`<table class="grid metrics"><tr>${Object.keys(r.metrics).map((k) => `<th>${esc(k)}</th>`).join("")}</tr><tr>${Object.values(r.metrics).map((v) => `<td class="num">${esc(fmt(v))}</td>`).join("")}</tr></table>`);
  for (const [name, rec] of Object.entries(r.outputs)) out.push(await outputHtml(store, s.inst.id, name, rec, full, o, budget));
  out.push("</div></details>");
  return out.join("\n");
}

function fingerprintTable(fingerprint: string, d: FingerprintData): string {
  const rows: [string, string][] = [
    ["fingerprint", `<code>${esc(fingerprint)}</code>`],
    ["stage", `${esc(d.stage.kind)} v${d.stage.version} · scheme ${d.scheme}`],
    ["params", Object.keys(d.params).length ? Object.entries(d.params).map(([k, v]) => `<span class="kvp"><b>${esc(k)}</b> ${esc(fmt(v))}</span>`).join(" ") : "—"],
    ["env", `backend ${esc(d.env.backend ?? "none")}${Object.entries(d.env.vars).map(([k, v]) => ` · ${esc(k)}=${esc(v ?? "(unset)")}`).join("")}`],
    ["inputs", Object.entries(d.inputs).map(([port, h]) => typeof h === "string" ? `<span class="kvp"><b>${esc(port)}</b> <code>${short(h)}</code></span>`
      : `<details class="inline"><summary><b>${esc(port)}</b> ${Object.keys(h).length} variants</summary>${Object.entries(h).slice(0, 50).map(([v, x]) => `<div><code>${short(x)}</code> ${esc(v)}</div>`).join("")}${Object.keys(h).length > 50 ? `<div class="note">… ${Object.keys(h).length - 50} more</div>` : ""}</details>`).join(" ") || "—"],
    ["code", `<details class="inline"><summary>${Object.keys(d.code.files).length} files, ${Object.keys(d.code.packages).length} packages</summary>${Object.entries(d.code.files).map(([f, h]) => `<div><code>${short(h)}</code> ${esc(f)}</div>`).join("")}${Object.entries(d.code.packages).map(([p, v]) => `<div>${esc(p)}@${esc(v)}</div>`).join("")}</details>`],
  ];
  if (Object.keys(d.files).length) rows.push(["files", Object.entries(d.files).slice(0, 30).map(([f, h]) => `<div><code>${short(h)}</code> ${esc(f)}</div>`).join("")]);
  return `<table class="kv fp">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</table>`;
}

async function outputHtml(store: Store, id: string, name: string, rec: OutputRecord, full: boolean, o: RenderOptions, budget: { images: number }): Promise<string> {
  const head = `<h4>output <b>${esc(name)}</b> <span class="note">${esc(rec.kind)}${rec.format ? ` (${esc(rec.format)})` : ""} · ${bytes(rec.bytes)}${rec.rows !== undefined ? ` · ${rec.rows} rows` : ""} · logical <code>${short(rec.logical)}</code>${rec.object !== rec.logical ? ` · object <code>${short(rec.object)}</code>` : ""}</span></h4>`;
  const parts = [`<div class="output">${head}`];
  if (rec.schema && rec.kind === "tensors") parts.push(`<p class="schema">${Object.entries(rec.schema).map(([k, v]) => `<code>${esc(k)}: ${esc(v)}</code>`).join(" ")}</p>`);
  const have = store.hasObject(rec.object);
  if (rec.kind === "table") {
    // Column summaries, the first rows and the plots side by side where the page is wide enough.
    const row = [`<div>${columnTable(rec)}</div>`];
    if (full && have) {
      const t = await loadTable(store, rec);
      if ("skipped" in t) row.push(`<p class="note">${esc(t.skipped)}</p>`);
      else {
        row.push(`<div>${previewTable(t)}</div>`);
        for (const p of await plotsFor(t, `${id}.${name}`)) row.push(plotHtml(p));
      }
    }
    parts.push(`<div class="tv">${row.join("")}</div>`);
  }
  if (!full) { parts.push("</div>"); return parts.join(""); }
  if (rec.kind === "table") { /* done above */ } else if (rec.kind === "file" && have && /^(png|jpe?g|gif|webp|svg)$/i.test(rec.format ?? "")) {
    if (rec.bytes > o.imageBytes || rec.bytes > budget.images) parts.push(`<p class="note">image not inlined (${bytes(rec.bytes)}; report image cap reached): <code>${esc(store.objectPath(rec.object))}</code></p>`);
    else {
      budget.images -= rec.bytes;
      const mime = rec.format === "svg" ? "image/svg+xml" : rec.format === "jpg" ? "image/jpeg" : `image/${rec.format!.toLowerCase()}`;
      const b64 = Buffer.from(await store.readObject(rec.object)).toString("base64");
      parts.push(`<figure><img alt="${esc(`${id} ${name}`)}" loading="lazy" decoding="async" src="data:${mime};base64,${b64}"><figcaption>${esc(id)} · ${esc(name)}</figcaption></figure>`);
    }
  } else if ((rec.kind === "json" || (rec.kind === "file" && /^(json|txt|csv|tsv|md)$/i.test(rec.format ?? ""))) && have) {
    const text = Buffer.from(await store.readObject(rec.object)).toString("utf8");
    let pretty = text;
    if (rec.kind === "json" || rec.format === "json") { try { pretty = JSON.stringify(JSON.parse(text), null, 1); } catch { /* shown as is */ } }
    parts.push(`<details class="inline"><summary>contents${pretty.length > o.jsonChars ? ` (first ${o.jsonChars} of ${pretty.length} characters)` : ""}</summary><pre>${esc(pretty.slice(0, o.jsonChars))}</pre></details>`);
  } else if (!have) parts.push(`<p class="note">object not in the store (gc'd or quarantined)</p>`);
  parts.push("</div>");
  return parts.join("");
}

function columnTable(rec: OutputRecord): string {
  const cols = rec.columns ?? [];
  if (!cols.length) return rec.schema ? `<p class="schema">${Object.entries(rec.schema).map(([k, v]) => `<code>${esc(k)}: ${esc(v)}</code>`).join(" ")}</p>` : "";
  const stats = ["nulls", "min", "max", "mean", "std", "distinct"] as const;
  return `<table class="grid cols"><tr><th>column</th><th>type</th>${stats.map((k) => `<th>${k}</th>`).join("")}</tr>${cols.map((c) =>
    `<tr><td>${esc(c.name)}</td><td><code>${esc(c.type)}</code></td>${stats.map((k) => `<td class="num">${c[k] === undefined ? "" : esc(fmt(c[k]))}</td>`).join("")}</tr>`).join("")}</table>`;
}

function previewTable(t: LoadedTable): string {
  if (!t.head.length) return "";
  return `<table class="grid preview"><tr>${t.fields.map((f) => `<th>${esc(f.name)}</th>`).join("")}</tr>${t.head.map((row) =>
    `<tr>${row.map((v) => `<td${typeof v === "number" ? ' class="num"' : ""}>${esc(fmt(v))}</td>`).join("")}</tr>`).join("")}</table>` +
    (t.rows > t.head.length ? `<p class="note">first ${t.head.length} of ${t.rows} rows</p>` : "");
}

function plotHtml(p: Plot): string {
  return `<figure class="plot" data-plot="${p.kind}">${p.svg}<figcaption>${esc(p.title)}${p.note ? ` <span class="note">(${esc(p.note)})</span>` : ""}</figcaption></figure>`;
}

async function logTail(store: Store, log: string): Promise<string> {
  try {
    // Success records keep the log path relative to the store, failure records an absolute one.
    const text = await readFile(path.resolve(store.root, log), "utf8");
    const lines = text.trimEnd().split("\n").slice(-30);
    return `<details class="inline"><summary>log (last ${lines.length} lines)</summary><pre>${esc(lines.join("\n"))}</pre></details>`;
  } catch { return ""; }
}

function badge(status: string) { return `<span class="badge" style="background:${STATUS_COLOURS[status] ?? "#888"}">${esc(status)}</span>`; }

const CSS = `
:root{--fg:#1d2126;--muted:#667;--line:#e3e5e8;--bg:#fafbfc}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1280px;margin:0 auto;padding:0 20px}header h1{margin:18px 0 4px;font-size:24px}
.meta,.note{color:var(--muted)}.note{font-size:12px}.warn{color:#a05a00}
nav{margin:8px 0 12px}nav button{font:inherit;font-size:12px;padding:1px 8px;border:1px solid var(--line);background:#fff;border-radius:4px;cursor:pointer}
.block{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 16px 16px;margin:14px 0}
h2{font-size:18px;margin:8px 0}h3{font-size:16px;margin:18px 0 6px;border-top:1px solid var(--line);padding-top:12px}h4{font-size:13px;margin:12px 0 4px;font-weight:500}
.kind{font-weight:400;color:var(--muted);font-size:13px}.desc{margin:0 0 8px;color:#333}
.dag-wrap{overflow:auto;max-height:90vh;border:1px solid var(--line);border-radius:6px;background:#fff}#dag-svg{display:block;max-width:100%;height:auto;margin:0 auto}
.rwrap{overflow-x:auto}table.results,table.compare{font-size:13px}table.results tr.kindrow th{background:#eef1f5;border-top:2px solid #d5dae1}table.results td:first-child{white-space:nowrap}
table.compare td.changed{background:#fff6d6}table.compare tr.first td,table.compare tr.first th{border-top:2px solid #d5dae1}
h3.figs{border:0;margin-top:14px}.keyfigs{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px 22px;align-items:start}
.keyfig img{width:100%;min-width:320px;image-rendering:pixelated;border:1px solid var(--line);display:block}.keyfig.plot svg{width:100%;height:auto}
#dag-svg text.l{font-size:12px;font-weight:600;fill:#1d2126}#dag-svg text.s{font-size:10px;fill:#667}#dag-svg a:hover rect:first-of-type{fill:#f3f7ff}
.chip{display:inline-block;margin-right:10px;font-size:12px}.chip i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.badge{display:inline-block;color:#fff;border-radius:3px;padding:0 6px;font-size:11px;font-weight:600;min-width:52px;text-align:center}
details.stage{border:1px solid var(--line);border-radius:6px;margin:6px 0;background:#fff}details.stage>summary{cursor:pointer;padding:5px 10px}
details.stage>.body{padding:0 12px 10px}details.stage:target,details.stage:focus-within{box-shadow:0 0 0 2px #3b7dd855}
details.inline>summary{cursor:pointer;color:#345}
ul.why{margin:6px 0;padding-left:18px}ul.why li{margin:1px 0}
table{border-collapse:collapse;margin:6px 0;font-size:12px}th,td{text-align:left;vertical-align:top;padding:2px 8px 2px 0}
table.grid th,table.grid td{border-bottom:1px solid var(--line);padding:2px 8px}table.grid th{background:#f5f6f8;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}table.kv th{color:var(--muted);font-weight:500;white-space:nowrap;width:90px}
.kvp{display:inline-block;margin-right:12px}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
pre{font:12px ui-monospace,monospace;background:#f5f6f8;padding:6px 8px;border-radius:4px;overflow:auto;max-height:360px}
.tv{display:flex;flex-wrap:wrap;gap:4px 28px;align-items:flex-start}.output{border-top:1px dashed var(--line);margin-top:8px}figure{margin:8px 0}figure img{max-width:100%;image-rendering:pixelated;border:1px solid var(--line)}
figcaption{font-size:12px;color:var(--muted)}figure.plot svg{max-width:100%;height:auto}
.failure{background:#fff4f4;border:1px solid #f1c6c6;border-radius:6px;padding:6px 10px;margin:6px 0}
tr.changed td,tr.changed th{background:#fff6d6}mark{background:#fff0a8}
.dstage{border-left:3px solid #e0a030;padding:2px 10px;margin:8px 0}.dstage.only-a{border-color:#d64545}.dstage.only-b{border-color:#4c9f70}
footer{padding:20px;color:var(--muted)}
`;

// Opening a link's target (and its ancestors) is all the script does; the page reads fully without it.
const SCRIPT = `
(function(){
  function openTo(id){var el=document.getElementById(id);if(!el)return;for(var e=el;e;e=e.parentElement){if(e.tagName==="DETAILS")e.open=true;}el.scrollIntoView();}
  function fromHash(){if(location.hash.length>1)openTo(decodeURIComponent(location.hash.slice(1)));}
  window.addEventListener("hashchange",fromHash);fromHash();
  document.querySelectorAll("nav button").forEach(function(b){b.addEventListener("click",function(){var open=b.getAttribute("data-act")==="open";document.querySelectorAll("details.stage").forEach(function(d){d.open=open;});});});
})();
`;
