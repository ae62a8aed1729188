import * as os from "node:os";
import { BACKENDS, probe, selectBackend, tensorflow, type Probe, type Tf } from "../../compute/backend.js";
import { UsageError } from "../../engine/errors.js";
import { c } from "../style.js";

const print = (s: string) => process.stdout.write(s + "\n");

/** `lcl doctor`: every backend probed, the chosen one benchmarked for a couple of seconds. */
export async function doctor(o: { readonly json: boolean; readonly backend?: string; readonly seconds: number }) {
  const forced = o.backend ?? (process.env.LCL_BACKEND || undefined);
  const probes: Probe[] = [];
  for (const b of BACKENDS) probes.push(await probe(b)); // each probe activates its backend; the selection below resets it
  let chosen;
  try { chosen = await selectBackend(forced); } catch (e) {
    throw new UsageError({ message: (e as Error).message, fix: `available here: ${probes.filter((p) => p.available).map((p) => p.name).join(", ") || "none"}` });
  }
  const tf = await tensorflow(chosen.name);
  await tf.setBackend(chosen.name === "node" || chosen.name === "node-gpu" ? "tensorflow" : chosen.name); // the probes above switched it
  const bench = await microBenchmark(tf, o.seconds);
  const report = { chosen: { name: chosen.name, version: chosen.version, threads: chosen.threads, forced: forced ?? null }, probes, cpus: os.availableParallelism(), node: process.version, bench };
  if (o.json) return print(JSON.stringify(report, null, 1));
  print(`${c.bold("backend")} ${c.green(chosen.name)} ${chosen.version}${forced ? c.dim(" (forced)") : c.dim(" (best available: node-gpu → node → wasm → cpu)")}`);
  for (const p of probes) print(`  ${p.available ? c.green("✓") : c.red("✗")} ${p.name.padEnd(9)} ${p.available ? `${p.version} · ${p.threads} thread${p.threads === 1 ? "" : "s"}` : c.dim(p.reason ?? "")}`);
  print(`${c.bold("threads")} ${chosen.threads} of ${report.cpus} cores · node ${process.version}`);
  print(`${c.bold("benchmark")} matMul 256×256: ${bench.matmulGflops.toFixed(2)} GFLOP/s · conv2d 64×32×32×1 ⊛ 7×7×32: ${bench.conv2dMs.toFixed(1)} ms/op`);
}

async function microBenchmark(tf: Tf, seconds: number) {
  const half = (seconds * 1000) / 2;
  const a = tf.randomNormal([256, 256], 0, 1, "float32", 1), b = tf.randomNormal([256, 256], 0, 1, "float32", 2);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < half) { tf.tidy(() => tf.matMul(a, b)).dataSync(); n++; }
  const matmulGflops = (n * 2 * 256 ** 3) / ((performance.now() - t0) / 1000) / 1e9;
  const x = tf.randomNormal([64, 32, 32, 1], 0, 1, "float32", 3) as import("@tensorflow/tfjs-core").Tensor4D;
  const w = tf.randomNormal([7, 7, 1, 32], 0, 1, "float32", 4) as import("@tensorflow/tfjs-core").Tensor4D;
  let m = 0;
  const t1 = performance.now();
  while (performance.now() - t1 < half) { tf.tidy(() => tf.conv2d(x, w, 1, "same")).dataSync(); m++; }
  const conv2dMs = (performance.now() - t1) / m;
  tf.dispose([a, b, x, w]);
  return { matmulGflops, conv2dMs };
}
