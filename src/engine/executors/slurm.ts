import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import * as path from "node:path";
import { writeJsonAtomic } from "../atomic.js";
import { canonicalJson, sha256 } from "../canonical.js";
import { mergeResources, type Resources } from "../resources.js";
import type { StageHooks } from "../stage-runtime.js";
import { hostName, type StageRecord, type Store } from "../store.js";
import { LCL_ROOT } from "../workspace.js";
import {
  RETRYABLE_STATES, TERMINAL_STATES, backoffMs, isInvalidJobId, isPermanentSubmitError, lostJobHint, parseSacct, parseSbatchJobId, parseSqueue, sacctArgs, sbatchArgs, sbatchError, squeueArgs,
  type QueueState,
} from "./slurm-commands.js";
import { jobDir, resultPath, statePath, type JobState, type RemoteExecutor, type RemoteJobSpec, type RemoteResult } from "./remote.js";
import { Interrupted } from "../errors.js";

/**
 * The SLURM executor: the driver (`lcl run --executor slurm`) submits each stage as soon as it is
 * ready — its upstream finished — as one `sbatch` job running `lcl exec-stage <spec>`, so the DAG's
 * order is kept by the driver rather than by `--dependency` chains (a failed, cached or
 * early-cutoff upstream then needs no job surgery). Completion is read from the shared store
 * (the job's result file), with `squeue`/`sacct` telling jobs that died without one (node
 * failure, preemption, timeout, out of memory) — those are retried with exponential backoff.
 * Every scheduler call goes through an injectable CommandRunner, so tests can fake SLURM.
 */

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}
/** Runs a scheduler command (`sbatch`, `squeue`, `sacct`, `scancel`) and returns its exit code and output. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

/** The real thing: execFile with a timeout (a hung slurmctld must not hang the driver). */
export const execRunner: CommandRunner = (command, args) => new Promise((resolve) => {
  execFile(command, [...args], { timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
    if (!err) return resolve({ code: 0, stdout, stderr });
    const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
    if (e.code === "ENOENT") return resolve({ code: 127, stdout, stderr: `${command}: command not found — is SLURM installed (and on PATH) on this host?` });
    resolve({ code: typeof e.code === "number" ? e.code : 1, stdout, stderr: stderr || (e.killed ? `${command} timed out` : e.message) });
  });
});

export interface SlurmOptions {
  /** Resources for stages that say nothing (from `lcl run --partition/--cpus/--mem/--time/--gpus/--sbatch`). */
  readonly defaults?: Resources;
  readonly runner?: CommandRunner;
  /** How often to look at the store and squeue. Default 2 s. */
  readonly pollMs?: number;
  /** Further attempts for a job that died without a result (node failure, preemption, vanished). Default 2. */
  readonly retries?: number;
  /** First backoff before a retry; doubles per attempt, capped at 5 min. Default 10 s. Also used for sbatch failures. */
  readonly backoffMs?: number;
  /** Attempts at `sbatch` when the controller is busy or unreachable. Default 5. */
  readonly submitAttempts?: number;
  /** After a job left the queue, how long to wait for its result file to become visible (NFS caches directory entries). Default 20 s. */
  readonly resultGraceMs?: number;
  /** The command a job runs, before `exec-stage <spec>`. Default: this Node and this lcl's bundled CLI (same paths on every node). */
  readonly command?: readonly string[];
  /** Scheduler notes (submitted, state changes, retries) for the console. */
  readonly onNote?: (instance: string, note: string) => void;
  /**
   * Pack up to this many ready stages with equal resources into one job, run one after another
   * (for sweeps of many small stages, where a job's start-up dominates). Default 1: a job per stage.
   */
  readonly batch?: number;
  /** With batch > 1: how long the first ready stage waits for others to join its job. Default 1 s. */
  readonly batchWindowMs?: number;
}

interface Entry {
  readonly spec: RemoteJobSpec;
  readonly specFile: string;
  readonly signal: AbortSignal;
  readonly resolve: (jobId: string) => void;
  readonly reject: (e: unknown) => void;
}

type Outcome =
  | { readonly kind: "result"; readonly result: RemoteResult }
  | { readonly kind: "lost"; readonly state: string; readonly reason: string };

