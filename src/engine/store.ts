import { randomBytes } from "node:crypto";
import type { Schema } from "effect";
import { existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync, renameSync, statSync, utimesSync } from "node:fs";
import { copyFile, lstat, mkdir, open, readdir, rename, stat, symlink, unlink, utimes } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { CodeDetail } from "./code-fingerprint.js";
import { constants as bufferConstants } from "node:buffer";
import { createHash } from "node:crypto";
import { sha256 } from "./canonical.js";
import { writeAtomic, writeJsonAtomic } from "./atomic.js";
import { CorruptObject } from "./errors.js";
import { FileHashCache, sha256File } from "./hashing.js";
import type { FingerprintData } from "./fingerprint.js";
import type { ColumnSummary } from "./table/index.js";
import { checkFile, ExperimentRefFile, FailureRecordFile, HEX64, RunRecordFile, StageRecordFile } from "./store-files.js";

/**
 * The content-addressed store. Objects are immutable and named by the sha256 of their bytes;
 * records (JSON) say which objects a stage fingerprint produced. A record is written only after
 * all its objects are in place, so a crash leaves either a complete result or none.
 */

export interface OutputRecord {
  readonly kind: "table" | "tensors" | "json" | "file";
  /** sha256 of the stored bytes: the object's name. */
  readonly object: string;
  /** Identity used downstream: the logical hash for tables/tensors (encoding-independent), else = object. */
  readonly logical: string;
  readonly bytes: number;
  readonly format?: "arrow" | "parquet" | "json" | string;
  readonly rows?: number;
  readonly schema?: Readonly<Record<string, string>>;
  readonly columns?: readonly ColumnSummary[];
}

export interface StageRecord {
  readonly fingerprint: string;
  readonly data: FingerprintData;
  readonly codeDetail: CodeDetail;
  /** Instance and experiment that first produced it (the record is shared by any identical instance). */
  readonly instance: string;
  readonly experiment: string;
  readonly outputs: Readonly<Record<string, OutputRecord>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly backend: string;
  readonly host: string;
  readonly pid: number;
  readonly log: string;
  /** The stage resumed from a checkpoint of an earlier, unfinished attempt. */
  readonly resumedFrom?: { readonly step: number; readonly savedAt: string };
}

export interface FailureRecord {
  readonly fingerprint: string;
  readonly data: FingerprintData;
  readonly codeDetail: CodeDetail;
  readonly instance: string;
  readonly error: string;
  readonly at: string;
  readonly log: string;
}

export type StageStatus = "cached" | "ran" | "failed" | "skipped" | "interrupted";

export interface RunStage {
  readonly node: string;
  readonly fingerprint?: string;
  readonly status: StageStatus;
  readonly durationMs?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly error?: string;
  /** In refs only: the outputs of this fingerprint, so a no-op run need not read every record. */
  readonly outputs?: Readonly<Record<string, OutputRecord>>;
  /** In refs only: the stage record's size, so the fast path notices a torn or rewritten record. */
  readonly recordBytes?: number;
}

export interface RunRecord {
  readonly id: string;
  readonly experiment: string;
  readonly argv: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly status: "ok" | "failed" | "interrupted";
  readonly backend: string;
  readonly host: string;
  readonly stages: Readonly<Record<string, RunStage>>;
  /** Key of the workspace that ran it (see Store.workspaceKey); gc keeps the last N runs of each workspace. */
  readonly workspace?: string;
}

/** Latest known state of each instance of an experiment (merged across partial runs). */
export interface ExperimentRef {
  readonly experiment: string;
  readonly run: string;
  readonly updatedAt: string;
  readonly stages: Readonly<Record<string, RunStage>>;
}

const HEX = HEX64;

/** Refuse anything but a hash before it becomes a path (refs and records are validated on read; this is the last line). */
function hashOnly(hash: string): string {
  if (!HEX.test(hash)) throw new Error(`internal: '${hash.slice(0, 80)}' is not a sha256 hash; refusing to use it as a store path`);
  return hash;
}

export class Store {
  readonly objectsDir: string;
  readonly tmpDir: string;
  readonly stagesDir: string;
  readonly runsDir: string;
  readonly refsDir: string;
  readonly logsDir: string;
  readonly locksDir: string;
  readonly quarantineDir: string;
  readonly cacheDir: string;
  /** Mid-stage checkpoints, one file per fingerprint; removed when the stage succeeds. */
  readonly checkpointsDir: string;
  /** Hashes of user-supplied workspace files, cached by (inode, size, mtime). */
  readonly fileHashes: FileHashCache;
  /** Objects (by path) already verified in this process, by any Store over the same root: hash once per run, never twice. */
  static readonly #verified = new Set<string>();
  /** Sizes of stage records read or written in this process (copied into refs, see RunStage.recordBytes). */
  readonly #recordBytes = new Map<string, number>();

