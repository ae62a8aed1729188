import type { Instance } from "./graph.js";
import type { BackendInfo } from "./backend.js";
import { backendLabel } from "./backend.js";
import { codeFingerprint, type CodeDetail } from "./code-fingerprint.js";
import { makeFingerprint, SCHEME, type Fingerprint } from "./fingerprint.js";
import { inputHashes } from "./io.js";
import type { StageRecord } from "./store.js";
import { displayPath, resolveInside, type Workspace } from "./workspace.js";
import type { FileHashCache } from "./hashing.js";
import { readdir, stat } from "node:fs/promises";
import * as path from "node:path";

/** The Merkle key of one instance, given the records its upstream instances produced. */
export async function instanceFingerprint(ws: Workspace, inst: Instance, upstream: ReadonlyMap<string, Pick<StageRecord, "outputs">>, backend: BackendInfo, hashes: FileHashCache):
  Promise<{ fingerprint: Fingerprint; detail: CodeDetail; files: readonly string[] }> {
  const files = await declaredFiles(ws, inst);
  const fileHashes: Record<string, string> = {};
  for (const f of files) fileHashes[displayPath(ws, f)] = (await hashes.hash(f)).hash;
  const code = await codeFingerprint(inst.kindFile, ws.root, (abs) => displayPath(ws, abs));
  const vars: Record<string, string | null> = {};
  for (const v of inst.kind.env ?? []) vars[v] = process.env[v] ?? null;
  const fingerprint = makeFingerprint({
    scheme: SCHEME,
    stage: { kind: inst.kind.name, version: inst.kind.version },
    code: code.fingerprint,
    params: inst.params,
    env: { ...(inst.kind.usesBackend ? { backend: backendLabel(backend) } : {}), vars },
    files: fileHashes,
    inputs: inputHashes(inst.inputs, upstream),
  });
  return { fingerprint, detail: code.detail, files };
}

/** The stage's declared workspace files, folders expanded recursively (dotfiles skipped), sorted. */
export async function declaredFiles(ws: Workspace, inst: Instance): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string) => {
    const st = await stat(p);
    if (st.isDirectory()) {
      for (const e of (await readdir(p)).sort()) if (!e.startsWith(".")) await walk(path.join(p, e));
    } else out.push(p);
  };
  for (const rel of inst.kind.files?.(inst.params) ?? []) {
    const abs = resolveInside(ws.root, rel);
    if (!abs) throw new Error(`path '${rel}' leaves the workspace`); // validated earlier in graph.ts
    await walk(abs);
  }
  return [...new Set(out)].sort();
}
