import type { Instance } from "./graph.js";
import type { BackendInfo } from "./backend.js";
import { backendLabel } from "./backend.js";
import { codeFingerprint, type CodeDetail } from "./code-fingerprint.js";
import { makeFingerprint, SCHEME, type Fingerprint } from "./fingerprint.js";
import { inputHashes } from "./io.js";
import type { StageRecord } from "./store.js";
import { displayPath, resolveInside, type Workspace } from "./workspace.js";
import type { FileHashCache } from "./hashing.js";
import { readdir, readlink, realpath, stat } from "node:fs/promises";
import { ConfigError } from "./errors.js";
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

/**
 * The stage's declared workspace files, folders expanded recursively (dotfiles skipped), sorted.
 * Symlinks are followed, but a broken one or one leading back into a folder being walked (a loop)
 * is a clear error naming it (exit 2), not an internal error or a walk 40 levels deep.
 */
export async function declaredFiles(ws: Workspace, inst: Instance): Promise<string[]> {
  const out: string[] = [];
  const bad = (p: string, message: string, fix: string) => new ConfigError({ diagnostics: [{ file: displayPath(ws, p), message: `${message} (in the files of stage ${inst.id})`, fix }] });
  const walk = async (p: string, ancestors: ReadonlySet<string>) => {
    const st = await stat(p).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code === "ELOOP") throw bad(p, "symlink loop", "remove the link that points back to itself");
      const link = await readlink(p).catch(() => undefined);
      if (link !== undefined) throw bad(p, `broken symlink → ${link}`, "remove the link or restore what it points to");
      throw bad(p, `cannot read: ${e.code ?? e.message}`, "check that the path exists and is readable");
    });
    if (st.isDirectory()) {
      const real = await realpath(p);
      if (ancestors.has(real)) throw bad(p, `symlink loop: leads back to ${displayPath(ws, real)}, which contains it`, "remove the link, or point it at a folder outside this one");
      const inner = new Set(ancestors).add(real);
      for (const e of (await readdir(p)).sort()) if (!e.startsWith(".")) await walk(path.join(p, e), inner);
    } else out.push(p);
  };
  for (const rel of inst.kind.files?.(inst.params) ?? []) {
    const abs = resolveInside(ws.root, rel);
    if (!abs) throw new Error(`path '${rel}' leaves the workspace`); // validated earlier in graph.ts
    await walk(abs, new Set());
  }
  return [...new Set(out)].sort();
}
