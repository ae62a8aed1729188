import type { Store } from "../engine/store.js";
import { esc } from "./html-util.js";
import { cellText, num } from "./markdown.js";
import { plotsFor } from "./plots.js";
import type { ComparedRow, KeyFigure, ResultRow, Results } from "./results.js";

/** Rows of one kind shown before the rest fold away. */
const ROWS_SHOWN = 12;
import { DEFAULT_LIMITS, loadTable } from "./tables.js";

/**
 * The results section the report opens with: one table (a header row per stage kind, stages as
 * rows, the kind's headline metrics as columns; seed variants grouped as mean ± 95 % CI), then
 * the key figures, each linking to its stage's details below; with `--against`, A's and B's
 * headline metrics side by side.
 */
export function resultsTableHtml(r: Results): string {
  if (!r.groups.length) return `<p class="note">No stage has stored metrics yet: run the experiment first.</p>`;
  // Kinds that declare their headline lead; when some do, the others' guessed metrics fold away beneath.
  const declared = r.groups.filter((g) => g.declared), other = r.groups.filter((g) => !g.declared);
  const lead = declared.length ? declared : other;
  const seeds = r.groups.some((g) => g.rows.some((row) => row.stages.length > 1 && row.seedAxes.length));
  return groupsTable(lead) +
    (declared.length && other.length ? `<details class="inline others"><summary>${other.reduce((n, g) => n + g.rows.length, 0)} other stages: the first metrics of kinds that declare no headline</summary>${groupsTable(other)}</details>` : "") +
    (seeds ? `<p class="note">mean ± h (n): mean over n seeds, h the half-width of its 95 % confidence interval (Student's t).</p>` : "");
}

function groupsTable(groups: Results["groups"]): string {
  const width = Math.max(...groups.map((g) => g.metrics.length));
  const body: string[] = [];
  for (const g of groups) {
    body.push(`<tr class="kindrow"><th>${esc(g.kind)}</th>${g.metrics.map((m) => `<th class="num">${esc(m)}</th>`).join("")}${"<th></th>".repeat(width - g.metrics.length)}</tr>`);
    const rowHtml = (row: ResultRow) => {
      const target = row.stages.find((s) => s.anchor)?.anchor;
      const label = target ? `<a href="#${esc(target)}">${esc(row.key)}</a>` : esc(row.key);
      const notCurrent = [...new Set(row.stages.filter((s) => s.status !== "cached" && s.status !== "ran").map((s) => s.status))];
      const note = (row.stages.length > 1 ? ` <span class="note">${row.stages.length} variants${row.seedAxes.length ? ` over ${esc(row.seedAxes.join(", "))}` : ""}</span>` : "") +
        (notCurrent.length ? ` <span class="note warn">${esc(notCurrent.join(", "))}</span>` : "");
      return `<tr data-row="${esc(row.key)}"><td>${label}${note}</td>${g.metrics.map((m) => {
        const c = row.cells[m];
        return `<td class="num"${c ? ` data-metric="${esc(m)}" data-mean="${c.mean}"${c.ci95 !== undefined ? ` data-ci95="${c.ci95}"` : ""}` : ""}>${esc(cellText(c))}</td>`;
      }).join("")}${"<td></td>".repeat(width - g.metrics.length)}</tr>`;
    };
    for (const row of g.rows.slice(0, ROWS_SHOWN)) body.push(rowHtml(row));
    // A big sweep keeps the results readable: the rest of its rows fold into one row (the export has them all).
    if (g.rows.length > ROWS_SHOWN) body.push(`<tr class="more"><td colspan="${width + 1}"><details class="inline"><summary>${g.rows.length - ROWS_SHOWN} more ${esc(g.kind)} rows</summary><table class="grid results">${g.rows.slice(ROWS_SHOWN).map(rowHtml).join("")}</table></details></td></tr>`);
  }
  return `<div class="rwrap"><table class="grid results">${body.join("")}</table></div>`;
}

