import type { Instance } from "./graph.js";
import type { BackendInfo } from "./backend.js";
import { backendLabel } from "./backend.js";
import { codeFingerprint, type CodeDetail } from "./code-fingerprint.js";
import { makeFingerprint, SCHEME, type Fingerprint } from "./fingerprint.js";
import { inputHashes } from "./io.js";
import type { StageRecord } from "./store.js";
import { displayPath, type Workspace } from "./workspace.js";

/** The Merkle key of one instance, given the records its upstream instances produced. */
export async function instanceFingerprint(ws: Workspace, inst: Instance, upstream: ReadonlyMap<string, StageRecord>, backend: BackendInfo):
  Promise<{ fingerprint: Fingerprint; detail: CodeDetail }> {
  const code = await codeFingerprint(inst.kindFile, ws.root, (abs) => displayPath(ws, abs));
  const vars: Record<string, string | null> = {};
  for (const v of inst.kind.env ?? []) vars[v] = process.env[v] ?? null;
  const fingerprint = makeFingerprint({
    scheme: SCHEME,
    stage: { kind: inst.kind.name, version: inst.kind.version },
    code: code.fingerprint,
    params: inst.params,
    env: { ...(inst.kind.usesBackend ? { backend: backendLabel(backend) } : {}), vars },
    inputs: inputHashes(inst.inputs, upstream),
  });
  return { fingerprint, detail: code.detail };
}
