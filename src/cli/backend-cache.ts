import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import type { BackendInfo, BackendResolver } from "../engine/backend.js";
import { LCL_ROOT } from "../engine/workspace.js";

/**
 * Which TensorFlow.js backend this machine selects (name and version, what fingerprints record),
 * remembered across processes: finding out loads tfjs-core and starts the wasm module, a good part
 * of `lcl status`'s start-up, for an answer that only changes with the machine, Node or the
 * installed tfjs packages — so those are the key. A stage that runs still starts the backend
 * named in its fingerprint's label; a backend that stopped working then fails with its reason.
 * Failures are never remembered. `LCL_BACKEND_CACHE=0` turns this off.
 */
const TFJS_PACKAGES = ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-wasm", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"];

export function defaultBackendCacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "lcl", "backend.v1.json");
}

/** Everything the selection depends on, cheap to read: host, CPU, Node, and each tfjs package's installed package.json. */
export function machineKey(forced: string | undefined, root = LCL_ROOT): string {
  const req = createRequire(path.join(root, "package.json"));
  const pkgs = TFJS_PACKAGES.map((p) => {
    try {
      const f = req.resolve(`${p}/package.json`);
      const s = statSync(f);
      return `${p}:${f}:${s.size}:${s.mtimeMs}`;
    } catch { return `${p}:absent`; }
  });
  const cpu = os.cpus()[0]?.model ?? "?";
  return JSON.stringify([forced ?? "", process.version, process.platform, process.arch, os.hostname(), cpu, os.availableParallelism(), ...pkgs]);
}

export function cachedBackendResolver(select: BackendResolver, opts: { file?: string; key?: (forced: string | undefined) => string } = {}): BackendResolver {
  const file = opts.file ?? defaultBackendCacheFile();
  const keyOf = opts.key ?? ((forced) => machineKey(forced));
  return async (forced) => {
    if (process.env.LCL_BACKEND_CACHE === "0") return select(forced);
    const key = keyOf(forced);
    let entries: Record<string, BackendInfo> = {};
    try { entries = JSON.parse(readFileSync(file, "utf8")); } catch { /* none yet */ }
    const hit = entries[key];
    if (hit && typeof hit.name === "string" && typeof hit.version === "string") return { name: hit.name, version: hit.version };
    const info = await select(forced);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ ...entries, [key]: { name: info.name, version: info.version } }));
      renameSync(tmp, file);
    } catch { /* a cache: losing it only costs time */ }
    return info;
  };
}
