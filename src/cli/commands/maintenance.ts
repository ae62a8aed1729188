import { CorruptObject, UsageError } from "../../engine/errors.js";
import { beginMaintenance, gc as runGc, verify as runVerify } from "../../engine/maintenance.js";
import { bytes, c } from "../style.js";
import { openSession } from "../../engine/session.js";

const print = (s: string) => process.stdout.write(s + "\n");

export async function gc(o: { readonly dir?: string; readonly dryRun: boolean; readonly keepRuns: number; readonly graceHours: number; readonly json: boolean }) {
  if (!(o.graceHours >= 0)) throw new UsageError({ message: `--grace-hours ${o.graceHours}: must be 0 or more`, fix: "e.g. --grace-hours 0 to free everything unreferenced now" });
  const s = openSession(o.dir);
  const lease = await beginMaintenance(s.store, "lcl gc", (m) => process.stderr.write(m + "\n"));
  try {
    const r = await runGc(s.store, { dryRun: o.dryRun, keepRuns: o.keepRuns, graceMs: o.graceHours * 3_600_000 });
    if (o.json) return print(JSON.stringify(r, null, 1));
    const by = (k: string) => r.removed.filter((x) => x.kind === k);
    print(`${o.dryRun ? "would free" : "freed"} ${c.bold(bytes(r.freedBytes))}: ${by("object").length} objects, ${by("record").length} stage records, ${by("log").length} logs, ${by("tmp").length} temp files${by("checkpoint").length ? `, ${by("checkpoint").length} orphaned checkpoints` : ""}${by("job").length ? `, ${by("job").length} old cluster job folders` : ""}${by("junk").length ? `, ${by("junk").length} junk files` : ""}${by("quarantine").length ? `, ${by("quarantine").length} quarantined files` : ""}`);
    print(c.dim(`kept ${r.keptRecords} records and ${r.keptObjects} objects referenced by experiment refs and the last ${o.keepRuns} runs, or younger than ${o.graceHours} h`));
    if (o.dryRun) for (const x of r.removed.slice(0, 50)) print(c.dim(`  ${x.kind.padEnd(6)} ${bytes(x.bytes).padStart(10)}  ${x.path}`));
    if (r.foreign.length) print(c.dim(`left alone, not lcl's: ${r.foreign.join(", ")} (remove them by hand if they are junk)`));
  } finally { await lease.release(); }
}

export async function verify(o: { readonly dir?: string; readonly json: boolean }) {
  const s = openSession(o.dir);
  const lease = await beginMaintenance(s.store, "lcl verify", (m) => process.stderr.write(m + "\n"));
  try {
    const r = await runVerify(s.store);
    if (o.json) print(JSON.stringify(r, null, 1));
    else {
      print(`checked ${r.objects} objects (${bytes(r.bytes)})`);
      for (const x of r.corrupt) print(c.red(`  corrupt ${x.hash} (bytes hash to ${x.actual.slice(0, 12)}…) → quarantined at ${x.quarantinedTo}`));
      for (const x of r.brokenRecords) print(c.yellow(`  stage ${x.fingerprint.slice(0, 12)}… lost output(s) ${x.missing.join(", ")}; it will be recomputed on the next run`));
      if (!r.corrupt.length && !r.brokenRecords.length && !r.damaged.length) print(c.green("store is consistent"));
    }
    if (r.corrupt.length) throw new CorruptObject({ hash: r.corrupt[0]!.hash, path: r.corrupt[0]!.quarantinedTo, actual: r.corrupt[0]!.actual });
    if (r.damaged.length) process.exitCode = 3; // damaged files were named on stderr as they were met, and quarantined
  } finally { await lease.release(); }
}
