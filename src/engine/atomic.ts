import { randomBytes } from "node:crypto";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import * as path from "node:path";

/**
 * Write-then-rename so readers (and a kill -9 at any moment) never see a partial file:
 * data goes to a unique temp name in the same directory tree, is fsynced, then renamed.
 */
export async function writeAtomic(file: string, data: Uint8Array | string, tmpDir = path.dirname(file)): Promise<void> {
  await mkdir(tmpDir, { recursive: true });
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(tmpDir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally { await fh.close(); }
  try { await rename(tmp, file); } catch (e) { await unlink(tmp).catch(() => {}); throw e; }
}

export async function writeJsonAtomic(file: string, value: unknown, tmpDir?: string): Promise<void> {
  await writeAtomic(file, JSON.stringify(value, null, 1) + "\n", tmpDir);
}