interface Watch {
  readonly jobId: string;
  readonly spec: RemoteJobSpec;
  readonly attempt: number;
  readonly submittedAt: string;
  state: string;
  reason: string;
  goneSince?: number;
  lastProgress?: string;
  readonly hooks: StageHooks;
  readonly resolve: (o: Outcome) => void;
}

export class SlurmExecutor implements RemoteExecutor {
  readonly name = "slurm";
  readonly #run: CommandRunner;
  readonly #watches = new Map<string, Watch>();
  /** Every job submitted and not known to be finished: cancelled on shutdown. */
  readonly #outstanding = new Set<string>();
  /** Where each job's SLURM output goes (the first stage's job folder, for a batch). */
  readonly #outputs = new Map<string, string>();
  /** A batch job's own output folder and how many of its stages are still to finish; removed if all succeed. */
  readonly #batches = new Map<string, { dir: string; left: number; keep: boolean }>();
  /** Stages waiting to be packed into one job, per resource set (batch > 1). */
  readonly #forming = new Map<string, { entries: Entry[]; res: Resources; timer: NodeJS.Timeout }>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  readonly #o: Required<Omit<SlurmOptions, "defaults" | "runner" | "onNote">> & Pick<SlurmOptions, "defaults" | "onNote">;

  constructor(readonly store: Store, opts: SlurmOptions = {}) {
    this.#run = opts.runner ?? execRunner;
    this.#o = {
      batch: Math.max(1, opts.batch ?? 1), batchWindowMs: opts.batchWindowMs ?? 1_000,
      pollMs: opts.pollMs ?? 2_000, retries: opts.retries ?? 2, backoffMs: opts.backoffMs ?? 10_000, submitAttempts: opts.submitAttempts ?? 5,
      resultGraceMs: opts.resultGraceMs ?? 20_000, command: opts.command ?? [process.execPath, path.join(LCL_ROOT, "dist", "cli.mjs")],
      ...(opts.defaults ? { defaults: opts.defaults } : {}), ...(opts.onNote ? { onNote: opts.onNote } : {}),
    };
  }

  /** Job ids submitted and not finished (for tests and the shutdown path). */
  get outstanding(): readonly string[] { return [...this.#outstanding]; }

  async execute(spec: RemoteJobSpec, resources: Resources, hooks: StageHooks): Promise<StageRecord> {
    const dir = jobDir(this.store, spec.fingerprint);
    const specFile = path.join(dir, "spec.json");
    await writeJsonAtomic(specFile, spec, this.store.tmpDir);
    const res = mergeResources(this.#o.defaults, resources);
    const attempts = 1 + Math.max(0, this.#o.retries);
    let last = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (hooks.signal.aborted) throw new Interrupted({});
      const jobId = await this.#submit(spec, specFile, res, hooks.signal, attempt);
      const outcome = await this.#watch(spec, jobId, attempt, hooks);
      this.#batchStageDone(jobId, outcome.kind === "result" && outcome.result.ok);
      if (outcome.kind === "result") {
        const r = outcome.result;
        if (r.ok) {
          const record = await this.#verified(spec, jobId);
          await rm(dir, { recursive: true, force: true }).catch(() => {});
          return record;
        }
        // The stage itself failed (its run threw): deterministic, so not retried — same as a local run.
        await this.#state(spec, jobId, attempt, r.interrupted ? "CANCELLED" : "FAILED", r.error ?? "");
        throw r.interrupted ? new Interrupted({ during: `slurm job ${jobId}` }) : new Error(`${r.error ?? "stage failed"} (slurm job ${jobId} on ${r.host}; output ${this.#output(spec, jobId)})`);
      }
      last = `slurm job ${jobId} ${outcome.state}${outcome.reason ? ` (${outcome.reason})` : ""}`;
      await this.#state(spec, jobId, attempt, outcome.state, outcome.reason);
      if (!RETRYABLE_STATES.has(outcome.state) || attempt === attempts) {
        throw new Error(`${last}${attempt > 1 ? ` after ${attempt} attempts` : ""}${lostJobHint(outcome.state)}; output ${this.#output(spec, jobId)}`);
      }
      const wait = backoffMs(this.#o.backoffMs, attempt);
      this.#o.onNote?.(spec.instance, `${last}; retrying in ${Math.round(wait / 1000)} s (attempt ${attempt + 1} of ${attempts})`);
      await sleep(wait, hooks.signal);
    }
    throw new Error(last);
  }

  async shutdown(): Promise<void> {
    if (this.#timer) { clearInterval(this.#timer); this.#timer = undefined; }
    const ids = [...this.#outstanding];
    if (!ids.length) return;
    this.#outstanding.clear();
    await this.#run("scancel", ids);
  }

  /** Count a batch's stage off; its output folder goes when every stage in it succeeded. */
  #batchStageDone(jobId: string, ok: boolean) {
    const b = this.#batches.get(jobId);
    if (!b) return;
    b.left--; b.keep ||= !ok;
    if (b.left > 0) return;
    this.#batches.delete(jobId);
    if (!b.keep) void rm(b.dir, { recursive: true, force: true }).catch(() => {});
  }

  #output(spec: RemoteJobSpec, jobId: string) { return this.#outputs.get(jobId) ?? path.join(jobDir(this.store, spec.fingerprint), `slurm-${jobId}.out`); }

  /** A job for this stage: its own, or (batch > 1, first attempt) one shared with other stages that became ready meanwhile. */
  #submit(spec: RemoteJobSpec, specFile: string, res: Resources, signal: AbortSignal, attempt: number): Promise<string> {
    // A retry goes alone: its batch-mates may be fine, and a lost node should cost one stage another wait, not many.
    if (this.#o.batch <= 1 || attempt > 1) return this.#sbatch([{ spec, specFile, signal, resolve: () => {}, reject: () => {} }], res);
    return new Promise<string>((resolve, reject) => {
      const key = canonicalJson(res);
      const flush = (k: string) => {
        const g = this.#forming.get(k);
        if (!g) return;
        clearTimeout(g.timer);
        this.#forming.delete(k);
        const live = g.entries.filter((e) => !e.signal.aborted);
        for (const e of g.entries) if (e.signal.aborted) e.reject(new Interrupted({}));
        if (!live.length) return;
        this.#sbatch(live, g.res).then((id) => { for (const e of live) e.resolve(id); }, (err) => { for (const e of live) e.reject(err); });
      };
      let g = this.#forming.get(key);
      if (!g) { g = { entries: [], res, timer: setTimeout(() => flush(key), this.#o.batchWindowMs) }; this.#forming.set(key, g); }
      g.entries.push({ spec, specFile, signal, resolve, reject });
      if (g.entries.length >= this.#o.batch) flush(key);
    });
  }

  /** sbatch with backoff on transient failures (controller busy, socket timeout); permanent errors fail at once. */
  async #sbatch(entries: readonly Entry[], res: Resources): Promise<string> {
    const first = entries[0]!.spec;
    const label = entries.length > 1 ? `${first.instance}+${entries.length - 1}` : first.instance;
    // A batch's output lives in a folder of its own: each stage's folder is removed when that stage succeeds.
    const outDir = entries.length > 1 ? path.join(this.store.root, "jobs", `batch-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`) : jobDir(this.store, first.fingerprint);
    await mkdir(outDir, { recursive: true });
    const output = path.join(outDir, "slurm-%j.out");
    const args = sbatchArgs({ experiment: first.experiment, label, workspace: first.workspace, output, resources: res, command: this.#o.command, specFiles: entries.map((e) => e.specFile) });
    const signal = entries.length === 1 ? entries[0]!.signal : AbortSignal.any(entries.map((e) => e.signal));
    const aborted = () => entries.every((e) => e.signal.aborted);
    for (let attempt = 1; ; attempt++) {
      const r = await this.#run("sbatch", args);
      const id = parseSbatchJobId(r.stdout);
      if (r.code === 0 && id) {
        this.#outstanding.add(id);
        this.#outputs.set(id, output.replace("%j", id));
        if (entries.length > 1) this.#batches.set(id, { dir: outDir, left: entries.length, keep: false });
        if (entries.length > 1) for (const e of entries) this.#o.onNote?.(e.spec.instance, `in slurm job ${id} with ${entries.length - 1} other stage(s)`);
        // Ctrl-C during sbatch: the job exists now, so cancel it straight away.
        if (aborted()) { this.#outstanding.delete(id); await this.#run("scancel", [id]); throw new Interrupted({}); }
        return id;
      }
      const msg = sbatchError(r);
      if (isPermanentSubmitError(msg) || attempt >= this.#o.submitAttempts) {
        throw new Error(`sbatch failed${attempt > 1 ? ` after ${attempt} attempts` : ""}: ${msg} (sbatch ${args.slice(0, -1).join(" ")})`);
      }
      const wait = backoffMs(this.#o.backoffMs, attempt);
      for (const e of entries) this.#o.onNote?.(e.spec.instance, `sbatch failed (${msg}); retrying in ${Math.round(wait / 1000)} s`);
      await sleep(wait, signal);
      if (aborted()) throw new Interrupted({});
    }
  }

  #watch(spec: RemoteJobSpec, jobId: string, attempt: number, hooks: StageHooks): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      const submittedAt = new Date().toISOString();
      const key = `${jobId}/${spec.fingerprint}`;
      // A job shared by a batch is cancelled when the last stage in it is.
      const shared = () => [...this.#watches.values()].some((x) => x.jobId === jobId);
      const onAbort = () => {
        this.#watches.delete(key);
        if (!shared()) {
          this.#outstanding.delete(jobId);
          void this.#run("scancel", [jobId]).finally(() => this.#state(spec, jobId, attempt, "CANCELLED", "cancelled by lcl (driver interrupted)").catch(() => {}));
        }
        reject(new Interrupted({}));
      };
      const w: Watch = {
        jobId, spec, attempt, submittedAt, state: "PENDING", reason: "", hooks,
        resolve: (o) => { hooks.signal.removeEventListener("abort", onAbort); this.#watches.delete(key); if (!shared()) this.#outstanding.delete(jobId); resolve(o); },
      };
      hooks.signal.addEventListener("abort", onAbort, { once: true });
      if (hooks.signal.aborted) return onAbort();
      this.#watches.set(key, w);
      this.#o.onNote?.(spec.instance, `submitted as slurm job ${jobId}${attempt > 1 ? ` (attempt ${attempt})` : ""}`);
      void this.#state(spec, jobId, attempt, "PENDING", "", submittedAt);
      if (!this.#timer) { this.#timer = setInterval(() => void this.#tick(), this.#o.pollMs); }
    });
  }

  /** One look at every watched job: result files first (the store is the truth), then squeue for the rest. */
  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const pending: Watch[] = [];
      for (const w of this.#watches.values()) {
        const r = this.#result(w);
        if (r) { w.resolve({ kind: "result", result: r }); continue; }
        const p = readJson<{ done: number; total?: number; note?: string }>(path.join(jobDir(this.store, w.spec.fingerprint), "progress.json"));
        if (p && JSON.stringify(p) !== w.lastProgress) { w.lastProgress = JSON.stringify(p); w.hooks.progress(p.done, p.total, p.note); }
        pending.push(w);
      }
      if (pending.length) {
        const squeue = (ids: readonly string[]) => this.#run("squeue", squeueArgs(ids));
        const ids = [...new Set(pending.map((w) => w.jobId))];
        let q = await squeue(ids);
        // squeue fails for ids it no longer knows (purged after MinJobAge), even next to live ones: then ask one by one.
        if (q.code !== 0 && isInvalidJobId(q.stderr) && ids.length > 1) {
          const each = await Promise.all(ids.map((id) => squeue([id])));
          q = each.some((r) => r.code !== 0 && !isInvalidJobId(r.stderr)) ? each.find((r) => r.code !== 0)!
            : { code: 0, stdout: each.map((r) => (r.code === 0 ? r.stdout : "")).join("\n"), stderr: "" };
        }
        // Anything else (controller down, timeout) is a transient blind spot: try again next tick.
        const gone = q.code !== 0 && isInvalidJobId(q.stderr);
        if (q.code === 0 || gone) {
          const states: ReadonlyMap<string, QueueState> = parseSqueue(q.stdout);
          for (const w of pending) {
            if (!this.#watches.has(`${w.jobId}/${w.spec.fingerprint}`)) continue;
            const s = states.get(w.jobId);
            if (s && !TERMINAL_STATES.has(s.state)) {
              w.goneSince = undefined;
              if (s.state !== w.state || s.reason !== w.reason) {
                w.state = s.state; w.reason = s.reason;
                await this.#state(w.spec, w.jobId, w.attempt, s.state, s.node ? `${s.reason ? `${s.reason}; ` : ""}on ${s.node}` : s.reason, w.submittedAt);
                this.#o.onNote?.(w.spec.instance, `slurm job ${w.jobId} ${s.state}${s.node ? ` on ${s.node}` : ""}${s.reason ? ` (${s.reason})` : ""}`);
              }
              continue;
            }
            // Left the queue (or finished) without a result file yet: NFS may not show it for a while.
            w.goneSince ??= Date.now();
            if (s) { w.state = s.state; w.reason = s.reason; }
            if (Date.now() - w.goneSince < this.#o.resultGraceMs) continue;
            const r = this.#result(w);
            if (r) { w.resolve({ kind: "result", result: r }); continue; }
            const final = TERMINAL_STATES.has(w.state) ? { state: w.state, reason: w.reason } : await this.#accounting(w.jobId);
            w.resolve({ kind: "lost", ...final });
          }
        }
      }
    } finally {
      this.#ticking = false;
      if (!this.#watches.size && this.#timer) { clearInterval(this.#timer); this.#timer = undefined; }
    }
  }

  /**
   * The job's result file, if it is there. Listing the folder first matters on NFS: looking a
   * missing name up caches its absence (a negative dentry), while reading the directory
   * revalidates it, so the file shows up as soon as the server has it.
   */
  #result(w: Watch): RemoteResult | undefined {
    const name = path.basename(resultPath(this.store, w.spec.fingerprint, w.jobId));
    try { if (!readdirSync(jobDir(this.store, w.spec.fingerprint)).includes(name)) return undefined; } catch { return undefined; }
    return readJson<RemoteResult>(resultPath(this.store, w.spec.fingerprint, w.jobId));
  }

  /** The final state of a job squeue no longer lists: sacct if accounting is on, else unknown. */
  async #accounting(jobId: string): Promise<{ state: string; reason: string }> {
    const r = await this.#run("sacct", sacctArgs(jobId));
    return parseSacct(r.code, r.stdout);
  }

  /** Trust a job's record only if it is the one this driver fingerprinted and every object is there. */
  async #verified(spec: RemoteJobSpec, jobId: string): Promise<StageRecord> {
    // The driver looked the record up before submitting (a cache check), so NFS may remember it as absent:
    // list its folder to revalidate, and give the server a moment.
    let record: StageRecord | undefined;
    for (const deadline = Date.now() + this.#o.resultGraceMs; ; ) {
      try { readdirSync(path.dirname(this.store.recordPath(spec.fingerprint))); } catch { /* not there yet */ }
      record = await this.store.usableRecord(spec.fingerprint);
      if (record || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(500, this.#o.pollMs)));
    }
    if (!record) throw new Error(`slurm job ${jobId} reported success but the store has no usable record for ${spec.fingerprint.slice(0, 12)} (objects missing?)`);
    if (record.fingerprint !== spec.fingerprint || sha256(canonicalJson(record.data)) !== spec.fingerprint) {
      throw new Error(`slurm job ${jobId} wrote a record whose fingerprint does not match ${spec.fingerprint.slice(0, 12)}`);
    }
    return record;
  }

  async #state(spec: RemoteJobSpec, jobId: string, attempt: number, state: string, reason: string, submittedAt?: string): Promise<void> {
    const prev = readJson<JobState>(statePath(this.store, spec.fingerprint));
    const s: JobState = {
      scheduler: "slurm", jobId, state, ...(reason ? { reason } : {}), attempt, instance: spec.instance, experiment: spec.experiment,
      submittedAt: submittedAt ?? (prev?.jobId === jobId ? prev.submittedAt : new Date().toISOString()), updatedAt: new Date().toISOString(),
      driver: { host: hostName, pid: process.pid }, output: this.#output(spec, jobId),
    };
    if (!existsSync(jobDir(this.store, spec.fingerprint))) return; // finished and cleaned up meanwhile
    await writeJsonAtomic(statePath(this.store, spec.fingerprint), s, this.store.tmpDir).catch(() => {});
  }
}

function readJson<T>(p: string): T | undefined {
  try { return JSON.parse(readFileSync(p, "utf8")) as T; } catch { return undefined; }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(() => { signal.removeEventListener("abort", done); resolve(); }, ms);
    const done = () => { clearTimeout(t); resolve(); };
    signal.addEventListener("abort", done, { once: true });
  });
}
