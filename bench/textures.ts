/**
 * `npm run bench:textures`: Portilla–Simoncelli cost at 64×64 and 128×128 (4 scales × 4
 * orientations, 7×7 neighbourhoods): pyramid analysis, pyramid synthesis, the full statistics and
 * one synthesis iteration (projection + the statistics for the convergence record), single-threaded;
 * then one refinement (L-BFGS) step; then the default stimulus set (15 families × 15 samples at
 * 64 px, the default 15 projection iterations + 80 refinement steps) on every core through the
 * worker threads the stage uses (dist/texture-worker.mjs; `npm run prepare` builds it).
 * BENCH_REPS sets repetitions (default 20), BENCH_SET the number of syntheses in the set (default
 * 225), BENCH_REFINEMENTS the refinement steps per synthesis (default 80).
 */
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { makeRng } from "../src/sdk/rng.js";
import { synthesizeAll } from "../src/texture/parallel.js";
import { buildPyramid, reconstructPyramid } from "../src/texture/pyramid.js";
import { textureStatistics } from "../src/texture/statistics.js";
import { synthesizeTexture } from "../src/texture/synthesis.js";

const REPS = Number(process.env.BENCH_REPS ?? 20), SET = Number(process.env.BENCH_SET ?? 225), REFINE = Number(process.env.BENCH_REFINEMENTS ?? 80);
const time = (f: () => void, reps = REPS) => { f(); const t = performance.now(); for (let r = 0; r < reps; r++) f(); return (performance.now() - t) / reps; };
const texture = (n: number, seed: number) => { const rng = makeRng(seed); return Float64Array.from({ length: n * n }, (_, i) => Math.sin((i % n) / 2 + Math.floor(i / n) / 5) * (1 + 0.3 * rng.normal()) + 0.5 * rng.normal()); };
console.log(`load average ${os.loadavg().map((v) => v.toFixed(2)).join(" ")} on ${os.availableParallelism()} cores`);
for (const n of [64, 128]) {
  const img = texture(n, n), pyr = buildPyramid(img, n), target = textureStatistics(img, n);
  const analysis = time(() => buildPyramid(img, n)), synthesis = time(() => reconstructPyramid(pyr)), stats = time(() => textureStatistics(img, n));
  const reps = Math.max(2, Math.round(REPS / 4)), t = performance.now();
  synthesizeTexture(target, n, makeRng(1), { iterations: reps, refinements: 0 });
  const perIteration = (performance.now() - t) / reps, t2 = performance.now();
  const refined = synthesizeTexture(target, n, makeRng(1), { iterations: 1, refinements: reps });
  const perRefinement = (performance.now() - t2 - perIteration) / Math.max(1, refined.history.length - 2);
  console.log(`textures ${n}×${n}: pyramid analysis ${analysis.toFixed(2)} ms, synthesis ${synthesis.toFixed(2)} ms, PS statistics ${stats.toFixed(2)} ms per image (${REPS} reps); synthesis ${perIteration.toFixed(1)} ms per projection iteration, ${perRefinement.toFixed(1)} ms per refinement step (${reps} each)`);
}
const n = 64, script = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "texture-worker.mjs"), workers = os.availableParallelism();
const targets = Array.from({ length: 15 }, (_, f) => textureStatistics(texture(n, 100 + f), n));
const jobs = Array.from({ length: SET }, (_, j) => ({ target: targets[j % 15]!, n, seed: j, options: { refinements: REFINE } }));
const t0 = performance.now();
await synthesizeAll(jobs, { workers, script });
const s = (performance.now() - t0) / 1000;
console.log(`stimulus set: ${SET} syntheses of ${n}×${n} (15 iterations + ${REFINE} refinements) on ${workers} worker threads: ${s.toFixed(1)} s (${(s * 225 / SET).toFixed(0)} s for 225); load average now ${os.loadavg()[0]!.toFixed(2)}`);
