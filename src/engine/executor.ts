import { existsSync } from "node:fs";
import * as path from "node:path";
import { Deferred, Effect, Exit, Semaphore, Cause } from "effect";
import type { BackendInfo } from "./backend.js";
import { backendLabel } from "./backend.js";
import { decide, reasonText, type CachedResult, type Decision } from "./decide.js";
import type { EventSink } from "./events.js";
import type { Graph, Instance } from "./graph.js";
import { instanceFingerprint } from "./instance-key.js";
import type { Registry } from "./registry.js";
import type { StageHooks, StageJob } from "./stage-runtime.js";
import { acquire } from "./lock.js";
import { hostName, type RunRecord, type RunStage, type StageRecord, type Store } from "./store.js";
import type { Workspace } from "./workspace.js";
import { GRACE_MS, localExecutors, stageProcessesExited } from "./executors/local.js";
import { remoteStageExecutor, type RemoteExecutor } from "./executors/remote.js";
import type { StageExecutor, StageRequest } from "./executors/stage-executor.js";
import { mergeResources, timeLimitMs } from "./resources.js";

/**
 * Runs a graph: every instance waits for its upstream, computes its Merkle key, and either reuses
 * a stored result or runs under a per-fingerprint lease (so two concurrent `lcl run`s never compute
 * the same stage twice). Independent branches run in parallel up to `jobs`. Outcomes are data, so
 * one failure never loses another branch's finished work.
 */

export interface RunOptions {
  readonly jobs: number;
  readonly keepGoing: boolean;
  /** Instances to rerun even when cached. */
  readonly force: ReadonlySet<string>;
  readonly backend: BackendInfo;
  readonly argv: readonly string[];
  readonly onEvent: EventSink;
  readonly verbose?: boolean;
  /** Run every stage in its own process (default: a kind's `isolation`, else a worker thread). */
  readonly isolate?: boolean;
  /** Send stages to a cluster scheduler instead of running them here (`--executor slurm`); leases and caching stay in the driver. */
  readonly remote?: RemoteExecutor;
  /** Wall-time limit of every stage run here (`--timeout`); else a kind's or node's `resources.time`, else none. */
  readonly stageTimeoutMs?: number;
}

/** What downstream stages and the run record need of a result (`failed`: a variant a tolerant join gets without output). */
type CachedRecord = CachedResult & { readonly failed?: string };

/** Upstream instances reached only through join inputs declared `allowFailed`: their failure does not stop this stage. */
function toleratedDeps(inst: Instance): Set<string> {
  const strict = new Set<string>(), tolerant = new Set<string>();
  for (const [port, spec] of Object.entries(inst.kind.inputs)) {
    const refs = [inst.inputs[port]!].flat() as { instance: string }[];
    for (const r of refs) (spec.many && spec.allowFailed ? tolerant : strict).add(r.instance);
  }
  for (const d of strict) tolerant.delete(d);
  return tolerant;
}

/**
 * Stand-in record for a failed or skipped variant: its outputs' identity says so, so the join's
 * fingerprint changes (and it reruns) once the variant succeeds.
 */
function failedRecord(inst: Instance, dep: string, u: Extract<Outcome, { ok: false }>): CachedRecord {
  const outputs: Record<string, StageRecord["outputs"][string]> = {};
  for (const refs of Object.values(inst.inputs)) for (const r of [refs].flat()) {
    if (r.instance === dep) outputs[r.output] = { kind: "json", object: "", logical: `failed:${u.status}:${u.fingerprint ?? ""}`, bytes: 0, format: "none" } as StageRecord["outputs"][string];
  }
  return { fingerprint: u.fingerprint ?? "", outputs, failed: u.status === "failed" ? `failed: ${u.error ?? "see its log"}` : `${u.status} (an upstream stage failed)` };
}

type Outcome =
  | { readonly ok: true; readonly record: CachedRecord; readonly status: "cached" | "ran"; readonly durationMs?: number; readonly startedAt?: string; readonly finishedAt?: string }
  | { readonly ok: false; readonly status: "failed" | "skipped" | "interrupted"; readonly fingerprint?: string; readonly error?: string };

