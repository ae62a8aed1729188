import { diffSides, loadSide, type DagDiff } from "../../engine/diff.js";
import { c, short } from "../style.js";
import { openSession } from "../../engine/session.js";

const print = (s: string) => process.stdout.write(s + "\n");

/** `lcl diff A B`: changed stages first with causes and output/metric deltas; identical ones collapsed. */
export async function diff(a: string, b: string, o: { readonly dir?: string; readonly json: boolean; readonly all: boolean }) {
  const s = openSession(o.dir);
  const d = await diffSides(s.store, await loadSide(s.store, a), await loadSide(s.store, b));
  if (o.json) return print(JSON.stringify(d, null, 1));
  render(d, o.all);
}

function num(v: unknown) { return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(5)) : String(v ?? "—"); }

function render(d: DagDiff, all: boolean) {
  print(`${c.bold("A")} ${d.a}\n${c.bold("B")} ${d.b}`);
  for (const st of d.stages) {
    if (st.status === "same") { if (all) print(c.dim(`  = ${st.id} ${short(st.a)}`)); continue; }
    if (st.status === "only-a" || st.status === "only-b") { print(`${st.status === "only-a" ? c.red("  - ") : c.green("  + ")}${st.id} ${c.dim(`only in ${st.status === "only-a" ? "A" : "B"}`)}`); continue; }
    print(`${c.yellow("  ~ ")}${c.bold(st.id)} ${c.dim(`${short(st.a)} → ${short(st.b)}`)}`);
    for (const cause of st.causes) print(`      ${cause}`);
    for (const out of st.outputs) {
      if (out.same) { print(c.dim(`      output ${out.name}: unchanged (${short(out.a)})`)); continue; }
      print(`      output ${c.cyan(out.name)}: ${short(out.a)} → ${short(out.b)}${out.rows && out.rows.a !== out.rows.b ? `, rows ${num(out.rows.a)} → ${num(out.rows.b)}` : ""}`);
      for (const sc of out.schema ?? []) print(`        schema ${sc}`);
      // One line per column; mean/std/nulls say most, min/max only for text columns.
      const byCol = new Map<string, string[]>();
      for (const col of out.columns ?? []) {
        if (typeof col.a === "number" && (col.stat === "min" || col.stat === "max")) continue;
        byCol.set(col.column, [...(byCol.get(col.column) ?? []), `${col.stat} ${num(col.a)} → ${num(col.b)}`]);
      }
      for (const [col, parts] of byCol) print(c.dim(`        ${col}: ${parts.join(", ")}`));
    }
    for (const m of st.metrics) print(`      metric ${m.name}: ${num(m.a)} → ${num(m.b)}${m.delta !== undefined ? c.dim(` (${m.delta >= 0 ? "+" : ""}${num(m.delta)})`) : ""}`);
  }
  const sm = d.summary;
  print(c.dim(`${sm.changed} changed, ${sm.same} identical${sm.same && !all ? " (hidden; --all shows them)" : ""}, ${sm["only-a"]} only in A, ${sm["only-b"]} only in B${sm.incomplete ? `, ${sm.incomplete} without stored result` : ""}`));
}
