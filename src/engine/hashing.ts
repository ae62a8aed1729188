import { createHash } from "node:crypto";
import { open, stat, readFile } from "node:fs/promises";
import * as path from "node:path";
import { writeJsonAtomic } from "./atomic.js";

/**
 * Streaming sha256 of files, with a stat cache for user-supplied inputs so unchanged multi-GB
 * folders are not re-read on every run (the DVC no-op-repro complaint). 1 MiB reads: small reads
 * halve throughput on this class of machine, and reading ahead hides the I/O behind the hashing.
 */
const CHUNK = 4 << 20;

/** Double-buffered: the next read runs on libuv's thread pool while this chunk is hashed. */
export async function sha256File(file: string): Promise<{ hash: string; size: number }> {
  const h = createHash("sha256");
  const fh = await open(file, "r");
  const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let size = 0;
  try {
    let i = 0;
    let pending = fh.read(bufs[0]!, 0, CHUNK, null);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const cur = bufs[i]!;
      i ^= 1;
      pending = fh.read(bufs[i]!, 0, CHUNK, null);
      h.update(bytesRead === CHUNK ? cur : cur.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally { await fh.close(); }
  return { hash: h.digest("hex"), size };
}

interface StatEntry { ino: number; size: number; mtimeMs: number; hash: string }

/** (inode, size, mtime) → hash, persisted under the store's cache/. */
export class FileHashCache {
  #entries = new Map<string, StatEntry>();
  #dirty = false;
  #loaded = false;
  constructor(readonly file: string) {}

  async #load() {
    if (this.#loaded) return;
    this.#loaded = true;
    try { this.#entries = new Map(Object.entries(JSON.parse(await readFile(this.file, "utf8")))); } catch { /* first use */ }
  }

  async hash(file: string): Promise<{ hash: string; size: number; cached: boolean }> {
    await this.#load();
    const abs = path.resolve(file);
    const st = await stat(abs);
    const e = this.#entries.get(abs);
    if (e && e.ino === st.ino && e.size === st.size && e.mtimeMs === st.mtimeMs) return { hash: e.hash, size: e.size, cached: true };
    const { hash, size } = await sha256File(abs);
    this.#entries.set(abs, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, hash });
    this.#dirty = true;
    return { hash, size, cached: false };
  }

  async save() {
    if (!this.#dirty) return;
    await writeJsonAtomic(this.file, Object.fromEntries(this.#entries));
    this.#dirty = false;
  }
}
