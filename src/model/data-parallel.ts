import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { distFile, type Tf } from "../compute/backend.js";
import { outsideTape, shardGradients, sumShards, type ShardInput } from "./shard-gradients.js";
import { featureWidth, paramShapes, type ShardModel } from "./shard-model.js";

/**
 * Data-parallel gradients across cores. The batch comes in fixed shards (their number is a
 * training param, never the worker count); each worker thread holds one copy of the model and
 * computes its shards' features, the main thread gathers all features, computes the (possibly
 * batch-coupled) loss and dL/dfeatures once, scatters them back, and the workers backpropagate.
 * Per-shard gradients are summed in shard order, so any worker count gives bit-identical
 * weights: the worker count is a speed setting, not part of a result's identity.
 *
 * Why worker_threads and not tfjs-backend-wasm's threaded build: tfjs 4.22 reports
 * WASM_HAS_MULTITHREAD_SUPPORT = false in Node (tfjs#3830); forcing it makes Emscripten start its
 * pthreads from a blob: URL, which Node's Worker rejects (ERR_WORKER_PATH), and the backend fails
 * to initialise. Even working, it would parallelise inside XNNPACK kernels only, not tfjs's many
 * small ops. Worker threads work on every backend (wasm, cpu, node).
 */
export interface Coupled {
  readonly loss: number;
  /** Diagnostics computed with the loss (e.g. similarity), recorded by the loop. */
  readonly extras: Readonly<Record<string, number>>;
  /** dL/dfeatures, one array per shard. */
  readonly dz: readonly Float32Array[];
}
/** The loss over the whole batch from every shard's features (in shard order). */
export type Coupler = (features: readonly Float32Array[]) => Coupled;

export interface StepGradients { readonly grads: Float32Array[]; readonly loss: number; readonly extras: Readonly<Record<string, number>> }

export interface GradientEngine {
  readonly workers: number;
  gradients(params: readonly Float32Array[], shards: readonly ShardInput[], couple: Coupler): Promise<StepGradients>;
  close(): Promise<void>;
}

/** Worker threads to use: `LCL_WORKERS` if set, else every available core. */
export function defaultWorkers(): number {
  const env = process.env.LCL_WORKERS;
  if (env === undefined || env === "") return os.availableParallelism();
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new Error(`LCL_WORKERS=${env}: expected a whole number ≥ 1 (worker threads for training)`);
  return n;
}

/** One worker computes in this thread (no copies, no messages); more start worker threads. */
export async function gradientEngine(tf: Tf, model: ShardModel, o: { readonly workers: number; readonly shards: number }): Promise<GradientEngine> {
  const workers = Math.max(1, Math.min(o.workers, o.shards));
  if (workers === 1) return inProcess(tf, model);
  // Workers start the backend this thread runs (tfjs-node registers as "tensorflow").
  const active = tf.getBackend();
  return WorkerPool.start(model, workers, active === "tensorflow" ? "node" : active);
}

function inProcess(tf: Tf, model: ShardModel): GradientEngine {
  return {
    workers: 1,
    async gradients(params, shards, couple) {
      let coupled: Coupled | undefined;
      const per = shardGradients(tf, model, params, shards, (f) => (coupled = outsideTape(tf, () => couple(f))).dz);
      return { grads: sumShards(per), loss: coupled!.loss, extras: coupled!.extras };
    },
    async close() {},
  };
}

/** Messages between the pool and its workers (see shard-worker.ts). */
export interface StepMessage {
  readonly type: "step";
  readonly gen: number;
  readonly buffers: { readonly params: SharedArrayBuffer; readonly input: SharedArrayBuffer; readonly features: SharedArrayBuffer; readonly dz: SharedArrayBuffer; readonly grads: SharedArrayBuffer };
  /** Offsets in float32 elements. */
  readonly shards: readonly { readonly c: number; readonly inOff: number; readonly shape: readonly [number, number, number, number]; readonly zOff: number; readonly attack?: ShardInput["attack"] }[];
}
export type WorkerReply = { type: "ready" } | { type: "features" } | { type: "done" } | { type: "error"; message: string };
/** ctrl[i] === CTRL_ABORT tells worker i to give up the step. */
export const CTRL_ABORT = -1;

function workerScript(): { url: URL; code?: string } {
  const here = import.meta.url;
  // Bundled (the CLI, or a stage module bundled elsewhere): the worker bundle in lcl's dist/.
  if (!here.endsWith(".ts")) return { url: pathToFileURL(distFile("shard-worker.mjs")) };
  // Running from source (tests, tsx): register tsx's loader inside the worker, then load the .ts entry.
  const tsx = pathToFileURL(path.join(path.dirname(createRequire(here).resolve("tsx/package.json")), "dist", "esm", "api", "index.mjs")).href;
  const entry = new URL("./shard-worker.ts", here).href;
  return { url: new URL(here), code: `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })` };
}

class WorkerPool implements GradientEngine {
  #gen = 0;
  #buffers: Record<keyof StepMessage["buffers"], SharedArrayBuffer>;
  readonly #ctrl = new Int32Array(new SharedArrayBuffer(4 * 64));
  readonly #sizes: number[];
  readonly #paramCount: number;

