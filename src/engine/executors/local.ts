import { fork } from "node:child_process";
import { Worker } from "node:worker_threads";
import * as path from "node:path";
import { runStage, type StageHooks, type StageJob, type StageResult } from "../stage-runtime.js";
import type { ThreadReply, ThreadRequest } from "../stage-thread.js";
import { hostName, type StageRecord } from "../store.js";
import { LCL_ROOT } from "../workspace.js";
import type { StageExecutor, StageRequest } from "./stage-executor.js";
import { Interrupted } from "../errors.js";

/**
 * The executors that compute a stage on this host: inline on lcl's own thread (kinds registered
 * in-process, or `isolation: "inline"`), on a pooled worker thread (the default), or in a child
 * process (`isolation: "process"`, `--isolate`). Each runs the job under the request's time limit
 * and writes the stage record, as a remote executor's job does on its node.
 */

type RunJob = (request: StageRequest, hooks: StageHooks) => Promise<StageResult>;

function localExecutor(name: string, runJob: RunJob): StageExecutor {
  return {
    name,
    async execute(request, hooks) {
      const started = new Date();
      const result = await withTimeout(request.timeLimitMs, hooks, (h) => runJob(request, h));
      const finished = new Date();
      const { store, fingerprint: fp } = request;
      const record: StageRecord = {
        fingerprint: fp, data: request.data, codeDetail: request.codeDetail, instance: request.instance.id, experiment: request.experiment,
        outputs: result.outputs, metrics: result.metrics,
        startedAt: started.toISOString(), finishedAt: finished.toISOString(), durationMs: finished.getTime() - started.getTime(),
        backend: request.backend, host: hostName, pid: process.pid, log: path.relative(store.root, store.logPath(fp)),
        ...(result.resumedFrom ? { resumedFrom: result.resumedFrom } : {}),
      };
      await store.writeRecord(record);
      return record;
    },
  };
}

export const localExecutors: Readonly<Record<"inline" | "thread" | "process", StageExecutor>> = {
  inline: localExecutor("inline", (r, h) => withoutProcessExit(h.signal, () => runStage(r.instance.kind, r.job, h))),
  thread: localExecutor("thread", (r, h) => runInThread(r.modulePath!, r.job, h)),
  process: localExecutor("process", (r, h) => runInChild(r.modulePath!, r.job, h)),
};

/**
 * Stop a stage after `limitMs`: its signal is aborted (a stage process gets SIGTERM, then SIGKILL;
 * a stage thread is terminated unless it is winding down; an `isolation: "inline"` stage stops at
 * its next check of ctx.signal) and the stage fails with the limit.
 */
async function withTimeout<T>(limitMs: number | undefined, hooks: StageHooks, run: (h: StageHooks) => Promise<T>): Promise<T> {
  if (limitMs === undefined) return run(hooks);
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  hooks.signal.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { ctl.abort(); reject(new Error(`timed out after ${formatMs(limitMs)} (resources.time or --timeout); raise the limit if the stage needs longer`)); }, limitMs);
  });
  const work = run({ ...hooks, signal: ctl.signal });
  work.catch(() => {}); // settles after the timeout too; its outcome no longer matters
  try { return await Promise.race([work, timedOut]); } finally { clearTimeout(timer); hooks.signal.removeEventListener("abort", onAbort); }
}

