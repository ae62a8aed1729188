import type { BackendInfo } from "./backend.js";
import { diffFingerprints, describeChange, type Change, type FingerprintData } from "./fingerprint.js";
import type { Graph } from "./graph.js";
import { checkpointInfo } from "./checkpoint.js";
import { instanceFingerprint } from "./instance-key.js";
import type { StageRecord, Store } from "./store.js";
import type { Workspace } from "./workspace.js";

/**
 * What would happen, and why, without running anything: `plan`, `status` and `why` are views of this.
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
    const previous = ref?.stages[inst.id]?.fingerprint;
    const blocked = inst.deps.filter((d) => !records.has(d));
    if (blocked.length) {
      out.set(inst.id, { id: inst.id, status: "pending", causes: [`waits for ${blocked.join(", ")} to rerun (may still hit the cache if their outputs come out unchanged)`], ...(previous ? { previous } : {}) });
      continue;
    }
    const { fingerprint, detail } = await instanceFingerprint(ws, inst, records, backend, store.fileHashes);
    const fp = fingerprint.hash;
    const hit = await store.usableRecord(fp);
    if (hit) {
      records.set(inst.id, hit);
      out.set(inst.id, { id: inst.id, status: "cached", fingerprint: fp, record: hit, ...(previous ? { previous } : {}) });
      continue;
    }
    const ckpt = await checkpointInfo(store, fp);
    const resume = ckpt ? [`an unfinished attempt left a checkpoint (${ckpt.mtime.toISOString()}): it will resume from there`] : [];
    const prevData = previous ? (await store.readRecord(previous)) ?? (await store.readFailure(previous)) : undefined;
    const failedHere = ref?.stages[inst.id]?.status === "failed" && previous === fp;
    if (failedHere) {
      const f = await store.readFailure(fp);
      out.set(inst.id, { id: inst.id, status: "failed", fingerprint: fp, changes: [], causes: [`failed last time with the same fingerprint: ${f?.error ?? "see its log"}`, ...resume], data: fingerprint.data, previous: fp });
      continue;
    }
    if (previous && prevData) {
      const changes = previous === fp ? [] : diffFingerprints(prevData.data, fingerprint.data, prevData.codeDetail, detail);
      const causes = previous === fp ? ["its stored outputs are gone (gc'd or quarantined)"] : changes.map(describeChange);
      out.set(inst.id, { id: inst.id, status: "stale", fingerprint: fp, changes, causes: [...causes, ...resume], data: fingerprint.data, previous });
    } else {
      out.set(inst.id, { id: inst.id, status: "missing", fingerprint: fp, changes: [], causes: [ref?.stages[inst.id]?.status === "interrupted" && previous === fp ? "interrupted last time" : "never run in this experiment", ...resume], data: fingerprint.data, ...(previous ? { previous } : {}) });
    }
  }
  await store.fileHashes.save();
  return out;
}