export function runGraph(ws: Workspace, store: Store, registry: Registry, graph: Graph, opts: RunOptions) {
  return Effect.gen(function* () {
    const runId = store.newRunId();
    const startedAt = new Date().toISOString();
    const previous = yield* Effect.promise(() => store.readRef(graph.experiment));
    const deferreds = new Map<string, Deferred.Deferred<Outcome>>();
    for (const id of graph.instances.keys()) deferreds.set(id, yield* Deferred.make<Outcome>());
    const outcomes = new Map<string, Outcome>();
    const sem = yield* Semaphore.make(Math.max(1, opts.jobs));
    let stopLaunching = false;
    const emit = opts.onEvent;
    // Each finished stage is registered in the experiment's ref as it finishes, not only when the run ends:
    // a run killed (-9, OOM, node lost) hours in must not leave its finished results unreferenced for gc.
    // Writes are throttled (at once, then at most one a second, batched) so a sweep of thousands of
    // quick stages does not rewrite a large ref thousands of times; gc's grace period covers the gap.
    let registering: Promise<void> = Promise.resolve();
    const pendingRefEntries = new Map<string, RunStage>();
    let lastRefWrite = 0;
    let refTimer: NodeJS.Timeout | undefined;
    const recordSize = (fp: string) => { const recordBytes = store.recordBytes(fp); return recordBytes !== undefined ? { recordBytes } : {}; };
    const flushRefEntries = () => {
      refTimer = undefined;
      lastRefWrite = Date.now();
      registering = registering.then(async () => {
        if (!pendingRefEntries.size) return;
        const batch = Object.fromEntries(pendingRefEntries);
        pendingRefEntries.clear();
        const ref = await store.readRef(graph.experiment);
        await store.writeRef({ experiment: graph.experiment, run: ref?.run ?? runId, updatedAt: new Date().toISOString(), stages: { ...ref?.stages, ...batch } });
      }).catch(() => { /* best effort: the run's final ref write follows, and gc's grace period covers the rest */ });
    };
    const registerFinished = (inst: Instance, record: CachedRecord, finishedAt: string) => {
      pendingRefEntries.set(inst.id, { node: inst.node, status: "ran", fingerprint: record.fingerprint, finishedAt, outputs: record.outputs, ...recordSize(record.fingerprint) });
      if (refTimer) return;
      const wait = lastRefWrite + 1_000 - Date.now();
      if (wait <= 0) flushRefEntries();
      else refTimer = setTimeout(flushRefEntries, wait);
    };
    // How to recompute a stage whose stored output turned out corrupt when a downstream stage came to read it.
    const rebuilders = new Map<string, Effect.Effect<CachedRecord | undefined>>();
    const rebuilt = new Map<string, Deferred.Deferred<CachedRecord | undefined>>();
    const rebuild = (id: string) => Effect.gen(function* () {
      const known = rebuilt.get(id);
      if (known) return yield* Deferred.await(known);
      const done = yield* Deferred.make<CachedRecord | undefined>();
      rebuilt.set(id, done);
      const r = yield* (rebuilders.get(id) ?? Effect.succeed(undefined));
      yield* Deferred.succeed(done, r);
      return r;
    });
    const rebuilder = (inst: Instance, records: ReadonlyMap<string, CachedRecord>, key: Awaited<ReturnType<typeof instanceFingerprint>>) =>
      Semaphore.withPermits(sem, 1)(Effect.gen(function* () {
        const fp = key.fingerprint.hash;
        const lease = yield* Effect.promise((signal) => acquire(path.join(store.locksDir, "stages", fp), `stage ${inst.id} of ${graph.experiment}`, { signal }));
        if (!lease) return undefined;
        return yield* Effect.gen(function* () {
          emit({ type: "stage-start", id: inst.id, fingerprint: fp, reason: "a stored output was corrupt (quarantined): recomputing it" });
          const exit = yield* Effect.exit(Effect.tryPromise({
            try: (signal) => executeStage(store, graph, registry, inst, records, fp, key.fingerprint.data, key.detail, key.files, opts, signal),
            catch: (e) => e,
          }));
          if (Exit.isFailure(exit)) {
            const err = Cause.squash(exit.cause);
            emit({ type: "stage-failed", id: inst.id, error: err instanceof Error ? err.message : String(err), log: store.logPath(fp) });
            return undefined;
          }
          const record = exit.value;
          emit({ type: "stage-done", id: inst.id, fingerprint: fp, durationMs: record.durationMs, unchangedOutputs: false });
          outcomes.set(inst.id, { ok: true, record, status: "ran", durationMs: record.durationMs, startedAt: record.startedAt, finishedAt: record.finishedAt });
          registerFinished(inst, record, record.finishedAt);
          return record as CachedRecord;
        }).pipe(Effect.ensuring(Effect.promise(() => lease.release())));
      }));
    emit({ type: "run-start", runId, experiment: graph.experiment, total: graph.instances.size, jobs: opts.jobs, backend: backendLabel(opts.backend) });

    const runOne = (inst: Instance): Effect.Effect<Outcome> => Effect.gen(function* () {
      const ups = yield* Effect.forEach(inst.deps, (d) => Deferred.await(deferreds.get(d)!));
      const tolerant = toleratedDeps(inst);
      const bad = inst.deps.filter((d, i) => !ups[i]!.ok && !tolerant.has(d));
      if (bad.length || (inst.deps.length && inst.deps.every((_, i) => !ups[i]!.ok))) {
        emit({ type: "stage-skipped", id: inst.id, reason: `upstream ${(bad.length ? bad : inst.deps).join(", ")} did not finish` });
        return { ok: false, status: "skipped" } as const;
      }
      const records = new Map<string, CachedRecord>();
      inst.deps.forEach((d, i) => {
        const u = ups[i]!;
        records.set(d, u.ok ? u.record : failedRecord(inst, d, u));
      });
      const forced = opts.force.has(inst.id);
      const entry = previous?.stages[inst.id];
      let key!: Awaited<ReturnType<typeof instanceFingerprint>>;
      let decision!: Extract<Decision, { kind: "run" }>;
      for (let attempt = 0; ; attempt++) {
        key = yield* Effect.promise(() => instanceFingerprint(ws, inst, records, opts.backend, store.fileHashes));
        const fp = key.fingerprint.hash;
        rebuilders.set(inst.id, rebuilder(inst, records, key));
        const d = yield* Effect.promise(() => decide(store, key, entry, { forced, trustRef: true }));
        if (d.kind === "cached") { emit({ type: "stage-cached", id: inst.id, fingerprint: fp }); return { ok: true, record: d.record, status: "cached" } as const; }
        decision = d;
        if (stopLaunching) {
          emit({ type: "stage-skipped", id: inst.id, reason: "not started: another stage failed (use --keep-going to continue independent branches)" });
          return { ok: false, status: "skipped", fingerprint: fp } as const;
        }
        // Every input is fully checked before the stage reads it. A corrupt one (the fast path only
        // compares sizes) is quarantined and its producer recomputed now, in this run; then the key
        // is recomputed, as the new output may differ (a nondeterministic stage).
        const corrupt = yield* Effect.promise(() => corruptInputs(store, inst, records));
        if (!corrupt.length) break;
        for (const dep of corrupt) {
          const again = attempt === 0 ? yield* rebuild(dep) : undefined;
          if (!again) {
            const error = `input from ${dep} is corrupt or missing in the store and recomputing it failed (see ${dep}'s log)`;
            emit({ type: "stage-failed", id: inst.id, error, log: store.logPath(fp) });
            if (!opts.keepGoing) stopLaunching = true;
            return { ok: false, status: "failed", fingerprint: fp, error } as const;
          }
          records.set(dep, again);
        }
      }
      const { fingerprint, detail, files } = key;
      const fp = fingerprint.hash;
      return yield* Semaphore.withPermits(sem, 1)(Effect.gen(function* () {
        // Checked again once a slot is free: a stage that queued for one before another failed must not start now.
        if (stopLaunching) {
          emit({ type: "stage-skipped", id: inst.id, reason: "not started: another stage failed (use --keep-going to continue independent branches)" });
          return { ok: false, status: "skipped", fingerprint: fp } as const;
        }
        const lease = yield* Effect.promise((signal) => acquire(path.join(store.locksDir, "stages", fp), `stage ${inst.id} of ${graph.experiment}`,
          { signal, onWait: (owner) => emit({ type: "waiting", id: inst.id, lock: fp, ...(owner ? { owner } : {}) }) }));
        if (!lease) return { ok: false, status: "interrupted", fingerprint: fp } as const;
        return yield* Effect.gen(function* () {
          // Another run may have produced it while we waited for the lease.
          if (!forced) {
            const hit = yield* Effect.promise(() => store.usableRecord(fp));
            if (hit) { emit({ type: "stage-cached", id: inst.id, fingerprint: fp, reused: "concurrent-run" }); return { ok: true, record: hit, status: "cached" } as const; }
          }
          const prevRecord = decision.previousRecord;
          const reason = reasonText(decision);
          // A forced rerun of a stored result doubles as a determinism check.
          const sameKey = forced ? yield* Effect.promise(() => store.readRecord(fp)) : undefined;
          const started = new Date();
          emit({ type: "stage-start", id: inst.id, fingerprint: fp, reason });
          const exit = yield* Effect.exit(Effect.tryPromise({
            try: (signal) => executeStage(store, graph, registry, inst, records, fingerprint.hash, fingerprint.data, detail, files, opts, signal),
            catch: (e) => e,
          }));
          if (Exit.isSuccess(exit)) {
            const record = exit.value;
            const unchangedOutputs = !!prevRecord && Object.entries(record.outputs).every(([k, o]) => prevRecord.outputs[k]?.logical === o.logical);
            const drifted = sameKey ? Object.keys(record.outputs).filter((k) => sameKey.outputs[k]?.logical !== record.outputs[k]!.logical) : [];
            if (drifted.length) emit({ type: "nondeterministic", id: inst.id, fingerprint: fp, outputs: drifted });
            emit({ type: "stage-done", id: inst.id, fingerprint: fp, durationMs: record.durationMs, unchangedOutputs, ...(record.resumedFrom ? { resumedFrom: record.resumedFrom.step } : {}) });
            registerFinished(inst, record, record.finishedAt);
            return { ok: true, record, status: "ran", durationMs: record.durationMs, startedAt: started.toISOString(), finishedAt: record.finishedAt } as const;
          }
          if (Cause.hasInterruptsOnly(exit.cause)) return { ok: false, status: "interrupted", fingerprint: fp } as const;
          const err = Cause.squash(exit.cause);
          const message = err instanceof Error ? err.message : String(err);
          const log = store.logPath(fp);
          yield* Effect.promise(() => store.writeFailure({ fingerprint: fp, data: fingerprint.data, codeDetail: detail, instance: inst.id, error: message, at: new Date().toISOString(), log }));
          if (!opts.keepGoing) stopLaunching = true;
          emit({ type: "stage-failed", id: inst.id, error: message, log });
          return { ok: false, status: "failed", fingerprint: fp, error: message } as const;
        }).pipe(Effect.ensuring(Effect.promise(() => lease.release())));
      }));
    });

    const all = Effect.forEach([...graph.instances.values()], (inst) =>
      runOne(inst).pipe(
        Effect.onInterrupt(() => Deferred.succeed(deferreds.get(inst.id)!, { ok: false, status: "interrupted" }).pipe(Effect.asVoid)),
        Effect.tap((o) => { outcomes.set(inst.id, o); return Deferred.succeed(deferreds.get(inst.id)!, o); }),
      ), { concurrency: "unbounded", discard: true });

    const finish = (interrupted: boolean) => Effect.promise(async () => {
      // Interrupted stage processes are finishing up (e.g. saving a checkpoint): let them, briefly.
      await stageProcessesExited(GRACE_MS + 1_000);
      if (refTimer) clearTimeout(refTimer); // the final ref below includes every pending entry
      await registering;
      const stages: Record<string, RunStage> = {};
      for (const [id, inst] of graph.instances) {
        const o = outcomes.get(id);
        stages[id] = !o
          ? { node: inst.node, status: "interrupted" }
          : o.ok
            ? { node: inst.node, status: o.status, fingerprint: o.record.fingerprint, ...(o.status === "ran" ? { durationMs: o.durationMs, startedAt: o.startedAt, finishedAt: o.finishedAt } : {}) }
            : { node: inst.node, status: o.status, ...(o.fingerprint ? { fingerprint: o.fingerprint } : {}), ...(o.error ? { error: o.error } : {}) };
      }
      const anyFailed = Object.values(stages).some((s) => s.status === "failed" || s.status === "skipped");
      const record: RunRecord = {
        id: runId, experiment: graph.experiment, argv: opts.argv, startedAt, finishedAt: new Date().toISOString(),
        status: interrupted ? "interrupted" : anyFailed ? "failed" : "ok", backend: backendLabel(opts.backend), host: hostName, stages,
        ...(store.workspaceKey !== undefined ? { workspace: store.workspaceKey } : {}),
      };
      await store.writeRun(record);
      await store.fileHashes.save();
      // The ref keeps the newest known fingerprint per instance; a skipped/interrupted stage keeps its older entry.
      const before = (await store.readRef(graph.experiment))?.stages ?? {};
      const merged: Record<string, RunStage> = { ...before };
      for (const [id, s] of Object.entries(stages)) {
        const o = outcomes.get(id);
        if (s.fingerprint) merged[id] = o?.ok ? { ...s, outputs: o.record.outputs, ...recordSize(o.record.fingerprint) } : s;
      }
      await store.writeRef({ experiment: graph.experiment, run: runId, updatedAt: record.finishedAt, stages: merged });
      // Views change only where a stage's result changed (or the views folder is gone).
      const fresh = !existsSync(path.join(store.root, "views", graph.experiment));
      const current = new Map<string, StageRecord["outputs"]>();
      // (A stage that ran is always re-pointed: the ref already holds its progress entry, and a recompute may give new bytes.)
      for (const [id, o] of outcomes) if (o.ok && (fresh || o.status === "ran" || before[id]?.fingerprint !== o.record.fingerprint)) current.set(id, o.record.outputs);
      await store.writeViews(graph.experiment, current).catch(() => { /* views are a convenience; never fail a run over them */ });
      emit({ type: "run-done", record });
      return record;
    });

    // The record is written on every exit, including Ctrl-C (finalizers run uninterruptibly).
    let record: RunRecord | undefined;
    yield* all.pipe(Effect.onExit((exit) => finish(Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause)).pipe(Effect.map((r) => { record = r; }))));
    return record!;
  });
}

