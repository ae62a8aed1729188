import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { StageKind } from "../contract/index.js";
import { writeJsonAtomic } from "../atomic.js";
import type { CodeDetail } from "../code-fingerprint.js";
import { makeFingerprint, type FingerprintData } from "../fingerprint.js";
import { acquire } from "../lock.js";
import type { Resources } from "../resources.js";
import { runStage, type StageHooks, type StageJob } from "../stage-runtime.js";
import { hostName, Store, type StageRecord } from "../store.js";
import type { StageExecutor } from "./stage-executor.js";

/**
 * Running a stage somewhere else (a cluster node) over a shared store. The driver writes a job
 * spec — the same plain-data StageJob the process-isolation path sends over IPC, plus what the
 * stage record needs — under `<store>/jobs/<fingerprint>/`; the job (`lcl exec-stage <spec>`)
 * runs it, writes outputs and the stage record into the store (atomic renames only), and leaves
 * a small result file the driver polls for. The driver then re-checks the record against the
 * fingerprint it computed before trusting it.
 */
export interface RemoteJobSpec {
  readonly version: 1;
  readonly workspace: string;
  readonly experiment: string;
  readonly instance: string;
  readonly fingerprint: string;
  readonly kind: string;
  /** The content-addressed bundle of the stage module (in `.lcl/modules/`): the job runs exactly the code that was fingerprinted. */
  readonly modulePath: string;
  readonly job: StageJob;
  readonly data: FingerprintData;
  readonly codeDetail: CodeDetail;
  readonly backend: string;
}

/** What a job leaves for the driver: `<store>/jobs/<fp>/result-<job id>.json`. */
export interface RemoteResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly interrupted?: boolean;
  /** The record already existed (another job or run produced it). */
  readonly reused?: boolean;
  readonly host: string;
  readonly pid: number;
  readonly jobId: string;
  readonly at: string;
}

/** Scheduler state of a submitted job, for `lcl status` (`<store>/jobs/<fp>/state.json`). */
export interface JobState {
  readonly scheduler: string;
  readonly jobId: string;
  readonly state: string;
  readonly reason?: string;
  readonly attempt: number;
  readonly instance: string;
  readonly experiment: string;
  readonly submittedAt: string;
  readonly updatedAt: string;
  readonly driver: { readonly host: string; readonly pid: number };
  readonly output?: string;
}

/** Where a driver sends stages it does not run itself. */
export interface RemoteExecutor {
  readonly name: string;
  execute(spec: RemoteJobSpec, resources: Resources, hooks: StageHooks): Promise<StageRecord>;
  /** Cancel every job still outstanding (Ctrl-C, driver shutting down) and wait for the scheduler to take note. */
  shutdown(): Promise<void>;
}

export const jobDir = (store: Store, fp: string) => path.join(store.root, "jobs", fp);
export const resultPath = (store: Store, fp: string, jobId: string) => path.join(jobDir(store, fp), `result-${jobId}.json`);
export const statePath = (store: Store, fp: string) => path.join(jobDir(store, fp), "state.json");

export function readJobState(store: Store, fp: string): JobState | undefined {
  try { return JSON.parse(readFileSync(statePath(store, fp), "utf8")) as JobState; } catch { return undefined; }
}

/**
 * The job side (`lcl exec-stage <spec>`): exactly one stage, under a per-fingerprint execution
 * lease (so a retried or duplicated job never computes twice at once, and a job whose node died
 * is recovered once its heartbeat is stale). Returns the process exit code.
 */
