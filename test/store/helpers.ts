import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** Store-level views for tests that look under the hood (a shared store lives outside any Rig). */
export const readJson = (p: string) => JSON.parse(readFileSync(p, "utf8"));

export function runsIn(store: string): { id: string; experiment: string; workspace?: string; status: string; stages: Record<string, { status: string; fingerprint?: string }> }[] {
  const dir = path.join(store, "runs");
  return readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => readJson(path.join(dir, f)));
}

export function statusesOf(run: { stages: Record<string, { status: string }> }): Record<string, string> {
  return Object.fromEntries(Object.entries(run.stages).map(([k, v]) => [k, v.status]));
}

/** Every ref file (any workspace) under a store. */
export function refFiles(store: string): string[] {
  const dir = path.join(store, "refs");
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory()
    ? readdirSync(path.join(dir, e.name)).map((f) => path.join(dir, e.name, f))
    : [path.join(dir, e.name)]);
}

export function objectPath(store: string, hash: string) { return path.join(store, "objects", hash.slice(0, 2), hash.slice(2)); }
export function recordPath(store: string, fp: string) { return path.join(store, "stages", fp.slice(0, 2), `${fp}.json`); }