/** Upstream instances whose output this stage reads is missing or corrupt (then quarantined). */
async function corruptInputs(store: Store, inst: Instance, records: ReadonlyMap<string, CachedRecord>): Promise<string[]> {
  const bad = new Set<string>();
  for (const refs of Object.values(inst.inputs)) for (const r of [refs].flat()) {
    const rec = records.get(r.instance);
    const o = rec && rec.failed === undefined ? rec.outputs[r.output] : undefined;
    if (o && !(await store.verifyObject(o.object, o.bytes))) bad.add(r.instance);
  }
  return [...bad];
}

async function executeStage(store: Store, graph: Graph, registry: Registry, inst: Instance, upstream: ReadonlyMap<string, CachedRecord>,
  fp: string, data: StageRecord["data"], codeDetail: StageRecord["codeDetail"], files: readonly string[], opts: RunOptions, signal: AbortSignal): Promise<StageRecord> {
  const job: StageJob = {
    storeRoot: store.root, instance: inst.id, fingerprint: fp, params: inst.params, inputs: inst.inputs, files, backend: backendLabel(opts.backend),
    upstream: Object.fromEntries(inst.deps.map((d) => { const r = upstream.get(d)!; return [d, { outputs: r.outputs, ...(r.failed !== undefined ? { failed: r.failed } : {}) }]; })),
  };
  const hooks: StageHooks = {
    log: (m: string) => { if (opts.verbose) opts.onEvent({ type: "stage-log", id: inst.id, message: m }); },
    progress: (done: number, total?: number, note?: string) => opts.onEvent({ type: "stage-progress", id: inst.id, done, ...(total !== undefined ? { total } : {}), ...(note ? { note } : {}) }),
    signal,
  };
  const resources = mergeResources(inst.kind.resources, graph.nodeDecls.get(inst.node)?.resources);
  const limit = opts.stageTimeoutMs ?? (resources.time !== undefined ? timeLimitMs(resources.time) : undefined);
  const request: StageRequest = {
    store, experiment: graph.experiment, instance: inst, job, fingerprint: fp, data, codeDetail, modulePath: registry.modulePath(inst.kind.name),
    workspace: registry.ws.root, backend: backendLabel(opts.backend), resources, ...(limit !== undefined ? { timeLimitMs: limit } : {}),
  };
  return executorFor(request, opts).execute(request, hooks);
}

/** Where this stage computes: the cluster with `--executor slurm`, else a process (`--isolate` or the kind's `isolation`), a thread, or inline for kinds registered in-process. */
function executorFor(request: StageRequest, opts: RunOptions): StageExecutor {
  if (opts.remote) return remoteStageExecutor(opts.remote);
  if (!request.modulePath) return localExecutors.inline;
  return localExecutors[opts.isolate ? "process" : request.instance.kind.isolation ?? "thread"];
}
