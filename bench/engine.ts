/**
 * `npm run bench:engine`: a generated DAG of N producers → N consumers → 1 join (2N+1 stages),
 * timed cold, as a no-op rerun and after a one-param change — through the real CLI, and with
 * Snakemake on the same shape when it is installed. Also file hashing against OpenSSL.
 * Ratios are printed against peers measured in the same run; nothing here asserts timings.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { sha256File } from "../src/engine/hashing.js";

const N = Number(process.env.BENCH_N ?? 1000);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "bin/lcl.js");

function time(f: () => void): number { const t = performance.now(); f(); return (performance.now() - t) / 1000; }

function lclWorkspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lcl-bench-"));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(ROOT, path.join(dir, "node_modules/lcl"), "dir");
  cpSync(path.join(ROOT, "bench/stages"), path.join(dir, "stages"), { recursive: true });
  mkdirSync(path.join(dir, "pipelines"));
  writeFileSync(path.join(dir, "pipelines/fan.yaml"), "nodes:\n  produce: { uses: bench-produce }\n  consume: { uses: bench-consume, inputs: { x: produce.out } }\n  join: { uses: bench-join, inputs: { xs: consume.out } }\n");
  writeExperiments(dir, N - 1);
  return dir;
}
function writeExperiments(dir: string, last: number) {
  const values = [...Array(N - 1).keys(), last];
  writeFileSync(path.join(dir, "experiments.yaml"), `experiments:\n  fan:\n    pipeline: fan\n    matrix:\n      produce: { i: [${values.join(", ")}] }\n`);
}
function lcl(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "run", "fan", "-q", ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (r.status !== 0) throw new Error(`lcl failed: ${r.stderr}`);
  return r.stderr.trim().split("\n").pop();
}
// `--help` loads the whole CLI bundle; `--version` is answered by bin/lcl.js alone and would understate it.
function lclStartup(dir: string): number {
  return time(() => spawnSync(process.execPath, [BIN, "--help"], { cwd: dir }));
}

function snakemakeWorkspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "smk-bench-"));
  writeFileSync(path.join(dir, "config.py"), `LAST = ${N - 1}\n`);
  // shell: rules, the way Snakemake workflows are usually written (a `run:` block costs a Python
  // subprocess per job in Snakemake 7, ~0.4 s each). Same shape, same tiny payloads.
  writeFileSync(path.join(dir, "Snakefile"), `
include: "config.py"
IDS = list(range(${N - 1})) + [LAST]
rule join:
    input: expand("c/{i}.txt", i=IDS)
    output: "join.txt"
    shell: "awk '{{s += $1}} END {{print s}}' {input} > {output}"
rule consume:
    input: "p/{i}.txt"
    output: "c/{i}.txt"
    params: k=2
    shell: "awk '{{print $1 * {params.k}}}' {input} > {output}"
rule produce:
    output: "p/{i}.txt"
    params: i=lambda w: int(w.i)
    shell: "echo {params.i} > {output}"
`);
  return dir;
}
// -c1 keeps `run:` jobs inside the Snakemake process (with more cores each job is a subprocess, ~0.4 s);
// the greedy scheduler avoids an LP solve per round. Both are the fastest settings for Snakemake here.
const SMK_ARGS = ["-c1", "--quiet", "--scheduler", "greedy", "--rerun-triggers", "mtime", "params", "input", "code"];
function smk(dir: string) {
  const r = spawnSync("snakemake", SMK_ARGS, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`snakemake failed: ${r.stderr}`);
}

const stages = 2 * N + 1;
const row = (name: string, ours: number, peer?: number) =>
  console.log(`${name.padEnd(26)} lcl ${ours.toFixed(2).padStart(7)} s${peer !== undefined ? `   snakemake ${peer.toFixed(2).padStart(7)} s   ratio ${(peer / ours).toFixed(1)}× faster` : ""}`);

console.log(`engine benchmark: ${N} producers → ${N} consumers → 1 join = ${stages} stages, ${os.availableParallelism()} cores, node ${process.version}\n`);
const ws = lclWorkspace();
const startup = lclStartup(ws);
const cold = time(() => lcl(ws));
const noop = time(() => lcl(ws));
writeExperiments(ws, N + 5000);
const change = time(() => lcl(ws));
const hasSmk = spawnSync("snakemake", ["--version"]).status === 0;
let s: { cold: number; noop: number; change: number } | undefined;
if (hasSmk) {
  const sw = snakemakeWorkspace();
  const sc = time(() => smk(sw)), sn = time(() => smk(sw));
  writeFileSync(path.join(sw, "config.py"), `LAST = ${N + 5000}\n`);
  s = { cold: sc, noop: sn, change: time(() => smk(sw)) };
  rmSync(sw, { recursive: true, force: true });
  const version = spawnSync("snakemake", ["--version"], { encoding: "utf8" }).stdout.trim();
  console.log(`snakemake ${version}: \`snakemake ${SMK_ARGS.join(" ")}\`, shell: rules (awk/echo per job)\n`);
}
row("cold run", cold, s?.cold);
row("no-op rerun", noop, s?.noop);
row("one-param change (3 stages)", change, s?.change);
console.log(`\nper-stage overhead, cold: lcl ${((1000 * (cold - startup)) / stages).toFixed(2)} ms/stage (excluding ${startup.toFixed(2)} s CLI start-up)` +
  (s ? `, snakemake ${((1000 * s.cold) / stages).toFixed(2)} ms/stage → ${((s.cold / stages) / ((cold - startup) / stages)).toFixed(1)}× (aim ≥ 10×)` : ""));
console.log(`no-op rerun minus start-up: ${(noop - startup).toFixed(3)} s; one-param change minus start-up: ${(change - startup).toFixed(3)} s (aim ≤ 0.2 s)`);
if (!hasSmk) console.log("snakemake not found: install it to compare (Debian: sudo apt-get install snakemake)");
rmSync(ws, { recursive: true, force: true });

// Hashing: our streaming sha256 vs OpenSSL's single-core rate, same machine, same run.
const file = path.join(os.tmpdir(), `lcl-bench-hash-${process.pid}`);
const MiB = 256;
const fd = openSync(file, "w");
const chunk = Buffer.alloc(1 << 20, 7);
for (let i = 0; i < MiB; i++) { chunk[0] = i; writeSync(fd, chunk); }
closeSync(fd);
await sha256File(file); // warm the page cache
const t0 = performance.now();
await sha256File(file);
const ours = MiB / ((performance.now() - t0) / 1000);
rmSync(file);
let openssl: number | undefined;
try {
  const out = execFileSync("openssl", ["speed", "-evp", "sha256", "-bytes", "1048576", "-seconds", "2"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const m = /sha256\s+([\d.]+)k/i.exec(out.split("\n").filter((l) => /sha256/i.test(l)).pop() ?? "");
  if (m) openssl = (Number(m[1]) * 1000) / (1 << 20);
} catch { /* openssl missing */ }
console.log(`\nfile hashing (sha256, 4 MiB double-buffered reads, ${MiB} MiB file): lcl ${ours.toFixed(0)} MiB/s` +
  (openssl ? `, openssl speed ${openssl.toFixed(0)} MiB/s → ${((100 * ours) / openssl).toFixed(0)}% (aim ≥ 80%)` : ", openssl not found"));
