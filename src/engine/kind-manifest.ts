import { readFileSync } from "node:fs";
import * as path from "node:path";
import { saveCacheJson } from "./atomic.js";
import type { StageContext, StageKind } from "./contract/index.js";
import { canonicalJson } from "./canonical.js";

/**
 * What `status`, `plan`, `why` and a no-op `run` need of a stage kind — its name, version, ports,
 * env, resources — is plain data, but getting it by importing the stage module also loads what the
 * stage computes with (TensorFlow.js, Arrow, sharp…): most of lcl's start-up. So that data is kept
 * on disk per kind (`.lcl/cache/kinds.v1.json`), keyed by the kind's bundled module (its path holds
 * the hash of the bundled code, engine and SDK included) and its code fingerprint (science files
 * and package versions), with the results of the kind's two functions the graph calls: params
 * decoding and `files(params)`, memoised per input. A changed stage, library or package changes
 * the key, and the module is imported again. Only a real stage run (or a params value not seen
 * before) imports the module.
 */

/** The plain-data part of a stage kind. */
type KindInfo = Omit<StageKind, "params" | "run" | "files">;

interface Manifest {
  readonly key: string;
  readonly info: KindInfo;
  readonly hasFiles: boolean;
  /** canonical JSON of raw param values → decoded params (successful decodes only). */
  readonly params: Record<string, Record<string, unknown>>;
  /** canonical JSON of decoded params → files(params). */
  readonly files: Record<string, readonly string[]>;
}

const INFO_FIELDS = ["name", "version", "description", "inputs", "outputs", "env", "usesBackend", "isolation", "resources", "headline"] as const;

/** JSON that reads back as the same value: no functions, class instances, undefined in arrays, non-finite numbers. */
function isPlainJson(v: unknown): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(isPlainJson);
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).every((x) => x === undefined || isPlainJson(x));
  return false;
}

/**
 * A stage kind served from its manifest. Looks like any StageKind: `run` imports the module
 * first; `params` (the schema) is only there once the module is loaded (`load()`), which the
 * graph does on a params value the manifest has not seen.
 */
export class CachedKind implements StageKind {
  declare readonly name: string;
  declare readonly version: number;
  declare readonly description: string;
  declare readonly inputs: StageKind["inputs"];
  declare readonly outputs: StageKind["outputs"];
  readonly files?: StageKind["files"];
  #real: StageKind | undefined;

  constructor(readonly manifest: Manifest, readonly importModule: () => Promise<StageKind>, private readonly changed: () => void) {
    for (const f of INFO_FIELDS) if (manifest.info[f] !== undefined) Object.defineProperty(this, f, { value: manifest.info[f], enumerable: true });
    if (manifest.hasFiles) {
      this.files = (params) => {
        const hit = manifest.files[canonicalJson(params)];
        if (hit) return hit;
        if (!this.#real?.files) throw new Error(`internal: files() of stage kind '${this.name}' asked before its module was loaded`);
        return this.rememberFiles(params as Record<string, unknown>, this.#real.files(params));
      };
    }
  }

  async load(): Promise<StageKind> {
    return (this.#real ??= await this.importModule());
  }

  get params(): StageKind["params"] {
    if (!this.#real) throw new Error(`internal: the params schema of stage kind '${this.name}' asked before its module was loaded`);
    return this.#real.params;
  }

  async run(ctx: StageContext<unknown, StageKind["inputs"], StageKind["outputs"]>): Promise<void> {
    await (await this.load()).run(ctx as never);
  }

  /** Decoded params for these raw values, if this kind decoded them before. */
  cachedParams(values: Record<string, unknown>): Record<string, unknown> | undefined {
    return this.manifest.params[canonicalJson(values)];
  }
  rememberParams(values: Record<string, unknown>, params: Record<string, unknown>) {
    if (isPlainJson(values) && isPlainJson(params)) { this.manifest.params[canonicalJson(values)] = params; this.changed(); }
  }
  cachedFiles(params: Record<string, unknown>): readonly string[] | undefined {
    return this.manifest.files[canonicalJson(params)];
  }
  rememberFiles(params: Record<string, unknown>, files: readonly string[]): readonly string[] {
    if (isPlainJson(params) && isPlainJson(files)) { this.manifest.files[canonicalJson(params)] = files; this.changed(); }
    return files;
  }
}

/** The manifests of one workspace, read once and written back (atomically) when something was added. */
export class KindManifests {
  #entries: Map<string, Manifest> | undefined;
  #dirty = false;
  readonly file: string;

  constructor(workspaceRoot: string) { this.file = path.join(workspaceRoot, ".lcl", "cache", "kinds.v1.json"); }

  #all(): Map<string, Manifest> {
    if (!this.#entries) {
      try { this.#entries = new Map(Object.entries(JSON.parse(readFileSync(this.file, "utf8")))); } catch { this.#entries = new Map(); }
    }
    return this.#entries;
  }

  /** The kind from its manifest if `key` still matches; else undefined (import the module). */
  get(file: string, key: string, importModule: () => Promise<StageKind>): CachedKind | undefined {
    const m = this.#all().get(file);
    return m && m.key === key ? new CachedKind(m, importModule, () => { this.#dirty = true; }) : undefined;
  }

  /** Record a freshly imported kind; undefined when its ports or settings are not plain data (then it is always imported). */
  put(file: string, key: string, kind: StageKind): CachedKind | undefined {
    const info: Record<string, unknown> = {};
    for (const f of INFO_FIELDS) if (kind[f] !== undefined) info[f] = kind[f];
    if (!isPlainJson(info)) return undefined;
    const m: Manifest = { key, info: info as unknown as KindInfo, hasFiles: typeof kind.files === "function", params: {}, files: {} };
    this.#all().set(file, m);
    this.#dirty = true;
    const cached = new CachedKind(m, async () => kind, () => { this.#dirty = true; });
    return cached;
  }

  save() {
    if (!this.#dirty || !this.#entries) return;
    this.#dirty = false;
    saveCacheJson(this.file, Object.fromEntries(this.#entries));
  }
}
