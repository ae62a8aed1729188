import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type * as esbuild from "esbuild";
import { ConfigError } from "./errors.js";

/**
 * One esbuild pass per stage module gives both what runs (an ES module bundle under
 * `.lcl/modules/`, so no TypeScript loader is needed) and what is fingerprinted (the import
 * closure from the metafile). Results are cached by the (inode, size, mtime) of every file in the
 * closure, so an unchanged workspace never starts esbuild at all.
 */
export interface BuiltModule {
  /** The ES module to import. */
  readonly modulePath: string;
  /** Local files in the closure (absolute) and the bare specifiers each imports. */
  readonly inputs: readonly { readonly file: string; readonly bareImports: readonly string[] }[];
}

interface CacheEntry extends BuiltModule { readonly stats: Readonly<Record<string, string>> }

const statKey = (f: string) => { try { const s = statSync(f); return `${s.ino}:${s.size}:${s.mtimeMs}`; } catch { return "missing"; } };

let cache: Map<string, CacheEntry> | undefined;
let cacheFile = "";
const memo = new Map<string, Promise<BuiltModule>>();

function load(root: string) {
  const f = path.join(root, ".lcl", "cache", "modules.v2.json"); // bump when the bundle layout changes
  if (cache && cacheFile === f) return;
  cacheFile = f;
  try { cache = new Map(Object.entries(JSON.parse(readFileSync(f, "utf8")))); } catch { cache = new Map(); }
}

function save() {
  try {
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(cache!)));
    renameSync(tmp, cacheFile);
  } catch { /* a cache: losing it only costs time */ }
}

export function buildStageModule(entry: string, workspaceRoot: string): Promise<BuiltModule> {
  let p = memo.get(entry);
  if (!p) { p = build(entry, workspaceRoot); memo.set(entry, p); }
  return p;
}


async function build(entry: string, root: string): Promise<BuiltModule> {
  load(root);
  const hit = cache!.get(entry);
  if (hit && existsSync(hit.modulePath) && Object.entries(hit.stats).every(([f, k]) => statKey(f) === k)) return hit;

  const esb = await import("esbuild");
  const shown = path.relative(process.cwd(), entry) || entry;
  let out: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    out = await esb.build({
      entryPoints: [entry], bundle: true, write: false, metafile: true, platform: "node", format: "esm", target: "node20",
      packages: "external", logLevel: "silent", sourcemap: "inline", absWorkingDir: path.dirname(entry),
    });
  } catch (e) {
    const errors = (e as { errors?: esbuild.Message[] }).errors ?? [];
    throw new ConfigError({ diagnostics: errors.length
      ? errors.map((m) => ({ file: m.location ? path.relative(process.cwd(), path.resolve(path.dirname(entry), m.location.file)) : shown,
          ...(m.location ? { line: m.location.line, col: m.location.column + 1 } : {}), message: m.text, fix: "fix the stage module so it compiles" }))
      : [{ file: shown, message: String((e as Error).message), fix: "fix the stage module so it compiles" }] });
  }
  const code = out.outputFiles[0]!.text;
  const name = path.basename(entry).replace(/\.[^.]+$/, "");
  // Beside the stage's own package (the folder above stages/), so its bare imports resolve from
  // the node_modules that belongs to it: lcl's for built-in kinds, the lab's for its own.
  const dir = path.join(path.dirname(path.dirname(entry)), ".lcl", "modules");
  const modulePath = path.join(dir, `${name}.${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
  if (!existsSync(modulePath)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${modulePath}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, modulePath);
  }
  const inputs = Object.entries(out.metafile.inputs).map(([rel, info]) => ({
    file: path.resolve(path.dirname(entry), rel),
    bareImports: info.imports.filter((i) => i.external && !/^(\.|\/|node:)/.test(i.path)).map((i) => i.path),
  }));
  const entryOut: CacheEntry = { modulePath, inputs, stats: Object.fromEntries(inputs.map((i) => [i.file, statKey(i.file)])) };
  cache!.set(entry, entryOut);
  save();
  return entryOut;
}
