import { parentPort } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import type { StageKind } from "./contract/index.js";
import { runStage, type StageJob } from "./stage-runtime.js";

/**
 * Worker-thread entry (bundled as dist/thread.mjs): runs the stage jobs the driver posts, one at
 * a time, and reports log lines, progress and results back. A stage here never blocks the driver's
 * thread, so Ctrl-C and timeouts are handled even while it computes without yielding, and the
 * driver can stop it at any instant (Worker.terminate); process.exit in stage code ends only this
 * thread. The thread is reused for the next job, so a kind's module is imported once per thread.
 */
export type ThreadRequest =
  | { readonly type: "job"; readonly job: StageJob; readonly modulePath: string }
  | { readonly type: "abort" };
export type ThreadReply =
  | { readonly type: "log"; readonly message: string }
  | { readonly type: "progress"; readonly done: number; readonly total?: number; readonly note?: string }
  | { readonly type: "aborting" }
  | { readonly type: "done"; readonly result: Awaited<ReturnType<typeof runStage>> }
  | { readonly type: "error"; readonly message: string };

const port = parentPort!;
const send = (m: ThreadReply) => port.postMessage(m);
let current: AbortController | undefined;

port.on("message", async (msg: ThreadRequest) => {
  if (msg.type === "abort") {
    // The acknowledgement tells the driver this thread still listens: it gives the stage its grace
    // period (to save a checkpoint) instead of terminating a thread that is stuck computing.
    current?.abort();
    send({ type: "aborting" });
    return;
  }
  const abort = current = new AbortController();
  try {
    const kind = (await import(pathToFileURL(msg.modulePath).href)).default as StageKind;
    const result = await runStage(kind, msg.job, {
      log: (message) => send({ type: "log", message }),
      progress: (done, total, note) => send({ type: "progress", done, ...(total !== undefined ? { total } : {}), ...(note ? { note } : {}) }),
      signal: abort.signal,
    });
    send({ type: "done", result });
  } catch (e) {
    send({ type: "error", message: (e as Error)?.message ?? String(e) });
  } finally {
    if (current === abort) current = undefined;
  }
});
