import { checkpointInfo } from "./checkpoint.js";
import type { CodeDetail } from "./code-fingerprint.js";
import { diffFingerprints, describeChange, type Change, type Fingerprint } from "./fingerprint.js";
import type { RunStage, StageRecord, Store } from "./store.js";

/**
 * The one decision behind `plan`, `status`, `why`, `report` and `run`: given an instance's key and
 * what the experiment's ref remembers of it, is there a usable stored result, and if not, why must
 * it run? Keeping it in one place is what makes `plan` and `run` give the same reason.
 */

/** What a cache hit hands downstream: the record's identity and outputs (the full record when it was read). */
export type CachedResult = Pick<StageRecord, "fingerprint" | "outputs"> & Partial<StageRecord>;

export type RunStatus =
  /** Run before in this experiment, and something it depends on changed (or its outputs are gone). */
  | "stale"
  /** No earlier result in this experiment to compare with. */
  | "missing"
  /** Failed last time with this very fingerprint. */
  | "failed"
  /** `--force`: rerun although cached (doubles as a determinism check). */
  | "forced";

export type Decision =
  | { readonly kind: "cached"; readonly record: CachedResult }
  | {
    readonly kind: "run";
    readonly status: RunStatus;
    /** Field-level differences from the previous attempt (empty when there is none to compare with). */
    readonly changes: readonly Change[];
    /** Human-readable causes, in order; `run` prints them joined by "; ", `plan` one per line. */
    readonly causes: readonly string[];
    /** The previous attempt's successful record, when its fingerprint differs (for "outputs unchanged"). */
    readonly previousRecord?: StageRecord;
  };

export interface Key {
  readonly fingerprint: Fingerprint;
  readonly detail: CodeDetail;
}

export interface DecideOptions {
  /** Rerun even when cached. */
  readonly forced?: boolean;
  /** Accept the ref's copy of the outputs after a size check (`run`'s fast no-op path); else the record is read and validated. */
  readonly trustRef?: boolean;
}

/** How `run` prints a decision's causes on one line. */
export const reasonText = (d: Extract<Decision, { kind: "run" }>) => d.causes.join("; ");

export async function decide(store: Store, key: Key, previous: RunStage | undefined, opts: DecideOptions = {}): Promise<Decision> {
  const fp = key.fingerprint.hash;
  if (!opts.forced) {
    const hit = (opts.trustRef ? store.cachedFromRef(fp, previous) : undefined) ?? (await store.usableRecord(fp));
    if (hit) return { kind: "cached", record: hit };
  }
  const ckpt = await checkpointInfo(store, fp);
  const resume = ckpt ? [`an unfinished attempt left a checkpoint (${ckpt.mtime.toISOString()}): it will resume from there`] : [];
  const run = (status: RunStatus, causes: readonly string[], changes: readonly Change[] = [], previousRecord?: StageRecord): Decision =>
    ({ kind: "run", status, changes, causes: [...causes, ...resume], ...(previousRecord ? { previousRecord } : {}) });

  const prevFp = previous?.fingerprint;
  if (opts.forced) return run("forced", ["forced (--force)"], [], prevFp && prevFp !== fp ? await store.readRecord(prevFp) : undefined);
  if (!prevFp) return run("missing", ["never run in this experiment"]);
  if (prevFp === fp) {
    switch (previous!.status) {
      case "failed": {
        const f = await store.readFailure(fp);
        return run("failed", [`failed last time with the same fingerprint: ${f?.error ?? previous!.error ?? "see its log"}`]);
      }
      case "interrupted": return run("missing", ["interrupted last time"]);
      case "skipped": return run("missing", ["not started last time"]);
    }
    return (await store.readRecord(fp))
      ? run("stale", ["its stored outputs are gone (gc'd or quarantined)"])
      : run("missing", ["its stored record is gone (gc'd or quarantined)"]);
  }
  // A failed attempt's record carries its fingerprint data too: the change since then can be named.
  const prevRecord = await store.readRecord(prevFp);
  const prevData = prevRecord ?? (await store.readFailure(prevFp));
  if (!prevData) return run("missing", [`its previous result (${prevFp.slice(0, 12)}) is no longer in the store, so what changed cannot be named`]);
  const changes = diffFingerprints(prevData.data, key.fingerprint.data, prevData.codeDetail, key.detail);
  const causes = changes.length ? changes.map(describeChange) : ["its fingerprint changed though no recorded field differs (a new fingerprint scheme?)"];
  return run("stale", causes, changes, prevRecord);
}
