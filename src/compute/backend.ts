import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { LCL_ROOT } from "../engine/workspace.js";

/**
 * TensorFlow.js backend selection: the best one that works here, in the order
 * node-gpu → node → wasm → cpu, or the one the user forces (`--backend`, `LCL_BACKEND`).
 * tfjs-node(-gpu) need libtensorflow, which their install script downloads; where that could
 * not happen they are reported unavailable with the reason, never silently half-loaded.
 */
export const BACKENDS = ["node-gpu", "node", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface Probe {
  readonly name: BackendName;
  readonly available: boolean;
  /** Why it is unavailable, in one line. */
  readonly reason?: string;
  /** e.g. "4.22.0+simd". */
  readonly version?: string;
  readonly threads?: number;
}

export type Tf = typeof import("@tensorflow/tfjs-core");

export class BackendUnavailable extends Error {
  override name = "BackendUnavailable";
}

const require = createRequire(import.meta.url);

/** A file of lcl's dist/ bundle folder (found from lcl's root, so it works from a bundled stage module too). */
export const distFile = (name: string) => path.join(LCL_ROOT, "dist", name);
const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split("\n")[0]!;

let coreReady: Promise<Tf> | undefined;
function core(): Promise<Tf> {
  return (coreReady ??= (async () => {
    const tf = require("@tensorflow/tfjs-core") as Tf;
    // Training needs gradients, which tfjs-core's Node build does not register: load the bundle
    // scripts/build.mjs makes of them (dist/tfjs-gradients.mjs).
    await import(pathToFileURL(distFile("tfjs-gradients.mjs")).href);
    return tf;
  })());
}

/** tfjs prints an advert for tfjs-node when the cpu backend starts in Node; keep the console clean. */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const warn = console.warn, log = console.log;
  console.warn = () => {}; console.log = () => {};
  try { return await f(); } finally { console.warn = warn; console.log = log; }
}

/** Try to bring one backend up; on success it becomes tf's active backend. */
export async function probe(name: BackendName): Promise<Probe> {
  try {
    const tf = await core();
    switch (name) {
      case "node":
      case "node-gpu": {
        const pkg = name === "node" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-node-gpu";
        try { require.resolve(pkg); } catch { return { name, available: false, reason: `${pkg} is not installed (optional; its install script must download libtensorflow)` }; }
        try { require(pkg); } catch (e) { return { name, available: false, reason: `${pkg} did not load: ${firstLine(e)}` }; }
        if (!(await tf.setBackend("tensorflow"))) return { name, available: false, reason: "tensorflow backend failed to initialise" };
        return { name, available: true, version: `${tf.version_core}`, threads: os.availableParallelism() };
      }
      case "wasm": {
        const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
        wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + path.sep);
        if (!(await tf.setBackend("wasm"))) return { name, available: false, reason: "the wasm module failed to initialise" };
        const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
        return { name, available: true, version: `${tf.version_core}${simd ? "+simd" : ""}`, threads: wasm.getThreadsCount() };
      }
      case "cpu": {
        require("@tensorflow/tfjs-backend-cpu");
        if (!(await quietly(() => tf.setBackend("cpu")))) return { name, available: false, reason: "the cpu backend failed to initialise" };
        // Its first write prints an advert for tfjs-node: spend it here, silently.
        await quietly(async () => tf.dispose(tf.scalar(0)));
        return { name, available: true, version: tf.version_core, threads: 1 };
      }
    }
  } catch (e) {
    return { name, available: false, reason: firstLine(e) };
  }
}

export interface Selection { readonly name: BackendName; readonly version: string; readonly threads: number; readonly probes: readonly Probe[] }

let selected: Promise<Selection> | undefined;
let selectedFor: string | undefined;

/** Select (once per process) and activate a backend. A forced one that is unavailable is an error saying why. */
export function selectBackend(forced?: string): Promise<Selection> {
  if (selected && selectedFor === (forced ?? "")) return selected;
  selectedFor = forced ?? "";
  selected = (async () => {
    if (forced !== undefined && !(BACKENDS as readonly string[]).includes(forced)) {
      throw new BackendUnavailable(`unknown backend '${forced}'; choose one of ${BACKENDS.join(", ")}`);
    }
    const order = forced ? [forced as BackendName] : [...BACKENDS];
    const probes: Probe[] = [];
    // Probe in order; the first that works stays active (later probes would switch tf's backend).
    for (const name of order) {
      const p = await probe(name);
      probes.push(p);
      if (p.available) {
        for (const rest of BACKENDS.filter((b) => !probes.some((x) => x.name === b))) probes.push({ name: rest, available: false, reason: "not tried (a better one works)" });
        return { name, version: p.version!, threads: p.threads ?? 1, probes };
      }
    }
    const why = probes.map((p) => `${p.name}: ${p.reason}`).join("; ");
    throw new BackendUnavailable(forced ? `backend '${forced}' is not available here: ${probes[0]!.reason}` : `no TensorFlow.js backend works here (${why})`);
  })();
  return selected;
}

/**
 * The tf module with the run's backend active. Stages call `tensorflow(ctx.backend)`: the label
 * the fingerprint was taken with (e.g. "wasm@4.22.0+simd"), so a stage in a child process starts
 * the same backend as the driver recorded.
 */
export async function tensorflow(backend?: string): Promise<Tf> {
  const name = backend?.split("@")[0];
  await selectBackend(name && name !== "none" ? name : undefined);
  return core();
}
