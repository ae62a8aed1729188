import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { defaultExperiment, openSession } from "../../engine/session.js";
import { bytes, c } from "../style.js";

interface ReportFlags {
  readonly dir?: string; readonly backend?: string; readonly against?: string; readonly out: string;
  /** Print the results (and the comparison) as Markdown or JSON instead of writing the HTML file. */
  readonly format?: "markdown" | "json";
  /** Restrict the Markdown/JSON results to these stage kinds or nodes. */
  readonly only?: readonly string[];
}

/** `lcl report [experiment] [--against other] [-o report.html | --markdown | --json]`. */
export async function report(experiment: string | undefined, o: ReportFlags) {
  const s = openSession(o.dir);
  const name = experiment ?? defaultExperiment(s);
  // Loaded here, not at start-up: Vega is only needed for reports.
  const { buildReport, exportResults } = await import("../../report/index.js");
  if (o.format) {
    const text = await exportResults(s, name, o.format, { ...(o.against !== undefined ? { against: o.against } : {}), ...(o.backend !== undefined ? { backend: o.backend } : {}), ...(o.only?.length ? { only: o.only } : {}) });
    process.stdout.write(text.endsWith("\n") ? text : text + "\n");
    return;
  }
  const t0 = Date.now();
  const r = await buildReport(s, name, { ...(o.against !== undefined ? { against: o.against } : {}), ...(o.backend !== undefined ? { backend: o.backend } : {}) });
  const file = path.resolve(o.out);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, r.html);
  const counts = Object.entries(r.counts).map(([k, v]) => `${v} ${k}`).join(", ");
  process.stdout.write(`${c.bold(name)}: ${r.stages} stages (${counts})${o.against ? ` against ${o.against}` : ""} → ${file} ${c.dim(`(${bytes(Buffer.byteLength(r.html))}, ${Date.now() - t0} ms)`)}\n`);
}
