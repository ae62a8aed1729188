import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Effect, Fiber } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { loadGraph, openSession } from "../../src/engine/session.js";
import { NO_BACKEND } from "../../src/engine/backend.js";
import type { EngineEvent } from "../../src/engine/events.js";
import { runGraph } from "../../src/engine/executor.js";
import { execRemoteStage, readJobState } from "../../src/engine/executors/remote.js";
import { SlurmExecutor, type CommandRunner, type SlurmOptions } from "../../src/engine/executors/slurm.js";
import { acquire, isStale, tryAcquire } from "../../src/engine/lock.js";
import { gc } from "../../src/engine/maintenance.js";
import type { FingerprintData } from "../../src/engine/fingerprint.js";
import type { StageJob } from "../../src/engine/stage-runtime.js";
import { Rig } from "../helpers/rig.js";
import { experiments, pipeline } from "../engine/fixtures.js";

/**
 * The SLURM executor against a fake scheduler: sbatch/squeue/scancel/sacct are answered by a
 * CommandRunner that runs each "job" in this process (`lcl exec-stage`'s code path) or lets it
 * hang, fail to submit, or die like a lost node. test/slurm/run.sh covers a real SLURM.
 */

type Fate = "run" | "hang" | { readonly die: string };

class FakeSlurm {
  readonly calls: { cmd: string; args: readonly string[] }[] = [];
  readonly queue = new Map<string, { state: string; abort: AbortController }>();
  readonly final = new Map<string, string>();
  readonly running: Promise<unknown>[] = [];
  /** Messages for the next sbatch calls to fail with. */
  sbatchErrors: string[] = [];
  fate: (n: number, spec: string) => Fate = () => "run";
  #next = 100;
  #submitted = 0;

  sbatches() { return this.calls.filter((c) => c.cmd === "sbatch"); }
  scancelled() { return this.calls.filter((c) => c.cmd === "scancel").flatMap((c) => c.args); }

