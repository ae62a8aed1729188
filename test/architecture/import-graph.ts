import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * The repository's own import graph, read from the source text: every `import … from`,
 * `export … from`, side-effect `import "…"` and dynamic `import("…")` with a relative specifier,
 * resolved to a repository path (`.js` → `.ts`). Type-only imports count (they are what the
 * layering is about as much as values are), and are marked so rules can tell them apart.
 * A scanner rather than the compiler: TypeScript 7 has no JS API, and esbuild drops type imports.
 */
export interface Edge {
  readonly from: string;
  readonly to: string;
  /** `import type …` / `export type … from` (erased at runtime). */
  readonly typeOnly: boolean;
}

const STATIC = /^[ \t]*(import|export)\s+(type\s+)?([^;]*?)\bfrom\s*["']([^"']+)["']/gm;
const BARE = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Comments removed (a commented-out import is no import), strings and code kept. */
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");

export function importsOf(file: string, text: string): { spec: string; typeOnly: boolean }[] {
  const src = withoutComments(text);
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of src.matchAll(STATIC)) {
    const clause = m[3]!.trim();
    // `import { type A, type B } from` is type-only too.
    const allTypes = /^\{[\s\S]*\}$/.test(clause) && clause.slice(1, -1).split(",").map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith("type "));
    out.push({ spec: m[4]!, typeOnly: !!m[2] || allTypes });
  }
  for (const m of src.matchAll(BARE)) out.push({ spec: m[1]!, typeOnly: false });
  for (const m of src.matchAll(DYNAMIC)) out.push({ spec: m[1]!, typeOnly: false });
  return out.filter((i) => i.spec.startsWith("."));
}

function tsFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(root, rel));
    else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** Every edge between repository files under `dirs` (paths relative to `root`, posix). */
export function importGraph(root: string, dirs: readonly string[]): Edge[] {
  const edges: Edge[] = [];
  for (const file of dirs.flatMap((d) => tsFiles(root, d))) {
    for (const { spec, typeOnly } of importsOf(file, readFileSync(path.join(root, file), "utf8"))) {
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.m?js$/, ".ts");
      edges.push({ from: file, to, typeOnly });
    }
  }
  return edges;
}
