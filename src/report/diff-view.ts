import { canonicalJson } from "../engine/canonical.js";
import type { DagDiff } from "../engine/diff.js";
import type { StageRecord } from "../engine/store.js";
import { anchorMaker, esc, fmt, short } from "./html-util.js";

/**
 * `lcl report --against`: the `lcl diff` view as HTML — per changed stage its causes, every
 * fingerprint field that differs (highlighted) with the equal ones collapsed beneath, output and
 * column-summary deltas and metric deltas; identical stages folded into one list.
 */
export interface DiffView { readonly diff: DagDiff; readonly records: ReadonlyMap<string, StageRecord> }

function flatten(v: unknown, prefix: string, out: Map<string, unknown>) {
  if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length) for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  else out.set(prefix, v);
}

export function diffSection(v: DiffView): string {
  const d = v.diff;
  const sm = d.summary;
  const parts = [`<section id="diff" class="block"><h2>Diff</h2><p class="meta"><b>A</b> ${esc(d.a)} · <b>B</b> ${esc(d.b)} — ${sm.changed} changed, ${sm.same} identical, ${sm["only-a"]} only in A, ${sm["only-b"]} only in B${sm.incomplete ? `, ${sm.incomplete} without stored result` : ""}</p>`];
  const anchor = anchorMaker("d");
  for (const st of d.stages) {
    if (st.status === "same") continue;
    if (st.status === "only-a" || st.status === "only-b") { parts.push(`<div class="dstage ${st.status}" id="${esc(anchor(st.id))}"><b>${st.status === "only-a" ? "−" : "+"} ${esc(st.id)}</b> <span class="note">only in ${st.status === "only-a" ? "A" : "B"}</span></div>`); continue; }
    const parts2 = [`<div class="dstage changed" id="${esc(anchor(st.id))}"><h4>~ ${esc(st.id)} <span class="note"><code>${short(st.a)}</code> → <code>${short(st.b)}</code></span></h4>`];
    parts2.push(`<ul class="why">${st.causes.map((c) => `<li><mark>${esc(c)}</mark></li>`).join("")}</ul>`);
    const ra = st.a ? v.records.get(st.a) : undefined, rb = st.b ? v.records.get(st.b) : undefined;
    if (ra && rb) {
      const fa = new Map<string, unknown>(), fb = new Map<string, unknown>();
      flatten({ ...ra.data, code: { files: ra.data.code.files, packages: ra.data.code.packages } }, "", fa);
      flatten({ ...rb.data, code: { files: rb.data.code.files, packages: rb.data.code.packages } }, "", fb);
      const keys = [...new Set([...fa.keys(), ...fb.keys()])];
      const same = (k: string) => fa.has(k) === fb.has(k) && canonicalJson(fa.get(k) ?? null) === canonicalJson(fb.get(k) ?? null);
      const row = (k: string, cls: string) => `<tr class="${cls}"><th>${esc(k)}</th><td>${fa.has(k) ? esc(fmt(fa.get(k))) : "<i>absent</i>"}</td><td>${fb.has(k) ? esc(fmt(fb.get(k))) : "<i>absent</i>"}</td></tr>`;
      const changed = keys.filter((k) => !same(k)), unchanged = keys.filter(same);
      parts2.push(`<table class="grid fpdiff"><tr><th>field</th><th>A</th><th>B</th></tr>${changed.map((k) => row(k, "changed")).join("")}</table>`);
      if (unchanged.length) parts2.push(`<details class="inline"><summary>${unchanged.length} unchanged fields</summary><table class="grid fpdiff">${unchanged.map((k) => row(k, "same")).join("")}</table></details>`);
    }
    for (const out of st.outputs) {
      if (out.same) { parts2.push(`<p class="note">output ${esc(out.name)}: unchanged (<code>${short(out.a)}</code>)</p>`); continue; }
      const rows: string[] = [];
      if (out.rows && out.rows.a !== out.rows.b) rows.push(`<tr class="changed"><th>rows</th><td>${fmt(out.rows.a)}</td><td>${fmt(out.rows.b)}</td></tr>`);
      for (const sc of out.schema ?? []) rows.push(`<tr class="changed"><th>schema</th><td colspan="2">${esc(sc)}</td></tr>`);
      for (const c of out.columns ?? []) rows.push(`<tr class="changed"><th>${esc(c.column)} ${esc(c.stat)}</th><td>${esc(fmt(c.a))}</td><td>${esc(fmt(c.b))}</td></tr>`);
      parts2.push(`<p>output <b>${esc(out.name)}</b>: <mark><code>${short(out.a)}</code> → <code>${short(out.b)}</code></mark></p>${rows.length ? `<table class="grid"><tr><th></th><th>A</th><th>B</th></tr>${rows.join("")}</table>` : ""}`);
    }
    if (st.metrics.length) parts2.push(`<table class="grid"><tr><th>metric</th><th>A</th><th>B</th><th>Δ</th></tr>${st.metrics.map((mt) => `<tr class="changed"><th>${esc(mt.name)}</th><td class="num">${esc(fmt(mt.a))}</td><td class="num">${esc(fmt(mt.b))}</td><td class="num">${mt.delta === undefined ? "" : (mt.delta >= 0 ? "+" : "") + esc(fmt(mt.delta))}</td></tr>`).join("")}</table>`);
    parts2.push("</div>");
    parts.push(parts2.join(""));
  }
  const same = d.stages.filter((s) => s.status === "same");
  if (same.length) parts.push(`<details class="same"><summary>${same.length} identical stages</summary><ul>${same.map((s) => `<li>= ${esc(s.id)} <code>${short(s.a)}</code></li>`).join("")}</ul></details>`);
  parts.push("</section>");
  return parts.join("\n");
}