  private constructor(readonly model: ShardModel, private readonly pool: Worker[]) {
    this.#sizes = paramShapes(model).map((s) => s.reduce((a, b) => a * b, 1));
    this.#paramCount = this.#sizes.reduce((a, b) => a + b, 0);
    const empty = () => new SharedArrayBuffer(0);
    this.#buffers = { params: new SharedArrayBuffer(4 * this.#paramCount), input: empty(), features: empty(), dz: empty(), grads: empty() };
  }
  get workers() { return this.pool.length; }

  static async start(model: ShardModel, n: number, backend: string): Promise<WorkerPool> {
    const script = workerScript();
    const pool: Worker[] = [];
    const self = new WorkerPool(model, pool);
    for (let i = 0; i < n; i++) {
      pool.push(script.code !== undefined
        ? new Worker(script.code, { eval: true, workerData: { model, backend, index: i, ctrl: self.#ctrl.buffer } })
        : new Worker(script.url, { workerData: { model, backend, index: i, ctrl: self.#ctrl.buffer } }));
    }
    try {
      await Promise.all(pool.map((w) => self.#next(w, "ready")));
    } catch (e) { await self.close(); throw e; }
    return self;
  }

  /** The next reply of worker `w`, which must be of `type` (an error reply or a crash rejects). */
  #next(w: Worker, type: WorkerReply["type"]): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const off = () => { w.off("message", onMessage); w.off("error", onError); w.off("exit", onExit); };
      const onMessage = (m: WorkerReply) => { off(); if (m.type === "error") reject(new Error(`training worker: ${m.message}`)); else if (m.type !== type) reject(new Error(`training worker sent '${m.type}', expected '${type}'`)); else resolve(m); };
      const onError = (e: Error) => { off(); reject(e); };
      const onExit = (code: number) => { off(); reject(new Error(`training worker exited (code ${code})`)); };
      w.on("message", onMessage); w.on("error", onError); w.on("exit", onExit);
    });
  }

  #ensure(name: keyof StepMessage["buffers"], floats: number) {
    if (this.#buffers[name].byteLength < 4 * floats) this.#buffers[name] = new SharedArrayBuffer(4 * floats);
    return new Float32Array(this.#buffers[name], 0, floats);
  }

  async gradients(params: readonly Float32Array[], shards: readonly ShardInput[], couple: Coupler): Promise<StepGradients> {
    const gen = ++this.#gen, P = this.#paramCount, W = this.pool.length, K = shards.length;
    const pv = new Float32Array(this.#buffers.params);
    let off = 0;
    params.forEach((p) => { pv.set(p, off); off += p.length; });
    const input = this.#ensure("input", shards.reduce((a, s) => a + s.data.length, 0));
    const layout: StepMessage["shards"][number][] = [];
    let inOff = 0, rows = 0;
    shards.forEach((s, c) => { input.set(s.data, inOff); layout.push({ c, inOff, shape: s.shape, zOff: -1, ...(s.attack && { attack: s.attack }) }); inOff += s.data.length; rows += s.shape[0]; });
    const width = featureWidth(this.model);
    let zOff = 0;
    layout.forEach((l, c) => { (l as { zOff: number }).zOff = zOff; zOff += shards[c]!.shape[0] * width; });
    this.#ensure("features", zOff); this.#ensure("dz", zOff); const grads = this.#ensure("grads", K * P);
    const owner = (c: number) => Math.floor((c * W) / K);
    const replies = this.pool.map((w, i) => {
      const msg: StepMessage = { type: "step", gen, buffers: this.#buffers, shards: layout.filter((l) => owner(l.c) === i) };
      const features = this.#next(w, "features");
      w.postMessage(msg);
      return features;
    });
    try {
      await Promise.all(replies);
      const fv = new Float32Array(this.#buffers.features), dv = new Float32Array(this.#buffers.dz);
      const coupled = couple(layout.map((l, c) => fv.slice(l.zOff, l.zOff + shards[c]!.shape[0] * width)));
      layout.forEach((l) => dv.set(coupled.dz[l.c]!, l.zOff));
      const done = this.pool.map((w) => this.#next(w, "done"));
      for (let i = 0; i < W; i++) { Atomics.store(this.#ctrl, i, gen); Atomics.notify(this.#ctrl, i); }
      await Promise.all(done);
      const per = Array.from({ length: K }, (_, c) => {
        let o = c * P;
        return this.#sizes.map((n) => { const g = grads.subarray(o, o + n); o += n; return g; });
      });
      return { grads: sumShards(per), loss: coupled.loss, extras: coupled.extras };
    } catch (e) {
      for (let i = 0; i < W; i++) { Atomics.store(this.#ctrl, i, CTRL_ABORT); Atomics.notify(this.#ctrl, i); }
      throw e;
    }
  }

  async close() {
    for (let i = 0; i < this.pool.length; i++) { Atomics.store(this.#ctrl, i, CTRL_ABORT); Atomics.notify(this.#ctrl, i); }
    await Promise.all(this.pool.map((w) => w.terminate()));
  }
}
