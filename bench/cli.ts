/**
 * `npm run bench:cli`: how long each everyday command takes as a whole process (start-up included),
 * beside `node -e 0` measured in the same run, so the number means something on a loaded machine.
 * Runs are interleaved (one of each command per round) so a load spike hits every command alike;
 * medians of BENCH_RUNS rounds (default 7). Nothing here asserts timings.
 *
 * The commands run in lcl's own workspace on the `quick` experiment (BENCH_EXPERIMENT). The no-op
 * `run` is only timed when `plan` says nothing is stale — run `npx lcl run quick` once first.
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "bin/lcl.js");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const EXPERIMENT = process.env.BENCH_EXPERIMENT ?? "quick";
const env = { ...process.env, NO_COLOR: "1" };

function spawnNode(args: readonly string[]): { seconds: number; status: number | null; stdout: string; stderr: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: "utf8" });
  return { seconds: (performance.now() - t) / 1000, status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

// The no-op run is only meaningful when the experiment is fully cached; otherwise it would compute.
const plan = spawnNode([BIN, "plan", EXPERIMENT, "--json"]);
if (plan.status !== 0) throw new Error(`lcl plan ${EXPERIMENT} failed:\n${plan.stderr}`);
const stale = (JSON.parse(plan.stdout) as unknown[]).length;

const commands: [string, string[]][] = [
  ["node -e 0", ["-e", "0"]],
  ["lcl --version", [BIN, "--version"]],
  ["lcl --help", [BIN, "--help"]],
  [`lcl status ${EXPERIMENT}`, [BIN, "status", EXPERIMENT]],
  [`lcl plan ${EXPERIMENT}`, [BIN, "plan", EXPERIMENT]],
  ...(stale === 0 ? [[`lcl run ${EXPERIMENT} (no-op)`, [BIN, "run", EXPERIMENT, "-q"]] as [string, string[]]] : []),
];

const times = new Map(commands.map(([name]) => [name, [] as number[]]));
for (let round = 0; round < RUNS; round++) {
  for (const [name, args] of commands) {
    const r = spawnNode(args);
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}:\n${r.stderr}`);
    times.get(name)!.push(r.seconds);
  }
}

const base = median(times.get("node -e 0")!);
console.log(`CLI start-up: whole-process wall time, median of ${RUNS} interleaved rounds; node ${process.version}, ` +
  `${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
for (const [name] of commands) {
  const m = median(times.get(name)!);
  const over = m - base;
  console.log(`${name.padEnd(28)} ${m.toFixed(3).padStart(7)} s${name === "node -e 0" ? "" : `   ${over >= 0 ? "+" : "−"}${Math.abs(over).toFixed(3)} s vs node -e 0`}`);
}
console.log("\naim (issue 17): ≤ 0.15 s whole-process for --version, status, plan and a no-op run, where node -e 0 takes ~0.07 s");
if (stale > 0) console.log(`\nno-op run not timed: ${stale} stage(s) of ${EXPERIMENT} are stale — run \`npx lcl run ${EXPERIMENT}\` once first`);
