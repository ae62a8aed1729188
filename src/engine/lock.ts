import { mkdir, open, readFile, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { ensureDir } from "./atomic.js";
import { checkFile, LeaseOwnerFile } from "./store-files.js";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Leases that work on NFS without flock: `mkdir` is atomic everywhere (also on an NFS server);
 * the owner (host, pid, start, a random token) is written inside, and a heartbeat rewrites that
 * file every few seconds (write to a temp name, then rename). A lease is stale when its owner is
 * on this host and dead, or when its heartbeat is older than `staleMs` (other hosts: a cluster
 * node that died, a job killed with SIGKILL).
 *
 * Why content and not only mtime: NFS clients cache attributes (acregmax, often 60 s), so a
 * `stat` on another host can show an old mtime of a file that is being touched; opening and
 * reading the file revalidates it (close-to-open consistency). The heartbeat time in the file is
 * the owner's clock: cluster nodes keep theirs in sync (NTP), and `staleMs` is far above skew.
 *
 * Breaking a stale lease is serialised by a second, short-lived lease (`<dir>.break`) and checked
 * against the owner's token, so two breakers racing can never remove a lease a third process has
 * just taken.
 */
export interface LeaseOwner { readonly host: string; readonly pid: number; readonly startedAt: string; readonly purpose: string; readonly token?: string; readonly beatAt?: string }

export interface Lease { readonly dir: string; release(): Promise<void> }

const HEARTBEAT_MS = 2_000;
export const STALE_MS = 30_000;

export interface LeaseOptions {
  /** A lease whose heartbeat is older than this is stale (other hosts). Default 30 s. */
  readonly staleMs?: number;
  /** Heartbeat period. Default 2 s. */
  readonly heartbeatMs?: number;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
}

async function readOwnerOnce(dir: string): Promise<(LeaseOwner & { heartbeatAgeMs: number }) | undefined> {
  const f = path.join(dir, "owner.json");
  const txt = await readFile(f, "utf8");
  // A hand-edited or foreign owner file of the wrong shape is treated like a missing one (judged by the
  // directory's age), never trusted: it is not quarantined, as a live owner rewrites it every heartbeat.
  const checked = checkFile(LeaseOwnerFile, JSON.parse(txt));
  if (!checked.ok) throw new Error(`${f}: ${checked.problem}`);
  const o = checked.value as LeaseOwner;
  const beat = o.beatAt ? Date.parse(o.beatAt) : NaN;
  // Older owners (and hand-written ones) carry no beatAt: the file's mtime is the heartbeat.
  const at = Number.isFinite(beat) ? beat : (await stat(f)).mtimeMs;
  return { ...o, heartbeatAgeMs: Date.now() - at };
}

export async function readOwner(dir: string): Promise<(LeaseOwner & { heartbeatAgeMs: number }) | undefined> {
  // One retry: on NFS a read can race the heartbeat's rename (ESTALE / ENOENT for a moment).
  for (let i = 0; i < 2; i++) {
    try { return await readOwnerOnce(dir); } catch { if (i === 0) await new Promise((r) => setTimeout(r, 50)); }
  }
  return undefined;
}

export async function isStale(dir: string, staleMs = STALE_MS): Promise<boolean> {
  const o = await readOwner(dir);
  if (!o) {
    // Owner file not written yet (acquirer mid-way) or lost: judge by the directory's age
    // (every heartbeat renames into it, which also refreshes the directory's mtime).
    try { return Date.now() - (await stat(dir)).mtimeMs > staleMs; } catch { return false; }
  }
  if (o.host === os.hostname() && !alive(o.pid)) return true;
  return o.heartbeatAgeMs > staleMs;
}

/** Write the owner file atomically (temp + rename inside the lease directory). */
async function writeOwner(dir: string, owner: LeaseOwner): Promise<void> {
  const tmp = path.join(dir, `.owner.${randomBytes(4).toString("hex")}.tmp`);
  const fh = await open(tmp, "w");
  try { await fh.writeFile(JSON.stringify(owner)); } finally { await fh.close(); }
  try { await rename(tmp, path.join(dir, "owner.json")); } catch (e) { await unlink(tmp).catch(() => {}); throw e; }
}

/**
 * Remove a stale lease, unless someone else is already doing so or it changed hands meanwhile.
 * Returns whether it is gone.
 */
async function breakStale(dir: string, staleMs: number): Promise<boolean> {
  const guard = `${dir}.break`;
  try { await mkdir(guard); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    // A breaker that died mid-way leaves its guard behind: breaking takes milliseconds, so an old guard is junk.
    try { if (Date.now() - (await stat(guard)).mtimeMs > staleMs) await rmdir(guard); } catch { /* gone already */ }
    return false;
  }
  try {
    const before = await readOwner(dir);
    if (!(await isStale(dir, staleMs))) return false;
    const after = await readOwner(dir);
    if ((before?.token ?? null) !== (after?.token ?? null)) return false; // changed hands while we looked
    const grave = `${dir}.stale-${randomBytes(4).toString("hex")}`;
    try { await rename(dir, grave); } catch { return false; }
    await rm(grave, { recursive: true, force: true }).catch(() => {});
    return true;
  } finally {
    await rmdir(guard).catch(() => {});
  }
}

/** Try once; undefined if held by a live owner. Stale leases are broken (renamed away atomically). */
export async function tryAcquire(dir: string, purpose: string, opts: LeaseOptions = {}): Promise<Lease | undefined> {
  const staleMs = opts.staleMs ?? STALE_MS;
  await ensureDir(path.dirname(dir));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await mkdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (attempt === 0 && (await isStale(dir, staleMs)) && (await breakStale(dir, staleMs))) continue;
      return undefined;
    }
    const token = randomBytes(8).toString("hex");
    const startedAt = new Date().toISOString();
    const owner = (): LeaseOwner => ({ host: os.hostname(), pid: process.pid, startedAt, purpose, token, beatAt: new Date().toISOString() });
    const ownerFile = path.join(dir, "owner.json");
    await writeOwner(dir, owner());
    let released = false;
    const beat = setInterval(() => { if (!released) writeOwner(dir, owner()).catch(() => {}); }, opts.heartbeatMs ?? HEARTBEAT_MS);
    beat.unref();
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
export async function acquire(dir: string, purpose: string, opts: LeaseOptions & { timeoutMs?: number; onWait?: (o: LeaseOwner | undefined) => void; signal?: AbortSignal } = {}): Promise<Lease | undefined> {
  const deadline = Date.now() + (opts.timeoutMs ?? Infinity);
  let told = false;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const l = await tryAcquire(dir, purpose, opts);
    if (l) return l;
    if (!told) { told = true; opts.onWait?.(await readOwner(dir)); }
    if (Date.now() > deadline || opts.signal?.aborted) return undefined;
    await new Promise((r) => setTimeout(r, delay));
  }
}