export async function keyFiguresHtml(store: Store, figures: readonly KeyFigure[], budget: { images: number }, imageCap: number): Promise<string> {
  const out: string[] = [];
  for (const f of figures) {
    const rec = f.record;
    const link = f.anchor ? ` · <a href="#${esc(f.anchor)}">details</a>` : "";
    const caption = `<figcaption><b>${esc(f.stage)}</b> · ${esc(f.output)} <span class="note">(${esc(f.kind)})${f.moreVariants ? ` · ${f.moreVariants} more variant${f.moreVariants > 1 ? "s" : ""} in the details` : ""}</span>${link}</figcaption>`;
    if (!store.hasObject(rec.object)) continue;
    if (rec.kind === "file" && /^(png|jpe?g|gif|webp|svg)$/i.test(rec.format ?? "")) {
      if (rec.bytes > imageCap || rec.bytes > budget.images) { out.push(`<figure class="keyfig">${caption}<p class="note">image not inlined (report image cap)</p></figure>`); continue; }
      budget.images -= rec.bytes;
      const fmt = rec.format!.toLowerCase();
      const mime = fmt === "svg" ? "image/svg+xml" : fmt === "jpg" ? "image/jpeg" : `image/${fmt}`;
      const b64 = Buffer.from(await store.readObject(rec.object)).toString("base64");
      const img = `<img alt="${esc(`${f.stage} ${f.output}`)}" src="data:${mime};base64,${b64}">`;
      out.push(`<figure class="keyfig" data-stage="${esc(f.stage)}">${f.anchor ? `<a href="#${esc(f.anchor)}">${img}</a>` : img}${caption}</figure>`);
    } else if (rec.kind === "table") {
      const t = await loadTable(store, rec, { ...DEFAULT_LIMITS, previewRows: 0 });
      if ("skipped" in t) continue;
      const p = (await plotsFor(t, `${f.stage}.${f.output}`))[0];
      if (p) out.push(`<figure class="keyfig plot" data-plot="${p.kind}" data-stage="${esc(f.stage)}">${p.svg}${caption}</figure>`);
    }
  }
  return out.length ? `<div class="keyfigs">${out.join("\n")}</div>` : "";
}

export function comparisonHtml(a: string, b: string, rows: readonly ComparedRow[]): string {
  const body = rows.flatMap((c) => c.metrics.map((m, i) => {
    const d = m.delta;
    // Resolved when both sides have CIs and they do not overlap; said, not coloured by sign (higher is not always better).
    const apart = m.a?.ci95 !== undefined && m.b?.ci95 !== undefined && Math.abs(m.b.mean - m.a.mean) > m.a.ci95 + m.b.ci95;
    return `<tr${i === 0 ? ` class="first"` : ""}>${i === 0 ? `<td rowspan="${c.metrics.length}">${esc(c.a?.key ?? "—")}${c.b && c.b.key !== c.a?.key ? ` <span class="note">↔ ${esc(c.b.key)}</span>` : ""} <span class="note">${esc(c.kind)}</span></td>` : ""}` +
      `<th>${esc(m.name)}</th><td class="num">${esc(cellText(m.a))}</td><td class="num">${esc(cellText(m.b))}</td><td class="num${d !== undefined && d !== 0 ? " changed" : ""}">${d === undefined ? "—" : esc((d >= 0 ? "+" : "") + num(d))}${apart ? ` <span class="note">CIs apart</span>` : ""}</td></tr>`;
  }));
  if (!body.length) return "";
  return `<section id="compare" class="block"><h2>Results against ${esc(b)}</h2><p class="note">A = ${esc(a)}, B = ${esc(b)}; Δ = B − A. The field-level diff follows below.</p>` +
    `<div class="rwrap"><table class="grid compare"><tr><th>stage</th><th>metric</th><th>A</th><th>B</th><th>Δ</th></tr>${body.join("")}</table></div></section>`;
}
