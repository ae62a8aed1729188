import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import * as path from "node:path";

/**
 * Write-then-rename so readers (and a kill -9 at any moment) never see a partial file:
 * data goes to a unique temp name in the same directory tree, is fsynced, then renamed.
 */
export async function writeAtomic(file: string, data: Uint8Array | string, tmpDir = path.dirname(file)): Promise<void> {
  await ensureDir(tmpDir);
  await ensureDir(path.dirname(file));
  const tmp = path.join(tmpDir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally { await fh.close(); }
  try { await rename(tmp, file); } catch (e) { await unlink(tmp).catch(() => {}); throw e; }
}

const made = new Set<string>();
/** mkdir -p, remembered per process: the store's fan-out directories are created once, not per write. */
export async function ensureDir(dir: string): Promise<void> {
  if (made.has(dir)) return;
  await mkdir(dir, { recursive: true });
  made.add(dir);
}

export async function writeJsonAtomic(file: string, value: unknown, tmpDir?: string): Promise<void> {
  await writeAtomic(file, JSON.stringify(value, null, 1) + "\n", tmpDir);
}

/**
 * A best-effort, synchronous write-then-rename for lcl's own caches under `.lcl/cache/` (saved on
 * the way out, where an async write could be cut off): no fsync, and a failure is ignored — losing
 * a cache only costs time.
 */
export function saveCacheJson(file: string, value: unknown): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, file);
  } catch { /* a cache: losing it only costs time */ }
}
