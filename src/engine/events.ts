import type { LeaseOwner } from "./lock.js";
import type { RunRecord } from "./store.js";

/** The engine never prints: it emits these, and a reporter (src/cli/reporters.ts) renders them. */
export type EngineEvent =
  | { readonly type: "run-start"; readonly runId: string; readonly experiment: string; readonly total: number; readonly jobs: number; readonly backend: string }
  | { readonly type: "stage-cached"; readonly id: string; readonly fingerprint: string; readonly reused?: "concurrent-run" }
  | { readonly type: "stage-start"; readonly id: string; readonly fingerprint: string; readonly reason: string }
  | { readonly type: "stage-progress"; readonly id: string; readonly done: number; readonly total?: number; readonly note?: string }
  | { readonly type: "stage-log"; readonly id: string; readonly message: string }
  /** From a cluster executor: submitted as job N, state changes, retries. */
  | { readonly type: "stage-note"; readonly id: string; readonly message: string }
  | { readonly type: "stage-done"; readonly id: string; readonly fingerprint: string; readonly durationMs: number; readonly unchangedOutputs: boolean; readonly resumedFrom?: number }
  /** A rerun with an unchanged fingerprint produced different outputs: the stage is not deterministic. */
  | { readonly type: "nondeterministic"; readonly id: string; readonly fingerprint: string; readonly outputs: readonly string[] }
  | { readonly type: "stage-failed"; readonly id: string; readonly error: string; readonly log: string }
  | { readonly type: "stage-skipped"; readonly id: string; readonly reason: string }
  | { readonly type: "waiting"; readonly id: string; readonly lock: string; readonly owner?: LeaseOwner }
  | { readonly type: "run-done"; readonly record: RunRecord };

export type EventSink = (e: EngineEvent) => void;