  /**
   * Refs live under `refs/<workspaceKey>/`: several workspaces may share one store (`LCL_STORE`)
   * and use the same experiment names with different params, so a ref keyed by name alone would
   * be overwritten by the other workspace (and gc would then free this one's current results).
   */
  readonly workspaceKey: string | undefined;

  constructor(readonly root: string, opts: { readonly workspace?: string } = {}) {
    this.workspaceKey = opts.workspace === undefined ? undefined : workspaceKeyOf(opts.workspace);
    this.objectsDir = path.join(root, "objects");
    this.tmpDir = path.join(root, "tmp");
    this.stagesDir = path.join(root, "stages");
    this.runsDir = path.join(root, "runs");
    this.refsDir = path.join(root, "refs");
    this.logsDir = path.join(root, "logs");
    this.locksDir = path.join(root, "locks");
    this.quarantineDir = path.join(root, "quarantine");
    this.cacheDir = path.join(root, "cache");
    this.checkpointsDir = path.join(root, "checkpoints");
    this.fileHashes = new FileHashCache(path.join(this.cacheDir, "file-hashes.json"));
  }

  objectPath(hash: string): string { hashOnly(hash); return path.join(this.objectsDir, hash.slice(0, 2), hash.slice(2)); }
  recordPath(fp: string): string { hashOnly(fp); return path.join(this.stagesDir, fp.slice(0, 2), `${fp}.json`); }
  failurePath(fp: string): string { hashOnly(fp); return path.join(this.stagesDir, fp.slice(0, 2), `${fp}.failed.json`); }
  logPath(fp: string): string { hashOnly(fp); return path.join(this.logsDir, fp.slice(0, 2), `${fp}.log`); }
  checkpointPath(fp: string): string { hashOnly(fp); return path.join(this.checkpointsDir, `${fp}.arrow`); }

  /** Told about every damaged store file (named, with the problem and where it was moved); default: stderr. */
  onDamage: (message: string) => void = (m) => { process.stderr.write(`lcl: ${m}\n`); };
  /** Damaged files met by this Store (for `lcl verify`'s report). */
  readonly damaged: { readonly file: string; readonly problem: string; readonly quarantinedTo: string }[] = [];

  /**
   * Read a JSON file of the store and check its shape. Missing → undefined. Unparseable or of the
   * wrong shape → moved to quarantine/, reported by name, and treated as absent (what it described
   * is recomputed or dropped): one bad file never stops a command.
   */
  readChecked<S extends Schema.Top>(file: string, schema: S): S["Type"] | undefined {
    let text: string;
    try { text = readFileSync(file, "utf8"); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      if (code !== "EISDIR") throw e;
      return this.#damaged(file, "a directory where a file belongs");
    }
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { return this.#damaged(file, text.length ? "not valid JSON (torn or hand-edited)" : "empty file"); }
    const checked = checkFile(schema, raw);
    return checked.ok ? checked.value : this.#damaged(file, `wrong shape: ${checked.problem}`);
  }

  #damaged(file: string, problem: string): undefined {
    const rel = path.relative(this.root, file);
    const dest = path.join(this.quarantineDir, `${rel.split(path.sep).join("_")}.${Date.now()}`);
    // Touched after the move: gc keeps quarantined files for its grace period counted from now, not from their old mtime.
    try { mkdirSync(this.quarantineDir, { recursive: true }); renameSync(file, dest); const now = new Date(); utimesSync(dest, now, now); } catch { /* another process moved it first */ }
    this.damaged.push({ file, problem, quarantinedTo: dest });
    this.onDamage(`damaged store file ${file}: ${problem}; moved to ${dest} (what it described will be recomputed)`);
    return undefined;
  }

  async putBytes(bytes: Uint8Array): Promise<{ hash: string; bytes: number }> {
    const hash = sha256Chunked(bytes);
    const dest = this.objectPath(hash);
    // An existing object of the wrong size is damaged: replace it with the good bytes just made.
    if (!this.hasObject(hash, bytes.byteLength)) await writeAtomic(dest, bytes, this.tmpDir);
    Store.#verified.add(dest);
    return { hash, bytes: bytes.byteLength };
  }

