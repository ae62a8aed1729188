import type { Cell, ComparedRow, ResultRow, Results } from "./results.js";

/**
 * Markdown from the results model (`lcl report --markdown`): one table per stage kind, ready to
 * paste into a README or a paper draft, and the comparison with `--against`. Numbers keep four
 * significant digits; a row averaged over seeds reads `mean ± h (n)`, h the half-width of the
 * 95 % t interval.
 */
export function num(v: number | undefined | null): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return "—";
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

export function cellText(c: Cell | undefined): string {
  if (!c) return "—";
  if (c.n < 2 || c.ci95 === undefined) return num(c.mean);
  return `${num(c.mean)} ± ${num(c.ci95)} (${c.n})`;
}

const escCell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], numeric?: readonly boolean[]): string {
  const align = header.map((_, i) => (numeric?.[i] ? "---:" : "---"));
  return [`| ${header.map(escCell).join(" | ")} |`, `|${align.join("|")}|`, ...rows.map((r) => `| ${r.map(escCell).join(" | ")} |`)].join("\n");
}

export const rowLabel = (r: ResultRow) => r.key;

function statusNote(r: ResultRow): string {
  const notCurrent = r.stages.filter((s) => s.status !== "cached" && s.status !== "ran");
  return notCurrent.length ? ` (${[...new Set(notCurrent.map((s) => s.status))].join(", ")})` : "";
}

export function resultsMarkdown(experiment: string, r: Results, o: { command: string; against?: { name: string; rows: readonly ComparedRow[] } }): string {
  const out: string[] = [`<!-- made by \`${o.command}\` from the lcl store; rerun it to refresh -->`, `## Results: ${experiment}`, ""];
  if (!r.groups.length) out.push("_No stage has stored metrics yet: run the experiment first._", "");
  let seeds = false;
  for (const g of r.groups) {
    out.push(`### ${g.kind}${g.declared ? "" : " (metrics not declared headline by the kind: its first few)"}`, "");
    const rows = g.rows.map((row) => {
      if (row.stages.length > 1 && row.seedAxes.length) seeds = true;
      return [rowLabel(row) + statusNote(row), ...g.metrics.map((m) => cellText(row.cells[m]))];
    });
    out.push(markdownTable(["stage", ...g.metrics], rows, [false, ...g.metrics.map(() => true)]), "");
  }
  if (seeds) out.push("`mean ± h (n)`: mean over n seeds, h the half-width of its 95 % confidence interval (Student's t).", "");
  if (o.against) {
    out.push(`## ${experiment} against ${o.against.name}`, "", "Δ = B − A.", "");
    const rows = o.against.rows.flatMap((c) => c.metrics.map((m) => [c.a?.key ?? "—", c.b?.key ?? "—", m.name, cellText(m.a), cellText(m.b), m.delta === undefined ? "—" : (m.delta >= 0 ? "+" : "") + num(m.delta)]));
    out.push(markdownTable(["A stage", "B stage", "metric", `A (${experiment})`, `B (${o.against.name})`, "Δ"], rows, [false, false, false, true, true, true]), "");
  }
  return out.join("\n");
}
