import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { defaultExperiment, openSession } from "../session.js";
import { bytes, c } from "../style.js";

/** `lcl report [experiment] [--against other] -o report.html`: write the self-contained HTML report. */
export async function report(experiment: string | undefined, o: { readonly dir?: string; readonly backend?: string; readonly against?: string; readonly out: string }) {
  const s = openSession(o.dir);
  const name = experiment ?? defaultExperiment(s);
  // Loaded here, not at start-up: Vega is only needed for reports.
  const { buildReport } = await import("../../report/index.js");
  const t0 = Date.now();
  const r = await buildReport(s, name, { ...(o.against !== undefined ? { against: o.against } : {}), ...(o.backend !== undefined ? { backend: o.backend } : {}) });
  const file = path.resolve(o.out);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, r.html);
  const counts = Object.entries(r.counts).map(([k, v]) => `${v} ${k}`).join(", ");
  process.stdout.write(`${c.bold(name)}: ${r.stages} stages (${counts})${o.against ? ` against ${o.against}` : ""} → ${file} ${c.dim(`(${bytes(Buffer.byteLength(r.html))}, ${Date.now() - t0} ms)`)}\n`);
}