const formatMs = (ms: number) => ms < 60_000 ? `${ms / 1000} s` : ms < 3_600_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${+(ms / 3_600_000).toFixed(2)} h`;

/**
 * While `isolation: "inline"` stages run on lcl's own thread, `process.exit` in stage code fails
 * that stage instead of ending lcl (with whatever exit code the stage chose, e.g. 3 = "corrupt
 * object", and no run record). In a stage thread, process.exit ends only that thread.
 */
const inlineSignals = new Set<AbortSignal>();
let realExit: typeof process.exit | undefined;
async function withoutProcessExit<T>(signal: AbortSignal, f: () => Promise<T>): Promise<T> {
  if (inlineSignals.size === 0) {
    realExit = process.exit;
    process.exit = ((code?: number | string | null) => {
      // lcl itself exiting (Ctrl-C: the runtime's teardown while interrupted stages wind down) is let through.
      if ([...inlineSignals].some((s) => s.aborted) || /\blclRuntimeExit\b/.test(new Error().stack ?? "")) return realExit!(code as number);
      throw new Error(`the stage called process.exit(${code ?? ""}): a stage must not end lcl; throw an Error to fail, or declare isolation: "process"`);
    }) as typeof process.exit;
  }
  inlineSignals.add(signal);
  try { return await f(); } finally {
    inlineSignals.delete(signal);
    if (inlineSignals.size === 0 && realExit) { process.exit = realExit; realExit = undefined; }
  }
}

export const GRACE_MS = 5_000;
/** How long an aborted stage thread has to acknowledge before it is taken as stuck computing and terminated. */
const THREAD_ACK_MS = 1_000;
/**
 * How long a stage thread that acknowledged has to wind down (return, or save a checkpoint and
 * return). Shorter than a process's GRACE_MS: threads hold light stages, and Ctrl-C should feel
 * immediate; long training stages run as processes.
 */
const THREAD_GRACE_MS = 2_000;
/** Stages still winding down after an interrupt (processes and threads): the run record waits for them, briefly. */
const live = new Set<Promise<void>>();
export async function stageProcessesExited(ms: number) {
  if (live.size) await Promise.race([Promise.all(live), new Promise((r) => setTimeout(r, ms).unref())]);
}

/** Run a job in a child Node process (dist/runner.mjs); abort → SIGTERM, then SIGKILL after a grace period. */
function runInChild(modulePath: string, job: StageJob, hooks: StageHooks): Promise<StageResult> {
  return new Promise((resolve, reject) => {
    const child = fork(RUNNER, [], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const exited = new Promise<void>((r) => child.once("exit", () => { live.delete(exited); r(); }));
    live.add(exited);
    let settled = false;
    const finish = (f: () => void) => { if (!settled) { settled = true; hooks.signal.removeEventListener("abort", onAbort); f(); } };
    const onAbort = () => {
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), GRACE_MS).unref();
    };
    hooks.signal.addEventListener("abort", onAbort, { once: true });
    child.on("message", (m: any) => {
      if (m.type === "log") hooks.log(m.message);
      else if (m.type === "progress") hooks.progress(m.done, m.total, m.note);
      else if (m.type === "done") finish(() => resolve(m.result));
      else if (m.type === "error") finish(() => reject(new Error(m.message)));
    });
    child.on("exit", (code, sig) => finish(() => reject(hooks.signal.aborted ? new Interrupted({ during: "stage process" })
      : new Error(`stage process died (${sig ? `signal ${sig}` : `exit code ${code}`}) — out of memory or a native crash? see the stage log`))));
    child.on("error", (e) => finish(() => reject(e)));
    child.send({ type: "job", job, modulePath });
  });
}

const RUNNER = path.join(LCL_ROOT, "dist", "runner.mjs");

/**
 * Run a job on a worker thread of this process (dist/thread.mjs), reused from an idle pool (at
 * most one thread per job slot is ever busy). The driver's thread stays free, so Ctrl-C and
 * timeouts work while the stage computes without yielding. Abort → the stage's signal is aborted
 * in the thread; a thread that acknowledges gets THREAD_GRACE_MS to wind down (e.g. save a checkpoint),
 * one that does not within THREAD_ACK_MS is stuck computing and is terminated at once. A thread
 * that was aborted, crashed or exited is never reused.
 */
const idleThreads: Worker[] = [];
function runInThread(modulePath: string, job: StageJob, hooks: StageHooks): Promise<StageResult> {
  return new Promise((resolve, reject) => {
    const worker = idleThreads.pop() ?? newStageThread();
    worker.ref();
    let settled = false;
    let stopTimer: NodeJS.Timeout | undefined;
    let markDone!: () => void;
    const done = new Promise<void>((r) => (markDone = r));
    live.add(done);
    const finish = (reusable: boolean, f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(stopTimer);
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
      hooks.signal.removeEventListener("abort", onAbort);
      if (reusable && !hooks.signal.aborted) { worker.unref(); idleThreads.push(worker); }
      else void worker.terminate();
      live.delete(done);
      markDone();
      f();
    };
    const terminate = () => { void worker.terminate(); };
    const onAbort = () => {
      worker.postMessage({ type: "abort" } satisfies ThreadRequest);
      stopTimer = setTimeout(terminate, THREAD_ACK_MS);
    };
    const onMessage = (m: ThreadReply) => {
      if (m.type === "log") hooks.log(m.message);
      else if (m.type === "progress") hooks.progress(m.done, m.total, m.note);
      else if (m.type === "aborting") { clearTimeout(stopTimer); stopTimer = setTimeout(terminate, THREAD_GRACE_MS); }
      else if (m.type === "done") finish(true, () => resolve(m.result));
      else if (m.type === "error") finish(true, () => reject(new Error(m.message)));
    };
    const onError = (e: Error) => finish(false, () => reject(new Error(`the stage thread crashed: ${e?.message ?? e} (an error nothing caught: thrown by this stage, or by a callback an earlier stage on this thread left behind)`)));
    const onExit = (code: number) => finish(false, () => reject(hooks.signal.aborted ? new Interrupted({ during: "stage thread" })
      : new Error(`the stage called process.exit(${code}): a stage must not end lcl; throw an Error to fail`)));
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
    hooks.signal.addEventListener("abort", onAbort, { once: true });
    if (hooks.signal.aborted) return finish(false, () => reject(new Interrupted({})));
    worker.postMessage({ type: "job", job, modulePath } satisfies ThreadRequest);
  });
}

const THREAD_RUNNER = path.join(LCL_ROOT, "dist", "thread.mjs");

function newStageThread(): Worker {
  const worker = new Worker(THREAD_RUNNER);
  // An idle thread can still fail (a stray promise of its last stage rejecting): without a listener
  // the 'error' event would end lcl. Such a thread leaves the pool; a busy one fails its stage (runInThread).
  worker.on("error", () => {});
  worker.once("exit", () => { const i = idleThreads.indexOf(worker); if (i >= 0) idleThreads.splice(i, 1); });
  return worker;
}