export async function execRemoteStage(specPath: string, opts: { signal: AbortSignal; log?: (m: string) => void; staleMs?: number; jobId?: string }): Promise<number> {
  const spec = JSON.parse(readFileSync(specPath, "utf8")) as RemoteJobSpec;
  const store = new Store(spec.job.storeRoot);
  const jobId = opts.jobId ?? process.env.SLURM_JOB_ID ?? `pid-${process.pid}`;
  const say = opts.log ?? (() => {});
  const finish = async (r: Omit<RemoteResult, "host" | "pid" | "jobId" | "at">) => {
    await writeJsonAtomic(resultPath(store, spec.fingerprint, jobId), { ...r, host: hostName, pid: process.pid, jobId, at: new Date().toISOString() } satisfies RemoteResult, store.tmpDir);
    return r.ok ? 0 : 1;
  };
  if (makeFingerprint(spec.data).hash !== spec.fingerprint) return finish({ ok: false, error: `job spec ${specPath} is inconsistent: its fingerprint data does not hash to ${spec.fingerprint}` });
  say(`lcl exec-stage: ${spec.instance} of ${spec.experiment} (${spec.fingerprint.slice(0, 12)}) on ${hostName}, job ${jobId}`);
  const lease = await acquire(path.join(store.locksDir, "exec", spec.fingerprint), `job ${jobId}: ${spec.instance} of ${spec.experiment}`, {
    signal: opts.signal, ...(opts.staleMs ? { staleMs: opts.staleMs } : {}),
    onWait: (o) => say(`waiting for ${o ? `pid ${o.pid} on ${o.host} (${o.purpose})` : "another job"} computing the same stage`),
  });
  if (!lease) return finish({ ok: false, interrupted: true, error: "interrupted while waiting for the stage's lease" });
  try {
    // Cancelled while starting up: do not begin a stage that would only look at its signal later (or never).
    if (opts.signal.aborted) return await finish({ ok: false, interrupted: true, error: "interrupted before the stage started" });
    if (await store.usableRecord(spec.fingerprint)) return await finish({ ok: true, reused: true });
    const kind = (await import(pathToFileURL(spec.modulePath).href)).default as StageKind;
    if (kind?.name !== spec.kind) return await finish({ ok: false, error: `${spec.modulePath} is not stage kind '${spec.kind}'` });
    if (opts.signal.aborted) return await finish({ ok: false, interrupted: true, error: "interrupted before the stage started" });
    const started = new Date();
    const progressFile = path.join(jobDir(store, spec.fingerprint), "progress.json");
    let lastProgress = 0;
    const result = await runStage(kind, spec.job, {
      log: () => { /* runStage writes the stage log into the store */ },
      progress: (done, total, note) => {
        // Throttled: the driver polls this file; a stage may report thousands of steps.
        if (Date.now() - lastProgress < 1_000) return;
        lastProgress = Date.now();
        void writeJsonAtomic(progressFile, { done, total, note }, store.tmpDir).catch(() => {});
      },
      signal: opts.signal,
    });
    const finished = new Date();
    const record: StageRecord = {
      fingerprint: spec.fingerprint, data: spec.data, codeDetail: spec.codeDetail, instance: spec.instance, experiment: spec.experiment,
      outputs: result.outputs, metrics: result.metrics, startedAt: started.toISOString(), finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(), backend: spec.backend, host: hostName, pid: process.pid,
      log: path.relative(store.root, store.logPath(spec.fingerprint)),
      ...(result.resumedFrom ? { resumedFrom: result.resumedFrom } : {}),
    };
    await store.writeRecord(record);
    await rm(progressFile, { force: true }).catch(() => {});
    return await finish({ ok: true });
  } catch (e) {
    const message = (e as Error)?.message ?? String(e);
    return await finish({ ok: false, error: message, ...(opts.signal.aborted ? { interrupted: true } : {}) });
  } finally {
    await lease.release();
  }
}

/** A RemoteExecutor (e.g. SLURM) as a StageExecutor: the job writes the record on its node; the remote executor verifies it against the fingerprint. */
export function remoteStageExecutor(remote: RemoteExecutor): StageExecutor {
  return {
    name: remote.name,
    execute: (r, hooks) => remote.execute({
      version: 1, workspace: r.workspace, experiment: r.experiment, instance: r.instance.id, fingerprint: r.fingerprint, kind: r.instance.kind.name,
      modulePath: r.modulePath!, job: r.job, data: r.data, codeDetail: r.codeDetail, backend: r.backend,
    }, r.resources, hooks),
  };
}