  /**
   * Store a file by stream, whatever its size (putBytes needs it in memory, at most 4 GiB): copied
   * into the store's tmp first and the copy hashed, so a file that changes meanwhile cannot give
   * an object whose bytes differ from its name; then fsynced and renamed into place.
   */
  async putFile(file: string): Promise<{ hash: string; bytes: number }> {
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = path.join(this.tmpDir, `.put-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
    try {
      await copyFile(file, tmp);
      const fh = await open(tmp, "r+");
      try { await fh.sync(); } finally { await fh.close(); }
      const { hash, size } = await sha256File(tmp);
      const dest = this.objectPath(hash);
      if (this.hasObject(hash, size)) await unlink(tmp);
      else { await mkdir(path.dirname(dest), { recursive: true }); await rename(tmp, dest); }
      Store.#verified.add(dest);
      return { hash, bytes: size };
    } catch (e) { await unlink(tmp).catch(() => {}); throw e; }
  }

  /** The object exists (and, when `bytes` is given, has that size: a cheap check that catches truncation). */
  hasObject(hash: string, bytes?: number): boolean {
    const st = statSync(this.objectPath(hash), { throwIfNoEntry: false });
    return !!st && st.isFile() && (bytes === undefined || st.size === bytes);
  }

  /** Read and verify; a corrupt object is moved to quarantine and never returned. */
  async readObject(hash: string): Promise<Uint8Array> {
    const p = this.objectPath(hash);
    const { bytes, hash: actual } = await readObjectFile(p, { hash: !Store.#verified.has(p) });
    if (actual !== undefined) {
      if (actual !== hash) {
        await this.quarantine(hash);
        throw new CorruptObject({ hash, path: p, actual });
      }
      Store.#verified.add(p);
    }
    return bytes;
  }

  /**
   * Full check of an object about to be read as an input (streamed, once per process): false when
   * it is missing, of the wrong size, or its bytes do not hash to its name — then it is quarantined.
   */
  async verifyObject(hash: string, bytes?: number): Promise<boolean> {
    const p = this.objectPath(hash);
    if (Store.#verified.has(p) && this.hasObject(hash, bytes)) return true;
    const actual = await sha256File(p).catch(() => undefined);
    if (actual && actual.hash === hash && (bytes === undefined || actual.size === bytes)) { Store.#verified.add(p); return true; }
    if (actual) await this.quarantine(hash);
    return false;
  }

  async quarantine(hash: string): Promise<string> {
    const dest = path.join(this.quarantineDir, `${hash}.${Date.now()}`);
    await mkdir(this.quarantineDir, { recursive: true });
    await rename(this.objectPath(hash), dest).then(() => utimes(dest, new Date(), new Date())).catch(() => {});
    Store.#verified.delete(this.objectPath(hash));
    return dest;
  }

  async readRecord(fp: string): Promise<StageRecord | undefined> {
    const file = this.recordPath(fp);
    const r = this.readChecked(file, StageRecordFile) as StageRecord | undefined;
    if (r && r.fingerprint !== fp) return this.#damaged(file, `names fingerprint ${r.fingerprint}, not the one in its file name`);
    if (r) this.#recordBytes.set(fp, statSync(file, { throwIfNoEntry: false })?.size ?? 0);
    return r;
  }
  async readFailure(fp: string): Promise<FailureRecord | undefined> { return this.readChecked(this.failurePath(fp), FailureRecordFile) as FailureRecord | undefined; }
  /** Size of a record this process read or wrote, if any. */
  recordBytes(fp: string): number | undefined { return this.#recordBytes.get(fp); }

  /**
   * Fast cache check from an experiment ref's copy of the outputs: the record must still exist with
   * the size the ref noted (gc removes it with its objects; a torn record changes size) and every
   * object must exist with its recorded size. Stats instead of reads: a flipped byte of the same size
   * is caught only when the object is read (every input is fully checked before a stage runs) or by
   * `lcl verify`. Anything else falls through to `usableRecord`, which reads and validates.
   */
  cachedFromRef(fp: string, entry: RunStage | undefined): Pick<StageRecord, "fingerprint" | "outputs"> | undefined {
    if (!entry || entry.fingerprint !== fp || !entry.outputs || entry.status === "failed" || entry.recordBytes === undefined) return undefined;
    const st = statSync(this.recordPath(fp), { throwIfNoEntry: false });
    if (!st || st.size !== entry.recordBytes) return undefined;
    for (const o of Object.values(entry.outputs)) if (!this.hasObject(o.object, o.bytes)) return undefined;
    this.#recordBytes.set(fp, st.size);
    return { fingerprint: fp, outputs: entry.outputs };
  }

  /** A cache hit needs a readable record and every object it names, at its recorded size. */
  async usableRecord(fp: string): Promise<StageRecord | undefined> {
    const r = await this.readRecord(fp);
    if (!r) return undefined;
    for (const o of Object.values(r.outputs)) if (!this.hasObject(o.object, o.bytes)) return undefined;
    return r;
  }

  async writeRecord(r: StageRecord) {
    const text = JSON.stringify(r, null, 1) + "\n";
    await writeAtomic(this.recordPath(r.fingerprint), text, this.tmpDir);
    this.#recordBytes.set(r.fingerprint, Buffer.byteLength(text));
    const failed = this.failurePath(r.fingerprint);
    if (existsSync(failed)) await unlink(failed).catch(() => {});
  }
  async writeFailure(r: FailureRecord) { await writeJsonAtomic(this.failurePath(r.fingerprint), r, this.tmpDir); }

  newRunId(): string {
    // Sortable by start time to the millisecond (gc's "last N runs" and `lcl runs` rely on it).
    const t = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").replace(".", "-").replace("Z", "");
    return `${t}-${randomBytes(3).toString("hex")}`;
  }
  async writeRun(r: RunRecord) { await writeJsonAtomic(path.join(this.runsDir, `${r.id}.json`), r, this.tmpDir); }
  async readRun(id: string): Promise<RunRecord | undefined> { return this.readChecked(path.join(this.runsDir, `${id}.json`), RunRecordFile) as RunRecord | undefined; }
  async listRuns(): Promise<string[]> {
    try { return (await readdir(this.runsDir)).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort(); } catch { return []; }
  }

  refPath(experiment: string) {
    return this.workspaceKey === undefined ? this.legacyRefPath(experiment) : path.join(this.refsDir, this.workspaceKey, `${experiment}.json`);
  }
  /** Where refs lived before they were per workspace; read as a fallback so an upgrade keeps its fast path. */
  legacyRefPath(experiment: string) { return path.join(this.refsDir, `${experiment}.json`); }
  async readRef(experiment: string): Promise<ExperimentRef | undefined> {
    return (await this.readRefAt(this.refPath(experiment))) ?? (this.workspaceKey === undefined ? undefined : this.readRefAt(this.legacyRefPath(experiment)));
  }
  async readRefAt(file: string): Promise<ExperimentRef | undefined> { return this.readChecked(file, ExperimentRefFile) as ExperimentRef | undefined; }
  async writeRef(r: ExperimentRef) { await writeJsonAtomic(this.refPath(r.experiment), r, this.tmpDir); }
  /** Every ref file of every workspace sharing this store (gc's roots). */
  async listRefFiles(): Promise<string[]> {
    const out: string[] = [];
    for (const e of await readdir(this.refsDir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(this.refsDir, e.name);
      if (e.isFile() && e.name.endsWith(".json")) out.push(p);
      else if (e.isDirectory()) for (const f of await readdir(p).catch(() => [] as string[])) if (f.endsWith(".json")) out.push(path.join(p, f));
    }
    return out.sort();
  }

  /**
   * Stable, human paths to an experiment's current outputs, for tools outside lcl:
   * `views/<experiment>/<stage>/<output>.<ext>` → symlink into objects/. Replaced atomically.
   */
  async writeViews(experiment: string, outputs: ReadonlyMap<string, Readonly<Record<string, OutputRecord>>>): Promise<void> {
    const base = path.join(this.root, "views", experiment);
    // A symlink planted at views/, views/<experiment> or a stage's folder would make lcl write its links
    // wherever it points (outside the store): such a link is removed (never followed) and a real folder made.
    if (outputs.size) { await realDir(path.join(this.root, "views")); await realDir(base); }
    for (const [instance, outs] of outputs) {
      const dir = path.join(base, instance.replace(/[/\\]/g, "_"));
      await realDir(dir);
      for (const [name, o] of Object.entries(outs)) {
        const ext = o.kind === "table" || o.kind === "tensors" ? (o.format === "parquet" ? "parquet" : "arrow") : o.kind === "json" ? "json" : o.format ?? "bin";
        const link = path.join(dir, `${name}.${ext}`);
        const target = path.relative(dir, this.objectPath(o.object));
        // Unchanged links are left alone: a no-op run over thousands of stages touches nothing.
        try { if (readlinkSync(link) === target) continue; } catch { /* missing or not a link */ }
        const tmp = `${link}.${process.pid}.tmp`;
        await unlink(tmp).catch(() => {});
        await symlink(target, tmp);
        await rename(tmp, link);
      }
    }
  }

  async *allObjects(): AsyncGenerator<{ hash: string; path: string; bytes: number; mtimeMs: number }> {
    let dirs: string[] = [];
    try { dirs = (await readdir(this.objectsDir)).sort(); } catch { return; }
    for (const d of dirs) {
      for (const f of (await readdir(path.join(this.objectsDir, d)).catch(() => [] as string[])).sort()) {
        const hash = d + f;
        if (!HEX.test(hash)) continue;
        const p = path.join(this.objectsDir, d, f);
        const st = await stat(p).catch(() => undefined);
        if (st) yield { hash, path: p, bytes: st.size, mtimeMs: st.mtimeMs };
      }
    }
  }

  async *allRecords(): AsyncGenerator<{ fingerprint: string; path: string; failed: boolean }> {
    let dirs: string[] = [];
    try { dirs = (await readdir(this.stagesDir)).sort(); } catch { return; }
    for (const d of dirs) {
      for (const f of (await readdir(path.join(this.stagesDir, d)).catch(() => [] as string[])).sort()) {
        const m = /^([0-9a-f]{64})(\.failed)?\.json$/.exec(f);
        if (m) yield { fingerprint: m[1]!, path: path.join(this.stagesDir, d, f), failed: !!m[2] };
      }
    }
  }
}

export const hostName = os.hostname();

/** Make `dir` a real directory: a symlink (or file) in its place is removed, never followed. */
async function realDir(dir: string): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (st?.isDirectory()) return;
  if (st) await unlink(dir);
  await mkdir(dir, { recursive: true });
}

/** A readable, collision-safe folder name for a workspace: its folder name and a hash of its real path. */
export function workspaceKeyOf(root: string): string {
  let real = path.resolve(root);
  try { real = realpathSync(real); } catch { /* not created yet: the resolved path is as good */ }
  const base = path.basename(real).replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40) || "root";
  return `${base}-${sha256(real).slice(0, 12)}`;
}

/** Read sizes: readFile refuses files over 2 GiB, so objects are read in chunks into one buffer. */
const READ_CHUNK = 64 << 20;

/**
 * An object file's bytes, read in chunks into one buffer of the file's size and, when `hash` is
 * set, hashed as they arrive (one pass). Works for objects over 2 GiB, which readFile refuses; one
 * larger than a Node buffer holds is an error naming the file and how to read it instead.
 */
export async function readObjectFile(file: string, opts: { readonly hash: boolean; readonly chunkBytes?: number }): Promise<{ bytes: Uint8Array; hash?: string }> {
  const chunk = opts.chunkBytes ?? READ_CHUNK;
  const fh = await open(file, "r");
  try {
    const size = (await fh.stat()).size;
    if (size > BUFFER_MAX) {
      throw new Error(`object ${file} is ${size} bytes, more than one in-memory buffer holds (${BUFFER_MAX}): read it as a stream from the input's path (ctx.inputs.<name>.path) instead of read()`);
    }
    const bytes = Buffer.allocUnsafe(size);
    const h = opts.hash ? createHash("sha256") : undefined;
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(bytes, at, Math.min(chunk, size - at), at);
      if (bytesRead === 0) break; // truncated while we read: the hash (or the size check below) says so
      h?.update(bytes.subarray(at, at + bytesRead));
      at += bytesRead;
    }
    const got = at === size ? bytes : bytes.subarray(0, at);
    return { bytes: got, ...(h ? { hash: h.digest("hex") } : {}) };
  } finally { await fh.close(); }
}

const BUFFER_MAX = bufferConstants.MAX_LENGTH;

/** sha256 of bytes fed to the hash in slices: one update over more than 2 GiB is not safe on every Node. */
function sha256Chunked(bytes: Uint8Array): string {
  if (bytes.byteLength <= READ_CHUNK) return sha256(bytes);
  const h = createHash("sha256");
  for (let at = 0; at < bytes.byteLength; at += READ_CHUNK) h.update(bytes.subarray(at, Math.min(at + READ_CHUNK, bytes.byteLength)));
  return h.digest("hex");
}