  readonly runner: CommandRunner = async (cmd, args) => {
    this.calls.push({ cmd, args });
    if (cmd === "sbatch") {
      const err = this.sbatchErrors.shift();
      if (err) return { code: 1, stdout: "", stderr: `sbatch: error: ${err}\n` };
      const wrap = args.find((a) => a.startsWith("--wrap="))!;
      const words = wrap.split(" ");
      const specs = words.slice(words.indexOf("exec-stage") + 1).map((w) => w.replace(/^'|'$/g, ""));
      const spec = specs[0]!;
      const id = String(this.#next++);
      const fate = this.fate(++this.#submitted, spec);
      const abort = new AbortController();
      if (fate === "run") {
        this.queue.set(id, { state: "RUNNING", abort });
        // Like `lcl exec-stage a b c`: one after another in the same job.
        const all = (async () => { for (const sp of specs) await execRemoteStage(sp, { signal: abort.signal, jobId: id }); })();
        this.running.push(all.finally(() => this.queue.delete(id)));
      } else if (fate === "hang") {
        this.queue.set(id, { state: "PENDING", abort });
      } else {
        // Shown in its terminal state for a moment, then purged; accounting remembers it.
        this.queue.set(id, { state: fate.die, abort });
        this.final.set(id, fate.die);
        setTimeout(() => this.queue.delete(id), 30);
      }
      return { code: 0, stdout: `${id}\n`, stderr: "" };
    }
    if (cmd === "squeue") {
      const ids = args[args.indexOf("-j") + 1]!.split(",");
      const known = ids.filter((i) => this.queue.has(i));
      if (!known.length) return { code: 1, stdout: "", stderr: "slurm_load_jobs error: Invalid job id specified\n" };
      return { code: 0, stdout: known.map((i) => `${i}|${this.queue.get(i)!.state}|None|node7`).join("\n") + "\n", stderr: "" };
    }
    if (cmd === "scancel") {
      for (const id of args) { this.queue.get(id)?.abort.abort(); this.queue.delete(id); this.final.set(id, "CANCELLED"); }
      return { code: 0, stdout: "", stderr: "" };
    }
    if (cmd === "sacct") {
      const id = args[args.indexOf("-j") + 1]!;
      return { code: 0, stdout: this.final.has(id) ? `${this.final.get(id)}|0:0\n` : "", stderr: "" };
    }
    return { code: 127, stdout: "", stderr: `${cmd}: command not found` };
  };
}

const FAST: SlurmOptions = { pollMs: 15, backoffMs: 10, resultGraceMs: 80 };

function start(rig: Rig, slurm: FakeSlurm, opts: SlurmOptions = {}, experiment = "base") {
  const s = openSession(rig.root);
  const events: EngineEvent[] = [];
  const notes: string[] = [];
  const remote = new SlurmExecutor(s.store, { runner: slurm.runner, ...FAST, onNote: (id, m) => notes.push(`${id}: ${m}`), ...opts });
  const program = Effect.gen(function* () {
    const graph = yield* Effect.promise(() => loadGraph(s, [experiment]));
    return yield* runGraph(s.ws, s.store, s.registry, graph, {
      jobs: 8, keepGoing: true, force: new Set(), backend: NO_BACKEND, argv: ["run"], onEvent: (e) => events.push(e), remote,
    }).pipe(Effect.ensuring(Effect.promise(() => remote.shutdown())));
  });
  return { s, events, notes, remote, program };
}

async function run(rig: Rig, slurm: FakeSlurm, opts: SlurmOptions = {}, experiment = "base") {
  const x = start(rig, slurm, opts, experiment);
  const record = await Effect.runPromise(x.program);
  await Promise.all(slurm.running);
  return { ...x, record };
}

const sweep = (resources = "") => ({
  "pipelines/p.yaml": pipeline.replace("    uses: t-scale\n", `    uses: t-scale\n${resources}`),
  "experiments.yaml": experiments("    matrix:\n      scale: { factor: [1, 2, 3] }\n"),
});

const rigs: Rig[] = [];
const rigWith = (files: Record<string, string>) => { const r = new Rig(files, { toyStages: true }); rigs.push(r); return r; };
afterEach(() => { for (const r of rigs.splice(0)) r.dispose(); });

describe("lcl run --executor slurm (fake scheduler)", () => {
  it("runs every stage as its own job, with the same fingerprints and outputs as a local run; resources stay out of the fingerprint", async () => {
    const rig = rigWith(sweep("    resources: { mem: 2G, cpus: 2 }\n"));
    const slurm = new FakeSlurm();
    const { record, notes } = await run(rig, slurm, { defaults: { partition: "short", time: "10", mem: "1G" } });
    expect(record.status).toBe("ok");
    expect(Object.values(record.stages).map((st) => st.status)).toEqual(Array(5).fill("ran"));
    expect(slurm.sbatches()).toHaveLength(5);
    expect(notes.some((n) => /submitted as slurm job \d+/.test(n))).toBe(true);
    // Defaults from the command line, overridden per node from YAML.
    const scaleArgs = slurm.sbatches().find((c) => c.args.some((a) => a.includes("scale")))!.args;
    expect(scaleArgs).toEqual(expect.arrayContaining(["--partition=short", "--time=10", "--mem=2G", "--cpus-per-task=2"]));
    const srcArgs = slurm.sbatches().find((c) => c.args.some((a) => a.startsWith("--job-name=lcl:base:src")))!.args;
    expect(srcArgs).toEqual(expect.arrayContaining(["--partition=short", "--mem=1G"]));
    expect(srcArgs.some((a) => a.startsWith("--cpus-per-task"))).toBe(false);
    // Job folders are cleaned up after success.
    expect(readdir(rig.path("artifacts/jobs"))).toEqual([]);

    // The same experiment locally (no resources in its YAML at all): identical fingerprints and output objects.
    const local = rigWith(sweep());
    const res = await local.lcl(["run"]);
    expect(res.code, res.stderr).toBe(0);
    const ref = (r: Rig) => JSON.parse(r.read(`artifacts/refs/${readdir(r.path("artifacts/refs"))[0]}/base.json`)).stages as Record<string, { fingerprint: string; outputs: Record<string, { object: string }> }>;
    const a = ref(rig), b = ref(local);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const id of Object.keys(b)) {
      expect(a[id]!.fingerprint, id).toBe(b[id]!.fingerprint);
      expect(Object.values(a[id]!.outputs).map((o) => o.object)).toEqual(Object.values(b[id]!.outputs).map((o) => o.object));
    }
    // A second run is all cache hits: nothing is submitted.
    const again = await run(rig, slurm);
    expect(Object.values(again.record.stages).map((st) => st.status)).toEqual(Array(5).fill("cached"));
    expect(slurm.sbatches()).toHaveLength(5);
  });

  it("--batch packs stages that become ready together into one job (a retry goes alone)", async () => {
    const rig = rigWith({ ...sweep(), "experiments.yaml": experiments("    matrix:\n      scale: { factor: [1, 2, 3, 4, 5] }\n") });
    const slurm = new FakeSlurm();
    slurm.fate = (n) => (n === 2 ? { die: "NODE_FAIL" } : "run");
    const { record, notes } = await run(rig, slurm, { batch: 3, batchWindowMs: 50 });
    expect(record.status).toBe("ok");
    // src alone; the 5 scale variants as 3 + 2, the first of them lost and its 3 stages resubmitted one by one; join alone.
    const sizes = slurm.sbatches().map((c) => c.args.find((a) => a.startsWith("--wrap="))!.split(" ").filter((w) => w.endsWith("spec.json")).length);
    expect(sizes).toEqual([1, 3, 2, 1, 1, 1, 1]);
    expect(notes.some((n) => /in slurm job \d+ with 2 other stage\(s\)/.test(n))).toBe(true);
    expect(slurm.sbatches()[1]!.args.find((a) => a.startsWith("--job-name="))).toMatch(/^--job-name=lcl:base:scale\[factor=\d\]\+2$/);
    // The batch that succeeded leaves nothing behind; the one with the lost node keeps its output folder for a look.
    expect(readdir(rig.path("artifacts/jobs")).filter((f) => f.startsWith("batch-"))).toHaveLength(1);
  });

  it("retries sbatch when the controller is busy, and fails at once on a permanent error", async () => {
    const rig = rigWith(sweep());
    const slurm = new FakeSlurm();
    slurm.sbatchErrors = ["Socket timed out on send/recv operation", "Slurm temporarily unable to accept job, sleeping and retrying"];
    const { record, notes } = await run(rig, slurm);
    expect(record.status).toBe("ok");
    expect(notes.filter((n) => /sbatch failed .*retrying/.test(n))).toHaveLength(2);

    const rig2 = rigWith(sweep());
    const bad = new FakeSlurm();
    bad.sbatchErrors = ["invalid partition name specified"];
    const r2 = await run(rig2, bad, { submitAttempts: 5 });
    expect(r2.record.status).toBe("failed");
    expect(r2.record.stages["src"]).toMatchObject({ status: "failed" });
    expect(r2.record.stages["src"]!.error).toMatch(/sbatch failed: invalid partition name specified/);
    expect(bad.sbatches()).toHaveLength(1);
  });

  it("resubmits a job that died without a result (node failure) with backoff; gives up after the retries, and lcl status shows the job", async () => {
    const rig = rigWith(sweep());
    const slurm = new FakeSlurm();
    slurm.fate = (n) => (n === 1 ? { die: "NODE_FAIL" } : "run");
    const { record, notes } = await run(rig, slurm);
    expect(record.status).toBe("ok");
    expect(notes.some((n) => /NODE_FAIL; retrying in .* \(attempt 2 of 3\)/.test(n))).toBe(true);
    expect(slurm.sbatches()).toHaveLength(6);

    const rig2 = rigWith(sweep());
    const lost = new FakeSlurm();
    lost.fate = (_, spec) => (spec.includes("jobs/") && lost.sbatches().length <= 3 ? { die: "NODE_FAIL" } : "run");
    const r2 = await run(rig2, lost, { retries: 2 });
    expect(r2.record.stages["src"]!.status).toBe("failed");
    expect(r2.record.stages["src"]!.error).toMatch(/slurm job \d+ NODE_FAIL after 3 attempts/);
    const st = await rig2.lcl(["status"]);
    expect(st.stdout).toMatch(/slurm job \d+ NODE_FAIL/);
    expect(readJobState(r2.s.store, r2.record.stages["src"]!.fingerprint!)).toMatchObject({ state: "NODE_FAIL", attempt: 3 });
  });

  it("does not retry what would fail again (out of memory, the stage's own error)", async () => {
    const rig = rigWith(sweep());
    const slurm = new FakeSlurm();
    slurm.fate = () => ({ die: "OUT_OF_MEMORY" });
    const { record } = await run(rig, slurm);
    expect(record.stages["src"]!.error).toMatch(/OUT_OF_MEMORY.*raise resources\.mem/);
    expect(slurm.sbatches()).toHaveLength(1);

    const rig2 = rigWith({ ...sweep(), "experiments.yaml": experiments("    params:\n      scale: { fail: true }\n") });
    const s2 = new FakeSlurm();
    const r2 = await run(rig2, s2);
    expect(r2.record.stages["scale"]!.error).toMatch(/asked to fail \(slurm job \d+ on /);
    expect(s2.sbatches()).toHaveLength(2); // src, then scale once
  });

  it("a stopped job is cancelled, and its stage rejects with the typed Interrupted, not a failure", async () => {
    const rig = rigWith(sweep());
    const s = openSession(rig.root);
    const slurm = new FakeSlurm();
    slurm.fate = () => "hang";
    const executor = new SlurmExecutor(s.store, { runner: slurm.runner, ...FAST });
    const abort = new AbortController();
    const spec = {
      version: 1, workspace: rig.root, experiment: "base", instance: "src", fingerprint: "ab".repeat(32), kind: "t-source", modulePath: "/nowhere.mjs",
      job: {} as StageJob, data: {} as FingerprintData, codeDetail: {}, backend: "none",
    } as const;
    const stage = executor.execute(spec, {}, { signal: abort.signal, log: () => {}, progress: () => {} });
    const t0 = Date.now();
    while (!slurm.sbatches().length && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    await expect(stage).rejects.toMatchObject({ _tag: "Interrupted", message: "interrupted" });
    expect(slurm.scancelled()).toHaveLength(1);
    await executor.shutdown();
  });

  it("Ctrl-C cancels every job still queued or running", async () => {
    const rig = rigWith(sweep());
    const slurm = new FakeSlurm();
    slurm.fate = (n) => (n === 1 ? "run" : "hang");
    const x = start(rig, slurm);
    const fiber = Effect.runFork(x.program);
    const t0 = Date.now();
    while (slurm.sbatches().length < 4 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    expect(slurm.sbatches()).toHaveLength(4); // src ran; the three scale variants are queued
    const queued = [...slurm.queue.keys()];
    expect(queued).toHaveLength(3);
    await Effect.runPromise(Fiber.interrupt(fiber));
    expect(new Set(slurm.scancelled())).toEqual(new Set(queued));
    expect(slurm.queue.size).toBe(0);
    expect(x.remote.outstanding).toEqual([]);
    const runs = readdir(rig.path("artifacts/runs"));
    const rec = JSON.parse(rig.read(`artifacts/runs/${runs[runs.length - 1]}`));
    expect(rec.status).toBe("interrupted");
  });

  it("a job takes over a stage whose previous job died (stale lease: dead pid here, or no heartbeat from another host); waits for a live one", async () => {
    const rig = rigWith(sweep());
    const slurm = new FakeSlurm();
    const { s, record } = await run(rig, slurm);
    const fp = record.stages["src"]!.fingerprint!;
    // Recreate a job spec for src and drop its record, as if the job had never finished.
    const specFile = rig.path("artifacts/jobs", fp, "spec.json");
    const graph = await loadGraph(s, ["base"]);
    const inst = graph.instances.get("src")!;
    const recordFile = s.store.recordPath(fp);
    const rec = JSON.parse(readFileSync(recordFile, "utf8"));
    mkdirSync(path.dirname(specFile), { recursive: true });
    writeFileSync(specFile, JSON.stringify({
      version: 1, workspace: rig.root, experiment: "base", instance: "src", fingerprint: fp, kind: inst.kind.name, modulePath: s.registry.modulePath(inst.kind.name),
      job: { storeRoot: s.store.root, instance: "src", fingerprint: fp, params: inst.params, inputs: inst.inputs, files: [], backend: "none", upstream: {} },
      data: rec.data, codeDetail: rec.codeDetail, backend: "none",
    }));
    const lease = path.join(s.store.locksDir, "exec", fp);
    const leaseAs = (owner: object, ageMs = 0) => {
      mkdirSync(lease, { recursive: true });
      const f = path.join(lease, "owner.json");
      writeFileSync(f, JSON.stringify(owner));
      const t = new Date(Date.now() - ageMs);
      utimesSync(f, t, t);
    };
    const result = (job: string) => JSON.parse(readFileSync(rig.path("artifacts/jobs", fp, `result-${job}.json`), "utf8"));

    // 1. Its previous job's process on this host is gone.
    unlinkSync(recordFile);
    leaseAs({ host: os.hostname(), pid: 2 ** 22 + 4321, startedAt: "", purpose: "job 1 (killed)" });
    expect(await execRemoteStage(specFile, { signal: new AbortController().signal, jobId: "j1" })).toBe(0);
    expect(result("j1")).toMatchObject({ ok: true });
    expect(existsSync(recordFile)).toBe(true);

    // 2. A node that died: another host's lease whose heartbeat stopped long ago.
    unlinkSync(recordFile);
    leaseAs({ host: "node-that-died", pid: 1, startedAt: "", purpose: "job 2" }, 120_000);
    expect(await execRemoteStage(specFile, { signal: new AbortController().signal, jobId: "j2" })).toBe(0);
    expect(result("j2")).toMatchObject({ ok: true });

    // 3. A live job elsewhere (fresh heartbeat): wait, and give up only when cancelled.
    leaseAs({ host: "busy-node", pid: 1, startedAt: "", purpose: "job 3", beatAt: new Date().toISOString() });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    expect(await execRemoteStage(specFile, { signal: abort.signal, jobId: "j3" })).toBe(1);
    expect(result("j3")).toMatchObject({ ok: false, interrupted: true });
  });
});

describe("resources in YAML", () => {
  it("are checked with file:line, and an unknown key gets a suggestion", async () => {
    const rig = rigWith(sweep("    resources: { mem: lots, cpu: 2 }\n"));
    const r = await rig.lcl(["plan"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipelines\/p\.yaml:\d+:\d+.*memory is a number/);
    expect(r.stderr).toMatch(/unknown key 'cpu'[\s\S]*did you mean 'cpus'/);
  });

  it("the slurm flags need --executor slurm, and are checked", async () => {
    const rig = rigWith(sweep());
    const r = await rig.lcl(["run", "--mem", "4G"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/apply to cluster jobs only/);
    const t = await rig.lcl(["run", "--executor", "slurm", "--time", "soon"]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--time soon/);
  });
});

describe("gc and cluster job folders", () => {
  it("removes a day-old job folder, but not one whose job still holds the stage's execution lease", async () => {
    const rig = rigWith(sweep());
    const s = openSession(rig.root);
    const old = new Date(Date.now() - 2 * 86_400_000);
    for (const fp of ["a".repeat(64), "b".repeat(64)]) {
      const dir = rig.path("artifacts/jobs", fp);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "slurm-1.out"), "…");
      utimesSync(dir, old, old);
    }
    const live = (await tryAcquire(path.join(s.store.locksDir, "exec", "b".repeat(64)), "job 2 still running"))!;
    const r = await gc(s.store, { dryRun: false, keepRuns: 5 });
    expect(r.removed.filter((x) => x.kind === "job").map((x) => path.basename(x.path))).toEqual(["a".repeat(64)]);
    expect(readdir(rig.path("artifacts/jobs"))).toEqual(["b".repeat(64)]);
    await live.release();
  });
});

describe("leases on a shared filesystem", () => {
  it("many processes breaking the same stale lease at once: exactly one gets it", async () => {
    const rig = rigWith({});
    const dir = rig.path("locks", "x");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "owner.json"), JSON.stringify({ host: os.hostname(), pid: 2 ** 22 + 99, startedAt: "", purpose: "dead", token: "t0" }));
    const got = await Promise.all(Array.from({ length: 12 }, (_, i) => tryAcquire(dir, `p${i}`)));
    expect(got.filter(Boolean)).toHaveLength(1);
    await got.find(Boolean)!.release();
  });

  it("the heartbeat is in the owner file's content, so a cached mtime cannot make a live lease look stale", async () => {
    const rig = rigWith({});
    const dir = rig.path("locks", "y");
    const l = (await acquire(dir, "live", { heartbeatMs: 20 }))!;
    await new Promise((r) => setTimeout(r, 60));
    const f = path.join(dir, "owner.json");
    const owner = JSON.parse(readFileSync(f, "utf8"));
    expect(Date.now() - Date.parse(owner.beatAt)).toBeLessThan(1_000);
    // What an NFS client with a stale attribute cache might report:
    const old = new Date(Date.now() - 600_000);
    utimesSync(f, old, old);
    // …a different host judges by the content: still alive.
    writeFileSync(f, JSON.stringify({ ...owner, host: "elsewhere", beatAt: new Date().toISOString() }));
    utimesSync(f, old, old);
    expect(await isStale(dir, 5_000)).toBe(false);
    await l.release();
  });
});

function readdir(p: string): string[] { return existsSync(p) ? readdirSync(p).sort() : []; }
