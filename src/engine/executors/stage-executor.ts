import type { CodeDetail } from "../code-fingerprint.js";
import type { FingerprintData } from "../fingerprint.js";
import type { Instance } from "../graph.js";
import type { Resources } from "../resources.js";
import type { StageHooks, StageJob } from "../stage-runtime.js";
import type { StageRecord, Store } from "../store.js";

/**
 * Where a stage computes — on lcl's own thread, a worker thread, a child process, a cluster node —
 * is an executor; everything around it (the decision to run, leases, failure records, the run
 * record) stays in executor.ts. Every executor ends the same way: the stage's record is in the
 * store and returned, or the promise rejects with why it failed.
 */
export interface StageRequest {
  readonly store: Store;
  readonly experiment: string;
  readonly instance: Instance;
  /** The job every executor hands to the stage runtime (plain data: it crosses threads, processes and hosts). */
  readonly job: StageJob;
  readonly fingerprint: string;
  readonly data: FingerprintData;
  readonly codeDetail: CodeDetail;
  /** The content-addressed bundle of the stage's module (undefined for kinds registered in-process). */
  readonly modulePath: string | undefined;
  readonly workspace: string;
  readonly backend: string;
  /** The kind's resources overridden by the node's (SLURM asks for them; a local run uses `time`). */
  readonly resources: Resources;
  /** Wall-time limit of a local run (`--timeout`, else resources.time), if any. */
  readonly timeLimitMs?: number;
}

export interface StageExecutor {
  readonly name: string;
  execute(request: StageRequest, hooks: StageHooks): Promise<StageRecord>;
}
