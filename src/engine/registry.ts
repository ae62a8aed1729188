import { readdirSync } from "node:fs";
import { buildStageModule } from "./module-build.js";
import { codeFingerprint } from "./code-fingerprint.js";
import { CachedKind, KindManifests } from "./kind-manifest.js";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { StageKind } from "./contract/index.js";
import { ConfigError } from "./errors.js";
import { checkResources } from "./resources.js";
import { displayPath, LCL_ROOT, type Workspace } from "./workspace.js";

/**
 * Stage kinds are modules named after the kind (`stages/<kind>.ts`), found in lcl's own
 * `stages/` and in the workspace's, so a lab adds kinds in its own repository. Modules are
 * imported lazily: validating an experiment loads only the kinds it uses.
 */
export interface KindEntry { readonly name: string; readonly file: string; readonly builtin: boolean }

const MODULE = /^([a-z][a-z0-9-]*)\.(ts|mts|js|mjs)$/;

export class Registry {
  readonly entries = new Map<string, KindEntry>();
  readonly #loaded = new Map<string, Promise<StageKind>>();
  readonly #modules = new Map<string, string>();
  readonly #described = new Map<string, Promise<StageKind>>();
  readonly #manifests: KindManifests;

  /** The bundled ES module a loaded kind came from (child processes import the same file). */
  modulePath(name: string): string | undefined { return this.#modules.get(name); }

  constructor(readonly ws: Workspace) {
    this.#manifests = new KindManifests(ws.root);
    const dirs: [string, boolean][] = [[path.join(LCL_ROOT, "stages"), true]];
    if (path.resolve(ws.stagesDir) !== path.resolve(LCL_ROOT, "stages")) dirs.push([ws.stagesDir, false]);
    for (const [dir, builtin] of dirs) {
      let files: string[] = [];
      try { files = readdirSync(dir); } catch { continue; }
      for (const f of files.sort()) {
        const m = MODULE.exec(f);
        if (!m || f.endsWith(".d.ts") || f.includes(".test.")) continue;
        // Workspace kinds shadow built-ins of the same name on purpose (a lab's patched version).
        this.entries.set(m[1]!, { name: m[1]!, file: path.join(dir, f), builtin });
      }
    }
  }

  names(): string[] { return [...this.entries.keys()].sort(); }

  load(name: string): Promise<StageKind> {
    let p = this.#loaded.get(name);
    if (!p) {
      const entry = this.entries.get(name);
      if (!entry) return Promise.reject(new Error(`unknown stage kind ${name}`));
      p = this.#import(entry).then((mod) => validateKind(mod.default, entry));
      this.#loaded.set(name, p);
    }
    return p;
  }

  /**
   * The kind for building a graph and deciding what is stale: from its manifest when the module's
   * code is unchanged (no import: see kind-manifest.ts), else imported (and its manifest written).
   * Same errors as `load`.
   */
  kind(name: string): Promise<StageKind> {
    let p = this.#described.get(name);
    if (!p) { p = this.#describe(name); this.#described.set(name, p); }
    return p;
  }

  async #describe(name: string): Promise<StageKind> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`unknown stage kind ${name}`);
    const { modulePath } = await buildStageModule(entry.file, this.ws.root);
    this.#modules.set(name, modulePath);
    const code = await codeFingerprint(entry.file, this.ws.root, (abs) => displayPath(this.ws, abs));
    const key = `${modulePath} ${code.fingerprint.hash}`;
    const cached = this.#manifests.get(entry.file, key, () => this.load(name));
    if (cached) return cached;
    const real = await this.load(name);
    return this.#manifests.put(entry.file, key, real) ?? real;
  }

  /** Write what `kind()` learned this run (new manifests, params decoded). */
  saveManifests() { this.#manifests.save(); }

  async #import(entry: KindEntry): Promise<{ default?: unknown }> {
    const { modulePath } = await buildStageModule(entry.file, this.ws.root);
    this.#modules.set(entry.name, modulePath);
    return import(pathToFileURL(modulePath).href);
  }
}

function validateKind(k: unknown, entry: KindEntry): StageKind {
  const problem = (msg: string) => new ConfigError({ diagnostics: [{ file: path.relative(process.cwd(), entry.file) || entry.file, message: msg, fix: "export default defineStage({ name, version, description, params, inputs, outputs, run })" }] });
  if (!k || typeof k !== "object") throw problem("module has no default export of a stage kind");
  const s = k as Partial<StageKind>;
  if (s.name !== entry.name) throw problem(`stage kind is named '${String(s.name)}' but its file is '${path.basename(entry.file)}'; the name must equal the file name`);
  if (!Number.isInteger(s.version)) throw problem("stage kind needs an integer `version`");
  if (typeof s.run !== "function") throw problem("stage kind needs a `run(ctx)` function");
  if (!s.params || !(typeof s.params === "object" || typeof s.params === "function") || !("ast" in s.params)) throw problem("stage kind needs `params`, an Effect Schema Struct (Schema.Struct({}) for none)");
  if (s.headline !== undefined && (!Array.isArray(s.headline) || !s.headline.every((m) => typeof m === "string" && m.length > 0)))
    throw problem("`headline` lists metric names (strings; `*` matches any characters), e.g. headline: [\"test_acc\", \"mi_l*\"]");
  for (const [name, p] of Object.entries(s.outputs ?? {})) if ((p as { headline?: unknown }).headline !== undefined && typeof (p as { headline?: unknown }).headline !== "boolean")
    throw problem(`outputs.${name}.headline must be true or false`);
  if (s.resources !== undefined) {
    const bad = checkResources(s.resources);
    if (bad) throw problem(`resources: ${bad.replace(/^--/, "")}`);
  }
  return s as StageKind;
}
