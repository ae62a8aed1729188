import type { BackendInfo } from "./backend.js";
import { decide } from "./decide.js";
import type { Change, FingerprintData } from "./fingerprint.js";
import type { Graph } from "./graph.js";
import { instanceFingerprint } from "./instance-key.js";
import type { StageRecord, Store } from "./store.js";
import type { Workspace } from "./workspace.js";

/**
 * What would happen, and why, without running anything: `plan`, `status`, `why` and `report` are
 * views of this, and each stage's state comes from the same `decide` that `run` uses.
 * An instance whose upstream must rerun has no knowable key yet ("pending"): early cutoff may
 * still make it a cache hit, which only running can tell.
 */
export type Assessment =
  | { readonly id: string; readonly status: "cached"; readonly fingerprint: string; readonly record: StageRecord; readonly previous?: string }
  | { readonly id: string; readonly status: "stale" | "missing" | "failed"; readonly fingerprint: string; readonly changes: readonly Change[]; readonly causes: readonly string[]; readonly data: FingerprintData; readonly previous?: string }
  | { readonly id: string; readonly status: "pending"; readonly causes: readonly string[]; readonly previous?: string };

export async function assess(ws: Workspace, store: Store, graph: Graph, backend: BackendInfo): Promise<Map<string, Assessment>> {
  const ref = await store.readRef(graph.experiment);
  const out = new Map<string, Assessment>();
  const records = new Map<string, StageRecord>();
  for (const inst of graph.instances.values()) {
    const entry = ref?.stages[inst.id];
    const previous = entry?.fingerprint ? { previous: entry.fingerprint } : {};
    const blocked = inst.deps.filter((d) => !records.has(d));
    if (blocked.length) {
      out.set(inst.id, { id: inst.id, status: "pending", causes: [`waits for ${blocked.join(", ")} to rerun (may still hit the cache if their outputs come out unchanged)`], ...previous });
      continue;
    }
    const key = await instanceFingerprint(ws, inst, records, backend, store.fileHashes);
    const fp = key.fingerprint.hash;
    const d = await decide(store, key, entry);
    if (d.kind === "cached") {
      // Without trustRef the record was read and validated in full.
      const record = d.record as StageRecord;
      records.set(inst.id, record);
      out.set(inst.id, { id: inst.id, status: "cached", fingerprint: fp, record, ...previous });
    } else {
      // `plan` never forces; a forced decision would be a stale one.
      const status = d.status === "forced" ? "stale" : d.status;
      out.set(inst.id, { id: inst.id, status, fingerprint: fp, changes: d.changes, causes: d.causes, data: key.fingerprint.data, ...previous });
    }
  }
  await store.fileHashes.save();
  return out;
}
