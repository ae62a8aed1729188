import { mkdir, readFile, rename, rm, rmdir, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { ensureDir } from "./atomic.js";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Leases that work on NFS without flock: `mkdir` is atomic everywhere; the owner (host, pid,
 * start) is written inside and its mtime is the heartbeat. A lease is stale when its owner is
 * on this host and dead, or when its heartbeat is older than `staleMs` (other hosts).
 */
export interface LeaseOwner { readonly host: string; readonly pid: number; readonly startedAt: string; readonly purpose: string }

export interface Lease { readonly dir: string; release(): Promise<void> }

const HEARTBEAT_MS = 2_000;
const STALE_MS = 30_000;

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
}

export async function readOwner(dir: string): Promise<(LeaseOwner & { heartbeatAgeMs: number }) | undefined> {
  try {
    const f = path.join(dir, "owner.json");
    const [txt, st] = await Promise.all([readFile(f, "utf8"), stat(f)]);
    return { ...(JSON.parse(txt) as LeaseOwner), heartbeatAgeMs: Date.now() - st.mtimeMs };
  } catch { return undefined; }
}

export async function isStale(dir: string, staleMs = STALE_MS): Promise<boolean> {
  const o = await readOwner(dir);
  if (!o) {
    // Owner file not written yet (acquirer mid-way) or lost: judge by the directory's age.
    try { return Date.now() - (await stat(dir)).mtimeMs > staleMs; } catch { return false; }
  }
  if (o.host === os.hostname()) return !alive(o.pid);
  return o.heartbeatAgeMs > staleMs;
}

/** Try once; undefined if held by a live owner. Stale leases are broken (renamed away atomically). */
export async function tryAcquire(dir: string, purpose: string): Promise<Lease | undefined> {
  await ensureDir(path.dirname(dir));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await mkdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (attempt === 0 && (await isStale(dir))) {
        const grave = `${dir}.stale-${randomBytes(4).toString("hex")}`;
        await rename(dir, grave).then(() => rm(grave, { recursive: true, force: true }), () => {});
        continue;
      }
      return undefined;
    }
    const owner: LeaseOwner = { host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString(), purpose };
    const ownerFile = path.join(dir, "owner.json");
    await writeFile(ownerFile, JSON.stringify(owner));
    const beat = setInterval(() => { const t = new Date(); utimes(ownerFile, t, t).catch(() => {}); }, HEARTBEAT_MS);
    beat.unref();
    let released = false;
    return {
      dir,
      async release() {
        if (released) return;
        released = true;
        clearInterval(beat);
        // Two syscalls instead of a recursive walk: this runs once per stage.
        await unlink(ownerFile).catch(() => {});
        await rmdir(dir).catch(() => rm(dir, { recursive: true, force: true }));
      },
    };
  }
  return undefined;
}

/** Acquire, polling while a live owner holds it. `onWait` is told who holds it (once). */
export async function acquire(dir: string, purpose: string, opts: { timeoutMs?: number; onWait?: (o: LeaseOwner | undefined) => void; signal?: AbortSignal } = {}): Promise<Lease | undefined> {
  const deadline = Date.now() + (opts.timeoutMs ?? Infinity);
  let told = false;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const l = await tryAcquire(dir, purpose);
    if (l) return l;
    if (!told) { told = true; opts.onWait?.(await readOwner(dir)); }
    if (Date.now() > deadline || opts.signal?.aborted) return undefined;
    await new Promise((r) => setTimeout(r, delay));
  }
}
