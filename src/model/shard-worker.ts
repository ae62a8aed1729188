/**
 * A training worker thread (see data-parallel.ts): holds one copy of the model, computes its
 * shards' features, blocks until the main thread has turned the whole batch's features into
 * dL/dfeatures, then backpropagates and writes one gradient per shard into shared memory.
 * Blocking (Atomics.wait) inside the backward pass keeps tfjs's tape alive across the exchange,
 * so the forward pass runs once.
 */
import { parentPort, workerData } from "node:worker_threads";
import { tensorflow } from "../compute/backend.js";
import { CTRL_ABORT, type StepMessage, type WorkerReply } from "./data-parallel.js";
import { shardGradients } from "./shard-gradients.js";
import { paramShapes, type ShardModel } from "./shard-model.js";

const { model, backend, index, ctrl: ctrlBuffer } = workerData as { model: ShardModel; backend: string; index: number; ctrl: SharedArrayBuffer };
const port = parentPort!;
const reply = (m: WorkerReply) => port.postMessage(m);
const ctrl = new Int32Array(ctrlBuffer);
const sizes = paramShapes(model).map((s) => s.reduce((a, b) => a * b, 1));
const paramCount = sizes.reduce((a, b) => a + b, 0);

try {
  const tf = await tensorflow(backend);
  port.on("message", (m: StepMessage) => {
    try {
      const b = m.buffers, pv = new Float32Array(b.params, 0, paramCount);
      let o = 0;
      const params = sizes.map((n) => { const p = pv.slice(o, o + n); o += n; return p; });
      const input = new Float32Array(b.input), fv = new Float32Array(b.features), dv = new Float32Array(b.dz), gv = new Float32Array(b.grads);
      const shards = m.shards.map((s) => ({ data: input.subarray(s.inOff, s.inOff + s.shape.reduce((a, c) => a * c, 1)), shape: s.shape, ...(s.attack && { attack: s.attack }) }));
      const grads = shardGradients(tf, model, params, shards, (features) => {
        features.forEach((f, j) => fv.set(f, m.shards[j]!.zOff));
        reply({ type: "features" });
        for (let v = Atomics.load(ctrl, index); v !== m.gen; v = Atomics.load(ctrl, index)) {
          if (v === CTRL_ABORT) throw new Error("step abandoned by the main thread");
          Atomics.wait(ctrl, index, v);
        }
        return features.map((f, j) => dv.slice(m.shards[j]!.zOff, m.shards[j]!.zOff + f.length));
      });
      grads.forEach((g, j) => { let off = m.shards[j]!.c * paramCount; for (const t of g) { gv.set(t, off); off += t.length; } });
      reply({ type: "done" });
    } catch (e) {
      reply({ type: "error", message: String((e as Error)?.message ?? e) });
    }
  });
  reply({ type: "ready" });
} catch (e) {
  reply({ type: "error", message: String((e as Error)?.message ?? e) });
}
