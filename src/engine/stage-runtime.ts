import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import * as path from "node:path";
import { makeRng } from "./contract/index.js";
import type { StageKind } from "./contract/index.js";
import type { InstanceRef } from "./graph.js";
import { canonicalJson, sha256 } from "./canonical.js";
import { checkpointsFor, type Checkpoint } from "./checkpoint.js";
import { makeInputs, makeOutputs } from "./io.js";
import { hostName, Store, type OutputRecord } from "./store.js";
import { Interrupted } from "./errors.js";

/**
 * One stage body, wherever it runs (in the driver or in a child process): builds the context,
 * calls `run`, checks every declared output was written. Plain data in, plain data out, so the
 * same job can cross a process boundary (and later a cluster node).
 */
export interface StageJob {
  readonly storeRoot: string;
  readonly instance: string;
  readonly fingerprint: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly inputs: Readonly<Record<string, InstanceRef | readonly InstanceRef[]>>;
  /** Outputs of the upstream instances this stage reads. */
  readonly upstream: Readonly<Record<string, { readonly outputs: Readonly<Record<string, OutputRecord>>; readonly failed?: string }>>;
  readonly files: readonly string[];
  readonly backend: string;
}

export interface StageHooks {
  log(message: string): void;
  progress(done: number, total?: number, note?: string): void;
  readonly signal: AbortSignal;
}

export interface StageResult {
  readonly outputs: Readonly<Record<string, OutputRecord>>;
  readonly metrics: Readonly<Record<string, number>>;
  /** Set when the stage picked up a checkpoint of an earlier, unfinished attempt. */
  readonly resumedFrom?: { readonly step: number; readonly savedAt: string };
}

export async function runStage(kind: StageKind, job: StageJob, hooks: StageHooks): Promise<StageResult> {
  const store = new Store(job.storeRoot);
  const fp = job.fingerprint;
  const logFile = store.logPath(fp);
  // The log file is opened on the first line written: thousands of quiet stages cost no files.
  let stream: WriteStream | undefined;
  const header = `# ${new Date().toISOString()} ${job.instance} (${kind.name} v${kind.version}) fingerprint ${fp} on ${hostName} pid ${process.pid}\n`;
  const log = {
    write(line: string) {
      if (!stream) { mkdirSync(path.dirname(logFile), { recursive: true }); stream = createWriteStream(logFile, { flags: "a" }); stream.write(header); }
      stream.write(line);
    },
    end: (cb: () => void) => (stream ? stream.end(cb) : cb()),
  };
  const scratchDir = path.join(store.tmpDir, `scratch-${fp.slice(0, 16)}-${process.pid}`);
  const written = new Map<string, OutputRecord>();
  const metrics: Record<string, number> = {};
  let scratchMade = false;
  let resumed: Checkpoint | undefined;
  const checkpoint = checkpointsFor(store, fp, (c) => {
    resumed = c;
    log.write(`# resuming from checkpoint at step ${c.step} (saved ${c.savedAt})\n`);
    hooks.progress(c.step, undefined, `resumed from step ${c.step}`);
  });
  try {
    const ctx = {
      params: job.params,
      inputs: makeInputs(store, kind.inputs, job.inputs, new Map(Object.entries(job.upstream))),
      outputs: makeOutputs(store, kind.outputs, written),
      rng: makeRng(rngSeed(kind, job)),
      log: (m: string) => { log.write(m + "\n"); hooks.log(m); },
      progress: hooks.progress,
      metric: (name: string, value: number) => {
        if (!Number.isFinite(value)) throw new Error(`metric '${name}' must be a finite number, got ${value}`);
        metrics[name] = value;
      },
      signal: hooks.signal,
      backend: job.backend,
      get scratchDir() { if (!scratchMade) { scratchMade = true; void mkdir(scratchDir, { recursive: true }); } return scratchDir; },
      files: job.files,
      cacheDir: path.join(store.cacheDir, "stages", kind.name),
      checkpoint: { load: checkpoint.load, save: checkpoint.save },
    };
    await kind.run(ctx as never);
    if (hooks.signal.aborted) throw new Interrupted({});
    const missing = Object.keys(kind.outputs).filter((k) => !written.has(k));
    if (missing.length) throw new Error(`stage finished without writing output(s) ${missing.join(", ")}; call ctx.outputs.${missing[0]}.write(…)`);
    if (scratchMade) await rm(scratchDir, { recursive: true, force: true });
    await checkpoint.clear();
    if (stream) log.write(`# done\n`);
    return {
      outputs: Object.fromEntries([...written].sort(([a], [b]) => a.localeCompare(b))), metrics,
      ...(resumed ? { resumedFrom: { step: resumed.step, savedAt: resumed.savedAt } } : {}),
    };
  } catch (e) {
    log.write(`# FAILED: ${(e as Error)?.stack ?? String(e)}\n`);
    throw e;
  } finally {
    await new Promise<void>((r) => log.end(r));
  }
}

/**
 * The stage's RNG seed: its kind, params and the logical hashes of its inputs — deliberately not
 * its code. A refactor that leaves the math alone then reproduces every random draw, so its
 * outputs come out identical and early cutoff keeps everything downstream cached; a change that
 * does alter results still shows up, as changed outputs.
 */
export function rngSeed(kind: StageKind, job: StageJob): number {
  const inputs = Object.fromEntries(Object.entries(job.inputs).map(([port, refs]) =>
    [port, (Array.isArray(refs) ? refs : [refs]).map((r: InstanceRef) => job.upstream[r.instance]?.outputs[r.output]?.logical ?? null)]));
  return parseInt(sha256(canonicalJson({ kind: kind.name, params: job.params, inputs })).slice(0, 8), 16);
}
