import { readFile, stat, unlink } from "node:fs/promises";
import type { TensorSet } from "./contract/index.js";
import { writeAtomic } from "./atomic.js";
import type { Store } from "./store.js";
import { decodeTensors, encodeTensors } from "./tensors.js";

/**
 * Mid-stage checkpoints. A long stage saves its state every so often; if it is interrupted,
 * killed or its machine dies, the next `lcl run` of the *same fingerprint* hands the newest
 * checkpoint back, so the stage resumes instead of starting over. Keyed by fingerprint, a
 * checkpoint can never leak into a run with different code, params or inputs. One file per
 * fingerprint, replaced atomically (a kill mid-save leaves the previous one), deleted once the
 * stage succeeds. gc removes orphans.
 */
export interface Checkpoint {
  readonly step: number;
  readonly state: TensorSet;
  readonly meta?: unknown;
  readonly savedAt: string;
}

export interface Checkpoints {
  /** The newest checkpoint of an earlier, unfinished attempt at this stage, or undefined. */
  load(): Promise<Checkpoint | undefined>;
  /** Save (atomically replacing the previous one). `step` is the stage's own progress counter. */
  save(step: number, state: TensorSet, meta?: unknown): Promise<void>;
}

const HEADER = "__lcl_checkpoint__";

export function checkpointsFor(store: Store, fp: string, onLoad?: (c: Checkpoint) => void): Checkpoints & { clear(): Promise<void> } {
  const file = store.checkpointPath(fp);
  let touched = false; // only a stage that saved or resumed has a file to delete: no syscall per stage otherwise
  return {
    async load() {
      let bytes: Uint8Array;
      try { bytes = await readFile(file); } catch { return undefined; }
      try {
        const { [HEADER]: head, ...state } = decodeTensors(bytes);
        if (!head) return undefined;
        const info = JSON.parse(new TextDecoder().decode(head.data)) as { step: number; meta?: unknown; savedAt: string };
        const c = { step: info.step, state, savedAt: info.savedAt, ...(info.meta !== undefined ? { meta: info.meta } : {}) };
        touched = true;
        onLoad?.(c);
        return c;
      } catch {
        return undefined; // unreadable: start over rather than fail (it is only a shortcut)
      }
    },
    async save(step, state, meta) {
      if (!Number.isInteger(step) || step < 0) throw new Error(`checkpoint step must be a non-negative integer, got ${step}`);
      if (HEADER in state) throw new Error(`'${HEADER}' is a reserved tensor name`);
      const head = new TextEncoder().encode(JSON.stringify({ step, meta, savedAt: new Date().toISOString() }));
      touched = true;
      await writeAtomic(file, encodeTensors({ ...state, [HEADER]: { dtype: "uint8", shape: [head.length], data: head } }), store.tmpDir);
    },
    async clear() { if (touched) await unlink(file).catch(() => {}); },
  };
}

/** Size and time of the checkpoint waiting for `fp`, if any (for `lcl status` / `why`), without reading it. */
export async function checkpointInfo(store: Store, fp: string): Promise<{ bytes: number; mtime: Date } | undefined> {
  try { const s = await stat(store.checkpointPath(fp)); return { bytes: s.size, mtime: s.mtime }; } catch { return undefined; }
}
