import { readdir, rm, stat, unlink } from "node:fs/promises";
import * as path from "node:path";
import { sha256File } from "./hashing.js";
import { acquire, isStale, tryAcquire, type Lease } from "./lock.js";
import { LockTimeout } from "./errors.js";
import type { Store } from "./store.js";
import { HEX64 as HEX } from "./store-files.js";

/**
 * Store maintenance (gc, verify) takes the workspace's exclusive maintenance lock; every run holds
 * a run lease. A run registers first and then checks for maintenance, while maintenance locks
 * first and then waits for runs: whichever order they race in, they never overlap.
 */
const maintenanceDir = (s: Store) => path.join(s.locksDir, "maintenance");
const runsLockDir = (s: Store) => path.join(s.locksDir, "runs");

export async function beginRun(store: Store, runId: string, onWait: (msg: string) => void): Promise<Lease> {
  for (let told = false; ; ) {
    const lease = (await tryAcquire(path.join(runsLockDir(store), runId), "run"))!;
    if (!(await exists(maintenanceDir(store))) || (await isStale(maintenanceDir(store)))) return lease;
    await lease.release();
    if (!told) { told = true; onWait("waiting for `lcl gc`/`lcl verify` to finish"); }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function beginMaintenance(store: Store, purpose: string, onWait: (msg: string) => void, timeoutMs = 10 * 60_000): Promise<Lease> {
  const lease = await acquire(maintenanceDir(store), purpose, { timeoutMs, onWait: (o) => onWait(`waiting for ${o?.purpose ?? "another maintenance task"} (pid ${o?.pid} on ${o?.host})`) });
  if (!lease) throw new LockTimeout({ lock: maintenanceDir(store), owner: "another lcl gc/verify" });
  for (let told = false; ; ) {
    const active = await liveRuns(store);
    if (!active.length) return lease;
    if (!told) { told = true; onWait(`waiting for ${active.length} running lcl run(s) to finish`); }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function liveRuns(store: Store): Promise<string[]> {
  const dir = runsLockDir(store);
  const live: string[] = [];
  for (const e of await readdir(dir).catch(() => [] as string[])) {
    if (e.includes(".stale-") || e.endsWith(".break")) continue;
    const p = path.join(dir, e);
    if (await isStale(p)) await rm(p, { recursive: true, force: true });
    else live.push(e);
  }
  return live;
}

async function exists(p: string) { try { await stat(p); return true; } catch { return false; } }

/** Default grace period of `lcl gc` (README "Reliability"): results younger than this are always kept. */
export const DEFAULT_GC_GRACE_MS = 24 * 3_600_000;

export interface GcReport {
  readonly keptRecords: number;
  readonly keptObjects: number;
  readonly removed: readonly { readonly kind: "object" | "record" | "log" | "tmp" | "checkpoint" | "job" | "junk" | "quarantine"; readonly path: string; readonly bytes: number }[];
  readonly freedBytes: number;
  readonly dryRun: boolean;
  /** Entries at the store's root that are not lcl's (a README, a user's notes): never removed, only named. */
  readonly foreign: readonly string[];
}

/**
 * What lcl keeps at a store's root. Anything else there was put by someone (a README in
 * artifacts/, files next to a shared LCL_STORE): gc cannot know it is junk, so it names it and leaves it.
 */
const STORE_ENTRIES = new Set(["objects", "stages", "runs", "refs", "logs", "tmp", "cache", "checkpoints", "quarantine", "locks", "views", "jobs"]);

/**
 * Reference-counted GC: roots are every experiment ref of every workspace sharing the store, plus
 * the last `keepRuns` run records of each workspace (one busy workspace must not push another's
 * recent runs out).
 */
export async function gc(store: Store, opts: { dryRun: boolean; keepRuns: number; graceMs?: number }): Promise<GcReport> {
  // Results younger than the grace period are never freed, referenced or not: a run killed before it
  // registered them (or a concurrent writer on another host) must not lose hours of work to a gc.
  const graceMs = opts.graceMs ?? DEFAULT_GC_GRACE_MS;
  const young = (mtimeMs: number) => Date.now() - mtimeMs < graceMs;
  const rootFps = new Set<string>();
  for (const file of await store.listRefFiles()) for (const s of Object.values((await store.readRefAt(file))?.stages ?? {})) if (s.fingerprint) rootFps.add(s.fingerprint);
  const keptPerWorkspace = new Map<string, number>();
  for (const id of (await store.listRuns()).reverse()) {
    const run = await store.readRun(id);
    if (!run) continue;
    const ws = run.workspace ?? "";
    const n = keptPerWorkspace.get(ws) ?? 0;
    if (n >= opts.keepRuns) continue;
    keptPerWorkspace.set(ws, n + 1);
    for (const s of Object.values(run.stages)) if (s.fingerprint) rootFps.add(s.fingerprint);
  }
  const liveObjects = new Set<string>();
  const removed: { kind: GcReport["removed"][number]["kind"]; path: string; bytes: number }[] = [];
  let keptRecords = 0;
  for await (const r of store.allRecords()) {
    const st = await stat(r.path).catch(() => undefined);
    if (!st) continue;
    if (rootFps.has(r.fingerprint) || young(st.mtimeMs)) {
      keptRecords++;
      if (!r.failed) for (const o of Object.values((await store.readRecord(r.fingerprint))?.outputs ?? {})) liveObjects.add(o.object);
      continue;
    }
    removed.push({ kind: "record", path: r.path, bytes: st.size });
    const log = store.logPath(r.fingerprint);
    if (!r.failed && (await exists(log))) removed.push({ kind: "log", path: log, bytes: (await stat(log)).size });
  }
  let keptObjects = 0;
  for await (const o of store.allObjects()) {
    if (liveObjects.has(o.hash) || young(o.mtimeMs)) keptObjects++;
    else removed.push({ kind: "object", path: o.path, bytes: o.bytes });
  }
  // Junk under objects/ (not named by a hash: hand-copied, or a foreign tool's temp file) and stage
  // folders' strays: nothing can ever reference them. Quarantined files are kept for the grace period
  // (to look at), then freed.
  for (const [dir, named] of [[store.objectsDir, /^[0-9a-f]{2}$/], [store.stagesDir, /^[0-9a-f]{2}$/]] as const) {
    for (const d of await readdir(dir).catch(() => [] as string[])) {
      const sub = path.join(dir, d);
      const st = await stat(sub).catch(() => undefined);
      if (!st || young(st.mtimeMs)) continue;
      if (!named.test(d) || !st.isDirectory()) { removed.push({ kind: "junk", path: sub, bytes: st.isFile() ? st.size : 0 }); continue; }
      for (const f of await readdir(sub).catch(() => [] as string[])) {
        const ok = dir === store.objectsDir ? HEX.test(d + f) : /^[0-9a-f]{64}(\.failed)?\.json$/.test(f) && f.startsWith(d);
        if (ok) continue;
        const p = path.join(sub, f);
        const fst = await stat(p).catch(() => undefined);
        if (fst && !young(fst.mtimeMs)) removed.push({ kind: "junk", path: p, bytes: fst.isFile() ? fst.size : 0 });
      }
    }
  }
  for (const f of await readdir(store.quarantineDir).catch(() => [] as string[])) {
    const p = path.join(store.quarantineDir, f);
    const st = await stat(p).catch(() => undefined);
    if (st && !young(st.mtimeMs)) removed.push({ kind: "quarantine", path: p, bytes: st.isFile() ? st.size : 0 });
  }
  const hour = 3_600_000;
  for (const f of await readdir(store.tmpDir).catch(() => [] as string[])) {
    const p = path.join(store.tmpDir, f);
    const st = await stat(p).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > hour) removed.push({ kind: "tmp", path: p, bytes: st.isFile() ? st.size : 0 });
  }
  // A checkpoint is kept while a ref or recent run names its fingerprint (an interrupted stage
  // does), and for a day otherwise (the driver itself may have been killed before recording).
  for (const f of await readdir(store.checkpointsDir).catch(() => [] as string[])) {
    const p = path.join(store.checkpointsDir, f);
    const st = await stat(p).catch(() => undefined);
    if (st && !rootFps.has(f.replace(/\.arrow$/, "")) && Date.now() - st.mtimeMs > 24 * hour) removed.push({ kind: "checkpoint", path: p, bytes: st.size });
  }
  // Cluster job folders (spec, SLURM output, result) outlive a stage only when it failed or its driver died:
  // kept a day for a look at the SLURM output, never while a job still holds the stage's execution lease.
  const jobsDir = path.join(store.root, "jobs");
  for (const f of await readdir(jobsDir).catch(() => [] as string[])) {
    const p = path.join(jobsDir, f);
    const st = await stat(p).catch(() => undefined);
    const lease = path.join(store.locksDir, "exec", f);
    if (st && Date.now() - st.mtimeMs > 24 * hour && (!(await exists(lease)) || (await isStale(lease)))) removed.push({ kind: "job", path: p, bytes: 0 });
  }
  if (!opts.dryRun) {
    // Records before objects: a crash mid-gc leaves unreferenced objects (harmless), never a record without its objects.
    for (const kind of ["record", "log", "object", "tmp", "checkpoint", "job", "junk", "quarantine"] as const) {
      for (const r of removed) if (r.kind === kind) await (kind === "tmp" || kind === "job" || kind === "junk" || kind === "quarantine" ? rm(r.path, { recursive: true, force: true }) : unlink(r.path).catch(() => {}));
    }
  }
  const foreign = (await readdir(store.root).catch(() => [] as string[])).filter((f) => !STORE_ENTRIES.has(f)).sort().map((f) => path.join(store.root, f));
  return { keptRecords, keptObjects, removed, freedBytes: removed.reduce((a, r) => a + r.bytes, 0), dryRun: opts.dryRun, foreign };
}

export interface VerifyReport {
  readonly objects: number;
  readonly bytes: number;
  readonly corrupt: readonly { readonly hash: string; readonly quarantinedTo: string; readonly actual: string }[];
  readonly brokenRecords: readonly { readonly fingerprint: string; readonly missing: readonly string[] }[];
  /** Store files (records, runs, refs) that were unreadable or of the wrong shape, now in quarantine/. */
  readonly damaged: readonly { readonly file: string; readonly problem: string; readonly quarantinedTo: string }[];
}

/** Re-hash every object; corrupt ones go to quarantine/ (so they are never served) and their stages recompute. */
export async function verify(store: Store, onProgress?: (done: number) => void): Promise<VerifyReport> {
  const corrupt: { hash: string; quarantinedTo: string; actual: string }[] = [];
  let objects = 0, bytes = 0;
  for await (const o of store.allObjects()) {
    const { hash } = await sha256File(o.path);
    objects++; bytes += o.bytes;
    onProgress?.(objects);
    if (hash !== o.hash) corrupt.push({ hash: o.hash, actual: hash, quarantinedTo: await store.quarantine(o.hash) });
  }
  const brokenRecords: { fingerprint: string; missing: string[] }[] = [];
  for await (const r of store.allRecords()) {
    if (r.failed) { await store.readFailure(r.fingerprint); continue; }
    const rec = await store.readRecord(r.fingerprint);
    if (!rec) continue; // damaged: quarantined and listed in `damaged`
    const missing = Object.entries(rec.outputs).filter(([, o]) => !store.hasObject(o.object, o.bytes)).map(([k]) => k);
    if (missing.length) brokenRecords.push({ fingerprint: r.fingerprint, missing });
  }
  for (const id of await store.listRuns()) await store.readRun(id);
  for (const file of await store.listRefFiles()) await store.readRefAt(file);
  return { objects, bytes, corrupt, brokenRecords, damaged: [...store.damaged] };
}
