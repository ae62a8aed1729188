import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { saveCacheJson } from "./atomic.js";
import { builtinModules } from "node:module";
import { buildStageModule } from "./module-build.js";
import { sha256 } from "./canonical.js";
import { LCL_ROOT } from "./workspace.js";

/**
 * Automatic code fingerprint of a stage module: its local import closure (found by esbuild's
 * resolver, so tsconfig/ESM resolution rules match what runs) with each file normalised by
 * re-printing it without comments or types — formatting-only edits do not count — plus the
 * lockfile versions of the packages it imports. The engine itself (src/engine, src/sdk, src/cli)
 * is excluded: it is covered by the fingerprint scheme version, not by every stage's key.
 */

export interface CodeFingerprint {
  /** sha256 over files and packages. */
  readonly hash: string;
  /** Display path → hash of the normalised file. */
  readonly files: Readonly<Record<string, string>>;
  /** Imported package → locked version. */
  readonly packages: Readonly<Record<string, string>>;
}
/** Per-file, per-top-level-declaration hashes, kept beside the fingerprint so `why` can name the changed function. */
export type CodeDetail = Readonly<Record<string, Readonly<Record<string, string>>>>;

const ENGINE_DIRS = ["src/engine", "src/sdk", "src/cli"].map((d) => path.join(LCL_ROOT, d) + path.sep);
const isEngine = (f: string) => ENGINE_DIRS.some((d) => f.startsWith(d));
const BUILTINS = new Set(builtinModules);

/**
 * Normalised-file hashes cached by (inode, size, mtime), in memory and on disk under
 * `.lcl/cache/`, so an unchanged stage costs a stat, not a re-parse, on every run.
 */
type FileEntry = { key: string; hash: string; decls: Record<string, string> };
let fileCache = new Map<string, FileEntry>();
let cacheFile: string | undefined;
let cacheDirty = false;

function useDiskCache(workspaceRoot: string) {
  const f = path.join(workspaceRoot, ".lcl", "cache", "code-files.v2.json"); // bump when normalisation changes
  if (cacheFile === f) return;
  cacheFile = f;
  try { fileCache = new Map(Object.entries(JSON.parse(readFileSync(f, "utf8")))); } catch { fileCache = new Map(); }
}

function saveDiskCache() {
  if (!cacheFile || !cacheDirty) return;
  cacheDirty = false;
  saveCacheJson(cacheFile, Object.fromEntries(fileCache));
}

async function normalisedFile(abs: string): Promise<{ hash: string; decls: Record<string, string> }> {
  const st = statSync(abs);
  const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
  const hit = fileCache.get(abs);
  if (hit && hit.key === key) return hit;
  const src = readFileSync(abs, "utf8");
  const loader = /\.(c|m)?tsx?$/.test(abs) ? (abs.endsWith("x") ? "tsx" : "ts") : "js";
  const esbuild = await import("esbuild"); // loaded only when a file changed
  const { parse } = await import("acorn");
  const code = (await esbuild.transform(src, { loader, format: "esm", legalComments: "none", target: "es2022", sourcefile: abs })).code;
  const decls: Record<string, string> = {};
  try {
    const ast = parse(code, { ecmaVersion: "latest", sourceType: "module" }) as any;
    ast.body.forEach((stmt: any, i: number) => {
      const name = declName(stmt) ?? `statement ${i + 1}`;
      decls[name] = sha256(code.slice(stmt.start, stmt.end)).slice(0, 16);
    });
  } catch { /* decl detail is a nicety; the file hash below is what counts */ }
  const out = { key, hash: sha256(code), decls };
  fileCache.set(abs, out);
  cacheDirty = true;
  return out;
}

function declName(stmt: any): string | undefined {
  const d = stmt.type === "ExportNamedDeclaration" || stmt.type === "ExportDefaultDeclaration" ? stmt.declaration ?? stmt : stmt;
  if (stmt.type === "ExportDefaultDeclaration") return d.id?.name ? `function ${d.id.name}` : "export default";
  if (d.type === "FunctionDeclaration") return `function ${d.id.name}`;
  if (d.type === "ClassDeclaration") return `class ${d.id.name}`;
  if (d.type === "VariableDeclaration") {
    const names: string[] = d.declarations.map((x: any) => x.id.name ?? "{…}");
    // esbuild rewrites `export default expr` to `var <file>_default = expr; export { … as default }`.
    if (names.length === 1 && /_default$/.test(names[0]!)) return "export default";
    return `${d.kind} ${names.join(", ")}`;
  }
  if (stmt.type === "ImportDeclaration") return `import ${stmt.source.value}`;
  if (stmt.type === "ExportNamedDeclaration" && !stmt.declaration) return `export {${stmt.specifiers.map((s: any) => s.exported.name).join(", ")}}`;
  return undefined;
}

function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const lockCache = new Map<string, Record<string, string>>();
function lockedVersions(root: string): Record<string, string> {
  let v = lockCache.get(root);
  if (!v) {
    v = {};
    try {
      const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8"));
      for (const [p, info] of Object.entries<any>(lock.packages ?? {})) {
        const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(p);
        if (m && info.version && !(m[1]! in v)) v[m[1]!] = info.version;
      }
    } catch { /* no lockfile: versions come from installed package.json below */ }
    lockCache.set(root, v);
  }
  return v;
}

function versionOf(pkg: string, roots: string[]): string {
  for (const r of roots) { const v = lockedVersions(r)[pkg]; if (v) return v; }
  for (const r of roots) {
    try { return JSON.parse(readFileSync(path.join(r, "node_modules", pkg, "package.json"), "utf8")).version; } catch { /* next */ }
  }
  return "unknown";
}

const memo = new Map<string, Promise<{ fingerprint: CodeFingerprint; detail: CodeDetail }>>();

/** Fingerprint of a stage module; memoised per process (a CLI run sees one state of the code). */
export function codeFingerprint(entry: string, workspaceRoot: string, display: (abs: string) => string) {
  let p = memo.get(entry);
  if (!p) { p = compute(entry, workspaceRoot, display); memo.set(entry, p); }
  return p;
}

async function compute(entry: string, workspaceRoot: string, display: (abs: string) => string) {
  useDiskCache(workspaceRoot);
  const built = await buildStageModule(entry, workspaceRoot);
  const files: Record<string, string> = {};
  const detail: Record<string, Record<string, string>> = {};
  const packages: Record<string, string> = {};
  const roots = [workspaceRoot, LCL_ROOT];
  for (const input of built.inputs) {
    if (isEngine(input.file)) continue; // the engine is covered by the scheme version
    const shown = display(input.file);
    const n = await normalisedFile(input.file);
    files[shown] = n.hash;
    detail[shown] = n.decls;
    for (const spec of input.bareImports) {
      const pkg = packageName(spec);
      if (BUILTINS.has(pkg) || pkg === "lcl") continue;
      packages[pkg] = versionOf(pkg, roots);
    }
  }
  const sortedFiles = Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
  const sortedPkgs = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
  const hash = sha256(JSON.stringify([sortedFiles, sortedPkgs]));
  saveDiskCache();
  return { fingerprint: { hash, files: sortedFiles, packages: sortedPkgs }, detail };
}
