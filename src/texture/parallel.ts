import { Worker } from "node:worker_threads";
import { makeRng } from "../sdk/rng.js";
import type { PsStatistics } from "./statistics.js";
import { synthesizeTexture, type SynthesisOptions, type SynthesisResult } from "./synthesis.js";

/** One synthesis: target statistics, image side, the seed of its starting noise, and the options. Plain data, so it crosses to a worker thread. */
export interface SynthesisJob { readonly target: PsStatistics; readonly n: number; readonly seed: number; readonly options: SynthesisOptions }

export function runSynthesisJob(job: SynthesisJob): SynthesisResult {
  return synthesizeTexture(job.target, job.n, makeRng(job.seed), job.options);
}

/**
 * Run synthesis jobs on `workers` worker threads started from `script` (the bundled
 * src/texture/worker.ts), results in job order. Each job is seeded on its own, so the images do
 * not depend on how many threads ran them. With no script or one worker, runs in this thread.
 * `onDone` reports progress (jobs finished so far).
 */
export async function synthesizeAll(jobs: readonly SynthesisJob[], opts: { workers: number; script?: string; onDone?: (done: number) => void }): Promise<SynthesisResult[]> {
  const out: SynthesisResult[] = new Array(jobs.length);
  let next = 0, done = 0;
  if (!opts.script || opts.workers <= 1 || jobs.length <= 1) {
    for (const [i, job] of jobs.entries()) { out[i] = runSynthesisJob(job); opts.onDone?.(++done); }
    return out;
  }
  const script = opts.script, threads = Math.min(opts.workers, jobs.length);
  let failed = false; // after one failure the other threads take no new jobs
  await Promise.all(Array.from({ length: threads }, () => new Promise<void>((resolve, reject) => {
    const w = new Worker(script);
    const fail = (e: Error) => { failed = true; void w.terminate(); reject(e); };
    const feed = () => {
      if (failed || next >= jobs.length) { void w.terminate().then(() => resolve()); return; }
      const i = next++;
      w.once("message", (r: { ok: true; result: SynthesisResult } | { ok: false; error: string }) => {
        if (!r.ok) { fail(new Error(`texture synthesis job ${i}: ${r.error}`)); return; }
        out[i] = r.result; opts.onDone?.(++done); feed();
      });
      w.postMessage(jobs[i]);
    };
    w.once("error", fail);
    w.once("online", feed);
  })));
  return out;
}
