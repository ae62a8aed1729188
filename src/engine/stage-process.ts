import { pathToFileURL } from "node:url";
import type { StageKind } from "./contract/index.js";
import { runStage, type StageJob } from "./stage-runtime.js";

/**
 * Child-process entry (bundled as dist/runner.mjs): runs one stage job sent by the driver over
 * IPC and reports log lines, progress and the result back. A crash here (OOM, native abort)
 * fails this stage only; the driver and its other branches carry on.
 */
type Message = { type: "job"; job: StageJob; modulePath: string };

const send = (m: unknown) => new Promise<void>((resolve) => {
  if (!process.connected) return resolve();
  try { process.send!(m, () => resolve()); } catch { resolve(); }
});
const abort = new AbortController();
process.on("SIGTERM", () => abort.abort());
// The driver died (kill -9, OOM): stop like on Ctrl-C — a stage that checkpoints saves one — then exit.
process.on("disconnect", () => {
  abort.abort();
  setTimeout(() => process.exit(1), 10_000).unref();
});
process.on("SIGINT", () => { /* the driver decides; it sends SIGTERM */ });

process.once("message", async (msg: Message) => {
  try {
    const kind = (await import(pathToFileURL(msg.modulePath).href)).default as StageKind;
    const result = await runStage(kind, msg.job, {
      log: (message) => void send({ type: "log", message }),
      progress: (done, total, note) => void send({ type: "progress", done, total, note }),
      signal: abort.signal,
    });
    await send({ type: "done", result });
    process.exit(0);
  } catch (e) {
    await send({ type: "error", message: (e as Error)?.message ?? String(e) });
    process.exit(1);
  }
});
