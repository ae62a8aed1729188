import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { NotFound } from "./errors.js";

/** Where lcl itself is installed (the folder of its package.json): built-in `stages/` live here. Works from src/ and from the dist/ bundle. */
export const LCL_ROOT = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try { if (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).name === "lcl") return dir; } catch { /* keep walking */ }
    if (path.dirname(dir) === dir) throw new Error("lcl: cannot find its own package.json");
  }
})();

export interface Workspace {
  /** Folder holding experiments.yaml. */
  readonly root: string;
  readonly experimentsFile: string;
  readonly pipelinesDir: string;
  readonly stagesDir: string;
  /** The store; `LCL_STORE` may point it elsewhere (e.g. a shared filesystem). */
  readonly storeDir: string;
}

export function findWorkspace(start: string): Workspace {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "experiments.yaml"))) return workspaceAt(dir);
    if (path.dirname(dir) === dir) {
      throw new NotFound({ what: "workspace", name: start, hint: "run lcl inside a folder (or below one) that has experiments.yaml, or pass -C <dir>" });
    }
  }
}

export function workspaceAt(root: string): Workspace {
  const r = path.resolve(root);
  return {
    root: r,
    experimentsFile: path.join(r, "experiments.yaml"),
    pipelinesDir: path.join(r, "pipelines"),
    stagesDir: path.join(r, "stages"),
    storeDir: process.env.LCL_STORE ? path.resolve(r, process.env.LCL_STORE) : path.join(r, "artifacts"),
  };
}

/** Resolve a path written in YAML; refuses anything that leaves the workspace (`..`, absolute paths, symlink tricks aside). */
export function resolveInside(root: string, p: string): string | undefined {
  const abs = path.resolve(root, p);
  const rel = path.relative(root, abs);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel)) ? abs : undefined;
}

/** Stable display path: relative to the workspace, else to lcl's root (prefixed `lcl:`). */
export function displayPath(ws: Workspace, abs: string): string {
  const rel = path.relative(ws.root, abs);
  if (!rel.startsWith("..") && !path.isAbsolute(rel)) return rel.split(path.sep).join("/");
  return "lcl:" + path.relative(LCL_ROOT, abs).split(path.sep).join("/");
}
