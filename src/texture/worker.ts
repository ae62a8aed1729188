/** Worker-thread entry (bundled as dist/texture-worker.mjs): runs the synthesis jobs `synthesizeAll` posts, one at a time. */
import { parentPort } from "node:worker_threads";
import { runSynthesisJob, type SynthesisJob } from "./parallel.js";

parentPort?.on("message", (job: SynthesisJob) => {
  try {
    const result = runSynthesisJob(job);
    parentPort!.postMessage({ ok: true, result }, [result.image.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
